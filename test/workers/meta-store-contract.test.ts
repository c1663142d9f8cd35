// The MetaStore contract (test/contract/meta-store.ts) against the Durable Object store on
// workerd: builds test/workers/contract-worker.ts with wrangler (as test/workers/run-e2e.sh
// builds the gateway), serves the bundle with `wrangler dev --local` on free 127.0.0.1 ports
// with fresh state in a temp dir and offline settings, runs each case there (one request per
// case, a fresh set of MetaShard objects per case) and stops wrangler by PID. Independent of
// the gateway instance run-e2e.sh starts; runs in that suite (test/run-all.sh) or alone:
//   bun test test/workers/meta-store-contract.test.ts
// KEEP_STATE=1 keeps the temp dir (build log, wrangler log, DO SQLite files).
import { afterAll, beforeAll, describe, expect, it, setDefaultTimeout } from "bun:test";
import { META_STORE_CONTRACT, missingCapabilities, type CaseOutcome } from "../contract/meta-store.ts";
import { startDevWorker, type DevWorker } from "./wrangler-dev.ts";

setDefaultTimeout(30_000);

/** The Durable Object store's tools lack a settable clock (MetaShard reads Date.now()). */
const DO_TOOLS = { advance: undefined };

const config = (main: string) => `name = "s3edge-meta-contract"
main = ${JSON.stringify(main)}
compatibility_date = "2026-04-01"
compatibility_flags = ["nodejs_als", "nodejs_compat"]

[vars]
# No GC alarm during a run: the cases call collectGarbage themselves.
S3EDGE_GC_INTERVAL_MS = "3600000"

[[r2_buckets]]
binding = "CHUNKS"
bucket_name = "s3edge-contract-chunks"

[[durable_objects.bindings]]
name = "META"
class_name = "MetaShard"

[[migrations]]
tag = "v1"
new_sqlite_classes = ["MetaShard"]
`;

let worker: DevWorker | undefined;
let base = "";

beforeAll(async () => {
  worker = await startDevWorker("test/workers/contract-worker.ts", config, "/cases");
  base = worker.base;
}, 120_000);

afterAll(async () => { await worker?.stop(); }, 30_000);

const run = async (name: string): Promise<CaseOutcome> => {
  const res = await fetch(`${base}/run?case=${encodeURIComponent(name)}`, { method: "POST" });
  const text = await res.text();
  try {
    return JSON.parse(text) as CaseOutcome;
  } catch {
    return { ok: false, error: `HTTP ${res.status}: ${text.slice(0, 2000)}\n--- wrangler log:\n${worker?.log()}` };
  }
};

describe("MetaStore contract: Durable Objects on workerd (MetaShard via createDoMetaStore)", () => {
  it("the Worker serves the same cases, and reports those needing a settable clock as skipped", async () => {
    const served = (await (await fetch(`${base}/cases`)).json()) as { name: string }[];
    expect(served.map((c) => c.name)).toEqual(META_STORE_CONTRACT.map((c) => c.name));
    for (const c of META_STORE_CONTRACT.filter((x) => missingCapabilities(x, DO_TOOLS).length)) {
      expect(await run(c.name)).toEqual({ ok: true, skipped: "needs clock" });
    }
  });

  for (const c of META_STORE_CONTRACT) {
    const skip = missingCapabilities(c, DO_TOOLS).length > 0;
    (skip ? it.skip : it)(c.name, async () => {
      const out = await run(c.name);
      if (!out.ok) throw new Error(out.error ?? "failed");
      expect(out).toEqual({ ok: true });
    });
  }
});
