// Kafka target with kafkajs (pure JS, node:net/node:tls, runs on Bun): one producer per target,
// connected on first use. Each event is one record (MinIO's key and value, events/targets/
// format.ts) produced with acks=-1, as MinIO's sarama producer does (WaitForAll): a send
// resolves once every in-sync replica has it. kafkajs's own send retries are off: the outbox is
// the retry loop, with its backoff, max_retries and TTL, so a broker that is down
// fails the send at once and the event waits in the queue. A failed send drops the producer,
// and the next send connects anew.
import { readFileSync } from "node:fs";
import { Kafka, logLevel, Partitioners, type Producer } from "kafkajs";
import type { KafkaTarget } from "../../../events/targets.ts";
import type { TargetSender } from "../../../events/targets/drivers.ts";
import { kafkaMessage } from "../../../events/targets/format.ts";
import { withTimeout } from "../../../events/targets/timeout.ts";

export function createKafkaSender(t: KafkaTarget): TargetSender {
  let producer: Producer | null = null;
  let connecting: Promise<Producer> | null = null;
  const what = `kafka ${t.brokers.join(",")} topic ${t.topic}`;
  const drop = () => {
    const p = producer;
    producer = null;
    connecting = null;
    p?.disconnect().catch(() => {});
  };
  const open = (): Promise<Producer> => (connecting ??= (async () => {
    const kafka = new Kafka({
      clientId: "s3edge",
      brokers: t.brokers,
      ssl: t.tls ? {
        rejectUnauthorized: !t.tlsSkipVerify,
        ...(t.clientTlsCert && t.clientTlsKey ? { cert: readFileSync(t.clientTlsCert), key: readFileSync(t.clientTlsKey) } : {}),
      } : false,
      ...(t.sasl ? { sasl: saslOf(t.sasl) } : {}),
      connectionTimeout: 5000,
      requestTimeout: 10_000,
      // Connecting rotates through the brokers (a bootstrap list, as sarama tries each in turn):
      // one try per broker, then the outbox's backoff takes over.
      retry: { retries: t.brokers.length - 1, initialRetryTime: 100, maxRetryTime: 1000 },
      // Errors reach the outbox as the send's rejection (logged there, per target); kafkajs's own
      // log would repeat each refused connection.
      logLevel: logLevel.NOTHING,
    });
    // Kafka's default (murmur2 of the key, as Java's and sarama's hash partitioners): one
    // object's events land in one partition, in order.
    const p = kafka.producer({ allowAutoTopicCreation: true, createPartitioner: Partitioners.DefaultPartitioner, retry: { retries: 0 } });
    await p.connect();
    producer = p;
    return p;
  })());
  return {
    async send(record) {
      try {
        const p = await withTimeout(open(), `${what}: connect`);
        const [res] = await withTimeout(p.send({ topic: t.topic, acks: -1, messages: [kafkaMessage(record)] }), what);
        if (res && res.errorCode) throw new Error(`${what}: broker error code ${res.errorCode}`);
      } catch (e) {
        drop();
        throw e;
      }
    },
    async close() { drop(); },
  };
}

type KafkaSasl = NonNullable<KafkaTarget["sasl"]>;
/** kafkajs takes each mechanism as its own literal type. */
function saslOf(s: KafkaSasl) {
  switch (s.mechanism) {
    case "plain": return { mechanism: "plain" as const, username: s.username, password: s.password };
    case "scram-sha-256": return { mechanism: "scram-sha-256" as const, username: s.username, password: s.password };
    case "scram-sha-512": return { mechanism: "scram-sha-512" as const, username: s.username, password: s.password };
  }
}
