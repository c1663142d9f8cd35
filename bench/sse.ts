// The cost of server-side encryption (issue 19 "Tests and figures"): 64 MiB PUT and GET on one
// s3edge gateway (Bun) in clear and with SSE-S3 (`x-amz-server-side-encryption: AES256`), phases
// interleaved in one run (the order alternates each round) so machine noise hits both; medians
// over the rounds of MiB/s and of the server's CPU per MiB, and encrypted/plain (goal >= 0.8).
// Every op sends different bytes (a window into one random buffer, shifted 4 KiB per op: no 8 MiB
// chunk repeats, so dedup never skips a write); every GET is compared byte for byte as it streams.
//
//   bun bench/sse.ts [--ops 8] [--concurrency 4] [--rounds 5] [--size-mib 64] [--fsync off|on]
//     [--cpu-prof DIR]   (the gateway's CPU profile, markdown, written when it stops)
import { AwsClient } from "aws4fetch";
import { cpuMs, must, ROOT_CREDENTIALS, startGateway } from "./gateway.ts";

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const OPS = arg("ops", 8), CONC = arg("concurrency", 4), ROUNDS = arg("rounds", 5), SIZE = arg("size-mib", 64) * 1024 * 1024;
const flag = (name: string) => (process.argv.includes(`--${name}`) ? process.argv[process.argv.indexOf(`--${name}`) + 1] : undefined);
const FSYNC = flag("fsync") ?? "off", PROFILE = flag("cpu-prof");
const STEP = 4096;
const MIB = SIZE / 1024 / 1024;
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

type Mode = "plain" | "sse";
const MODES: Mode[] = ["plain", "sse"];

