// The Kafka target: MINIO_NOTIFY_KAFKA_* variables and `mc admin config set notify_kafka` keys →
// KafkaTarget, the record MinIO produces (key and value), and the Workers refusal.
import { describe, expect, it } from "bun:test";
import { parseKafkaBrokers, targetsFromEnv } from "../../../src/events/targets.ts";
import { ConfigError } from "../../../src/config-error.ts";
import { formatKvLine, kvOfTarget, parseKvLine, subsystem, targetFromKv } from "../../../src/events/targets-kv.ts";
import { targetProblem } from "../../../src/events/target-registry.ts";
import { targetRefusal } from "../../../src/events/targets/drivers.ts";
import { kafkaMessage } from "../../../src/events/targets/format.ts";

const problems = (env: Record<string, string>): string[] => {
  try { targetsFromEnv(env); } catch (e) { if (e instanceof ConfigError) return e.message.split("\n"); throw e; }
  return [];
};

describe("Kafka target from variables", () => {
  it("reads MinIO's keys, S3EDGE_ winning; SASL on with a username, MinIO's mechanism names", () => {
    const t = targetsFromEnv({
      MINIO_NOTIFY_KAFKA_ENABLE_K1: "on", MINIO_NOTIFY_KAFKA_BROKERS_K1: "10.0.0.1:9092, kafka-2:9093,[::1]:9094,kafka-3",
      MINIO_NOTIFY_KAFKA_TOPIC_K1: "minio", S3EDGE_NOTIFY_KAFKA_TOPIC_K1: "bucketevents",
      MINIO_NOTIFY_KAFKA_SASL_USERNAME_K1: "u", MINIO_NOTIFY_KAFKA_SASL_PASSWORD_K1: " p w ", MINIO_NOTIFY_KAFKA_SASL_MECHANISM_K1: "sha512",
      MINIO_NOTIFY_KAFKA_TLS_K1: "on", MINIO_NOTIFY_KAFKA_TLS_SKIP_VERIFY_K1: "on", MINIO_NOTIFY_KAFKA_VERSION_K1: "2.8.0",
      MINIO_NOTIFY_KAFKA_QUEUE_DIR_K1: "/ignored", MINIO_NOTIFY_KAFKA_QUEUE_LIMIT_K1: "5000",
    });
    expect(t["K1:kafka"]).toEqual({
      type: "kafka", id: "K1", brokers: ["10.0.0.1:9092", "kafka-2:9093", "[::1]:9094", "kafka-3:9092"], topic: "bucketevents",
      sasl: { mechanism: "scram-sha-512", username: "u", password: " p w " }, tls: true, tlsSkipVerify: true,
      queueLimit: 5000, maxRetries: 10, ttlMs: 86_400_000,
    });
    const plain = targetsFromEnv({ MINIO_NOTIFY_KAFKA_ENABLE: "on", MINIO_NOTIFY_KAFKA_BROKERS: "h:1", MINIO_NOTIFY_KAFKA_TOPIC: "t" })["_:kafka"];
    expect(plain).toMatchObject({ type: "kafka", id: "_", brokers: ["h:1"], tls: false, tlsSkipVerify: false });
    expect("sasl" in plain).toBe(false);
    // sasl=off wins over a username (MinIO's switch).
    expect("sasl" in targetsFromEnv({ MINIO_NOTIFY_KAFKA_ENABLE: "on", MINIO_NOTIFY_KAFKA_BROKERS: "h:1", MINIO_NOTIFY_KAFKA_TOPIC: "t", MINIO_NOTIFY_KAFKA_SASL: "off", MINIO_NOTIFY_KAFKA_SASL_USERNAME: "u" })["_:kafka"]).toBe(false);
  });
  it("names every bad variable at once", () => {
    expect(problems({
      MINIO_NOTIFY_KAFKA_ENABLE_B: "on", MINIO_NOTIFY_KAFKA_BROKERS_B: "h:99999,", MINIO_NOTIFY_KAFKA_TOPIC_B: "a topic",
      MINIO_NOTIFY_KAFKA_SASL_MECHANISM_B: "gssapi", MINIO_NOTIFY_KAFKA_SASL_B: "on", MINIO_NOTIFY_KAFKA_VERSION_B: "latest",
      MINIO_NOTIFY_KAFKA_PRODUCER_COMPRESSION_CODEC_B: "zstd", MINIO_NOTIFY_KAFKA_CLIENT_TLS_CERT_B: "/c.pem",
    })).toEqual([
      "MINIO_NOTIFY_KAFKA_BROKERS_B: 'h:99999': 99999 is not a port number",
      "MINIO_NOTIFY_KAFKA_TOPIC_B: must be 1 to 249 letters, digits, '.', '_' or '-'",
      "MINIO_NOTIFY_KAFKA_VERSION_B: must be a Kafka version such as 2.8.0",
      "MINIO_NOTIFY_KAFKA_PRODUCER_COMPRESSION_CODEC_B: only 'none' is supported by s3edge (events are sent one at a time, uncompressed)",
      "MINIO_NOTIFY_KAFKA_SASL_MECHANISM_B: must be plain, sha256 or sha512",
      "MINIO_NOTIFY_KAFKA_SASL_USERNAME_B: must be set when sasl is on",
      "MINIO_NOTIFY_KAFKA_CLIENT_TLS_KEY_B: client_tls_cert and client_tls_key go together",
    ]);
    expect(problems({ S3EDGE_NOTIFY_KAFKA_ENABLE_C: "on" })).toEqual([
      "S3EDGE_NOTIFY_KAFKA_BROKERS_C: must be set for notify_kafka:C (comma-separated HOST:PORT of the Kafka brokers, e.g. 127.0.0.1:9092)",
      "S3EDGE_NOTIFY_KAFKA_TOPIC_C: must be set for notify_kafka:C (the Kafka topic events are produced to)",
    ].map((l) => l.replace(/^S3EDGE_/, "MINIO_")));
  });
  it.each([
    ["h", ["h:9092"]], ["a:1,b:2", ["a:1", "b:2"]], [" , ", "must name at least one broker (HOST:PORT)"], ["h:x", "'h:x' must be HOST:PORT"], ["kafka://h:1", "'kafka://h:1' must be HOST:PORT"],
  ])("brokers %p → %p", (s, want) => expect(parseKafkaBrokers(s)).toEqual(want as never));
});

