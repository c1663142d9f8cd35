// `mc admin config` for notification targets, through Debian's madmin-go 2.0.7
// (test/e2e/go/admin-config): help, set (applied live: no restart asked), get, reset, and a
// target set this way used at once by a bucket notification that delivers to a real webhook
// receiver on 127.0.0.1 (specs/minio-admin.md §5.5). Runs on Bun and on workerd.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { AwsClient } from "aws4fetch";
import { goBinary, goMissing, goRun } from "./go/build.ts";
import { bucketName, runtime, useServer } from "./harness.ts";
import { startReceiver } from "./webhook-receiver.ts";

const rx = startReceiver(0);
afterAll(() => rx.stop());
const ep = useServer({
  // An env target, as run-e2e.sh gives workerd: config set must refuse to change it.
  env: () => ({ MINIO_NOTIFY_WEBHOOK_ENABLE_E2E: "on", MINIO_NOTIFY_WEBHOOK_ENDPOINT_E2E: "http://127.0.0.1:9/unused" }),
});
const ID = `cfg${Math.random().toString(36).slice(2, 8)}`;
const B = bucketName("admin-config");
const s3 = () => new AwsClient({ accessKeyId: ep.accessKey, secretAccessKey: ep.secretKey, region: ep.region, service: "s3", retries: 0 });

const missing = goMissing("admin-config");
if (missing) {
  if (process.env.CI) test("Go toolchain and Debian madmin-go are installed", () => { throw new Error(missing); });
  else console.warn(`admin-config.test.ts: SKIPPED, ${missing}`);
}

const notification = (arn: string) =>
  `<NotificationConfiguration><QueueConfiguration><Id>cfg</Id><Event>s3:ObjectCreated:*</Event><Queue>${arn}</Queue></QueueConfiguration></NotificationConfiguration>`;