async function main() {
  // Windows for warm-up + every round's PUTs of both modes, all different.
  const windows = (ROUNDS + 1) * OPS * 2;
  const base = new Uint8Array(SIZE + windows * STEP);
  for (let o = 0; o < base.length; o += 65536) crypto.getRandomValues(base.subarray(o, Math.min(base.length, o + 65536)));
  const master = `bench:${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64")}`;
  const gw = await startGateway({ env: { S3EDGE_KMS_SECRET_KEY: master }, args: ["--fsync", FSYNC],
    bunArgs: PROFILE ? ["--cpu-prof-md", `--cpu-prof-dir=${PROFILE}`] : [] });
  const aws = new AwsClient({ ...ROOT_CREDENTIALS, service: "s3", region: "us-east-1", retries: 0 });
  const url = (key: string) => `${gw.url}/bench/${key}`;
  const pid = gw.proc.pid;
  let nextWindow = 0;
  try {
    await must(aws.fetch(`${gw.url}/bench`, { method: "PUT" }), "create bucket");

    const put = async (mode: Mode, key: string, w: number) => {
      const body = base.subarray(w * STEP, w * STEP + SIZE);
      const extra: Record<string, string> = mode === "sse" ? { "x-amz-server-side-encryption": "AES256" } : {};
      const r = await aws.sign(url(key), { method: "PUT", headers: { "x-amz-content-sha256": "UNSIGNED-PAYLOAD", "content-length": String(SIZE), ...extra } });
      const res = await fetch(r.url, { method: "PUT", headers: r.headers, body });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`PUT ${key}: ${res.status} ${text.slice(0, 300)}`);
      if ((res.headers.get("x-amz-server-side-encryption") === "AES256") !== (mode === "sse")) throw new Error(`PUT ${key}: encryption header ${res.headers.get("x-amz-server-side-encryption")}`);
      return res.headers.get("etag");
    };
    const get = async (mode: Mode, key: string, w: number, etag: string | null) => {
      const r = await aws.sign(url(key), { headers: { "x-amz-content-sha256": "UNSIGNED-PAYLOAD" } });
      const res = await fetch(r.url, { headers: r.headers });
      if (res.status !== 200) throw new Error(`GET ${key}: ${res.status} ${await res.text()}`);
      if ((res.headers.get("x-amz-server-side-encryption") === "AES256") !== (mode === "sse")) throw new Error(`GET ${key}: encryption header ${res.headers.get("x-amz-server-side-encryption")}`);
      if (res.headers.get("etag") !== etag) throw new Error(`GET ${key}: ETag ${res.headers.get("etag")}, PUT said ${etag}`);
      const expect = Buffer.from(base.buffer, w * STEP, SIZE);
      const reader = res.body!.getReader();
      let pos = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (pos + value.length > SIZE || Buffer.compare(Buffer.from(value.buffer, value.byteOffset, value.length), expect.subarray(pos, pos + value.length)) !== 0) {
          throw new Error(`GET ${key}: wrong bytes at ${pos}`);
        }
        pos += value.length;
      }
      if (pos !== SIZE) throw new Error(`GET ${key}: ${pos} bytes, expected ${SIZE}`);
    };
    /** n ops at CONC in flight: MiB/s and the server's CPU ms per MiB. */
    const phase = async (one: (j: number) => Promise<void>) => {
      let next = 0;
      const c0 = cpuMs(pid), t0 = performance.now();
      await Promise.all(Array.from({ length: Math.min(CONC, OPS) }, async () => { for (let j = next++; j < OPS; j = next++) await one(j); }));
      const s = (performance.now() - t0) / 1000;
      return { mibs: (OPS * MIB) / s, cpuPerMib: (cpuMs(pid) - c0) / (OPS * MIB) };
    };
    type Stored = { w: number; etag: string | null }[];
    const putPhase = async (mode: Mode, stored: Stored, prefix: string) => phase(async (j) => {
      const w = nextWindow++;
      stored[j] = { w, etag: await put(mode, `${prefix}-${mode}-${j}`, w) };
    });
    const getPhase = (mode: Mode, stored: Stored, prefix: string) => phase((j) => get(mode, `${prefix}-${mode}-${j}`, stored[j].w, stored[j].etag));
    const remove = async (mode: Mode, prefix: string) => {
      for (let j = 0; j < OPS; j++) await must(aws.fetch(url(`${prefix}-${mode}-${j}`), { method: "DELETE" }), "delete");
    };

    // Warm-up (JIT, worker threads, the bucket key): one PUT and GET phase per mode, not counted.
    for (const m of MODES) { const s: Stored = []; await putPhase(m, s, "warm"); await getPhase(m, s, "warm"); await remove(m, "warm"); }

    const res: Record<string, { mibs: number; cpuPerMib: number }[]> = {};
    const add = (k: string, v: { mibs: number; cpuPerMib: number }) => (res[k] ??= []).push(v);
    for (let r = 0; r < ROUNDS; r++) {
      const order: Mode[] = r % 2 ? ["sse", "plain"] : ["plain", "sse"];
      const stored: Record<Mode, Stored> = { plain: [], sse: [] };
      for (const m of order) add(`PUT ${m}`, await putPhase(m, stored[m], `r${r}`));
      for (const m of order) add(`GET ${m}`, await getPhase(m, stored[m], `r${r}`));
      for (const m of MODES) await remove(m, `r${r}`);
    }

    console.log(`SSE-S3 vs plain, ${MIB} MiB objects, ${OPS} ops x ${ROUNDS} rounds, concurrency ${CONC}, --fsync ${FSYNC}, s3edge on Bun; medians`);
    for (const op of ["PUT", "GET"]) {
      const p = res[`${op} plain`], e = res[`${op} sse`];
      const ratios = p.map((x, i) => e[i].mibs / x.mibs);
      const pm = median(p.map((x) => x.mibs)), em = median(e.map((x) => x.mibs));
      // CPU per MiB, SSE over plain, per round: what throughput follows on a CPU-bound machine, and steadier than it on a shared one.
      const cpu = p.map((x, i) => e[i].cpuPerMib / x.cpuPerMib);
      console.log(`${op}: plain ${pm.toFixed(0)} MiB/s (${median(p.map((x) => x.cpuPerMib)).toFixed(2)} CPU ms/MiB)  ` +
        `SSE-S3 ${em.toFixed(0)} MiB/s (${median(e.map((x) => x.cpuPerMib)).toFixed(2)} CPU ms/MiB)  ` +
        `ratio ${median(ratios).toFixed(3)} (goal >= 0.8; per round ${ratios.map((x) => x.toFixed(2)).join(" ")})  ` +
        `CPU/MiB SSE/plain ${median(cpu).toFixed(2)} (<= 1.25 gives 0.8x when CPU-bound)`);
    }
  } finally {
    await gw.stop();
  }
}

await main();
