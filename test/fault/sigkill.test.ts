// SIGKILL rounds (issue 10, "Keep it proven"): concurrent writers PUT (inline and multi-chunk),
// complete multipart uploads, copy and delete while GC runs every 100 ms; the gateway is killed
// at a random moment and restarted on the same data dir. Every acknowledged write must read
// back with its bytes and ETag, every acknowledged delete must stay gone, nothing may answer
// 5xx. An operation cut off by the kill may have happened or not, never half. After the last
// round and a GC pass of the restarted gateway (which owns none of the dead processes'
// sessions), no blob file may be left that no chunk row names, and no row may lack its file.
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createBucket, HEAVY, inspectStore, listKeys, md5Hex, report, rng, s3, startGateway, xmlCode, type Gateway, type Rng } from "./harness.ts";

const ROUNDS = Number(process.env.S3EDGE_FAULT_ROUNDS ?? (HEAVY ? 60 : 8));
const WRITERS = HEAVY ? 12 : 6;
const KEYS_PER_WRITER = 12;
const SEED = Number(process.env.S3EDGE_FAULT_SEED ?? 20261201);
const CHUNK = 64 * 1024;
const BUCKET = "kill";
const ENV = { S3EDGE_CHUNK_SIZE: String(CHUNK), S3EDGE_GC_INTERVAL_MS: "100" };

type State = { present: false } | { present: true; md5: string; size: number; etag: string };
interface Key { name: string; confirmed: State; /** Outcome of the operation the kill cut off, if any. */ pending?: State }

const root = mkdtempSync(join(tmpdir(), "s3edge-fault-kill-"));
const dataDir = join(root, "data");
let gw: Gateway | undefined;
afterAll(async () => {
  await gw?.stop();
  rmSync(root, { recursive: true, force: true });
});

const stats = { acked: 0, cut: 0, fivexx: 0, unexpected: [] as string[], lost: [] as string[], puts: 0, multipart: 0, copies: 0, deletes: 0 };

function sizeFor(r: Rng): number {
  return r.chance(0.45) ? r.int(16 * 1024 + 1) : 16 * 1024 + 1 + r.int(6 * CHUNK); // inline, or 1–7 chunks
}