describe("notify_kafka by mc admin config", () => {
  it("a set line builds the same target, stored as valid, printed back in MinIO's key order", () => {
    const l = parseKvLine("notify_kafka:KC brokers=127.0.0.1:9092,127.0.0.2:9092 topic=events sasl_username=u sasl_password=p sasl_mechanism=sha256");
    if (typeof l === "string") throw new Error(l);
    const t = targetFromKv(l);
    expect(t).toMatchObject({ type: "kafka", id: "KC", brokers: ["127.0.0.1:9092", "127.0.0.2:9092"], topic: "events", sasl: { mechanism: "scram-sha-256", username: "u", password: "p" } });
    expect(targetProblem(t as never)).toBeNull();
    expect(formatKvLine("notify_kafka", "KC", kvOfTarget(t as never), true)).toBe(
      "notify_kafka:KC topic=events brokers=127.0.0.1:9092,127.0.0.2:9092 sasl_username=u sasl_password=p sasl_mechanism=sha256 tls_client_auth=0 sasl=off tls=off tls_skip_verify=off client_tls_cert= client_tls_key= queue_limit=0 queue_dir= version= ");
    expect(targetFromKv({ subsys: "notify_kafka", id: "x", kv: { brokers: "h:1" } })).toBe("notify_kafka:x 'topic' must be set for notify_kafka:x (the Kafka topic events are produced to)");
    expect(subsystem("notify_kafka")!.keys.filter((k) => !k.optional).map((k) => k.key)).toEqual(["topic", "brokers"]);
  });
  it("a stored target with broken fields is refused", () => {
    const t = targetsFromEnv({ MINIO_NOTIFY_KAFKA_ENABLE: "on", MINIO_NOTIFY_KAFKA_BROKERS: "h:1", MINIO_NOTIFY_KAFKA_TOPIC: "t" })["_:kafka"];
    expect(targetProblem({ ...t, brokers: [] } as never)).toContain("'brokers'");
    expect(targetProblem({ ...t, topic: "a/b" } as never)).toContain("'topic'");
    expect(targetProblem({ ...t, sasl: { mechanism: "gssapi", username: "u", password: "" } } as never)).toContain("sasl");
    expect(targetProblem({ ...t, sasl: null } as never)).toContain("sasl");
  });
  it("a runtime without a Kafka driver refuses it with the reason (Workers)", () => {
    const t = targetsFromEnv({ MINIO_NOTIFY_KAFKA_ENABLE_W: "on", MINIO_NOTIFY_KAFKA_BROKERS_W: "h:1", MINIO_NOTIFY_KAFKA_TOPIC_W: "t" })["W:kafka"];
    expect(targetRefusal(t, {}, "Workers")).toBe("kafka target 'W' (arn:minio:sqs::W:kafka) needs a TCP connection that s3edge on Workers does not open; use a webhook target there");
    expect(targetRefusal(t, { kafka: () => ({ send: async () => {}, close: async () => {} }) }, "Bun")).toBeNull();
  });
});

describe("the record MinIO's kafka target produces", () => {
  it("key <bucket>/<unescaped key>, value {EventName, Key, Records:[record]}", () => {
    const record = { eventName: "s3:ObjectCreated:Put", s3: { bucket: { name: "images" }, object: { key: "photos%2Fmy+photo.jpg" } } };
    const m = kafkaMessage(record);
    expect(m.key).toBe("images/photos/my photo.jpg");
    expect(m.value).toBe(JSON.stringify({ EventName: "s3:ObjectCreated:Put", Key: "images/photos/my photo.jpg", Records: [record] }));
  });
});
