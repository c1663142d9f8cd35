// Scale-out (issue 17) in one run, printed as one table:
// 1. GET/PUT 64 MiB through s3edge over an S3 upstream (--blobs, the upstream a second s3edge)
//    against the same straight to the upstream (bench/s3-upstream.ts upstreamBench; goal ≥ 0.8×);
// 2. 4 KiB PUT and GET ops/s on one node with SQLite metadata against PostgreSQL metadata;
// 3. 4 KiB PUT ops/s on one node against three nodes sharing one PostgreSQL and one upstream.
// PostgreSQL is a throwaway server on 127.0.0.1 (test/e2e/servers.ts startPostgres: fsync=off),
// one fresh database per configuration; every gateway runs --fsync=off, so the disk's flushes
// are not what is compared. Small ops come from this process (aws4fetch, UNSIGNED-PAYLOAD),
// `--concurrency` in flight, spread over the configuration's nodes in turn, each phase bounded
// by `--seconds`; each configuration runs its phases `--rounds` times, interleaved, the best kept.
//
//   bun bench/scale-out.ts [--seconds 4] [--concurrency 16] [--rounds 2] [--mib 64] [--big-ops 8] [--skip-big]
import { upstreamBench, cpuSeconds } from "./s3-upstream.ts";
import { startGateway, type Gateway } from "../test/unit/store/s3-gateway.ts";
import { missing, startPostgres, type TestServer } from "../test/e2e/servers.ts";
import { connectPostgres } from "../src/store/postgres/client.ts";

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const seconds = arg("seconds", 4), concurrency = arg("concurrency", 16), rounds = arg("rounds", 2);
const UNSIGNED = { "x-amz-content-sha256": "UNSIGNED-PAYLOAD" };
const SMALL = 4096;
/** Requests each node serves before anything is measured. */
const WARM_OPS = 1000;

interface Cluster { name: string; nodes: Gateway[]; keys: string[] }
interface Phase { ops: number; opsPerSec: number; p50: number; p99: number; serverCpuMsPerOp: number; failed: number }

/** `concurrency` loops for `seconds`, each request to the next node in turn. */
async function phase(c: Cluster, method: "PUT" | "GET", tag: string, secs = seconds): Promise<Phase> {
  const body = crypto.getRandomValues(new Uint8Array(SMALL));
  const before = c.nodes.map((g) => cpuSeconds(g.pid()));
  const lat: number[] = [];
  let n = 0, failed = 0;
  const t0 = performance.now();
  const end = t0 + secs * 1000;
  await Promise.all(Array.from({ length: concurrency }, async (_, w) => {
    for (let i = 0; performance.now() < end; i++) {
      const g = c.nodes[n++ % c.nodes.length];
      const key = method === "PUT" ? `${tag}-${w}-${i}` : c.keys[(w * 7919 + i) % c.keys.length];
      const s = performance.now();
      const r = method === "PUT"
        ? await g.client.fetch(`${g.url}/bench/${key}`, { method: "PUT", body, headers: UNSIGNED })
        : await g.client.fetch(`${g.url}/bench/${key}`, { headers: UNSIGNED });
      await r.arrayBuffer();
      lat.push(performance.now() - s);
      if (r.status !== 200) failed++;
      else if (method === "PUT") c.keys.push(key);
    }
  }));
  const took = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  const cpu = c.nodes.reduce((sum, g, i) => sum + cpuSeconds(g.pid()) - before[i], 0);
  return { ops: lat.length, opsPerSec: lat.length / took, p50: lat[Math.floor(lat.length / 2)] ?? 0, p99: lat[Math.floor(lat.length * 0.99)] ?? 0,
    serverCpuMsPerOp: (cpu * 1000) / Math.max(1, lat.length), failed };
}

const rows: string[][] = [];
const row = (...r: (string | number)[]) => rows.push(r.map(String));
const notes: string[] = [];

// 1. The S3 upstream backend, big objects.
if (!process.argv.includes("--skip-big")) {
  const up = await upstreamBench({ ops: arg("big-ops", 8), concurrency: 4, mib: arg("mib", 64), rounds });
  // The headline is pinned (upstream and front on a core each, as separate machines would be:
  // bench/s3-upstream.ts); the unpinned ratio (both sharing the 2 cores) follows it.
  const un = up.headline === "pinned" ? up.by.unpinned : undefined;
  for (const m of ["PUT", "GET"]) {
    const d = up.best[`${m} direct`], v = up.best[`${m} via`];
    const cpu = (k: string) => (up.cpu[k] ?? 0).toFixed(1);
    row(`${m} ${arg("mib", 64)} MiB`, `direct to the upstream (${up.headline})`, `${d.toFixed(0)} MiB/s`, `upstream ${cpu(`${m} direct upstream`)} CPU s/GiB`, "");
    row(`${m} ${arg("mib", 64)} MiB`, `through s3edge --blobs s3+http:// (${up.headline})`, `${v.toFixed(0)} MiB/s`,
      `front ${cpu(`${m} via front`)} + upstream ${cpu(`${m} via upstream`)} CPU s/GiB`,
      `${(v / d).toFixed(2)}× (goal ≥ 0.8×)${un ? `; unpinned ${(un.best[`${m} via`] / un.best[`${m} direct`]).toFixed(2)}×` : ""}`);
  }
}

