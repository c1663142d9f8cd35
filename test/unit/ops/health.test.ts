// Health probes: readiness follows the stores (cached briefly), liveness never does; maintenance
// answers as MinIO's (412 when this node holds the only copy).
import { describe, expect, it } from "bun:test";
import { createApp } from "../../../src/app.ts";
import { PROBE_CACHE_MS } from "../../../src/ops/health.ts";
import { memoryDeps } from "../helpers/deps.ts";

const EP = "http://127.0.0.1:9000";

function setup(opts: { shared?: boolean } = {}) {
  const m = memoryDeps();
  let down = false;
  let probes = 0;
  const head = m.deps.blobs.head.bind(m.deps.blobs);
  m.deps.blobs.head = async (k) => { probes++; if (down) throw new Error("upstream down"); return head(k); };
  if (opts.shared) m.deps.sharedStores = true;
  const app = createApp(m.deps);
  let t = Date.now();
  m.setNow(t);
  return {
    status: async (p: string, method = "GET") => (await app.request(EP + p, { method })).status,
    down: (v: boolean) => { down = v; },
    later: (ms: number) => { t += ms; m.setNow(t); },
    probes: () => probes,
  };
}

describe("health", () => {
  it("ready, cluster and cluster/read follow the stores; live does not", async () => {
    const h = setup();
    for (const p of ["/minio/health/ready", "/minio/health/cluster", "/minio/health/cluster/read", "/minio/health/live"]) expect(await h.status(p)).toBe(200);
    h.down(true);
    h.later(PROBE_CACHE_MS + 1);
    expect(await h.status("/minio/health/ready")).toBe(503);
    expect(await h.status("/minio/health/ready", "HEAD")).toBe(503);
    expect(await h.status("/minio/health/cluster")).toBe(503);
    expect(await h.status("/minio/health/cluster/read")).toBe(503);
    expect(await h.status("/minio/health/live")).toBe(200);
    h.down(false);
    h.later(PROBE_CACHE_MS + 1);
    expect(await h.status("/minio/health/ready")).toBe(200);
  });

  it("probes at most once per cache interval", async () => {
    const h = setup();
    await Promise.all(Array.from({ length: 20 }, () => h.status("/minio/health/ready")));
    expect(h.probes()).toBe(1);
    h.later(PROBE_CACHE_MS + 1);
    await h.status("/minio/health/ready");
    expect(h.probes()).toBe(2);
  });

  it("?maintenance=true: 412 for a node with its own data, 200 over shared stores (503/412 when down)", async () => {
    expect(await setup().status("/minio/health/cluster?maintenance=true")).toBe(412);
    const shared = setup({ shared: true });
    expect(await shared.status("/minio/health/cluster?maintenance=true")).toBe(200);
    shared.down(true);
    shared.later(PROBE_CACHE_MS + 1);
    expect(await shared.status("/minio/health/cluster?maintenance=true")).toBe(412);
  });
});
