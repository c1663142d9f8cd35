// `s3edge kms-rotate --data DIR` on a real Bun store (meta.sqlite + chunk files): the created key
// and the bucket key are re-wrapped under the new master key, and a gateway restarted with only
// the new key reads every object.
import { afterAll, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../../../src/app.ts";
import type { Config } from "../../../src/config.ts";
import { createBunDeps } from "../../../src/runtime/bun/deps.ts";
import { randomBytes, s3, type Env } from "../helpers/s3.ts";

const OLD = "old-key:" + Buffer.alloc(32, 7).toString("base64");
const NEW = "new-key:" + Buffer.alloc(32, 8).toString("base64");
const parse = (v: string) => ({ id: v.split(":")[0], key: new Uint8Array(Buffer.from(v.split(":")[1], "base64")) });
const root = mkdtempSync(join(tmpdir(), "s3edge-kms-rotate-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const quiet = { info() {}, warn() {}, error() {} };
const MAIN = new URL("../../../src/cli/main.ts", import.meta.url).pathname;

function start(dataDir: string, config: Partial<Config>) {
  const deps = createBunDeps({ dataDir, config: { rootUser: "AKIDTEST", rootPassword: "secretsecret", ...config }, log: quiet, fsync: false, md5Workers: 0 });
  return { deps, c: s3({ deps, app: createApp(deps) } as unknown as Env) };
}

describe("s3edge kms-rotate", () => {
  it("re-wraps the key ring and bucket keys in meta.sqlite; the old key can then go", async () => {
    const dataDir = join(root, "data");
    const data = randomBytes(100 * 1024, 4);
    const first = start(dataDir, { kmsSecretKey: parse(OLD) });
    await first.c.createBucket("bkt");
    expect((await first.c.send("/minio/admin/v3/kms/key/create?key-id=app-key", { method: "POST", signPayload: true })).status).toBe(200);
    await first.c.put("bkt", "s3", data, { "x-amz-server-side-encryption": "AES256" });
    await first.c.put("bkt", "named", data, { "x-amz-server-side-encryption": "aws:kms", "x-amz-server-side-encryption-aws-kms-key-id": "app-key" });
    await first.deps.close();

    const run = Bun.spawnSync([process.execPath, MAIN, "kms-rotate", "--data", dataDir], {
      env: { PATH: process.env.PATH, S3EDGE_KMS_SECRET_KEY: NEW, S3EDGE_KMS_OLD_SECRET_KEYS: OLD },
    });
    expect([run.exitCode, run.stderr.toString()]).toEqual([0, ""]);
    expect(JSON.parse(run.stdout.toString())).toMatchObject({ master: "new-key", keysRewrapped: ["app-key"], mastersKept: ["old-key"], bucketsRewrapped: ["bkt"], failed: [] });

    const after = start(dataDir, { kmsSecretKey: parse(NEW) });
    for (const k of ["s3", "named"]) expect(await after.c.bytes("bkt", k)).toEqual(data);
    await after.deps.close();

    const bare = Bun.spawnSync([process.execPath, MAIN, "kms-rotate", "--data", dataDir], { env: { PATH: process.env.PATH } });
    expect(bare.exitCode).toBe(2);
    expect(bare.stderr.toString()).toContain("S3EDGE_KMS_SECRET_KEY is not set");
  });
});
