// GET/PUT 64 MiB through s3edge over an S3 upstream (--blobs) vs straight to that upstream, in
// one run (issue 17: goal ≥ 0.8×). The upstream is a second s3edge on Bun (files + SQLite); both
// run with --fsync=off so the disk's flushes are not what is compared.
//
// The model: in production the upstream is another machine (and so is the client). Here every
// process shares 2 cores, so "through" pays the front's CPU and the upstream's on the same cores
// while "direct" pays only the upstream's: a CPU-bound ratio is capped near 0.5 whatever the
// front does. So the headline ("pinned") gives each server a core of its own, as separate
// machines would: the upstream on CPU 1, the front on CPU 0 (taskset -a -p, all threads; worker
// threads started later inherit the mask). The client (this process) runs on the core of the
// server it talks to, in both phases alike: with the upstream (CPU 1) when direct, with the
// front (CPU 0) when through. So each phase's entry server shares its core with the same client
// work, and neither phase gets the client's CPU for free (the client on CPU 0 throughout would
// hand "direct" an idle core for it). The second line ("unpinned") is the same run with every
// process free on both cores: what one shared 2-core box gives. Other processes on the machine
// are not pinned away, so wall-clock rates still swing; the CPU seconds per GiB moved (from
// /proc, per process, the median of the rounds) are the steadier figures, and the pinned block
// prints what they allow: each phase's MiB/s with its busiest core saturated (the CPU-bound model),
// beside how busy each core was, anyone's.
//
// Each round runs PUT direct, PUT through, GET direct, GET through, pinned then unpinned; the
// best MiB/s of the rounds is kept.
//
//   bun bench/s3-upstream.ts [--ops 8] [--concurrency 4] [--mib 64] [--rounds 2] [--no-unpinned] [--phases PUT,GET]
// (S3EDGE_BLOB_SOCKETS=0 in the environment: the front's blob GETs on Bun's fetch, for an A/B.)
// (bench/scale-out.ts runs it as its first part: upstreamBench.)
import { readFileSync } from "node:fs";
import { startGateway, type Gateway } from "../test/unit/store/s3-gateway.ts";

/** CPU seconds a process (all its threads) has used: /proc/PID/stat utime + stime. */
export const cpuSeconds = (pid: number | undefined) => {
  if (!pid) return 0;
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
};

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const MiB = 1024 * 1024;
const UNSIGNED = { "x-amz-content-sha256": "UNSIGNED-PAYLOAD" };

/** Busy and total jiffies per CPU (/proc/stat: everything but idle and iowait is busy). */
function cpuTimes(): { busy: number; total: number }[] {
  return readFileSync("/proc/stat", "utf8").split("\n").filter((l) => /^cpu\d+ /.test(l)).map((l) => {
    const v = l.split(/\s+/).slice(1).map(Number);
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: total - v[3] - v[4], total };
  });
}

/** Sets the CPU affinity of every thread of `pid`; false when taskset is missing or refused. */
function pin(pid: number | undefined, cpus: string): boolean {
  if (!pid) return false;
  try {
    return Bun.spawnSync(["taskset", "-a", "-p", "-c", cpus, String(pid)], { stdout: "ignore", stderr: "ignore" }).exitCode === 0;
  } catch {
    return false; // no taskset (util-linux)
  }
}

export type Placement = "pinned" | "unpinned";

