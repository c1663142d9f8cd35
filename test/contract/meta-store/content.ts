// Instant upload's lookup (findObjectsByContent): current versions of one bucket by their
// verified content digests and size; delete markers, noncurrent versions, other buckets and
// versions without digests are never found; the digests travel with the version.
import { eq } from "../assert.ts";
import { chunk, chunked, hash, object, session, sweep, withBuckets, type ContractCase } from "./tools.ts";

const C1 = { sha256: hash(101), md5: "0".repeat(31) + "1" };
const C2 = { sha256: hash(102), md5: "0".repeat(31) + "2" };
const keys = (os: { key: string }[]) => os.map((o) => o.key).sort();

export const CONTENT_CASES: ContractCase[] = [
  {
    name: "findObjectsByContent: current versions with that sha256 and size, in that bucket only, up to the limit",
    async run(s) {
      await withBuckets(s, "b1", "b2");
      for (const k of ["a", "b", "c"]) eq(await s.putObject(object("b1", k, { content: C1 }), {}), { ok: true });
      eq(await s.putObject(object("b1", "other", { content: C2 }), {}), { ok: true });
      eq(await s.putObject(object("b1", "plain"), {}), { ok: true });
      eq(await s.putObject(object("b2", "z", { content: C1 }), {}), { ok: true });
      const found = await s.findObjectsByContent("b1", C1.sha256, 2, 10);
      eq(keys(found), ["a", "b", "c"]);
      eq(found.find((o) => o.key === "a")?.content, C1, "the digests are read back");
      eq(new TextDecoder().decode(found[0].inline), "v1", "with its data");
      eq((await s.findObjectsByContent("b1", C1.sha256, 2, 2)).length, 2);
      eq(await s.findObjectsByContent("b1", C1.sha256, 3, 10), [], "another size");
      eq(await s.findObjectsByContent("b1", hash(103), 2, 10), [], "another hash");
      eq(keys(await s.findObjectsByContent("b2", C1.sha256, 2, 10)), ["z"]);
      eq(await s.findObjectsByContent("nope", C1.sha256, 2, 10), []);
    },
  },
  {
    name: "findObjectsByContent: only current versions; a deleted or overwritten one is gone, a restored one back",
    async run(s) {
      await withBuckets(s, "b1");
      eq(await s.putObject(object("b1", "k", { content: C1, versionId: "v1" }), {}), { ok: true });
      eq(await s.putObject(object("b1", "k", { content: C2, versionId: "v2" }), {}), { ok: true });
      eq(await s.findObjectsByContent("b1", C1.sha256, 2, 10), [], "v1 is noncurrent");
      eq(keys(await s.findObjectsByContent("b1", C2.sha256, 2, 10)), ["k"]);
      eq((await s.deleteObject("b1", "k", undefined, undefined, { marker: { versionId: "dm", lastModified: 1 } })).ok, true);
      eq(await s.findObjectsByContent("b1", C2.sha256, 2, 10), [], "hidden by a delete marker");
      eq((await s.deleteObject("b1", "k", undefined, undefined, { versionId: "dm" })).ok, true);
      eq((await s.deleteObject("b1", "k", undefined, undefined, { versionId: "v2" })).ok, true);
      const back = await s.findObjectsByContent("b1", C1.sha256, 2, 10);
      eq(back.map((o) => [o.key, o.versionId, o.content]), [["k", "v1", C1]], "v1 current again, its digests kept");
      eq((await s.deleteObject("b1", "k")).ok, true);
      eq(await s.findObjectsByContent("b1", C1.sha256, 2, 10), []);
    },
  },
  {
    name: "objects found by content share chunks: each name holds a reference, GC frees them with the last",
    async run(s, t) {
      await withBuckets(s, "b1");
      const sess = session("b1");
      const a = await chunk(s, sess, 1);
      const content = { sha256: a.hash, md5: C1.md5 };
      eq(await s.putObject(chunked("b1", "k1", [a], { content }), { session: sess }), { ok: true });
      const [src] = await s.findObjectsByContent("b1", a.hash, a.size, 1);
      eq(src.manifest, [a]);
      eq(await s.putObject({ ...src, key: "k2" }, {}), { ok: true }, "a new name from the found manifest");
      eq((await s.deleteObject("b1", "k1")).ok, true);
      eq(await sweep(s, t), [], "k2 still references the chunk");
      eq(keys(await s.findObjectsByContent("b1", a.hash, a.size, 10)), ["k2"]);
      eq((await s.deleteObject("b1", "k2")).ok, true);
      eq(await sweep(s, t), [a.blob]);
    },
  },
];
