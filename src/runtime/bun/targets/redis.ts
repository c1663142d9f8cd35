// Redis target over RESP with Bun's built-in client: one connection per target, one command
// per event (events/targets/format.ts). A connection that failed is dropped and the next send
// opens a new one, so a restarted server is picked up without the client's own retry loop
// (which would queue commands while offline instead of failing them).
import { RedisClient } from "bun";
import type { RedisTarget } from "../../../events/targets.ts";
import type { TargetSender } from "../../../events/targets/drivers.ts";
import { redisCommand } from "../../../events/targets/format.ts";
import { withTimeout } from "../../../events/targets/timeout.ts";

export function redisUrl(t: RedisTarget): string {
  const auth = t.password !== undefined ? `${encodeURIComponent(t.user ?? "")}:${encodeURIComponent(t.password)}@` : t.user ? `${encodeURIComponent(t.user)}@` : "";
  const host = t.host.includes(":") ? `[${t.host}]` : t.host;
  return `${t.tls ? "rediss" : "redis"}://${auth}${host}:${t.port}/${t.db}`;
}

export function createRedisSender(t: RedisTarget): TargetSender {
  let client: RedisClient | null = null;
  const drop = () => {
    try { client?.close(); } catch { /* already closed */ }
    client = null;
  };
  return {
    async send(record) {
      const [cmd, ...args] = redisCommand(t, record);
      try {
        if (!client) {
          client = new RedisClient(redisUrl(t), { autoReconnect: false, enableOfflineQueue: false, connectionTimeout: 5000 });
          await withTimeout(client.connect(), `redis ${t.host}:${t.port}`);
        }
        await withTimeout(client.send(cmd, args), `redis ${cmd}`);
      } catch (e) {
        drop();
        throw e;
      }
    },
    async close() { drop(); },
  };
}
