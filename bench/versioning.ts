// The cost of versioning (issue 15 "Benchmark"): 4 KiB PUT and GET ops/s on s3edge (Bun) in a
// versioned bucket (every PUT keeps the previous version) and an unversioned one, in one run;
// then ListObjectVersions of `--list-keys` keys × 3 versions, paged by 1000. Server CPU µs per op
// (the gateway process's /proc time) is printed too: on a loaded machine it moves less than ops/s.
//
// The two buckets take turns in short phases (`--ops` each, the order flipped every round) and
// each side's figure is its total over all rounds (ops / seconds, CPU / ops): a few long phases
// alias with SQLite's checkpoints (one every 4000 WAL pages, run inside whichever commit crosses
// the mark) and with the load of the machine, and a median of four such phases moved by 10–20 %
// with versioning off in both buckets. `--control 1` leaves versioning off in both buckets: the
// same workload twice, whose "ratio" shows what is left of that bias (should read ~1.00).
//
//   bun bench/versioning.ts [--ops 500] [--concurrency 16] [--rounds 16] [--list-keys 10000] [--control 1]
import { AwsClient } from "aws4fetch";
import { cpuMs, must, startGateway } from "./gateway.ts";

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : Number(process.env[`BENCH_${name.toUpperCase().replaceAll("-", "_")}`] ?? def);
};
const OPS = arg("ops", 500), CONC = arg("concurrency", 16), ROUNDS = arg("rounds", 16), LIST_KEYS = arg("list-keys", 10000);
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
      return (performance.now() - t0) / 1000;
    };
    // Totals per "PUT plain", "GET versioned", …: seconds, server CPU ms, ops.
    const totals: Record<string, { s: number; cpu: number; ops: number; rounds: number[] }> = {};
    let seq = 0;
    const phase = async (bucket: string, put: boolean, counted = true) => {
      const c0 = cpuMs(gw.proc.pid);
      const base0 = seq;
      seq += OPS;
      const s = await run(OPS, (j) =>
        must(c.fetch(`${base}/${bucket}/data/${(base0 + j) % 256}`, put ? { method: "PUT", body } : {}), `${bucket} ${put ? "PUT" : "GET"}`));
      if (!counted) return;
      const t = (totals[`${put ? "PUT" : "GET"} ${bucket}`] ??= { s: 0, cpu: 0, ops: 0, rounds: [] });
      t.s += s;
      t.rounds.push(OPS / s);
      t.cpu += cpuMs(gw.proc.pid) - c0;
      t.ops += OPS;
    };
    // Warm-up (JIT, SQLite pages), not counted.
    for (let i = 0; i < 4; i++) for (const b of ["plain", "versioned"]) await phase(b, true, false);
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 ? ["versioned", "plain"] : ["plain", "versioned"];
      for (const put of [true, false]) for (const b of order) await phase(b, put);
    }
    const perKey = Math.round(((ROUNDS + 4) * OPS) / 256);
    if (CONTROL) console.log("control: versioning off in both buckets");
    console.log(`4 KiB, ${OPS} ops × ${ROUNDS} rounds per bucket, concurrency ${CONC} (256 keys: ~${perKey} versions each at the end); totals over all rounds`);
    for (const op of ["PUT", "GET"]) {
      const p = totals[`${op} plain`], v = totals[`${op} versioned`];
      const opsP = p.ops / p.s, opsV = v.ops / v.s, cp = (p.cpu * 1000) / p.ops, cv = (v.cpu * 1000) / v.ops;
      console.log(`${op}: unversioned ${opsP.toFixed(0)}  versioned ${opsV.toFixed(0)} ops/s  ratio ${(opsV / opsP).toFixed(3)}`
        + `  | server CPU µs/op unversioned ${cp.toFixed(0)}  versioned ${cv.toFixed(0)}  ratio ${(cp / cv).toFixed(3)}`);
      // The spread of the rounds' own ratios is the run's noise (fsync latency, the machine's load).
      console.log(`  per round (ops/s ratio): ${v.rounds.map((x, i) => (x / p.rounds[i]!).toFixed(2)).join(" ")}`);
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
