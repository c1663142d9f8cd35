// `--workers`: PUT and GET 4 KiB ops/s for 1 vs 2 server processes, in one run
// (`bun bench/workers.ts [seconds per phase, default 3] [concurrency, default 16]`).
// Each gateway gets a fresh data dir (fsync on: acknowledged writes are durable); the client
// keeps `concurrency` connections open, which the kernel spreads over the children
// (SO_REUSEPORT); every GET is verified byte for byte. On a machine with fewer cores than
// workers + the client, the numbers say little about scaling: the client competes for the CPU.
import { AwsClient } from "aws4fetch";
import { ROOT_CREDENTIALS, startGateway } from "./gateway.ts";

const seconds = Number(process.argv[2] ?? 3);
const concurrency = Number(process.argv[3] ?? 16);
const SIZE = 4096;
const client = new AwsClient({ ...ROOT_CREDENTIALS, service: "s3", region: "us-east-1", retries: 0 });
const body = crypto.getRandomValues(new Uint8Array(SIZE));

const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Runs `op` from `concurrency` loops for `seconds`; ops per second. */
async function phase(op: (i: number) => Promise<void>): Promise<number> {
  let n = 0;
  const end = performance.now() + seconds * 1000;
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async (_, w) => {
    for (let i = w; performance.now() < end; i += concurrency) { await op(i); n++; }
  }));
  return n / ((performance.now() - start) / 1000);
}

async function measure(workers: number) {
  const gw = await startGateway({ args: ["--workers", String(workers)] });
  try {
    // Ready once every child answers (fresh connections, so the kernel picks among them).
    const seen = new Set<string>();
    for (const until = Date.now() + 30_000; seen.size < workers && Date.now() < until;) {
      const r = await fetch(`${gw.url}/minio/health/live`, { keepalive: false });
      seen.add(r.headers.get("x-s3edge-worker") ?? "1");
    }
    const bucket = `${gw.url}/bench`;
    const ok = async (r: Request) => { const res = await fetch(r); const b = new Uint8Array(await res.arrayBuffer()); if (res.status !== 200) throw new Error(`${r.method} ${res.status}`); return b; };
    await ok(await client.sign(bucket, { method: "PUT" }));
    const keys = 1000;
    const written = new Set<number>();
    const put = await phase(async (i) => { await ok(await client.sign(`${bucket}/k${i % keys}`, { method: "PUT", body })); written.add(i % keys); });
    for (let i = 0; i < keys; i++) if (!written.has(i)) await ok(await client.sign(`${bucket}/k${i}`, { method: "PUT", body }));
    const get = await phase(async (i) => {
      const got = await ok(await client.sign(`${bucket}/k${i % keys}`));
      if (!same(got, body)) throw new Error(`GET k${i % keys}: wrong bytes`);
    });
    return { put, get };
  } finally {
    await gw.stop();
  }
}

const one = await measure(1);
const two = await measure(2);
const f = (x: number) => x.toFixed(0).padStart(7);
console.log(`4 KiB, c${concurrency}, ${seconds} s per phase, ${navigator.hardwareConcurrency} cores (the client shares them)`);
console.log(`op    1 worker  2 workers  ratio`);
console.log(`PUT  ${f(one.put)}   ${f(two.put)}   ${(two.put / one.put).toFixed(2)}`);
console.log(`GET  ${f(one.get)}   ${f(two.get)}   ${(two.get / one.get).toFixed(2)}`);
