// Instant upload (issue 17 "Benchmarks"): in one run on s3edge (Bun), a normal upload of a
// large file as `bun run put` sends it (multipart, 16 MiB parts, 4 in flight, its SHA-256
// verified at Complete) against an instant upload of the same file under another key, which
// the gateway answers from the stored content. Hashing the file is the client's cost either
// way, so both are timed after it (goal: instant < 1 % of the normal upload).
//
//   bun bench/instant-upload.ts [--size-mib 512] [--rounds 3]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AwsClient } from "aws4fetch";
import { must, ROOT_CREDENTIALS, startGateway } from "./gateway.ts";
import { putFile, type PutOptions } from "../src/put/upload.ts";

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const SIZE = arg("size-mib", 512) * 1024 * 1024, ROUNDS = arg("rounds", 3);
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

async function main() {
  const tmp = mkdtempSync(join(tmpdir(), "s3edge-bench-instant-"));
  const gw = await startGateway();
  try {
    const file = join(tmp, "big.bin");
    const w = Bun.file(file).writer();
    const block = new Uint8Array(4 * 1024 * 1024);
    for (let off = 0; off < SIZE; off += block.length) {
      for (let j = 0; j < block.length; j += 65536) crypto.getRandomValues(block.subarray(j, j + 65536));
      w.write(block.subarray(0, Math.min(block.length, SIZE - off)));
    }
    await w.end();
    const client = new AwsClient({ ...ROOT_CREDENTIALS, service: "s3", region: "us-east-1", retries: 0 });
    await must(client.fetch(`${gw.url}/bench`, { method: "PUT" }), "create bucket");
    const handle = Bun.file(file);
    const opts = (key: string, over: Partial<PutOptions> = {}): PutOptions => ({
      client, endpoint: gw.url, bucket: "bench", key,
      source: { size: SIZE, slice: (a, b) => handle.slice(a, b).stream() },
      hasher: (alg) => { const h = new Bun.CryptoHasher(alg); return { update: (d) => { h.update(d); }, digest: () => h.digest() as Uint8Array }; },
      ...over,
    });

    const normal: number[] = [], instant: number[] = [], hashing: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      // Normal: the upload phase starts at the first "upload" progress report, after hashing.
      let t0 = performance.now(), uploadStart = 0;
      const n = await putFile(opts(`normal-${r}`, { noInstant: true, onProgress: (p) => { if (p === "upload" && !uploadStart) uploadStart = performance.now(); } }));
      const end = performance.now();
      if (n.mode !== "multipart") throw new Error(`normal upload went ${n.mode}`);
      hashing.push(uploadStart - t0);
      normal.push(end - uploadStart);
      // Instant: the one request after hashing (the CLI's hash is the same as above).
      let hashedAt = 0;
      t0 = performance.now();
      const i = await putFile(opts(`instant-${r}`, { onProgress: (p, done, total) => { if (p === "hash" && done === total) hashedAt = performance.now(); } }));
      if (i.mode !== "instant" || i.etag.includes("-")) throw new Error(`instant upload went ${i.mode} (${i.etag})`);
      instant.push(performance.now() - (hashedAt || t0));
      // Both keys and the next round's source share the chunks: delete the normal copy so each
      // round's normal upload writes its own parts again (dedup then keeps one copy of the chunks).
      await must(client.fetch(`${gw.url}/bench/normal-${r}`, { method: "DELETE" }), "delete");
    }
    const mib = SIZE / 1024 / 1024;
    const nm = median(normal), im = median(instant), hm = median(hashing);
    console.log(`instant upload, ${mib} MiB file, ${ROUNDS} rounds, s3edge on Bun (files + SQLite), medians:`);
    console.log(`  client SHA-256 of the file: ${hm.toFixed(0)} ms (${(mib / (hm / 1000)).toFixed(0)} MiB/s), paid by both`);
    console.log(`  normal upload after hashing (multipart 16 MiB × 4, verified at Complete): ${nm.toFixed(0)} ms (${(mib / (nm / 1000)).toFixed(0)} MiB/s)`);
    console.log(`  instant upload after hashing (one PUT, no body): ${im.toFixed(2)} ms`);
    console.log(`  instant / normal: ${((im / nm) * 100).toFixed(3)} %  (goal < 1 %)`);
    console.log(`  per round: normal ${normal.map((x) => x.toFixed(0)).join(", ")} ms; instant ${instant.map((x) => x.toFixed(2)).join(", ")} ms`);
  } finally {
    await gw.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
