// The cost of versioning (issue 15 "Benchmark"): 4 KiB PUT and GET ops/s on s3edge (Bun) in a
// versioned bucket (every PUT keeps the previous version) and an unversioned one, in one run,
// rounds interleaved so machine noise hits both (goal: versioned ≥ 0.9 × unversioned); then
// ListObjectVersions of `--list-keys` keys × 3 versions, paged by 1000. Server CPU µs per op
// (the gateway process's /proc time) is printed too: on a loaded machine it moves less than ops/s.
//
// `--control 1` leaves versioning off in both buckets: the same workload twice, whose "ratio" shows
// how far the bench's own phase order moves it (measured 0.80–0.91 for PUT CPU on 2026-12-02).
//
//   bun bench/versioning.ts [--ops 2000] [--concurrency 16] [--rounds 4] [--list-keys 10000] [--control 1]
import { AwsClient } from "aws4fetch";
import { cpuMs, must, startGateway } from "./gateway.ts";

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : Number(process.env[`BENCH_${name.toUpperCase().replaceAll("-", "_")}`] ?? def);
};
const OPS = arg("ops", 2000), CONC = arg("concurrency", 16), ROUNDS = arg("rounds", 4), LIST_KEYS = arg("list-keys", 10000);
const CONTROL = arg("control", 0) === 1;
const ROOT = { accessKeyId: "admin", secretAccessKey: "secret12345" };

async function main() {
  const gw = await startGateway();
  const base = gw.url;
  try {
    const c = new AwsClient({ ...ROOT, service: "s3", region: "us-east-1" });
    for (const b of ["plain", "versioned", "listing"]) await must(c.fetch(`${base}/${b}`, { method: "PUT" }), `create ${b}`);
    const enable = `<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>`;
    for (const b of CONTROL ? ["listing"] : ["versioned", "listing"]) await must(c.fetch(`${base}/${b}?versioning`, { method: "PUT", body: enable }), `enable ${b}`);

    const body = new Uint8Array(4096).map((_, i) => (i * 31) & 255);
    const run = async (n: number, one: (j: number) => Promise<void>) => {
      let next = 0;
      const t0 = performance.now();
      await Promise.all(Array.from({ length: CONC }, async () => { for (let j = next++; j < n; j = next++) await one(j); }));
      return n / ((performance.now() - t0) / 1000);
    };
    const cpu: Record<string, number[]> = {};
    const phase = async (bucket: string, put: boolean) => {
      const c0 = cpuMs(gw.proc.pid);
      const opsPerSec = await run(OPS, (j) =>
        must(c.fetch(`${base}/${bucket}/data/${j % 256}`, put ? { method: "PUT", body } : {}), `${bucket} ${put ? "PUT" : "GET"}`));
      (cpu[`${put ? "PUT" : "GET"} ${bucket}`] ??= []).push(((cpuMs(gw.proc.pid) - c0) * 1000) / OPS);
      return opsPerSec;
    };
    const results: Record<string, number[]> = { "PUT plain": [], "PUT versioned": [], "GET plain": [], "GET versioned": [] };
    await phase("plain", true); // warm-up (JIT, SQLite pages), not counted
    await phase("versioned", true);
    for (const k of Object.keys(cpu)) delete cpu[k];
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 ? ["versioned", "plain"] : ["plain", "versioned"];
      for (const put of [true, false]) for (const b of order) results[`${put ? "PUT" : "GET"} ${b}`].push(await phase(b, put));
    }
    const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
    const perKey = Math.round(((ROUNDS + 1) * OPS) / 256);
    if (CONTROL) console.log("control: versioning off in both buckets");
    console.log(`4 KiB, ${OPS} ops × ${ROUNDS} rounds, concurrency ${CONC} (256 keys: ~${perKey} versions each at the end); median ops/s`);
    for (const op of ["PUT", "GET"]) {
      const p = median(results[`${op} plain`]), v = median(results[`${op} versioned`]);
      const cp = median(cpu[`${op} plain`]), cv = median(cpu[`${op} versioned`]);
      console.log(`${op}: unversioned ${p.toFixed(0)}  versioned ${v.toFixed(0)}  ratio ${(v / p).toFixed(3)}`
        + `  | server CPU µs/op unversioned ${cp.toFixed(0)}  versioned ${cv.toFixed(0)}  ratio ${(cp / cv).toFixed(3)}`);
    }

    if (LIST_KEYS > 0) {
      const small = new Uint8Array(16);
      await run(LIST_KEYS * 3, (j) => must(c.fetch(`${base}/listing/k/${String(j % LIST_KEYS).padStart(6, "0")}`, { method: "PUT", body: small }), "listing PUT"));
      const listAll = async () => {
        const t0 = performance.now();
        let entries = 0, pages = 0, marker = "", versionMarker = "";
        for (;;) {
          const q = new URLSearchParams({ versions: "", "max-keys": "1000", ...(marker ? { "key-marker": marker, "version-id-marker": versionMarker } : {}) });
          const res = await c.fetch(`${base}/listing?${q.toString().replace("versions=", "versions")}`);
          const xml = await res.text();
          if (res.status !== 200) throw new Error(`ListObjectVersions ${res.status}: ${xml.slice(0, 200)}`);
          pages++;
          entries += (xml.match(/<Version>/g) ?? []).length;
          if (!xml.includes("<IsTruncated>true</IsTruncated>")) break;
          marker = /<NextKeyMarker>([^<]*)</.exec(xml)![1];
          versionMarker = /<NextVersionIdMarker>([^<]*)</.exec(xml)![1];
        }
        if (entries !== LIST_KEYS * 3) throw new Error(`listed ${entries} versions, wrote ${LIST_KEYS * 3}`);
        return { entries, pages, ms: performance.now() - t0 };
      };
      // Twice: the first pass right after the writes (cold JIT and page cache), then warm.
      for (const pass of ["first", "second"]) {
        const { entries, pages, ms } = await listAll();
        console.log(`ListObjectVersions (${pass} pass): ${LIST_KEYS} keys × 3 versions = ${entries} entries in ${pages} pages: ${ms.toFixed(0)} ms (${(ms / pages).toFixed(1)} ms/page)`);
      }
    }
  } finally {
    await gw.stop();
  }
}

await main();
