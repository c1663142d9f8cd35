// A change is acknowledged only after the durability barrier (Deps.durable) has resolved: no
// PUT, part, Complete, copy or delete answers before the flush. Reads do not wait for it. With
// the real Bun deps the barrier is the WAL fsync and the PUT goes through it.
import { afterAll, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../../../../src/app.ts";
import { createBunDeps } from "../../../../src/runtime/bun/deps.ts";
import { memoryDeps } from "../../helpers/deps.ts";
import { md5B64, MiB, randomBytes, s3 } from "../../helpers/s3.ts";

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

/** A barrier that holds every caller until opened; counts calls. */
function gate() {
  let open!: () => void;
  let p = new Promise<void>((r) => { open = r; });
  const g = {
    calls: 0,
    durable: () => { g.calls++; return p; },
    open: () => open(),
    reset: () => { g.calls = 0; p = new Promise<void>((r) => { open = r; }); },
  };
  return g;
}

async function pendingAfter(res: Promise<Response>, ms = 30): Promise<boolean> {
  let done = false;
  void res.then(() => { done = true; }, () => { done = true; });
  await Bun.sleep(ms);
  return !done;
}

describe("acknowledgement waits for the durability barrier", () => {
  it.each([
    ["PutObject", "PUT /bkt/new", (c: ReturnType<typeof s3>) => c.put("bkt", "new", "hello")],
    ["PutObject (chunked)", "PUT /bkt/big", (c: ReturnType<typeof s3>) => c.put("bkt", "big", randomBytes(200 * 1024, 3))],
    ["CopyObject", "PUT /bkt/copy", (c: ReturnType<typeof s3>) => c.send("/bkt/copy", { method: "PUT", headers: { "x-amz-copy-source": "/bkt/src" } })],
    ["DeleteObject", "DELETE /bkt/src", (c: ReturnType<typeof s3>) => c.del("bkt", "src")],
    ["DeleteObjects", "POST /bkt?delete", (c: ReturnType<typeof s3>) => {
      const body = "<Delete><Object><Key>src</Key></Object></Delete>";
      return c.send("/bkt?delete", { method: "POST", body, headers: { "content-md5": md5B64(body) } });
    }],
    ["PutObjectTagging", "PUT /bkt/src?tagging", (c: ReturnType<typeof s3>) =>
      c.send("/bkt/src?tagging", { method: "PUT", body: "<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>" })],
  ])("%s (%s) answers only after the flush", async (_name, _what, op) => {
    const env = memoryDeps();
    const c = s3(env);
    await c.createBucket("bkt");
    expect((await c.put("bkt", "src", "source")).status).toBe(200);
    const g = gate();
    env.deps.durable = g.durable;
    const res = op(c);
    expect(await pendingAfter(res)).toBe(true);
    expect(g.calls).toBe(1);
    g.open();
    expect((await res).status).toBeLessThan(300);
  });

  it("UploadPart and CompleteMultipartUpload each wait; GET and HEAD do not", async () => {
    const env = memoryDeps();
    const c = s3(env);
    await c.createBucket("bkt");
    const uploadId = await c.createUpload("bkt", "mp");
    const g = gate();
    env.deps.durable = g.durable;
    const part = c.send(`/bkt/mp?partNumber=1&uploadId=${uploadId}`, { method: "PUT", body: randomBytes(100 * 1024, 4) });
    expect(await pendingAfter(part)).toBe(true);
    g.open();
    const etag = (await part).headers.get("etag")!;
    g.reset();
    const done = c.complete("bkt", "mp", uploadId, [{ n: 1, etag }]);
    expect(await pendingAfter(done)).toBe(true);
    g.open();
    expect((await done).status).toBe(200);
    g.reset();
    expect((await c.get("bkt", "mp")).status).toBe(200);
    expect((await c.head("bkt", "mp")).status).toBe(200);
    expect(g.calls).toBe(0);
  });

  it("a failed flush fails the request (500), it is not acknowledged", async () => {
    const env = memoryDeps();
    env.deps.log = { info() {}, warn() {}, error() {} };
    const c = s3(env);
    await c.createBucket("bkt");
    env.deps.durable = () => Promise.reject(new Error("EIO"));
    expect((await c.put("bkt", "k", "v")).status).toBe(500);
  });

  it("real Bun deps: a PUT passes through the WAL barrier; with fsync off there is none", async () => {
    for (const fsync of [true, false]) {
      const dataDir = mkdtempSync(join(tmpdir(), "s3edge-ack-"));
      dirs.push(dataDir);
      const deps = createBunDeps({
        dataDir, fsync, md5Workers: 0, log: { info() {}, warn() {}, error() {} },
        config: { rootUser: "AKIDTEST", rootPassword: "secretsecret", chunkSize: MiB },
      });
      try {
        expect(typeof deps.durable).toBe(fsync ? "function" : "undefined");
        let calls = 0;
        const real = deps.durable;
        if (real) deps.durable = () => { calls++; return real(); };
        const c = s3({ deps, app: createApp(deps) } as unknown as Parameters<typeof s3>[0]);
        await c.createBucket("bkt");
        expect((await c.put("bkt", "k", randomBytes(3 * MiB, 5))).status).toBe(200);
        expect(calls).toBe(fsync ? 2 : 0);
      } finally {
        await deps.close();
      }
    }
  });
});
