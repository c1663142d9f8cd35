// Bun's lifecycle schedule: a first pass soon after start, none when the interval is 0.
import { describe, expect, it } from "bun:test";
import { startLifecycleTimer } from "../../../../src/runtime/bun/lifecycle-timer.ts";
import { md5B64, withBucket } from "../../helpers/s3.ts";

const body = "<LifecycleConfiguration><Rule><ID>r</ID><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>";

async function bucketWithExpiredObject(lifecycleIntervalMs: number) {
  const b = await withBucket("bkt", { lifecycleIntervalMs });
  expect((await b.c.send("/bkt?lifecycle", { method: "PUT", body, headers: { "content-md5": md5B64(body) } })).status).toBe(200);
  expect((await b.c.put("bkt", "k", "x")).status).toBe(200);
  b.env.setNow(b.env.deps.clock.now() + 3 * 86_400_000);
  return b;
}

describe("startLifecycleTimer", () => {
  it("sweeps soon after start with the deps' clock", async () => {
    const { env } = await bucketWithExpiredObject(60_000);
    const timer = startLifecycleTimer(env.deps, { firstPassMs: 1 });
    try {
      for (let i = 0; i < 200 && (await env.deps.meta.getObject("bkt", "k")); i++) await Bun.sleep(10);
      expect(await env.deps.meta.getObject("bkt", "k")).toBeNull();
    } finally {
      await timer.stop();
    }
  });

  it("S3EDGE_LIFECYCLE_INTERVAL=0: never", async () => {
    const { env } = await bucketWithExpiredObject(0);
    const timer = startLifecycleTimer(env.deps, { firstPassMs: 1 });
    await Bun.sleep(50);
    await timer.stop();
    expect(await env.deps.meta.getObject("bkt", "k")).not.toBeNull();
  });
});