/** One writer: its own keys, one operation at a time, until the gateway is gone. */
async function writer(g: Gateway, w: number, keys: Key[], r: Rng, isKilled: () => boolean) {
  const present = () => keys.filter((k) => k.confirmed.present);
  while (!isKilled()) {
    const key = r.pick(keys);
    const dice = r.int(100);
    let outcome: State;
    let send: () => Promise<{ ok: boolean; etag?: string; status: number; text: string }>;
    if (dice < 45) {
      const body = r.bytes(sizeFor(r));
      outcome = { present: true, md5: md5Hex(body), size: body.length, etag: md5Hex(body) };
      stats.puts++;
      send = async () => {
        const a = await s3(g, "PUT", `/${BUCKET}/${key.name}`, { body });
        return { ok: a.status === 200, etag: a.headers.get("etag")?.replace(/"/g, ""), status: a.status, text: a.text };
      };
    } else if (dice < 57) {
      // Multipart: the key changes only at Complete, so only that step is in doubt at a kill.
      const parts = r.chance(0.15) ? [r.bytes(5 * 1024 * 1024), r.bytes(1 + r.int(3 * CHUNK))] : [r.bytes(1 + r.int(5 * CHUNK))];
      const created = await s3(g, "POST", `/${BUCKET}/${key.name}?uploads`).catch(() => null);
      if (!created) break;
      if (created.status !== 200) { note(created.status, `create multipart ${created.status} ${created.text.slice(0, 200)}`); continue; }
      const id = /<UploadId>([^<]+)<\/UploadId>/.exec(created.text)![1];
      const etags: string[] = [];
      let failed = false;
      for (let i = 0; i < parts.length && !failed; i++) {
        const a = await s3(g, "PUT", `/${BUCKET}/${key.name}?partNumber=${i + 1}&uploadId=${encodeURIComponent(id)}`, { body: parts[i] }).catch(() => null);
        if (!a) { failed = true; break; }
        if (a.status !== 200) { note(a.status, `upload part ${a.status} ${a.text.slice(0, 200)}`); failed = true; break; }
        etags.push(a.headers.get("etag")!);
      }
      if (failed) continue;
      const all = Buffer.concat(parts);
      const partMd5s = Buffer.concat(parts.map((p) => Buffer.from(md5Hex(p), "hex")));
      outcome = { present: true, md5: md5Hex(all), size: all.length, etag: `${md5Hex(partMd5s)}-${parts.length}` };
      stats.multipart++;
      const xml = `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`).join("")}</CompleteMultipartUpload>`;
      send = async () => {
        const a = await s3(g, "POST", `/${BUCKET}/${key.name}?uploadId=${encodeURIComponent(id)}`, { body: xml });
        const etag = /<ETag>([^<]+)<\/ETag>/.exec(a.text)?.[1].replace(/&quot;|"/g, "");
        return { ok: a.status === 200 && a.text.includes("<CompleteMultipartUploadResult"), etag, status: a.status, text: a.text };
      };
    } else if (dice < 72 && present().length && present().some((k) => k !== key)) {
      const src = r.pick(present().filter((k) => k !== key));
      const s = src.confirmed as Extract<State, { present: true }>;
      outcome = { ...s, etag: "" }; // the copy's own ETag comes with its answer
      stats.copies++;
      send = async () => {
        const a = await s3(g, "PUT", `/${BUCKET}/${key.name}`, { headers: { "x-amz-copy-source": `/${BUCKET}/${src.name}` } });
        const etag = /<ETag>([^<]+)<\/ETag>/.exec(a.text)?.[1].replace(/&quot;|"/g, "");
        return { ok: a.status === 200 && a.text.includes("<CopyObjectResult"), etag, status: a.status, text: a.text };
      };
    } else {
      outcome = { present: false };
      stats.deletes++;
      send = async () => {
        const a = await s3(g, "DELETE", `/${BUCKET}/${key.name}`);
        return { ok: a.status === 204, status: a.status, text: a.text };
      };
    }
    key.pending = outcome;
    let res: Awaited<ReturnType<typeof send>>;
    try {
      res = await send();
    } catch (e) {
      if (isKilled()) { stats.cut++; break; } // cut off by the kill: either outcome is right
      stats.unexpected.push(`w${w} ${key.name}: ${String(e)}`);
      break;
    }
    if (!res.ok) {
      key.pending = undefined;
      note(res.status, `w${w} ${key.name}: ${res.status} ${xmlCode(res.text)} ${res.text.slice(0, 200)}`);
      continue;
    }
    if (outcome.present) {
      if (outcome.etag && res.etag !== outcome.etag) stats.unexpected.push(`${key.name}: ETag ${res.etag}, expected ${outcome.etag}`);
      outcome.etag = res.etag ?? "";
    }
    key.confirmed = outcome;
    key.pending = undefined;
    stats.acked++;
  }
}

function note(status: number, what: string) {
  if (status >= 500) stats.fivexx++;
  stats.unexpected.push(what);
}

/** After a restart: each key is its acknowledged state, or the cut-off operation's outcome. */
async function verify(g: Gateway, keys: Key[], round: number) {
  const listed = await listKeys(g, BUCKET);
  for (const k of keys) {
    const a = await s3(g, "GET", `/${BUCKET}/${k.name}`);
    if (a.status >= 500) stats.fivexx++;
    const got: State | "bad" = a.status === 200
      ? { present: true, md5: md5Hex(a.bytes), size: a.bytes.length, etag: a.headers.get("etag")?.replace(/"/g, "") ?? "" }
      : a.status === 404 && xmlCode(a.text) === "NoSuchKey" ? { present: false } : "bad";
    // An ETag not yet known (a copy the kill cut off) matches any.
    const same = (s: State | undefined) => s !== undefined && got !== "bad" && s.present === got.present &&
      (!s.present || (got.present && s.md5 === got.md5 && s.size === got.size && (!s.etag || s.etag === got.etag)));
    if (same(k.confirmed)) { k.pending = undefined; }
    else if (same(k.pending)) { k.confirmed = got as State; k.pending = undefined; }
    else {
      stats.lost.push(`round ${round} ${k.name}: got ${a.status} ${got === "bad" ? a.text.slice(0, 200) : JSON.stringify(got)}, acknowledged ${JSON.stringify(k.confirmed)}${k.pending ? ` or ${JSON.stringify(k.pending)}` : ""}`);
      if (got !== "bad") k.confirmed = got; // go on from what is there, so one loss is counted once
      k.pending = undefined;
    }
    const inList = listed.get(k.name);
    if (k.confirmed.present ? inList !== k.confirmed.etag : inList !== undefined) {
      stats.lost.push(`round ${round} ${k.name}: listed ${inList ?? "absent"}, expected ${k.confirmed.present ? k.confirmed.etag : "absent"}`);
    }
  }
}

test(`SIGKILL rounds: ${ROUNDS} kills of ${WRITERS} writers, acknowledged state survives, no orphan blobs after GC`, async () => {
  const r = rng(SEED);
  console.log(`[fault] sigkill seed=${SEED} rounds=${ROUNDS} writers=${WRITERS}`);
  const keys: Key[][] = Array.from({ length: WRITERS }, (_, w) =>
    Array.from({ length: KEYS_PER_WRITER }, (_, i) => ({ name: `w${w}/k${i}${i % 3 ? ".bin" : ""}`, confirmed: { present: false } })));
  gw = await startGateway({ dataDir, env: ENV });
  await createBucket(gw, BUCKET);
  const t0 = Date.now();
  for (let round = 1; round <= ROUNDS; round++) {
    let killed = false;
    const g = gw;
    const writers = keys.map((ks, w) => writer(g, w, ks, rng(SEED * 1000 + round * 100 + w), () => killed));
    await Bun.sleep(300 + r.int(1700));
    killed = true;
    await g.kill("SIGKILL");
    await Promise.all(writers);
    gw = await startGateway({ dataDir, env: ENV });
    await verify(gw, keys.flat(), round);
  }
  // The last restart's first GC pass treats every session of the killed processes as stale.
  await Bun.sleep(1500);
  const g = gw;
  await g.stop();
  gw = undefined;
  const store = inspectStore(dataDir);
  const internal = (g.allLogs().match(/internal error/g) ?? []).length;
  report("sigkill", {
    seed: SEED, rounds: ROUNDS, writers: WRITERS, acked: stats.acked, cutByKill: stats.cut, puts: stats.puts, multipart: stats.multipart,
    copies: stats.copies, deletes: stats.deletes, lost: stats.lost.length, fivexx: stats.fivexx, unexpected: stats.unexpected.length,
    orphans: store.orphans, orphanBytes: store.orphanBytes, chunkRows: store.chunkRows, blobFiles: store.blobFiles,
    damagedRows: store.damaged.length, temps: store.temps, internalErrorsLastBoot: internal, seconds: Math.round((Date.now() - t0) / 1000),
  });
  expect(stats.lost).toEqual([]);
  expect(stats.unexpected).toEqual([]);
  expect(stats.fivexx).toBe(0);
  expect(store.damaged).toEqual([]);
  expect({ orphans: store.orphans, temps: store.temps }).toEqual({ orphans: 0, temps: 0 });
}, HEAVY ? 1_500_000 : 180_000);
