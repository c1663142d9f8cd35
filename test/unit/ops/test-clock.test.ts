// The test-only sweep trigger: mounted only with S3EDGE_TEST_CLOCK=1, for the root user only.
import { describe, expect, it } from "bun:test";
import { md5B64, withBucket } from "../helpers/s3.ts";
import { configFromVars } from "../../../src/config.ts";

const DAY = 86_400_000;
const body = "<LifecycleConfiguration><Rule><ID>r</ID><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>";

describe("POST /s3edge/test/lifecycle", () => {
  it("runs a sweep at the given instant for root", async () => {
    const { c, env } = await withBucket("bkt", { testClock: true });
    expect((await c.send("/bkt?lifecycle", { method: "PUT", body, headers: { "content-md5": md5B64(body) } })).status).toBe(200);
    expect((await c.put("bkt", "k", "x")).status).toBe(200);
    const now = env.deps.clock.now();
    const early = await c.send(`/s3edge/test/lifecycle?now=${now}`, { method: "POST" });
    expect(early.status).toBe(200);
    expect(await early.json()).toMatchObject({ buckets: 1, expired: 0 });
    const later = await c.send(`/s3edge/test/lifecycle?now=${now + 3 * DAY}&bucket=bkt`, { method: "POST" });
    expect(await later.json()).toMatchObject({ buckets: 1, expired: 1 });
    expect((await c.get("bkt", "k")).status).toBe(404);
  });

  it("refuses anonymous callers and a bad instant", async () => {
    const { c } = await withBucket("bkt", { testClock: true });
    expect((await c.send("/s3edge/test/lifecycle", { method: "POST", anonymous: true })).status).toBe(403);
    expect((await c.send("/s3edge/test/lifecycle?now=soon", { method: "POST" })).status).toBe(400);
  });

  it("does not exist without S3EDGE_TEST_CLOCK=1 (the S3 API answers the path)", async () => {
    const { c } = await withBucket("bkt");
    const res = await c.send("/s3edge/test/lifecycle?now=1", { method: "POST" });
    expect(res.headers.get("content-type")).not.toContain("json");
    expect(res.status).not.toBe(200);
  });

  it("S3EDGE_TEST_CLOCK and S3EDGE_LIFECYCLE_INTERVAL are read and validated", () => {
    const base = { S3EDGE_ROOT_USER: "admin", S3EDGE_ROOT_PASSWORD: "secret12345" };
    expect(configFromVars(base, { requireCredentials: false }).config).toMatchObject({ testClock: false, lifecycleIntervalMs: 3_600_000 });
    expect(configFromVars({ ...base, S3EDGE_TEST_CLOCK: "1", S3EDGE_LIFECYCLE_INTERVAL: "15m" }, { requireCredentials: false }).config)
      .toMatchObject({ testClock: true, lifecycleIntervalMs: 900_000 });
    expect(configFromVars({ ...base, S3EDGE_LIFECYCLE_INTERVAL: "0" }, { requireCredentials: false }).config.lifecycleIntervalMs).toBe(0);
    expect(() => configFromVars({ ...base, S3EDGE_TEST_CLOCK: "yes" }, { requireCredentials: false })).toThrow("S3EDGE_TEST_CLOCK");
    expect(() => configFromVars({ ...base, S3EDGE_LIFECYCLE_INTERVAL: "5ms" }, { requireCredentials: false })).toThrow("S3EDGE_LIFECYCLE_INTERVAL");
  });
});
