// Seeded fuzz pass (issue 10, "Keep it proven"): mutated XML bodies (CompleteMultipartUpload,
// Delete, Tagging, NotificationConfiguration, CreateBucketConfiguration), mutated SigV4
// Authorization headers and presigned queries, SigV2 headers and queries, aws-chunked bodies
// with broken framing, sizes, signatures and trailers, and random methods × paths ×
// subresources × headers. Every request goes out raw (nothing normalised) with exact HTTP
// framing. No answer may be a 5xx (501 NotImplemented for an API not served is allowed and
// counted), none may hang, the gateway must stay up and serve, and no file may appear outside
// its data dir. The seed is printed; S3EDGE_FAULT_SEED replays a run.
import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createBucket, HEAVY, md5Hex, rawRequest, REPO_ROOT, report, rng, s3, startGateway, xmlCode, type Gateway, type Rng } from "./harness.ts";
import { chunkedBody, head, presignV4, sha256, sigV2Header, sigV2Query, signV4, STREAMING, UNSIGNED } from "./sign.ts";

const SEED = Number(process.env.S3EDGE_FAULT_SEED ?? 1337);
const REQUESTS = Number(process.env.S3EDGE_FAULT_REQUESTS ?? (HEAVY ? 20000 : 3000));
const TIMEOUT_MS = 10_000;
const MARK = `s3edgefz${SEED}`;
const B = "fuzz";

const root = mkdtempSync(join(tmpdir(), "s3edge-fault-fuzz-"));
const cwd = join(root, "cwd");
let gw: Gateway | undefined;
const sink = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response(null) }); // notification target
afterAll(async () => {
  await gw?.stop();
  sink.stop(true);
  rmSync(root, { recursive: true, force: true });
});

interface Req { kind: string; method: string; target: string; headers: Record<string, string>; body?: Uint8Array }

const enc = (s: string) => new TextEncoder().encode(s);
const TOKENS = [
  "<", ">", "</", "/>", "&", "&amp;", "&#0;", "&#xFFFF;", "&lt;", '"', "'", "=", "<?xml version=\"1.0\"?>", "<![CDATA[x]]>", "]]>",
  "<!DOCTYPE x [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">]>", "&b;", "<!ENTITY x SYSTEM \"file:///etc/passwd\">", "&x;",
  "\u0000", "\uffff", "\ud800", "99999999999999999999999", "-1", "0", "10001", "NaN", "1e309", " ", "\r\n", "\t",
  "<Part>", "</Part>", "<PartNumber>", "<ETag>", "<Key>", "</Key>", "<Object>", "<Tag>", "<TagSet>", "<Quiet>true</Quiet>",
  "<Event>s3:ObjectCreated:*</Event>", "<Queue>arn:minio:sqs::F:webhook</Queue>", "<FilterRule>", `../../${MARK}`, "%00", "%2e%2e%2f",
];

function mutateBytes(r: Rng, input: Uint8Array): Uint8Array {
  let b = Buffer.from(input);
  for (let n = 1 + r.int(4); n > 0; n--) {
    const at = r.int(b.length + 1);
    switch (r.int(7)) {
      case 0: if (b.length) b[r.int(b.length)] = r.int(256); break; // flip
      case 1: b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + r.int(20)))]); break; // delete a span
      case 2: { const s = r.int(b.length + 1); b = Buffer.concat([b.subarray(0, at), b.subarray(s, s + r.int(40)), b.subarray(at)]); break; } // duplicate
      case 3: b = Buffer.concat([b.subarray(0, at), Buffer.from(r.pick(TOKENS)), b.subarray(at)]); break; // insert a token
      case 4: b = b.subarray(0, at); break; // truncate
      case 5: { const t = r.pick(["<a>", "<Part>", "<Object>"]); b = Buffer.concat([b.subarray(0, at), Buffer.from(t.repeat(200 + r.int(3000))), b.subarray(at)]); break; } // deep nesting
      default: { const s = r.int(b.length + 1); b = Buffer.concat([b.subarray(0, at), Buffer.from(b.subarray(s, s + 200).toString().repeat(1 + r.int(50))), b.subarray(at)]); } // repeat elements
    }
  }
  return new Uint8Array(b);
}

function mutateString(r: Rng, s: string): string {
  return new TextDecoder().decode(mutateBytes(r, enc(s))).replace(/[\r\n]/g, " ");
}

const pickSome = <T>(r: Rng, a: readonly T[], max: number) => Array.from({ length: r.int(max + 1) }, () => r.pick(a));