describe.skipIf(!!missing)("mc admin config notify_* (madmin-go 2.0.7)", () => {
  let bin = "";
  const cfg = (...args: string[]) => goRun(ep, bin, args);
  const cfgError = async (...args: string[]) => (await goRun(ep, bin, args, { allowError: true })).error;
  beforeAll(async () => {
    bin = await goBinary("admin-config");
    const r = await s3().fetch(`${ep.url}/${B}`, { method: "PUT" });
    expect(r.status).toBe(200);
  }, 300_000);

  test("help: every notify sub-system, one sub-system's keys, a key as its variable", async () => {
    const all = await cfg("help", "");
    expect(all.keysHelp.map((k: any) => k.key)).toEqual(["notify_webhook", "notify_redis", "notify_postgres", "notify_mysql", "notify_amqp", "notify_kafka"]);
    const wh = await cfg("help", "notify_webhook");
    expect(wh).toMatchObject({ subSys: "notify_webhook", description: "publish bucket notifications to webhook endpoints", multipleTargets: true });
    expect(wh.keysHelp.find((k: any) => k.key === "endpoint")).toEqual({
      key: "endpoint", description: "webhook server endpoint e.g. http://localhost:8080/minio/events", optional: false, type: "url", multipleTargets: false,
    });
    expect((await cfg("help", "notify_webhook", "endpoint", "env")).keysHelp.map((k: any) => k.key)).toEqual(["MINIO_NOTIFY_WEBHOOK_ENDPOINT"]);
    expect(await cfgError("help", "notify_mqtt")).toMatchObject({ code: "XMinioConfigError" });
  });

  test("set a webhook target: applied live, printed back by get, used at once by a bucket's notification", async () => {
    // Before: the ARN names no target.
    const before = await s3().fetch(`${ep.url}/${B}?notification`, { method: "PUT", body: notification(`arn:minio:sqs::${ID}:webhook`) });
    expect(before.status).toBe(400);
    await before.arrayBuffer();
    expect(await cfg("set", `notify_webhook:${ID} endpoint=${rx.url} queue_dir=/var/minio/events queue_limit=1000`)).toEqual({ restart: false });
    const got = await cfg("get", `notify_webhook:${ID}`);
    expect(got.text).toBe(`notify_webhook:${ID} endpoint=${rx.url} auth_token= queue_limit=1000 queue_dir=/var/minio/events client_cert= client_key= \n`);
    // Keys given replace, the others stay.
    await cfg("set", `notify_webhook:${ID} auth_token=secret-token`);
    expect((await cfg("get", `notify_webhook:${ID}`)).text).toContain(`endpoint=${rx.url} auth_token=secret-token queue_limit=1000`);
    // The whole sub-system: the default target (never set: its defaults, disabled) first.
    const sub = (await cfg("get", "notify_webhook")).text as string;
    expect(sub.split("\n")[0]).toBe("notify_webhook enable=off endpoint= auth_token= queue_limit=0 queue_dir= client_cert= client_key= ");
    expect(sub).toContain(`notify_webhook:${ID} endpoint=`);
    expect(sub).toContain("notify_webhook:E2E endpoint="); // the env target, listed (and marked)

    const put = await s3().fetch(`${ep.url}/${B}?notification`, { method: "PUT", body: notification(`arn:minio:sqs::${ID}:webhook`) });
    expect(put.status).toBe(200);
    await put.arrayBuffer();
    const obj = await s3().fetch(`${ep.url}/${B}/configured/by-mc.txt`, { method: "PUT", body: "hello" });
    expect(obj.status).toBe(200);
    const got2 = await rx.waitFor((r) => r.some((x) => x.body?.Key === `${B}/configured/by-mc.txt`), 20_000);
    const hit = got2.find((x) => x.body?.Key === `${B}/configured/by-mc.txt`)!;
    expect(hit.body.EventName).toBe("s3:ObjectCreated:Put");
    expect(hit.headers.get("authorization")).toBe("Bearer secret-token");
  });

  // Every set/reset costs one Argon2id on the server (~2 s in JS on workerd): the detailed
  // validation messages are unit cases (test/unit/events/targets-kv.test.ts).
  test("bad settings are XMinioConfigError and change nothing", async () => {
    expect(await cfgError("set", `notify_webhook:${ID}x endpoint=ftp://example/`)).toMatchObject({ code: "XMinioConfigError", message: expect.stringContaining("endpoint") });
    expect(await cfgError("set", "notify_mqtt:k1 broker=tcp://127.0.0.1:1883 topic=t")).toMatchObject({ code: "XMinioConfigError", message: expect.stringContaining("not supported") });
    expect(await cfgError("set", "notify_webhook:E2E endpoint=http://127.0.0.1:1/")).toMatchObject({ code: "XMinioConfigError", message: expect.stringContaining("environment") });
    expect(await cfgError("get", `notify_webhook:${ID}x`)).toMatchObject({ code: "XMinioConfigError" });
  });

  test("socket targets: accepted where the runtime has the driver, refused with the reason where not", async () => {
    const r = await goRun(ep, bin, ["set", `notify_redis:${ID} address=127.0.0.1:6379 key=bucketevents format=access`], { allowError: true });
    if (runtime() === "workerd") {
      // Workers open no Redis connection (src/runtime/workers/deps.ts): refused now, not failed at delivery.
      expect(r.error).toMatchObject({ code: "XMinioConfigError", message: expect.stringContaining("TCP") });
    } else {
      expect(r).toEqual({ restart: false });
      expect((await cfg("get", `notify_redis:${ID}`)).text).toBe(`notify_redis:${ID} format=access address=127.0.0.1:6379 key=bucketevents password= queue_limit=0 queue_dir= \n`);
      expect(await cfg("del", `notify_redis:${ID}`)).toEqual({ restart: false });
    }
    // PostgreSQL has a driver on both runtimes (postgres.js over cloudflare:sockets on Workers).
    expect(await cfg("set", `notify_postgres:${ID} connection_string="host=127.0.0.1 port=5432 user=u dbname=d sslmode=disable" table=events`)).toEqual({ restart: false });
    expect((await cfg("get", `notify_postgres:${ID}`)).text).toContain(`notify_postgres:${ID} format=namespace connection_string="host=127.0.0.1 port=5432 user=u dbname=d sslmode=disable" table=events`);
    await cfg("del", `notify_postgres:${ID}`);
  });

  test("reset (del-config-kv): the target is gone, and so is its ARN; history is not kept (501)", async () => {
    expect(await cfg("del", `notify_webhook:${ID}`)).toEqual({ restart: false });
    expect(await cfgError("get", `notify_webhook:${ID}`)).toMatchObject({ code: "XMinioConfigError" });
    const put = await s3().fetch(`${ep.url}/${B}?notification`, { method: "PUT", body: notification(`arn:minio:sqs::${ID}:webhook`) });
    expect(put.status).toBe(400);
    expect(await put.text()).toContain("InvalidArgument");
    expect(await cfgError("history")).toMatchObject({ code: "NotImplemented" });
  });
});
