// Notification throughput (issue 14): events/s from 4 KiB PUTs through the outbox to a webhook
// target on 127.0.0.1, beside what the bare receiver takes (the same POSTs sent straight to
// it), with p50/p99 commit→delivery latency and PUT ops/s with and without a matching
// configuration, in one run on Bun.
//
//   bun bench/notify.ts [--events 5000] [--concurrency 16] [--rounds 3] [--prof DIR] [--only plain|notified]
//
// The gateway's CPU per PUT (from /proc, so other load on the machine does not skew it), all
// threads and its JS thread alone, is printed beside the wall-clock rates; --prof writes its
// CPU profile (markdown) to DIR. --only runs the rounds of one kind (and the warm-up), so that a
// profile (or counters in the gateway) see mostly that phase; the ratios are then NaN.
//
// Goal (issue 14): ≥ 5,000 events/s, p99 < 100 ms, PUT ops/s with a configuration ≥ 0.9× without.
import { AwsClient } from "aws4fetch";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const arg = (name: string, d: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const N = arg("events", 5000);
const profIdx = process.argv.indexOf("--prof");
const PROF = profIdx > 0 ? resolve(process.argv[profIdx + 1]) : undefined;
const onlyIdx = process.argv.indexOf("--only");
const ONLY = onlyIdx > 0 ? process.argv[onlyIdx + 1] : undefined;
if (ONLY !== undefined && ONLY !== "plain" && ONLY !== "notified") throw new Error("--only plain|notified");
const C = arg("concurrency", 16);
const ROUNDS = Math.max(1, arg("rounds", 3));
const ROOT = resolve(import.meta.dir, "..");
const BODY = new Uint8Array(4096).fill(97);

// The receiver: counts records, notes when each request id arrived.
const arrivals = new Map<string, number>();
let posts = 0;
/** Records whose request id had arrived before (a double send). */
let duplicates = 0;
/** While set, the receiver answers 503: the outbox fills, to measure how fast it drains. */
let failing = false;
const rx = Bun.serve({
  hostname: "127.0.0.1", port: 0,
  async fetch(req) {
    if (failing) { await req.arrayBuffer(); return new Response("down", { status: 503 }); }
    const b = (await req.json().catch(() => null)) as { Records?: { responseElements?: Record<string, string> }[] } | null;
    posts++;
    const now = performance.now();
    for (const r of b?.Records ?? []) {
      const id = r.responseElements?.["x-amz-request-id"];
      if (id && !arrivals.has(id)) arrivals.set(id, now);
      else if (id && id !== "x") duplicates++;
    }
    return new Response(null, { status: 200 });
  },
});
const hook = `http://127.0.0.1:${rx.port}/hook`;

const round2 = (x: number) => Math.round(x * 100) / 100;

async function pool(n: number, task: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(Array.from({ length: C }, async () => { while (next < n) await task(next++); }));
}

// 1. The bare receiver: one MinIO-sized record per POST, straight from here.
const sample = JSON.stringify({ EventName: "s3:ObjectCreated:Put", Key: "b/k", Records: [{ eventName: "s3:ObjectCreated:Put", responseElements: { "x-amz-request-id": "x" }, s3: { object: { key: "k", size: 4096 } } }] });
let t = performance.now();
await pool(N, async () => { await (await fetch(hook, { method: "POST", body: sample, headers: { "content-type": "application/json" } })).arrayBuffer(); });
const bareRate = N / ((performance.now() - t) / 1000);
arrivals.clear();

// 2. The gateway, with the webhook target from variables.
const dataDir = mkdtempSync(join(tmpdir(), "s3edge-bench-notify-"));
const prof = PROF ? ["--cpu-prof", "--cpu-prof-md", `--cpu-prof-dir=${PROF}`] : [];
const proc = Bun.spawn([join(ROOT, "node_modules/.bin/bun"), ...prof, "src/cli/serve.ts", "--address", "127.0.0.1:0", "--data", dataDir], {
  cwd: ROOT, stdout: "pipe", stderr: "inherit",
  env: { ...process.env, S3EDGE_ROOT_USER: "admin", S3EDGE_ROOT_PASSWORD: "secret12345", MINIO_NOTIFY_WEBHOOK_ENABLE_B: "on", MINIO_NOTIFY_WEBHOOK_ENDPOINT_B: hook },
});
let out = "";
const reader = proc.stdout.getReader();
while (!/listening on (http:\/\/\S+)/.test(out)) {
  const { done, value } = await reader.read();
  if (done) throw new Error(`gateway exited:\n${out}`);
  out += new TextDecoder().decode(value);
}
void (async () => { for (;;) if ((await reader.read()).done) break; })();
const url = /listening on (http:\/\/\S+)/.exec(out)![1];
/** The gateway's user+system CPU so far, in ms (Linux /proc; clock ticks of 10 ms); `main`: its JS thread's alone. */
const cpuMs = (main = false) => {
  try {
    const f = readFileSync(main ? `/proc/${proc.pid}/task/${proc.pid}/stat` : `/proc/${proc.pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch { return NaN; }
};
/** This process's CPU so far, in ms: the PUT client and the receiver (they share the gateway's cores here). */
const selfMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const s3 = new AwsClient({ accessKeyId: "admin", secretAccessKey: "secret12345", region: "us-east-1", service: "s3", retries: 0 });
try {
  for (const b of ["plain", "notified"]) await (await s3.fetch(`${url}/${b}`, { method: "PUT" })).arrayBuffer();
  const cfg = `<NotificationConfiguration><QueueConfiguration><Id>b</Id><Queue>arn:minio:sqs::B:webhook</Queue><Event>s3:ObjectCreated:*</Event></QueueConfiguration></NotificationConfiguration>`;
  const r = await s3.fetch(`${url}/notified?notification`, { method: "PUT", body: cfg });
  if (r.status !== 200) throw new Error(`notification config: ${r.status} ${await r.text()}`);

  // The commit is between a PUT's start and its answer (events may arrive before the answer).
  const started = new Map<string, number>();
  const puts = async (bucket: string, committed?: Map<string, number>) => {
    const t0 = performance.now();
    const c0 = cpuMs();
    const m0 = cpuMs(true);
    const b0 = selfMs();
    await pool(N, async (i) => {
      const sent = performance.now();
      const res = await s3.fetch(`${url}/${bucket}/k${i}`, { method: "PUT", body: BODY });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`PUT ${res.status}`);
      const id = res.headers.get("x-amz-request-id")!;
      if (committed) { committed.set(id, performance.now()); started.set(id, sent); }
    });
    return { seconds: (performance.now() - t0) / 1000, t0, cpuMsPerPut: (cpuMs() - c0) / N, mainMsPerPut: (cpuMs(true) - m0) / N, benchMsPerPut: (selfMs() - b0) / N };
  };
  // Warm-up, then rounds of PUTs without a configuration and with one (deliveries run alongside;
  // a round ends when its last event arrived, so the next phase never shares the CPU with them).
  // The order alternates per round: on a shared machine only medians of such pairs are stable.
  await puts("plain");
  const committed = new Map<string, number>();
  const rounds: {
    plain: number; notified: number; cpuPlain: number; cpuNotified: number; mainPlain: number; mainNotified: number;
    benchPlain: number; benchNotified: number; eventsPerSec: number;
  }[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const runPlain = () => puts("plain");
    const runNotified = async () => {
      const c1 = cpuMs();
      const m1 = cpuMs(true);
      const b1 = selfMs();
      const before = committed.size;
      const n = await puts("notified", committed);
      const deadline = performance.now() + 120_000;
      while (arrivals.size < committed.size && performance.now() < deadline) await Bun.sleep(5);
      const mine = [...arrivals.values()].slice(before);
      // The gateway's CPU for a notified PUT and its delivery (until the last one arrived).
      return { ...n, cpuMsPerPut: (cpuMs() - c1) / N, mainMsPerPut: (cpuMs(true) - m1) / N, benchMsPerPut: (selfMs() - b1) / N, eventsPerSec: mine.length / ((Math.max(...mine) - n.t0) / 1000) };
    };
    const skipped = { seconds: NaN, t0: NaN, cpuMsPerPut: NaN, mainMsPerPut: NaN, benchMsPerPut: NaN, eventsPerSec: NaN };
    const [p, n] = ONLY === "plain" ? [await runPlain(), skipped] : ONLY === "notified" ? [skipped, await runNotified()]
      : r % 2 === 0 ? [await runPlain(), await runNotified()] : await (async () => { const n = await runNotified(); return [await runPlain(), n] as const; })();
    rounds.push({
      plain: p.seconds, notified: n.seconds, cpuPlain: p.cpuMsPerPut, cpuNotified: n.cpuMsPerPut,
      mainPlain: p.mainMsPerPut, mainNotified: n.mainMsPerPut, benchPlain: p.benchMsPerPut, benchNotified: n.benchMsPerPut, eventsPerSec: n.eventsPerSec,
    });
  }
  const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
  const plain = { seconds: median(rounds.map((x) => x.plain)), cpuMsPerPut: median(rounds.map((x) => x.cpuPlain)) };
  const notified = { seconds: median(rounds.map((x) => x.notified)) };
  const cpuNotified = median(rounds.map((x) => x.cpuNotified));
  const lat = [...committed].filter(([id]) => arrivals.has(id)).map(([id, at]) => arrivals.get(id)! - at).sort((a, b) => a - b);
  const at = (l: number[], p: number) => Math.round(l[Math.min(l.length - 1, Math.floor(p * l.length))] ?? NaN);
  const pct = (p: number) => at(lat, p);
  const fromStart = [...started].filter(([id]) => arrivals.has(id)).map(([id, t]) => arrivals.get(id)! - t).sort((a, b) => a - b);
  const eventsRate = median(rounds.map((x) => x.eventsPerSec));
  // 3. Drain: PUTs while the receiver refuses, then how fast the backlog goes out once it answers.
  // (Not with --only: a profile of one phase.)
  const deliveredBefore = arrivals.size;
  failing = ONLY === undefined;
  // The PUT path's own cost with a configuration (record, outbox row): delivery backs off meanwhile.
  const down = ONLY ? { seconds: NaN, cpuMsPerPut: NaN, mainMsPerPut: NaN, benchMsPerPut: NaN } : await puts("notified");
  failing = false;
  const drainDeadline = performance.now() + 180_000;
  while (!ONLY && arrivals.size < deliveredBefore + N && performance.now() < drainDeadline) await Bun.sleep(20);
  const drained = [...arrivals.values()].slice(deliveredBefore);
  const drainRate = drained.length / ((Math.max(...drained) - Math.min(...drained)) / 1000);
  console.log(JSON.stringify({
    events: N, concurrency: C,
    bareReceiverEventsPerSec: Math.round(bareRate),
    deliveredEventsPerSecAlongsidePuts: Math.round(eventsRate),
    backlogDrainEventsPerSec: Math.round(drainRate),
    delivered: arrivals.size, posts,
    commitToDeliveryMs: { p50: pct(0.5), p99: pct(0.99), max: Math.round(lat[lat.length - 1] ?? NaN) },
    // Upper bound: from the PUT's start (its commit is later), so the PUT's own latency is in it.
    putStartToDeliveryMs: { p50: at(fromStart, 0.5), p99: at(fromStart, 0.99) },
    // withConfigTargetDown: a configuration whose target refuses (delivery backs off): what the PUT path alone costs.
    putOpsPerSec: { withoutConfig: Math.round(N / plain.seconds), withConfig: Math.round(N / notified.seconds), withConfigTargetDown: Math.round(N / down.seconds) },
    // The median of the rounds' ratios, and each round's (plain seconds / notified seconds).
    withOverWithout: round2(median(rounds.map((x) => x.plain / x.notified))),
    roundRatios: rounds.map((x) => round2(x.plain / x.notified)),
    cpuRatio: round2(median(rounds.map((x) => x.cpuPlain / x.cpuNotified))),
    // The same for the gateway's JS thread alone (requests, and delivery while it runs there).
    mainThreadCpuRatio: round2(median(rounds.map((x) => x.mainPlain / x.mainNotified))),
    // This process (PUT client and receiver) per PUT, and the with/without ratio a gateway whose CPU
    // per PUT did not grow with a configuration would reach while the machine's cores are the limit:
    // (gateway + this process without) / (gateway without + this process with). The receiver's own
    // work per event bounds the ratio here, whatever the gateway does.
    benchProcessCpuMsPerPut: { withoutConfig: round2(median(rounds.map((x) => x.benchPlain))), withConfigAndDelivery: round2(median(rounds.map((x) => x.benchNotified))) },
    ceilingWithOverWithout: round2(median(rounds.map((x) => (x.cpuPlain + x.benchPlain) / (x.cpuPlain + x.benchNotified)))),
    duplicates,
    gatewayCpuMsPerPut: { withoutConfig: round2(plain.cpuMsPerPut), withConfigAndDelivery: round2(cpuNotified), withConfigTargetDown: round2(down.cpuMsPerPut) },
    gatewayMainThreadCpuMsPerPut: {
      withoutConfig: round2(median(rounds.map((x) => x.mainPlain))), withConfigAndDelivery: round2(median(rounds.map((x) => x.mainNotified))),
      withConfigTargetDown: round2(down.mainMsPerPut),
    },
  }, null, 1));
} finally {
  proc.kill("SIGTERM");
  await proc.exited;
  rx.stop(true);
  rmSync(dataDir, { recursive: true, force: true });
}
