// `bun run put -- FILE s3://BUCKET/KEY`: uploads a file through the gateway's instant upload
// (hash first; no bytes sent when the bucket already holds the content), else one PUT or a
// multipart upload that a rerun after an interruption resumes (src/put/upload.ts).
//   --endpoint URL        default S3EDGE_ENDPOINT, S3EDGE_PUBLIC_URL, else http://<S3EDGE_ADDRESS or 127.0.0.1:9000>
//   --access-key, --secret-key   default AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, else S3EDGE_ROOT_USER/S3EDGE_ROOT_PASSWORD
//   --region R            default AWS_REGION, S3EDGE_REGION, else us-east-1
//   --part-size 16MiB  --multipart-threshold 64MiB  --concurrency 4  --limit-rate 10MiB (bytes/s)
//   --content-type T  --no-instant  --json (the result as one JSON line)  --quiet
// Progress goes to stderr when it is a terminal. Exit 0 done, 1 failed, 2 bad arguments.
import { parseArgs } from "node:util";
import { statSync } from "node:fs";
import { AwsClient } from "aws4fetch";
import { putFile, PutError, type PutPhase } from "../put/upload.ts";
import { formatBytes, parseSize, progressLine } from "../put/progress.ts";

const USAGE = "usage: bun run put -- FILE s3://BUCKET/KEY [--endpoint URL] [--part-size 16MiB] [--multipart-threshold 64MiB] "
  + "[--concurrency 4] [--limit-rate RATE] [--content-type T] [--no-instant] [--json] [--quiet]";

function fail(msg: string, code = 2): never {
  console.error(`s3edge put: ${msg}`);
  process.exit(code);
}

let parsed;
try {
  parsed = parseArgs({
    args: process.argv.slice(2), allowPositionals: true, strict: true,
    options: {
      endpoint: { type: "string" }, "access-key": { type: "string" }, "secret-key": { type: "string" }, region: { type: "string" },
      "part-size": { type: "string" }, "multipart-threshold": { type: "string" }, concurrency: { type: "string" },
      "limit-rate": { type: "string" }, "content-type": { type: "string" }, "no-instant": { type: "boolean", default: false },
      json: { type: "boolean", default: false }, quiet: { type: "boolean", default: false }, help: { type: "boolean", short: "h", default: false },
    },
  });
} catch (e) { fail(`${e instanceof Error ? e.message : String(e)}\n${USAGE}`); }
const { values: v, positionals } = parsed;
if (v.help) { console.log(USAGE); process.exit(0); }
if (positionals.length !== 2) fail(USAGE);
const [file, target] = positionals;
const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(target);
if (!m) fail(`the target must be s3://BUCKET/KEY, not ${target}`);
const [, bucket, key] = m;

const size = (name: string): number | undefined => {
  const raw = v[name as keyof typeof v] as string | undefined;
  if (raw === undefined) return undefined;
  const n = parseSize(raw);
  if (n === undefined || n <= 0) fail(`--${name} must be a size such as 16MiB, not ${raw}`);
  return n;
};
const concurrency = v.concurrency === undefined ? 4 : Number(v.concurrency);
if (!Number.isInteger(concurrency) || concurrency < 1) fail("--concurrency must be a whole number above 0");

let stat;
try { stat = statSync(file); } catch (e) { fail(`${file}: ${e instanceof Error ? e.message : String(e)}`, 1); }
if (!stat.isFile()) fail(`${file} is not a file`, 1);

const env = process.env;
const endpoint = v.endpoint ?? env.S3EDGE_ENDPOINT ?? env.S3EDGE_PUBLIC_URL ?? `http://${env.S3EDGE_ADDRESS ?? "127.0.0.1:9000"}`;
const accessKeyId = v["access-key"] ?? env.AWS_ACCESS_KEY_ID ?? env.S3EDGE_ROOT_USER;
const secretAccessKey = v["secret-key"] ?? env.AWS_SECRET_ACCESS_KEY ?? env.S3EDGE_ROOT_PASSWORD;
if (!accessKeyId || !secretAccessKey) fail("no credentials: --access-key/--secret-key, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or S3EDGE_ROOT_USER/S3EDGE_ROOT_PASSWORD");
const region = v.region ?? env.AWS_REGION ?? env.S3EDGE_REGION ?? "us-east-1";

const handle = Bun.file(file);
const tty = !v.quiet && !v.json && process.stderr.isTTY;
const began = Date.now();
let phaseStart = began, lastDraw = 0, lastPhase: PutPhase | "" = "";
const draw = (phase: PutPhase, done: number, total: number) => {
  if (!tty) return;
  const t = Date.now();
  if (phase !== lastPhase) { phaseStart = t; if (lastPhase) process.stderr.write("\n"); lastPhase = phase; }
  if (t - lastDraw < 100 && done < total) return;
  lastDraw = t;
  process.stderr.write(`\r${progressLine(phase, done, total, t - phaseStart)}`);
};

try {
  const r = await putFile({
    client: new AwsClient({ accessKeyId, secretAccessKey, service: "s3", region, retries: 0 }),
    endpoint, bucket, key,
    source: { size: stat.size, slice: (start, end) => handle.slice(start, end).stream() },
    hasher: (alg) => {
      const h = new Bun.CryptoHasher(alg);
      return { update: (d) => { h.update(d); }, digest: () => h.digest() as Uint8Array };
    },
    partSize: size("part-size"), multipartThreshold: size("multipart-threshold"), concurrency, limitRate: size("limit-rate"),
    contentType: v["content-type"] ?? (handle.type && !handle.type.startsWith("application/octet-stream") ? handle.type : undefined),
    noInstant: v["no-instant"],
    onProgress: draw,
    log: (msg) => { if (!v.quiet && !v.json) { if (tty && lastPhase) { process.stderr.write("\n"); lastPhase = ""; } process.stderr.write(`${msg}\n`); } },
  });
  if (tty && lastPhase) process.stderr.write("\n");
  const secs = ((Date.now() - began) / 1000).toFixed(2);
  if (v.json) console.log(JSON.stringify({ ...r, bucket, key, size: stat.size, seconds: Number(secs) }));
  else if (!v.quiet) {
    const how = r.mode === "instant" ? "instant upload, no bytes sent"
      : r.mode === "multipart" ? `multipart, ${r.partsSent} part(s) sent${r.partsReused ? `, ${r.partsReused} resumed` : ""}` : "one PUT";
    console.log(`s3://${bucket}/${key}: ${formatBytes(stat.size)} in ${secs}s (${how}), ETag ${r.etag}${r.versionId ? `, version ${r.versionId}` : ""}`);
  }
} catch (e) {
  if (tty && lastPhase) process.stderr.write("\n");
  fail(e instanceof PutError ? e.message : `${endpoint}: ${e instanceof Error ? e.message : String(e)}`, 1);
}