export interface UpstreamResult {
  /** The headline placement: "pinned" when taskset worked and there are ≥ 2 CPUs, else "unpinned". */
  headline: Placement;
  /** Best MiB/s of the rounds, headline placement: "PUT direct", "PUT via", "GET direct", "GET via". */
  best: Record<string, number>;
  /** CPU s per GiB moved, headline placement, median of the rounds ("GET via front", "PUT direct client", …). */
  cpu: Record<string, number>;
  /** The same per placement. */
  by: Partial<Record<Placement, { best: Record<string, number>; cpu: Record<string, number> }>>;
  lines: string[];
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length ? (s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : 0; };

export async function upstreamBench(o: { ops: number; concurrency: number; mib: number; rounds?: number; unpinned?: boolean; methods?: ("PUT" | "GET")[] }): Promise<UpstreamResult> {
  const { ops, concurrency } = o;
  const methods = o.methods ?? ["PUT", "GET"];
  const size = o.mib * MiB;
  const WINDOWS = 256;
  const base = new Uint8Array(size + WINDOWS * 4096);
  for (let off = 0; off < base.length; off += 65536) crypto.getRandomValues(base.subarray(off, Math.min(base.length, off + 65536)));
  // Different bytes for every PUT of the run, direct or through (so neither dedup nor the
  // upstream's content index ever skips a write): a window of `base` shifted by 4 KiB per PUT,
  // sent without a copy (the client stands for another machine: its CPU should be small);
  // past the windows, a copy with a stamp.
  let made = 0;
  const body = () => {
    const n = made++;
    if (n < WINDOWS) return base.subarray(n * 4096, n * 4096 + size);
    const b = base.slice((n % WINDOWS) * 4096, (n % WINDOWS) * 4096 + size);
    new DataView(b.buffer).setUint32(0, n * 2654435761);
    return b;
  };

  const samples: Record<string, number[]> = {};
  const bestOf: Record<string, number> = {};
  let up: Gateway | undefined, front: Gateway | undefined;
  async function phase(gw: Gateway, bucket: string, method: "PUT" | "GET", tag: string, name: string): Promise<void> {
    let next = 0;
    const procs = [["upstream", up!], ["front", front!]] as const;
    const before = procs.map(([, p]) => cpuSeconds(p.pid()));
    const client0 = process.cpuUsage();
    const cores0 = cpuTimes();
    const t0 = performance.now();
    await Promise.all(Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < ops; i = next++) {
        const url = `${gw.url}/${bucket}/${tag}-${i}`;
        if (method === "PUT") {
          // UNSIGNED-PAYLOAD given: aws4fetch otherwise copies the body (clone().arrayBuffer()) to sign it.
          const r = await gw.client.fetch(url, { method: "PUT", body: body(), headers: UNSIGNED });
          if (r.status !== 200) throw new Error(`PUT ${r.status}: ${await r.text()}\n${gw.logs()}`);
        } else {
          const r = await gw.client.fetch(url);
          if (r.status !== 200) throw new Error(`GET ${r.status}`);
          let n = 0;
          for await (const c of r.body as unknown as AsyncIterable<Uint8Array>) n += c.length;
          if (n !== size) throw new Error(`GET short: ${n}`);
        }
      }
    }));
    const secs = (performance.now() - t0) / 1000;
    const mibps = (ops * size) / MiB / secs;
    bestOf[name] = Math.max(bestOf[name] ?? 0, mibps);
    const gib = (ops * size) / 1024 ** 3;
    const add = (k: string, v: number) => (samples[k] ??= []).push(v);
    procs.forEach(([who, p], i) => {
      const used = cpuSeconds(p.pid()) - before[i];
      add(`${name} ${who}`, used / gib);
      add(`${name} ${who} busy`, used / secs); // cores' worth in use: below 1 on a pinned core is waiting, not working
    });
    const c = process.cpuUsage(client0);
    add(`${name} client`, (c.user + c.system) / 1e6 / gib);
    // How busy each core was, ours or not: the machine's other load shows as the part not ours.
    cpuTimes().forEach((t, i) => { if (i < 2) add(`${name} cpu${i}`, (t.busy - cores0[i].busy) / Math.max(1, t.total - cores0[i].total)); });
  }

  const lines: string[] = [];
  const placements: Placement[] = [];
  try {
    up = await startGateway();
    await up.client.fetch(`${up.url}/direct`, { method: "PUT" });
    await up.client.fetch(`${up.url}/chunks`, { method: "PUT" });
    front = await startGateway({
      accessKey: "admin", secretKey: "secret12345", args: ["--blobs", `s3+http://127.0.0.1:${up.port}/chunks`],
      env: { S3EDGE_BLOB_ACCESS_KEY: up.accessKey, S3EDGE_BLOB_SECRET_KEY: up.secretKey },
    });
    await front.client.fetch(`${front.url}/via`, { method: "PUT" });
    const cores = navigator.hardwareConcurrency;
    const canPin = cores >= 2 && pin(process.pid, "0-1") && pin(up.pid(), "0-1");
    if (canPin) placements.push("pinned");
    if (!canPin || o.unpinned !== false) placements.push("unpinned");
    const all = `0-${cores - 1}`;
    const place = (p: Placement, client: "upstream" | "front") => {
      if (p === "unpinned") { pin(up!.pid(), all); pin(front!.pid(), all); pin(process.pid, all); return; }
      pin(up!.pid(), "1");
      pin(front!.pid(), "0");
      pin(process.pid, client === "upstream" ? "1" : "0");
    };
    try {
      for (let round = 0; round < (o.rounds ?? 2); round++) {
        for (const p of placements) {
          const t = `${p[0]}${round}`;
          // A GET reads what this round's PUT wrote; --phases GET reuses round 0's objects.
          if (methods.includes("PUT") || round === 0) {
            place(p, "upstream"); await phase(up, "direct", "PUT", t, `${p} PUT direct`);
            place(p, "front"); await phase(front, "via", "PUT", t, `${p} PUT via`);
          }
          if (!methods.includes("GET")) continue;
          const g = methods.includes("PUT") ? t : `${p[0]}0`;
          place(p, "upstream"); await phase(up, "direct", "GET", g, `${p} GET direct`);
          place(p, "front"); await phase(front, "via", "GET", g, `${p} GET via`);
        }
      }
    } finally {
      if (canPin) place("unpinned", "front");
    }
    lines.push(`${ops} × ${o.mib} MiB, concurrency ${concurrency}, ${cores} cores, best MiB/s of ${o.rounds ?? 2} rounds, CPU s/GiB the median (bun bench/s3-upstream.ts)`);
    for (const p of placements) {
      lines.push(p === "pinned"
        ? "pinned (separate machines modelled): upstream on CPU 1, front on CPU 0, the client on its server's core"
        : `unpinned: every process on all ${cores} cores`);
      for (const m of methods) {
        const d = bestOf[`${p} ${m} direct`], v = bestOf[`${p} ${m} via`];
        const med = (k: string) => median(samples[`${p} ${m} ${k}`] ?? []);
        const f = (k: string) => med(k).toFixed(2);
        const share = (k: string) => `${(med(k) * 100).toFixed(0)}%`;
        const pct = (k: string) => share(`${k} busy`);
        lines.push(`  ${m} ${o.mib} MiB: direct ${d.toFixed(0)} MiB/s, through s3edge --blobs ${v.toFixed(0)} MiB/s, ratio ${(v / d).toFixed(2)}×`);
        lines.push(`    CPU s/GiB direct: upstream ${f("direct upstream")} (busy ${pct("direct upstream")}), client ${f("direct client")}` +
          ` | through: front ${f("via front")} (busy ${pct("via front")}) + upstream ${f("via upstream")} (busy ${pct("via upstream")}), client ${f("via client")}`);
        if (p === "pinned") {
          // What the CPU figures allow with each core saturated: its processes' s/GiB summed, the busiest core the limit.
          const capDirect = 1 / (med("direct upstream") + med("direct client"));
          const capVia = 1 / Math.max(med("via front") + med("via client"), med("via upstream"));
          lines.push(`    CPU-bound model (each core saturated): direct ${(capDirect * 1024).toFixed(0)} MiB/s, through ${(capVia * 1024).toFixed(0)} MiB/s, ratio ${(capVia / capDirect).toFixed(2)}×` +
            `; cores busy (anyone's) direct CPU0 ${share("direct cpu0")}/CPU1 ${share("direct cpu1")}, through CPU0 ${share("via cpu0")}/CPU1 ${share("via cpu1")}`);
        }
      }
    }
  } finally {
    await front?.destroy();
    await up?.destroy();
  }
  const by: UpstreamResult["by"] = {};
  for (const p of placements) {
    const best: Record<string, number> = {}, cpu: Record<string, number> = {};
    for (const [k, v] of Object.entries(bestOf)) if (k.startsWith(`${p} `)) best[k.slice(p.length + 1)] = v;
    for (const [k, v] of Object.entries(samples)) if (k.startsWith(`${p} `)) cpu[k.slice(p.length + 1)] = median(v);
    by[p] = { best, cpu };
  }
  const headline = placements[0];
  return { headline, best: by[headline]!.best, cpu: by[headline]!.cpu, by, lines };
}

if (import.meta.main) {
  const i = process.argv.indexOf("--phases");
  const methods = (i >= 0 ? process.argv[i + 1].split(",") : ["PUT", "GET"]).map((m) => m.toUpperCase());
  if (methods.some((m) => m !== "PUT" && m !== "GET")) throw new Error("--phases takes PUT, GET or PUT,GET");
  const r = await upstreamBench({ ops: arg("ops", 8), concurrency: arg("concurrency", 4), mib: arg("mib", 64), rounds: arg("rounds", 2),
    unpinned: !process.argv.includes("--no-unpinned"), methods: methods as ("PUT" | "GET")[] });
  for (const l of r.lines) console.log(l);
}
