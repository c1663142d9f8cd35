// GET/PUT 64 MiB through s3edge over an S3 upstream (--blobs) vs straight to that upstream, in
// one run (issue 17: goal ≥ 0.8×). The upstream is a second s3edge on Bun (files + SQLite); both
// run with --fsync=off so the disk's flushes are not what is compared. Each phase runs against
// the upstream directly and straight after through the front gateway, twice, interleaved; the
// better of each is kept.
//
//   bun bench/s3-upstream.ts [--ops 12] [--concurrency 4] [--mib 64]
// (bench/scale-out.ts runs it as its first part: upstreamBench.)
import { readFileSync } from "node:fs";
import { startGateway, type Gateway } from "../test/unit/store/s3-gateway.ts";

/** CPU seconds a process (all its threads) has used: /proc/PID/stat utime + stime. */
export const cpuSeconds = (pid: number | undefined) => {
  if (!pid) return 0;
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").slice(readFileSync(`/proc/${pid}/stat`, "utf8").lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
};

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const MiB = 1024 * 1024;

export interface UpstreamResult {
  /** Best MiB/s of the rounds: "PUT direct", "PUT via", "GET direct", "GET via". */
  best: Record<string, number>;
  /** CPU s per GiB moved, last round, per phase and process ("GET via front", …). */
  cpu: Record<string, number>;
  lines: string[];
}

export async function upstreamBench(o: { ops: number; concurrency: number; mib: number; rounds?: number }): Promise<UpstreamResult> {
  const { ops, concurrency } = o;
  const size = o.mib * MiB;
  const base = new Uint8Array(size + 64 * 4096);
  for (let off = 0; off < base.length; off += 65536) crypto.getRandomValues(base.subarray(off, Math.min(base.length, off + 65536)));
  // Different bytes per op (shifted windows plus a per-op stamp), so dedup never skips a write.
  const body = (i: number) => { const b = base.slice((i % 64) * 4096, (i % 64) * 4096 + size); new DataView(b.buffer).setUint32(0, i * 2654435761); return b; };

  const cpu: Record<string, number> = {};
  let procs: Gateway[] = [];
  async function phase(gw: Gateway, bucket: string, method: "PUT" | "GET", tag: string, name: string): Promise<number> {
    let next = 0;
    const before = procs.map((p) => cpuSeconds(p.pid()));
    const t0 = performance.now();
    await Promise.all(Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < ops; i = next++) {
        const url = `${gw.url}/${bucket}/${tag}-${i}`;
        if (method === "PUT") {
          const r = await gw.client.fetch(url, { method: "PUT", body: body(i) });
          if (r.status !== 200) throw new Error(`PUT ${r.status}: ${await r.text()}`);
        } else {
          const r = await gw.client.fetch(url);
          if (r.status !== 200) throw new Error(`GET ${r.status}`);
          let n = 0;
          for await (const c of r.body as unknown as AsyncIterable<Uint8Array>) n += c.length;
          if (n !== size) throw new Error(`GET short: ${n}`);
        }
      }
    }));
    const mibps = (ops * size) / MiB / ((performance.now() - t0) / 1000);
    // CPU seconds per GiB moved, per process (the upstream's and the front gateway's).
    procs.forEach((p, i) => { cpu[`${name} ${i === 0 ? "upstream" : "front"}`] = (cpuSeconds(p.pid()) - before[i]) / (ops * size / 1024 ** 3); });
    return mibps;
  }

  const up = await startGateway();
  let front: Gateway | undefined;
  const best: Record<string, number> = {};
  const lines: string[] = [];
  try {
    await up.client.fetch(`${up.url}/direct`, { method: "PUT" });
    await up.client.fetch(`${up.url}/chunks`, { method: "PUT" });
    front = await startGateway({
      accessKey: "admin", secretKey: "secret12345", args: ["--blobs", `s3+http://127.0.0.1:${up.port}/chunks`],
      env: { S3EDGE_BLOB_ACCESS_KEY: up.accessKey, S3EDGE_BLOB_SECRET_KEY: up.secretKey },
    });
    await front.client.fetch(`${front.url}/via`, { method: "PUT" });
    procs = [up, front];
    const keep = (k: string, v: number) => { best[k] = Math.max(best[k] ?? 0, v); };
    for (let round = 0; round < (o.rounds ?? 2); round++) {
      keep("PUT direct", await phase(up, "direct", "PUT", `r${round}`, "PUT direct"));
      keep("PUT via", await phase(front, "via", "PUT", `r${round}`, "PUT via"));
      keep("GET direct", await phase(up, "direct", "GET", `r${round}`, "GET direct"));
      keep("GET via", await phase(front, "via", "GET", `r${round}`, "GET via"));
    }
    lines.push(`${ops} × ${o.mib} MiB, concurrency ${concurrency}, ${navigator.hardwareConcurrency} cores`);
    for (const m of ["PUT", "GET"]) {
      const d = best[`${m} direct`], v = best[`${m} via`];
      lines.push(`${m} ${o.mib} MiB: direct ${d.toFixed(0)} MiB/s, through s3edge --blobs ${v.toFixed(0)} MiB/s, ratio ${(v / d).toFixed(2)}×`);
      const f = (k: string) => (cpu[k] ?? 0).toFixed(1);
      lines.push(`  CPU s/GiB (last round): direct: upstream ${f(`${m} direct upstream`)}; through: upstream ${f(`${m} via upstream`)} + front ${f(`${m} via front`)}`);
    }
  } finally {
    await front?.destroy();
    await up.destroy();
  }
  return { best, cpu, lines };
}

if (import.meta.main) {
  const r = await upstreamBench({ ops: arg("ops", 12), concurrency: arg("concurrency", 4), mib: arg("mib", 64) });
  for (const l of r.lines) console.log(l);
}
