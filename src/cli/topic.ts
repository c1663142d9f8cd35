// `s3edge topic stats [--topic NAME]` and `s3edge topic dump --topic NAME [--max-entries N]`:
// `radosgw-admin topic stats|dump` against a running gateway, through its admin API
// (GET /minio/admin/v3/s3edge/topic/stats|dump, docs/notifications-admin.md). NAME is an SNS
// topic's name or ARN, a MinIO target's ARN (arn:minio:sqs::ID:TYPE) or its ID:TYPE.
// Credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (an admin user's), else the root's
// (S3EDGE_ROOT_USER/S3EDGE_ROOT_PASSWORD). The endpoint: --endpoint, else S3EDGE_PUBLIC_URL,
// else http://<S3EDGE_ADDRESS or 127.0.0.1:9000>. The dump is printed as one JSON array,
// page by page as it arrives (never the whole backlog in memory). Exit 1: the gateway refused.
import { AwsClient } from "aws4fetch";
import { gatewayBase, splitFlag } from "./cli-args.ts";

const USAGE = [
  "usage: s3edge topic stats [--topic NAME] [--endpoint URL]",
  "       s3edge topic dump --topic NAME [--max-entries N] [--endpoint URL]   (N: default 1000)",
].join("\n");
/** What one admin call asks for at most (the server's DUMP_MAX). */
const PAGE = 1000;

function fail(msg: string, code = 2): never {
  console.error(`s3edge topic: ${msg}`);
  process.exit(code);
}

const argv = process.argv.slice(2);
if (argv.includes("-h") || argv.includes("--help")) { console.log(USAGE); process.exit(0); }
const sub = argv[0];
if (sub !== "stats" && sub !== "dump") fail(USAGE);
let topic: string | undefined, endpoint: string | undefined, maxEntries = 1000;
for (let i = 1; i < argv.length; i++) {
  const a = argv[i];
  const [name, inline] = splitFlag(a);
  const value = () => inline ?? argv[++i] ?? fail(`${name} needs a value\n${USAGE}`);
  if (name === "--topic") topic = value();
  else if (name === "--endpoint") endpoint = value();
  else if (name === "--max-entries") {
    maxEntries = Number(value());
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) fail("--max-entries must be a positive integer");
  } else fail(`unexpected argument ${a}\n${USAGE}`);
}
if (sub === "dump" && topic === undefined) fail(`dump needs --topic\n${USAGE}`);

const accessKeyId = process.env.AWS_ACCESS_KEY_ID ?? process.env.S3EDGE_ROOT_USER;
const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY ?? process.env.S3EDGE_ROOT_PASSWORD;
if (!accessKeyId || !secretAccessKey) fail("no credentials: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or S3EDGE_ROOT_USER/S3EDGE_ROOT_PASSWORD");
const base = gatewayBase(endpoint);
// The admin API is signed as madmin does: service s3, the body's SHA-256 always sent.
const client = new AwsClient({ accessKeyId, secretAccessKey, service: "s3", region: "us-east-1", retries: 0 });

async function call(op: "stats" | "dump", q: Record<string, string>): Promise<Record<string, unknown>> {
  const url = `${base}/minio/admin/v3/s3edge/topic/${op}?${new URLSearchParams(q)}`;
  let res: Response;
  try {
    res = await client.fetch(url, { method: "GET", headers: { "x-amz-content-sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" } });
  } catch (e) {
    fail(`cannot reach ${base}: ${e instanceof Error ? e.message : String(e)}`, 1);
  }
  const text = await res.text();
  let body: Record<string, unknown>;
  try { body = JSON.parse(text) as Record<string, unknown>; } catch { fail(`${res.status} from ${url}: ${text.slice(0, 200)}`, 1); }
  if (!res.ok) fail(`${body.Code ?? res.status}: ${body.Message ?? text}`, 1);
  return body;
}

if (sub === "stats") {
  console.log(JSON.stringify(await call("stats", topic === undefined ? {} : { topic }), null, 4));
} else {
  // One array, written a page at a time.
  let printed = 0;
  let marker: string | undefined;
  process.stdout.write("[");
  for (;;) {
    const page = await call("dump", { topic: topic!, "max-entries": String(Math.min(PAGE, maxEntries - printed)), ...(marker ? { marker } : {}) });
    for (const e of (page.Entries as unknown[]) ?? []) {
      process.stdout.write(`${printed ? "," : ""}\n    ${JSON.stringify(e)}`);
      printed++;
    }
    marker = page.NextMarker as string | undefined;
    if (!page.IsTruncated || !marker || printed >= maxEntries) break;
  }
  process.stdout.write(printed ? "\n]\n" : "]\n");
}
