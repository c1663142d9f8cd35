// AMQP 0-9-1 target (RabbitMQ) with amqplib: one connection and confirm channel per target. The
// exchange is declared as configured (the default exchange "" never is), each event published
// with its delivery mode, and a send resolves only when the broker confirms it (publisher
// confirms); a mandatory message the broker returns as unroutable counts as failed. A closed
// connection or channel is dropped, and the next send opens a new one.
import { connect, type ChannelModel, type ConfirmChannel } from "amqplib";
import type { AmqpTarget } from "../../../events/targets.ts";
import type { TargetSender } from "../../../events/targets/drivers.ts";
import { amqpPublish } from "../../../events/targets/format.ts";
import { withTimeout } from "../../../events/targets/timeout.ts";

export function createAmqpSender(t: AmqpTarget): TargetSender {
  let conn: ChannelModel | null = null;
  let ch: ConfirmChannel | null = null;
  /** Message ids the broker returned (basic.return comes before the confirm). */
  const returned = new Set<string>();
  let seq = 0;
  const drop = () => {
    const c = conn;
    conn = null;
    ch = null;
    c?.close().catch(() => {});
  };
  const open = async (): Promise<ConfirmChannel> => {
    if (ch) return ch;
    const c = await connect(t.url, { timeout: 5000 });
    conn = c;
    c.on("error", () => {});
    c.on("close", () => { if (conn === c) { conn = null; ch = null; } });
    const channel = await c.createConfirmChannel();
    channel.on("error", () => {});
    channel.on("close", () => { if (ch === channel) ch = null; });
    channel.on("return", (msg) => { if (msg.properties.messageId) returned.add(String(msg.properties.messageId)); });
    if (t.exchange) await channel.assertExchange(t.exchange, t.exchangeType, { durable: t.durable, autoDelete: t.autoDeleted, internal: t.internal });
    ch = channel;
    return channel;
  };
  return {
    async send(record) {
      try {
        const channel = await withTimeout(open(), `amqp ${new URL(t.url).host}`);
        const p = amqpPublish(t, record, `s3edge-${Date.now().toString(36)}-${++seq}`);
        const id = p.options.messageId;
        await withTimeout(new Promise<void>((resolve, reject) => {
          channel.publish(p.exchange, p.routingKey, Buffer.from(p.body), p.options, (err) => (err ? reject(new Error(`amqp broker refused the message: ${err}`)) : resolve()));
        }), "amqp publish confirm");
        if (returned.delete(id)) throw new Error(`amqp: no queue bound for routing key '${t.routingKey}' on exchange '${t.exchange}' (message returned)`);
      } catch (e) {
        drop();
        throw e;
      }
    },
    async close() { drop(); },
  };
}
