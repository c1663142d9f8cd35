// MinIO's Kafka target end to end. No Kafka broker installs here (Debian ships only clients —
// kcat, librdkafka, python3-kafka —, npm no broker, Maven is out of reach), so the broker is the
// emulator in kafka-broker.ts, and this file first proves it speaks what a real client speaks:
// librdkafka (Debian's kcat) reads its metadata and produces to it, and the emulator decodes
// exactly what kcat sent (record batch v2, CRC32C checked). Then, on Bun, the gateway's kafkajs
// producer: PUT and DELETE records arrive as MinIO produces them (key `<bucket>/<key>`, value
// `{"EventName","Key","Records":[…]}`), with SASL/PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 over
// TLS (the emulator does the server's side of each); a target set by `mc admin config
// set notify_kafka` is used at once; and with the broker down, 1,000 changes wait in the outbox
// and all arrive, at least once, once it is back.
//
// On workerd the Kafka target cannot run (no Kafka client opens a socket there), so the Worker
// refuses it at configuration time with the reason; that refusal is what is tested there.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { AwsClient } from "aws4fetch";
import { CreateBucketCommand, DeleteObjectCommand, PutBucketNotificationConfigurationCommand, PutObjectCommand, S3Client, type Event } from "@aws-sdk/client-s3";
import { goBinary, goMissing, goRun } from "./go/build.ts";
import { bucketName, md5Hex, runtime, sdkConfig, useServer } from "./harness.ts";
import { startKafkaBroker, type KafkaBroker, type KafkaRecord } from "./kafka-broker.ts";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const onWorkerd = runtime() === "workerd";
const kcat = Bun.which("kcat");
const goAbsent = goMissing("admin-config");
if (onWorkerd) console.warn("notify-kafka: delivery runs on Bun only: a Worker has no Kafka client for a TCP socket, so it refuses the target at configuration time (tested here)");
if (!kcat) console.warn("notify-kafka: the emulator check against librdkafka is skipped: kcat is not installed (bash scripts/test-deps.sh as root installs it)");
// In CI a missing tool is a failure, not a silent skip (scripts/test-deps.sh installs both).
if (process.env.CI && (!kcat || goAbsent)) test("kcat and the Go admin client are installed", () => { throw new Error(!kcat ? "kcat is not installed" : goAbsent); });