// 2 and 3. Small ops: SQLite, PostgreSQL on one node, PostgreSQL on three nodes.
const absent = missing("postgres");
if (absent) {
  notes.push(`small ops on PostgreSQL skipped: ${absent} is not installed (scripts/test-deps.sh installs PostgreSQL)`);
}
let pg: TestServer | undefined;
let upstream: Gateway | undefined;
const clusters: Cluster[] = [];
try {
  const sqlite = await startGateway({ accessKey: "admin", secretKey: "secret12345" });
  clusters.push({ name: "1 node, SQLite metadata, files", nodes: [sqlite], keys: [] });
  if (!absent) {
    [pg, upstream] = await Promise.all([startPostgres(), startGateway()]);
    await upstream.client.fetch(`${upstream.url}/chunks`, { method: "PUT" });
    const admin = connectPostgres(`postgres://${pg.user}:${pg.password}@127.0.0.1:${pg.port}/${pg.database}`, { max: 1 });
    for (const db of ["one_node", "three_nodes"]) await admin.unsafe(`CREATE DATABASE ${db}`);
    await admin.end({ timeout: 1 });
    const node = (db: string, prefix: string) => startGateway({
      accessKey: "admin", secretKey: "secret12345",
      args: ["--meta", `postgres://${pg!.user}:${pg!.password}@127.0.0.1:${pg!.port}/${db}`, "--blobs", `s3+http://127.0.0.1:${upstream!.port}/chunks/${prefix}`],
      env: { S3EDGE_BLOB_ACCESS_KEY: upstream!.accessKey, S3EDGE_BLOB_SECRET_KEY: upstream!.secretKey },
    });
    clusters.push({ name: "1 node, PostgreSQL metadata, S3 blobs", nodes: [await node("one_node", "one")], keys: [] });
    clusters.push({ name: "3 nodes, PostgreSQL metadata, S3 blobs", nodes: await Promise.all([1, 2, 3].map(() => node("three_nodes", "three"))), keys: [] });
  }
  for (const c of clusters) {
    const r = await c.nodes[0].client.fetch(`${c.nodes[0].url}/bench`, { method: "PUT" });
    if (r.status !== 200) throw new Error(`create bucket on ${c.name}: ${r.status}`);
  }
  const best: Record<string, Phase> = {};
  const keep = (k: string, p: Phase) => { if (!best[k] || p.opsPerSec > best[k].opsPerSec) best[k] = p; };
  // Warm-up, not counted: a fresh Bun process compiles its hot paths over its first few hundred
  // requests, so every node gets as many (three nodes need three times the requests of one).
  for (const c of clusters) {
    for (let done = 0, i = 0; done < WARM_OPS * c.nodes.length && i < 6; i++) {
      done += (await phase(c, "PUT", `warm${i}`, 1.5)).ops + (await phase(c, "GET", "warm", 1.5)).ops;
    }
  }
  const client0 = process.cpuUsage();
  for (let round = 0; round < rounds; round++) {
    for (const c of clusters) {
      keep(`${c.name} PUT`, await phase(c, "PUT", `r${round}`));
      // GET: one node's 4 KiB reads; the three-node set is compared on PUT (the issue's case) and GET.
      keep(`${c.name} GET`, await phase(c, "GET", `r${round}`));
    }
  }
  const clientCpu = (process.cpuUsage(client0).user + process.cpuUsage(client0).system) / 1e6;
  const fmt = (p: Phase) => `${p.opsPerSec.toFixed(0)} ops/s`;
  const detail = (p: Phase) => `p50 ${p.p50.toFixed(1)} ms, p99 ${p.p99.toFixed(1)} ms, gateway CPU ${p.serverCpuMsPerOp.toFixed(2)} ms/op${p.failed ? `, ${p.failed} FAILED` : ""}`;
  const [sq, one, three] = clusters.map((c) => c.name);
  for (const m of ["PUT", "GET"]) {
    row(`${m} 4 KiB`, sq, fmt(best[`${sq} ${m}`]), detail(best[`${sq} ${m}`]), "");
    if (one) row(`${m} 4 KiB`, one, fmt(best[`${one} ${m}`]), detail(best[`${one} ${m}`]), `${(best[`${one} ${m}`].opsPerSec / best[`${sq} ${m}`].opsPerSec).toFixed(2)}× SQLite`);
    if (three) row(`${m} 4 KiB`, three, fmt(best[`${three} ${m}`]), detail(best[`${three} ${m}`]), `${(best[`${three} ${m}`].opsPerSec / best[`${one} ${m}`].opsPerSec).toFixed(2)}× 1 node`);
  }
  notes.push(`small ops: ${concurrency} in flight, ${seconds} s a phase, best of ${rounds} rounds; this client used ${clientCpu.toFixed(1)} CPU s in all`);
} finally {
  await Promise.all([...clusters.flatMap((c) => c.nodes.map((g) => g.destroy())), upstream?.destroy()]);
  await pg?.destroy();
}

const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => r[i].length), ["op", "configuration", "rate", "detail", "ratio"][i].length)) ?? [];
const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join(" | ");
console.log(`\n${navigator.hardwareConcurrency} cores, load average ${(await Bun.file("/proc/loadavg").text()).split(" ").slice(0, 3).join(" ")}`);
console.log(line(["op", "configuration", "rate", "detail", "ratio"]));
console.log(widths.map((w) => "-".repeat(w)).join("-|-"));
for (const r of rows) console.log(line(r));
for (const n of notes) console.log(`(${n})`);