interface Fixture { host: string; uploads: { key: string; id: string; etag: string }[] }

// ---- generators -------------------------------------------------------------------------

function xmlCase(r: Rng, f: Fixture): Req {
  const up = r.pick(f.uploads);
  const docs: [string, string, [string, string][], string][] = [
    ["POST", `/${B}/${up.key}`, [["uploadId", up.id]],
      `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"${up.etag}"</ETag></Part></CompleteMultipartUpload>`],
    ["POST", `/${B}`, [["delete", ""]],
      `<Delete><Quiet>false</Quiet><Object><Key>del-a</Key></Object><Object><Key>del-b</Key><VersionId>null</VersionId></Object></Delete>`],
    ["PUT", `/${B}/obj`, [["tagging", ""]], `<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag><Tag><Key>c</Key><Value></Value></Tag></TagSet></Tagging>`],
    ["PUT", `/${B}`, [["notification", ""]],
      `<NotificationConfiguration><QueueConfiguration><Id>q</Id><Queue>arn:minio:sqs::F:webhook</Queue><Event>s3:ObjectCreated:*</Event>` +
      `<Filter><S3Key><FilterRule><Name>prefix</Name><Value>zz/</Value></FilterRule><FilterRule><Name>suffix</Name><Value>.x</Value></FilterRule></S3Key></Filter>` +
      `</QueueConfiguration></NotificationConfiguration>`],
    ["PUT", `/fuzz-new-${r.int(5)}`, [], `<CreateBucketConfiguration><LocationConstraint>us-east-1</LocationConstraint></CreateBucketConfiguration>`],
  ];
  const [method, path, query, doc] = r.pick(docs);
  const body = r.chance(0.1) ? enc(doc) : mutateBytes(r, enc(doc));
  const headers: Record<string, string> = { "content-md5": Buffer.from(md5Hex(body), "hex").toString("base64") };
  if (r.chance(0.1)) headers["content-md5"] = mutateString(r, headers["content-md5"]);
  const s = signV4({ method, host: f.host, path, query, headers, payloadHash: r.chance(0.5) ? sha256(body) : UNSIGNED });
  return { kind: "xml", method, target: s.target, headers: s.headers, body };
}

function sigv4Case(r: Rng, f: Fixture): Req {
  const method = r.pick(["GET", "PUT", "HEAD", "DELETE"]);
  const body = method === "PUT" ? r.bytes(r.int(100)) : undefined;
  const s = signV4({ method, host: f.host, path: `/${B}/obj`, payloadHash: body && r.chance(0.5) ? sha256(body) : UNSIGNED });
  const h = { ...s.headers };
  const field = r.pick(["authorization", "authorization", "authorization", "x-amz-date", "x-amz-content-sha256", "host"]);
  h[field] = r.chance(0.15) ? r.pick(["", " ", "AWS4-HMAC-SHA256", "AWS4-HMAC-SHA256 ,,,", "AWS4-HMAC-SHA256 Credential=/////", "x".repeat(9000)]) : mutateString(r, h[field]);
  if (r.chance(0.1)) delete h[field];
  return { kind: "sigv4", method, target: s.target, headers: h, body };
}

