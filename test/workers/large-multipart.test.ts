// 300 MiB by multipart (6 × 50 MiB parts, each under the edge's 100 MB body cap), read back whole
// and by ranges across part and chunk boundaries. Meant for workerd (test/workers/run-e2e.sh
// test/workers), where it also samples the workerd processes' memory and scans the wrangler log
// for requests refused for memory; against Bun it is just a large round trip.
// S3EDGE_LARGE_PARTS=21 makes it 1 GiB+ (21 × 50 MiB), as the issue asks to show once.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { descendants } from "../../scripts/proc-tree.ts";
import {
  CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, GetObjectCommand, HeadObjectCommand,
  S3Client, UploadPartCommand,
} from "@aws-sdk/client-s3";
import { bucketName, MiB, runtime, sameBytes, sdkConfig, useServer } from "../e2e/harness.ts";

const ep = useServer();
const B = bucketName("w300");
const KEY = "big/large.bin";
const PART = 50 * MiB;
const PARTS = Number(process.env.S3EDGE_LARGE_PARTS) || 6;
const SIZE = PART * PARTS;
let s3: S3Client;

/** Part n's bytes, regenerated on demand (xorshift32 seeded by n) so 300 MiB is never held. */
function partBytes(n: number): Uint8Array {
  const words = new Uint32Array(PART / 4);
  let x = (0x9e3779b9 ^ (n * 0x85ebca6b)) >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    words[i] = x;
  }
  return new Uint8Array(words.buffer);
}

function expectedRange(start: number, end: number): Uint8Array {
  const out = new Uint8Array(end - start + 1);
  let off = 0;
  for (let p = Math.floor(start / PART); p <= Math.floor(end / PART); p++) {
    const bytes = partBytes(p);
    const from = Math.max(start, p * PART) - p * PART;
    const to = Math.min(end, (p + 1) * PART - 1) - p * PART;
    out.set(bytes.subarray(from, to + 1), off);
    off += to - from + 1;
  }
  return out;
}

// ---- memory of the workerd processes serving the endpoint (Linux /proc; workerd runs only)
function workerdRssBytes(): number {
  const root = Number(process.env.S3EDGE_SERVER_PID);
  if (!root) return 0;
  let total = 0;
  for (const p of descendants(root)) {
    try {
      const status = readFileSync(`/proc/${p}/status`, "utf8");
      if (!/^Name:\s+workerd/m.test(status)) continue;
      total += Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024;
    } catch {}
  }
  return total;
}

let baseline = 0;
let peak = 0;
let sampler: ReturnType<typeof setInterval> | undefined;

beforeAll(async () => {
  // workerd never sends 100 Continue (workers-sdk#7185): with the SDK's Expect header every
  // 50 MiB part would first wait out the SDK's 6 s timeout.
  s3 = new S3Client({ ...sdkConfig(ep), ...(runtime() === "workerd" ? { expectContinueHeader: false } : {}) });
  await s3.send(new CreateBucketCommand({ Bucket: B }));
  baseline = peak = workerdRssBytes();
  sampler = setInterval(() => { peak = Math.max(peak, workerdRssBytes()); }, 50);
});

afterAll(() => {
  if (sampler) clearInterval(sampler);
  s3?.destroy();
});

describe(`${(PART * PARTS) / MiB} MiB multipart (runtime: ${runtime()})`, () => {
  test(`upload ${PARTS} × 50 MiB parts and complete`, async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: KEY }));
    const parts: { PartNumber: number; ETag: string }[] = [];
    for (let n = 1; n <= PARTS; n++) {
      const r = await s3.send(new UploadPartCommand({ Bucket: B, Key: KEY, UploadId, PartNumber: n, Body: partBytes(n - 1) }));
      parts.push({ PartNumber: n, ETag: r.ETag! });
    }
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: B, Key: KEY, UploadId, MultipartUpload: { Parts: parts } }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: B, Key: KEY }));
    expect(head.ContentLength).toBe(SIZE);
    expect(head.ETag).toBe(`"${head.ETag!.slice(1, 33)}-${PARTS}"`);
  }, 60_000 * PARTS);

  test("ranged GETs across part and chunk boundaries return exactly those bytes", async () => {
    const chunk = 8 * MiB;
    const ranges: [number, number][] = [
      [0, 99],
      [chunk - 10, chunk + 9], // chunk boundary inside part 1
      [PART - 1, PART], // part boundary
      [PART * 3 - 5 * MiB, PART * 3 + 5 * MiB], // 10 MiB across a part boundary
      [SIZE - 1000, SIZE - 1], // tail
      [123_456_789, 123_456_789 + 3 * MiB], // odd offset
    ];
    for (const [start, end] of ranges) {
      const got = await s3.send(new GetObjectCommand({ Bucket: B, Key: KEY, Range: `bytes=${start}-${end}` }));
      expect(got.ContentLength).toBe(end - start + 1);
      expect(got.ContentRange).toBe(`bytes ${start}-${end}/${SIZE}`);
      expect(sameBytes(await got.Body!.transformToByteArray(), expectedRange(start, end))).toBe("equal");
    }
  }, 60_000 * PARTS);

  test("a whole GET streams the object back unchanged", async () => {
    const got = await s3.send(new GetObjectCommand({ Bucket: B, Key: KEY }));
    expect(got.ContentLength).toBe(SIZE);
    const reader = (got.Body as unknown as { transformToWebStream(): ReadableStream<Uint8Array> }).transformToWebStream().getReader();
    let pos = 0;
    let part = -1;
    let bytes: Uint8Array = new Uint8Array(0);
    let firstDiff = -1;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      for (let i = 0; i < value.length && firstDiff < 0; ) {
        const p = Math.floor((pos + i) / PART);
        if (p !== part) { part = p; bytes = partBytes(p); }
        const off = pos + i - p * PART;
        const n = Math.min(value.length - i, PART - off);
        if (sameBytes(value.subarray(i, i + n), bytes.subarray(off, off + n)) !== "equal") firstDiff = pos + i;
        i += n;
      }
      pos += value.length;
    }
    expect(firstDiff).toBe(-1);
    expect(pos).toBe(SIZE);
  }, 60_000 * PARTS);

  test("no request was refused for memory; workerd memory stays bounded", () => {
    const log = process.env.S3EDGE_SERVER_LOG;
    if (log) expect(readFileSync(log, "utf8")).not.toMatch(/exceeded memory|Memory limit|out of memory|heap out of memory/i);
    if (baseline) {
      const grow = (peak - baseline) / MiB;
      console.log(`workerd RSS: baseline ${(baseline / MiB).toFixed(0)} MiB, peak ${(peak / MiB).toFixed(0)} MiB (+${grow.toFixed(0)} MiB) for a ${SIZE / MiB} MiB object`);
      // RSS of every workerd process (Worker, Durable Object, local R2), with lazy GC: a coarse
      // bound (+107 MiB observed) that catches buffering the 300 MiB object, not finer leaks.
      expect(grow).toBeLessThan(200);
    }
  });
});