let broker: KafkaBroker;
let saslBroker: KafkaBroker;
/** SCRAM-SHA-256 over TCP, and SCRAM-SHA-512 over TLS (a self-signed certificate: tls_skip_verify). */
let scram256: KafkaBroker;
let scram512: KafkaBroker | undefined;
const SASL = { username: "s3edge", password: "kafka secret" };
const SCRAM = { username: "scram,user=1", password: "pässword with spaces" };
const openssl = Bun.which("openssl");
if (!openssl) console.warn("notify-kafka: the TLS broker is skipped: openssl is not installed (it makes the broker's certificate)");
/** A throwaway certificate for 127.0.0.1 (EC P-256, a day). */
function selfSigned(): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), "s3edge-kafka-tls-"));
  try {
    const r = Bun.spawnSync([openssl!, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
      "-subj", "/CN=127.0.0.1", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")], { stderr: "pipe" });
    if (r.exitCode !== 0) throw new Error(`openssl: ${r.stderr.toString()}`);
    return { cert: readFileSync(join(dir, "cert.pem"), "utf8"), key: readFileSync(join(dir, "key.pem"), "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
beforeAll(async () => {
  [broker, saslBroker, scram256, scram512] = await Promise.all([
    startKafkaBroker(), startKafkaBroker({ sasl: SASL }), startKafkaBroker({ sasl: { ...SCRAM, mechanism: "SCRAM-SHA-256" } }),
    openssl ? startKafkaBroker({ sasl: { ...SCRAM, mechanism: "SCRAM-SHA-512" }, tls: selfSigned() }) : undefined,
  ]);
});
afterAll(async () => { await Promise.all([broker?.stop(), saslBroker?.stop(), scram256?.stop(), scram512?.stop()]); });

const TOPIC = "bucketevents", SASL_TOPIC = "secure-events";
const ep = useServer({
  env: () => ({
    MINIO_NOTIFY_KAFKA_ENABLE_K1: "on", MINIO_NOTIFY_KAFKA_BROKERS_K1: `127.0.0.1:${broker.port}`, MINIO_NOTIFY_KAFKA_TOPIC_K1: TOPIC,
    S3EDGE_NOTIFY_KAFKA_ENABLE_KS: "on", S3EDGE_NOTIFY_KAFKA_BROKERS_KS: `127.0.0.1:1,127.0.0.1:${saslBroker.port}`, S3EDGE_NOTIFY_KAFKA_TOPIC_KS: SASL_TOPIC,
    S3EDGE_NOTIFY_KAFKA_SASL_USERNAME_KS: SASL.username, S3EDGE_NOTIFY_KAFKA_SASL_PASSWORD_KS: SASL.password, S3EDGE_NOTIFY_KAFKA_SASL_MECHANISM_KS: "plain",
    // MinIO's mechanism names: sha256, sha512 (SCRAM); sasl=on spelled out for one, implied by the username for the other.
    MINIO_NOTIFY_KAFKA_ENABLE_K2: "on", MINIO_NOTIFY_KAFKA_BROKERS_K2: `127.0.0.1:${scram256.port}`, MINIO_NOTIFY_KAFKA_TOPIC_K2: "scram-events",
    MINIO_NOTIFY_KAFKA_SASL_K2: "on", MINIO_NOTIFY_KAFKA_SASL_USERNAME_K2: SCRAM.username, MINIO_NOTIFY_KAFKA_SASL_PASSWORD_K2: SCRAM.password, MINIO_NOTIFY_KAFKA_SASL_MECHANISM_K2: "sha256",
    // The same user with a wrong password: refused by the broker, so its events wait.
    MINIO_NOTIFY_KAFKA_ENABLE_KX: "on", MINIO_NOTIFY_KAFKA_BROKERS_KX: `127.0.0.1:${scram256.port}`, MINIO_NOTIFY_KAFKA_TOPIC_KX: "scram-refused",
    MINIO_NOTIFY_KAFKA_SASL_USERNAME_KX: SCRAM.username, MINIO_NOTIFY_KAFKA_SASL_PASSWORD_KX: "wrong", MINIO_NOTIFY_KAFKA_SASL_MECHANISM_KX: "sha256",
    ...(scram512 ? {
      MINIO_NOTIFY_KAFKA_ENABLE_K5: "on", MINIO_NOTIFY_KAFKA_BROKERS_K5: `127.0.0.1:${scram512.port}`, MINIO_NOTIFY_KAFKA_TOPIC_K5: "tls-events",
      MINIO_NOTIFY_KAFKA_SASL_USERNAME_K5: SCRAM.username, MINIO_NOTIFY_KAFKA_SASL_PASSWORD_K5: SCRAM.password, MINIO_NOTIFY_KAFKA_SASL_MECHANISM_K5: "sha512",
      MINIO_NOTIFY_KAFKA_TLS_K5: "on", MINIO_NOTIFY_KAFKA_TLS_SKIP_VERIFY_K5: "on",
    } : {}),
  }),
});
const B = bucketName("kafka");
const client = () => new S3Client(sdkConfig(ep));
const EVENTS: Event[] = ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"];
const configure = (s3: S3Client, ids: string[]) => s3.send(new PutBucketNotificationConfigurationCommand({
  Bucket: B, NotificationConfiguration: { QueueConfigurations: ids.map((id) => ({ QueueArn: `arn:minio:sqs::${id}:kafka`, Events: EVENTS })) },
}));
const mine = (recs: KafkaRecord[]) => recs.filter((r) => r.key?.startsWith(`${B}/`));

async function kcatRun(args: string[], stdin?: string): Promise<{ code: number; out: string; err: string }> {
  // Async: the emulator answers from this very process.
  const p = Bun.spawn([kcat!, ...args], { stdin: stdin === undefined ? "ignore" : new TextEncoder().encode(stdin), stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out, err };
}

describe.skipIf(!kcat)("the Kafka emulator against librdkafka (kcat)", () => {
  test("kcat -L reads its metadata; kcat -P produces, and the emulator decodes exactly what was sent", async () => {
    const b = await startKafkaBroker();
    try {
      const meta = await kcatRun(["-L", "-b", `127.0.0.1:${b.port}`, "-t", "probe", "-m", "5"]);
      expect(meta.code).toBe(0);
      expect(meta.out).toContain(`broker 0 at 127.0.0.1:${b.port} (controller)`);
      expect(meta.out).toContain('topic "probe" with 1 partitions:');
      expect(meta.out).toContain("partition 0, leader 0, replicas: 0, isrs: 0");
      const lines = ["k1:hello", "k/2:wörld {\"json\":true}", "k3:" + "x".repeat(5000)];
      const prod = await kcatRun(["-P", "-b", `127.0.0.1:${b.port}`, "-t", "probe", "-K", ":", "-H", "h1=v1", "-H", "trace=abc"], lines.join("\n") + "\n");
      expect(prod).toMatchObject({ code: 0, err: "" });
      expect(b.corrupt).toEqual([]);
      expect(b.records("probe").map((r) => [r.key, r.value, r.headers])).toEqual(lines.map((l) => {
        const i = l.indexOf(":");
        return [l.slice(0, i), l.slice(i + 1), { h1: "v1", trace: "abc" }];
      }));
      expect(b.records("probe").map((r) => r.offset)).toEqual([0, 1, 2]);
      // librdkafka negotiated through ApiVersions v3 and produced with Produce v7.
      expect(b.requests).toContain("18v3");
      expect(b.requests).toContain("0v7");
    } finally {
      await b.stop();
    }
  }, 30_000);

  test("librdkafka authenticates with SCRAM-SHA-256, and SCRAM-SHA-512 over TLS; a wrong password is refused", async () => {
    const scram = (b: KafkaBroker, mech: string, password: string, tls = false) => kcatRun(["-P", "-b", `127.0.0.1:${b.port}`, "-t", "scram-probe", "-K", ":",
      "-X", `security.protocol=${tls ? "SASL_SSL" : "SASL_PLAINTEXT"}`, "-X", `sasl.mechanisms=${mech}`, "-X", `sasl.username=${SCRAM.username}`, "-X", `sasl.password=${password}`,
      ...(tls ? ["-X", "enable.ssl.certificate.verification=false"] : [])], "k:v\n");
    expect(await scram(scram256, "SCRAM-SHA-256", SCRAM.password)).toMatchObject({ code: 0, err: "" });
    expect(scram256.records("scram-probe").map((r) => r.value)).toEqual(["v"]);
    const failures = scram256.authFailures;
    const refused = await scram(scram256, "SCRAM-SHA-256", "wrong");
    expect(refused.code).not.toBe(0);
    expect(refused.err).toContain("Authentication failed");
    expect(scram256.authFailures).toBeGreaterThan(failures);
    if (scram512) {
      expect(await scram(scram512, "SCRAM-SHA-512", SCRAM.password, true)).toMatchObject({ code: 0, err: "" });
      expect(scram512.records("scram-probe").map((r) => r.value)).toEqual(["v"]);
    }
  }, 30_000);
});

describe.skipIf(onWorkerd)("Kafka target on Bun (kafkajs)", () => {
  test("PUT and DELETE records arrive as MinIO produces them; SASL/PLAIN with a dead first broker too", async () => {
    const s3 = client();
    await s3.send(new CreateBucketCommand({ Bucket: B }));
    await configure(s3, ["K1", "KS"]);
    const body = "hello kafka";
    await s3.send(new PutObjectCommand({ Bucket: B, Key: "in/a b.txt", Body: body }));
    await s3.send(new DeleteObjectCommand({ Bucket: B, Key: "in/a b.txt" }));
    const path = `${B}/in/a b.txt`;
    for (const [b, topic] of [[broker, TOPIC], [saslBroker, SASL_TOPIC]] as const) {
      const recs = mine(await b.waitFor(topic, 2));
      expect(recs.map((r) => r.key)).toEqual([path, path]);
      const values = recs.map((r) => JSON.parse(r.value!));
      expect(values.map((v) => [v.EventName, v.Key])).toEqual([["s3:ObjectCreated:Put", path], ["s3:ObjectRemoved:Delete", path]]);
      expect(values[0].Records).toHaveLength(1);
      expect(values[0].Records[0]).toMatchObject({
        eventSource: "minio:s3", eventName: "s3:ObjectCreated:Put",
        s3: { bucket: { name: B }, object: { key: "in%2Fa+b.txt", eTag: md5Hex(new TextEncoder().encode(body)) } },
      });
      expect(Object.keys(values[0])).toEqual(["EventName", "Key", "Records"]);
      expect(b.corrupt).toEqual([]);
    }
    // The SASL broker saw the handshake before any produce, and refused none.
    expect(saslBroker.requests.indexOf("17v1")).toBeLessThan(saslBroker.requests.findIndex((r) => r.startsWith("0v")));
    expect(saslBroker.refused).toBe(0);
  });

  test("SASL/SCRAM-SHA-256, and SCRAM-SHA-512 over TLS: records arrive; a wrong password is refused and its events wait", async () => {
    const s3 = client();
    await configure(s3, ["K2", "KX", ...(scram512 ? ["K5"] : [])]);
    await s3.send(new PutObjectCommand({ Bucket: B, Key: "scram.txt", Body: "s" }));
    const brokers: [KafkaBroker, string][] = [[scram256, "scram-events"], ...(scram512 ? [[scram512, "tls-events"] as [KafkaBroker, string]] : [])];
    for (const [b, topic] of brokers) {
      const [rec] = mine(await b.waitFor(topic, 1));
      expect(rec.key).toBe(`${B}/scram.txt`);
      expect(JSON.parse(rec.value!).EventName).toBe("s3:ObjectCreated:Put");
      // Handshake, then the two SCRAM rounds (SaslAuthenticate), before the produce (KX's tries come too).
      const firstProduce = b.requests.findIndex((r) => r.startsWith("0v"));
      expect(b.requests.slice(0, firstProduce).filter((r) => r.startsWith("36v")).length).toBeGreaterThanOrEqual(2);
      expect(b.requests.slice(0, firstProduce)).toContain("17v1");
      expect(b.refused).toBe(0);
    }
    const deadline = Date.now() + 5000;
    while (scram256.authFailures === 0 && Date.now() < deadline) await Bun.sleep(20);
    expect(scram256.authFailures).toBeGreaterThan(0);
    expect(scram256.records("scram-refused")).toEqual([]);
    await configure(s3, ["K1", "KS"]);
  });

  test.skipIf(!!goAbsent)("mc admin config set notify_kafka: applied live, printed by get, used at once", async () => {
    const bin = await goBinary("admin-config");
    const cfg = (...args: string[]) => goRun(ep, bin, args);
    expect(await cfg("set", `notify_kafka:KC brokers=127.0.0.1:${broker.port} topic=admin-set sasl_mechanism=plain`)).toEqual({ restart: false });
    expect((await cfg("get", "notify_kafka:KC")).text).toBe(
      `notify_kafka:KC topic=admin-set brokers=127.0.0.1:${broker.port} sasl_username= sasl_password= sasl_mechanism=plain tls_client_auth=0 sasl=off tls=off tls_skip_verify=off client_tls_cert= client_tls_key= queue_limit=0 queue_dir= version= \n`);
    const s3 = client();
    await configure(s3, ["K1", "KC"]);
    await s3.send(new PutObjectCommand({ Bucket: B, Key: "admin.txt", Body: "x" }));
    const [rec] = mine(await broker.waitFor("admin-set", 1));
    expect(rec.key).toBe(`${B}/admin.txt`);
    expect(JSON.parse(rec.value!).EventName).toBe("s3:ObjectCreated:Put");
    expect(await cfg("del", "notify_kafka:KC")).toEqual({ restart: false });
    await configure(s3, ["K1", "KS"]);
  });

  test("broker down: 1,000 changes wait in the outbox; broker back, all arrive at least once, in order per key", async () => {
    // aws4fetch, not the SDK: a lighter client leaves the 2 cores to the gateway.
    const aws = new AwsClient({ accessKeyId: ep.accessKey, secretAccessKey: ep.secretKey, region: ep.region, service: "s3", retries: 0 });
    const before = broker.records(TOPIC).length;
    await broker.stop();
    // 1,000 changes: in each group of four, three PUTs of new keys, then a DELETE of the third.
    const want = new Set<string>();
    const t0 = Date.now();
    for (let g = 0; g < 250; g += 25) {
      await Promise.all(Array.from({ length: 25 }, async (_, j) => {
        const n = (g + j) * 4;
        for (const i of [n, n + 1, n + 2]) {
          expect((await aws.fetch(`${ep.url}/${B}/burst/k${i}`, { method: "PUT", body: `v${i}` })).status).toBe(200);
          want.add(`s3:ObjectCreated:Put ${B}/burst/k${i}`);
        }
        expect((await aws.fetch(`${ep.url}/${B}/burst/k${n + 2}`, { method: "DELETE" })).status).toBe(204);
        want.add(`s3:ObjectRemoved:Delete ${B}/burst/k${n + 2}`);
      }));
    }
    expect(want.size).toBe(1000);
    const t1 = Date.now();
    expect(broker.records(TOPIC).length).toBe(before); // nothing got through while it was down
    await broker.start();
    const burst = () => broker.records(TOPIC).filter((r) => r.key?.startsWith(`${B}/burst/`));
    // The target backs off while the broker is down (1 s, 2 s, 4 s …): the next try after it is back comes within that step.
    const end = Date.now() + 30_000;
    let got = new Set<string>();
    while (Date.now() < end) {
      got = new Set(burst().map((r) => `${JSON.parse(r.value!).EventName} ${r.key}`));
      if ([...want].every((w) => got.has(w))) break;
      await Bun.sleep(100);
    }
    expect([...want].filter((w) => !got.has(w))).toEqual([]);
    // One partition, the outbox in commit order: a key's PUT is before its DELETE in the log.
    const first = new Map<string, number>();
    for (const r of burst()) {
      const name = JSON.parse(r.value!).EventName;
      if (!first.has(`${name} ${r.key}`)) first.set(`${name} ${r.key}`, r.offset);
    }
    for (const w of want) {
      if (!w.startsWith("s3:ObjectRemoved:Delete")) continue;
      expect(first.get(w.replace("s3:ObjectRemoved:Delete", "s3:ObjectCreated:Put"))!).toBeLessThan(first.get(w)!);
    }
    expect(broker.corrupt).toEqual([]);
    console.log(`notify-kafka: ${want.size} changes in ${t1 - t0} ms with the broker down; all delivered ${Date.now() - t1} ms after it was back (${burst().length} records, duplicates included)`);
  }, 60_000);
});

describe.skipIf(!onWorkerd)("Kafka target on workerd", () => {
  test.skipIf(!!goAbsent)("mc admin config set notify_kafka is refused with the reason (no TCP Kafka client in a Worker)", async () => {
    const bin = await goBinary("admin-config");
    const r = await goRun(ep, bin, ["set", `notify_kafka:KW brokers=127.0.0.1:${broker.port} topic=t`], { allowError: true });
    expect(r.error).toMatchObject({ code: "XMinioConfigError", message: expect.stringContaining("kafka target 'KW' (arn:minio:sqs::KW:kafka) needs a TCP connection that s3edge on Workers does not open") });
  });
});