function presignCase(r: Rng, f: Fixture): Req {
  const method = r.pick(["GET", "PUT"]);
  const target = presignV4({ method, host: f.host, path: `/${B}/obj`, expires: r.pick([1, 60, 604800]) });
  const [path, q] = target.split("?");
  const pairs = q.split("&");
  const i = r.int(pairs.length);
  if (r.chance(0.2)) pairs.push(pairs[i]); // duplicate a parameter
  else if (r.chance(0.2)) pairs.splice(i, 1);
  else pairs[i] = mutateString(r, pairs[i]).replace(/[ #]/g, "%20");
  return { kind: "presign", method, target: `${path}?${pairs.join("&")}`, headers: { host: f.host }, body: method === "PUT" ? enc("p") : undefined };
}

function sigv2Case(r: Rng, f: Fixture): Req {
  const date = new Date().toUTCString();
  if (r.chance(0.4)) {
    const exp = Math.floor(Date.now() / 1000) + r.pick([-100, 60, 86400 * 8, 2 ** 40]);
    let q = sigV2Query("GET", `/${B}/obj`, exp);
    if (r.chance(0.8)) q = mutateString(r, q).replace(/[ #]/g, "%20");
    return { kind: "sigv2-query", method: "GET", target: `/${B}/obj?${q}`, headers: { host: f.host } };
  }
  const headers: Record<string, string> = { host: f.host, date };
  headers.authorization = sigV2Header("GET", `/${B}/obj`, headers);
  const field = r.pick(["authorization", "authorization", "date"]);
  headers[field] = r.chance(0.2) ? r.pick(["AWS ", "AWS :", "AWS a:b:c", "AWS " + "k".repeat(5000) + ":x", ""]) : mutateString(r, headers[field]);
  return { kind: "sigv2", method: "GET", target: `/${B}/obj`, headers };
}

function chunkedCase(r: Rng, f: Fixture): Req {
  const data = Array.from({ length: 1 + r.int(3) }, () => r.bytes(r.int(70_000)));
  const decoded = data.reduce((n, c) => n + c.length, 0);
  const trailer = r.chance(0.3);
  const headers: Record<string, string> = {
    "content-encoding": "aws-chunked",
    "x-amz-decoded-content-length": String(r.chance(0.15) ? r.pick([0, decoded + 1, decoded - 1, -5, 2 ** 53]) : decoded),
  };
  if (trailer) headers["x-amz-trailer"] = "x-amz-checksum-crc32";
  const s = signV4({ method: "PUT", host: f.host, path: `/${B}/chunked-${r.int(20)}`, headers, payloadHash: trailer ? "STREAMING-UNSIGNED-PAYLOAD-TRAILER" : STREAMING });
  let body: Buffer;
  if (trailer) {
    const frames = data.map((c) => Buffer.concat([Buffer.from(`${c.length.toString(16)}\r\n`), Buffer.from(c), Buffer.from("\r\n")]));
    body = Buffer.concat([...frames, Buffer.from(`0\r\nx-amz-checksum-crc32:${r.pick(["AAAAAA==", "!!!", "", "x".repeat(100)])}\r\n\r\n`)]);
  } else {
    body = chunkedBody(data, s).body;
  }
  const mutated = r.chance(0.1) ? new Uint8Array(body) : mutateFraming(r, body);
  return { kind: "chunked", method: "PUT", target: s.target, headers: s.headers, body: mutated };
}

/** Breaks the aws-chunked framing where it matters: sizes, signatures, CRLFs, the end. */
function mutateFraming(r: Rng, body: Buffer): Uint8Array {
  let t = body.toString("latin1");
  switch (r.int(6)) {
    case 0: t = t.replace(/^[0-9a-f]+/, r.pick(["fffffffffffffffff", "-1", "zz", "", "0", "1", "10000000"])); break;
    case 1: t = t.replace(/chunk-signature=[0-9a-f]{64}/, `chunk-signature=${"0".repeat(r.pick([64, 10, 0]))}`); break;
    case 2: t = t.replace("\r\n", r.pick(["\n", "\r", "", "\r\n\r\n"])); break;
    case 3: t = t.slice(0, r.int(t.length)); break; // cut short
    case 4: t = t + r.pick(["garbage", "0;chunk-signature=x\r\n\r\n", "\r\n"]); break;
    default: return mutateBytes(r, new Uint8Array(body));
  }
  return new Uint8Array(Buffer.from(t, "latin1"));
}

const METHODS = ["GET", "PUT", "POST", "DELETE", "HEAD", "OPTIONS", "PATCH", "PROPFIND", "TRACE", "get", "M-SEARCH"];
const PATHS = ["/", "/fuzz", "/fuzz/", "/fuzz/obj", "/fuzz/obj/deep/", "/nonexistent", "/FUZZ", "//", "/fuzz//obj", "/%", "/%zz", "/fuzz/%00",
  `/fuzz/../../${MARK}`, `/fuzz/%2e%2e/%2e%2e/${MARK}`, `/../${MARK}`, "/fuzz/" + "k".repeat(1100), "/fuzz/ünï", "/fuzz/a?b", "/-bad-", "/a", "/fuzz/obj;x"];
const SUBS: [string, string][] = [
  ["acl", ""], ["tagging", ""], ["uploads", ""], ["uploadId", "nope"], ["partNumber", "0"], ["partNumber", "-1"], ["partNumber", "10001"], ["partNumber", "abc"],
  ["versionId", "null"], ["versionId", "x"], ["versions", ""], ["delete", ""], ["notification", ""], ["policy", ""], ["cors", ""], ["lifecycle", ""],
  ["location", ""], ["list-type", "2"], ["list-type", "3"], ["max-keys", "-1"], ["max-keys", "abc"], ["max-keys", "100000"], ["prefix", "a"],
  ["delimiter", "/"], ["delimiter", ""], ["continuation-token", "garbage"], ["start-after", "\u0000"], ["encoding-type", "url"], ["encoding-type", "bad"],
  ["marker", "m"], ["max-uploads", "-3"], ["part-number-marker", "x"], ["website", ""], ["select", ""], ["restore", ""], ["response-content-type", "a/b"],
  ["X-Amz-Algorithm", "AWS4-HMAC-SHA256"], ["Signature", "x"], ["AWSAccessKeyId", "x"],
];
const HEADERS: [string, () => string][] = [
  ["range", () => "bytes=0-10"], ["range", () => "bytes=-5"], ["range", () => "bytes=99999999999-"], ["range", () => "bytes=5-1"], ["range", () => "lines=1-2"],
  ["if-match", () => "*"], ["if-none-match", () => '"x"'], ["if-modified-since", () => "yesterday"], ["if-unmodified-since", () => "Mon, 01 Jan 1990 00:00:00 GMT"],
  ["x-amz-copy-source", () => "/fuzz/obj"], ["x-amz-copy-source", () => "garbage"], ["x-amz-copy-source", () => `/fuzz/../../${MARK}`], ["x-amz-copy-source", () => "/fuzz/obj?versionId=z"],
  ["x-amz-copy-source-range", () => "bytes=0-1"], ["x-amz-copy-source-range", () => "bytes=9-1"], ["x-amz-metadata-directive", () => "REPLACE"], ["x-amz-metadata-directive", () => "BAD"],
  ["x-amz-tagging-directive", () => "WHAT"], ["content-md5", () => "AAAA"], ["x-amz-checksum-crc32", () => "nope"], ["x-amz-checksum-sha256", () => "AAAA"],
  ["x-amz-meta-big", () => "v".repeat(3000)], ["x-amz-tagging", () => "a=b&&=c&%zz"], ["x-amz-storage-class", () => "NOPE"],
  ["x-amz-website-redirect-location", () => "http://x"], ["content-type", () => "\u0000"], ["x-amz-acl", () => "public-read"], ["x-amz-content-sha256", () => "abc"],
  ["expect", () => "100-continue"], ["content-encoding", () => "aws-chunked"], ["x-amz-decoded-content-length", () => "-1"], ["x-amz-expected-bucket-owner", () => "1"],
];

function routingCase(r: Rng, f: Fixture): Req {
  const method = r.pick(METHODS);
  const path = r.pick(PATHS);
  const query = pickSome(r, SUBS, 3);
  const headers: Record<string, string> = {};
  for (const [k, v] of pickSome(r, HEADERS, 4)) headers[k] = v();
  const body = ["PUT", "POST"].includes(method) && r.chance(0.7) ? r.bytes(r.int(3000)) : undefined;
  if (r.chance(0.15)) {
    const q = query.map(([k, v]) => (v ? `${k}=${v}` : k)).join("&");
    return { kind: "routing-anon", method, target: q ? `${path}?${q}` : path, headers: { host: f.host, ...headers }, body };
  }
  const s = signV4({ method, host: f.host, path: path.replace(/[^\x21-\x7e]/g, (c) => encodeURIComponent(c)), query, headers });
  return { kind: "routing", method, target: s.target, headers: s.headers, body };
}

const CASES: [number, (r: Rng, f: Fixture) => Req][] = [[25, xmlCase], [12, sigv4Case], [10, presignCase], [10, sigv2Case], [15, chunkedCase], [28, routingCase]];

function pickCase(r: Rng) {
  let n = r.int(CASES.reduce((a, [w]) => a + w, 0));
  for (const [w, gen] of CASES) { if (n < w) return gen; n -= w; }
  return CASES[0][1];
}

/** Files whose names carry the run's marker, at the places a traversal could reach. */
function markedFiles(): string[] {
  const found: string[] = [];
  const look = (dir: string, depth: number) => {
    let names: string[];
    try { names = readdirSync(dir); } catch { return; }
    for (const n of names) {
      if (n.includes(MARK)) found.push(join(dir, n));
      if (depth > 0 && !n.startsWith(".") && n !== "node_modules") look(join(dir, n), depth - 1);
    }
  };
  look(tmpdir(), 0);
  look(root, 3);
  look(REPO_ROOT, 1);
  look("/", 0);
  return found.filter((p) => !p.startsWith(join(root, "data")));
}

test(`fuzz: ${REQUESTS} mutated requests (seed ${SEED}): no 5xx, no hang, still serving, nothing outside the data dir`, async () => {
  mkdirSync(cwd, { recursive: true });
  gw = await startGateway({
    dataDir: join(root, "data"), cwd,
    env: { MINIO_NOTIFY_WEBHOOK_ENABLE_F: "on", MINIO_NOTIFY_WEBHOOK_ENDPOINT_F: `http://127.0.0.1:${sink.port}/`, S3EDGE_CHUNK_SIZE: String(64 * 1024) },
  });
  const g = gw;
  console.log(`[fault] fuzz seed=${SEED} requests=${REQUESTS}`);
  await createBucket(g, B);
  expect((await s3(g, "PUT", `/${B}/obj`, { body: "fuzz object" })).status).toBe(200);
  const f: Fixture = { host: `${g.host}:${g.port}`, uploads: [] };
  for (let i = 0; i < 8; i++) {
    const key = `mp-${i}`;
    const c = await s3(g, "POST", `/${B}/${key}?uploads`);
    const id = /<UploadId>([^<]+)<\/UploadId>/.exec(c.text)![1];
    const p = await s3(g, "PUT", `/${B}/${key}?partNumber=1&uploadId=${encodeURIComponent(id)}`, { body: `part ${i}` });
    f.uploads.push({ key, id, etag: p.headers.get("etag")!.replace(/"/g, "") });
  }
  const r = rng(SEED);
  const byKind: Record<string, Record<string, number>> = {};
  const bad: string[] = [];
  let hangs = 0;
  let notImplemented = 0;
  const t0 = Date.now();
  const CONCURRENCY = 4;
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < REQUESTS) {
      const n = next++;
      let req: Req;
      try {
        req = pickCase(r)(r, f);
      } catch (e) {
        bad.push(`#${n}: generator failed: ${String(e)}`);
        continue;
      }
      const a = await rawRequest(g.host, g.port, head(req.method, req.target, req.headers, req.body?.length ?? (["PUT", "POST"].includes(req.method) ? 0 : undefined)), req.body, TIMEOUT_MS);
      const cls = a.timedOut ? "hang" : a.status ? `${Math.floor(a.status / 100)}xx` : "closed";
      (byKind[req.kind] ??= {})[cls] = (byKind[req.kind][cls] ?? 0) + 1;
      // An API not served answers 501 NotImplemented (a HEAD carries no body to say so).
      if (a.status === 501 && (xmlCode(a.text) === "NotImplemented" || req.method === "HEAD")) { notImplemented++; continue; }
      if (a.timedOut) hangs++;
      if (a.timedOut || a.status >= 500) {
        bad.push(`#${n} ${req.kind} ${req.method} ${req.target.slice(0, 200)} ${JSON.stringify(req.headers).slice(0, 600)} → ${a.timedOut ? "no answer in 10 s" : `${a.status} ${a.text.slice(0, 300)}`}`);
      }
    }
  }));
  const health = await fetch(`${g.url}/minio/health/live`).then((x) => x.status).catch(() => 0);
  const put = await s3(g, "PUT", `/${B}/after-fuzz`, { body: "still serving" }).catch(() => null);
  const after = put?.status === 200 ? await s3(g, "GET", `/${B}/after-fuzz`).catch(() => null) : null;
  const outside = [...markedFiles(), ...readdirSync(cwd).map((n) => join(cwd, n)), ...readdirSync(root).filter((n) => n !== "data" && n !== "cwd").map((n) => join(root, n))];
  if (!existsSync(join(root, "data", "meta.sqlite"))) outside.push("(data dir has no meta.sqlite)");
  const internal = (g.allLogs().match(/internal error/g) ?? []).length;
  report("fuzz", {
    seed: SEED, requests: REQUESTS, seconds: Math.round((Date.now() - t0) / 1000), fivexx: bad.length - hangs, hangs, notImplemented, alive: g.alive(),
    health, filesOutside: outside.length, internalErrorLogs: internal, byKind,
  });
  if (internal) console.log(g.allLogs().split("\n").filter((l) => l.includes("internal error")).slice(0, 5).join("\n").slice(0, 4000));
  expect(bad.slice(0, 20)).toEqual([]);
  expect(g.alive()).toBe(true);
  expect(health).toBe(200);
  expect(after?.text).toBe("still serving");
  expect(outside).toEqual([]);
}, HEAVY ? 900_000 : 180_000);
