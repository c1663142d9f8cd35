// The sync daemon's Redis list (src/sync/redis-source.ts) over Bun's built-in client.
import { RedisClient } from "bun";
import type { RedisList } from "../sync/redis-source.ts";

export function createRedisList(url: string): RedisList & { close(): void } {
  // The daemon's own retry loop handles outages; the client's offline queue would hide them.
  const client = new RedisClient(url, { autoReconnect: true, enableOfflineQueue: false, connectionTimeout: 5000 });
  const str = (v: unknown) => (v === null || v === undefined ? null : String(v));
  const send = async (cmd: string, args: string[]) => {
    if (!client.connected) await client.connect();
    return client.send(cmd, args);
  };
  return {
    async move(from, to, waitSeconds) {
      return str(waitSeconds > 0
        ? await send("BLMOVE", [from, to, "LEFT", "RIGHT", String(waitSeconds)])
        : await send("LMOVE", [from, to, "LEFT", "RIGHT"]));
    },
    async moveBack(from, to) {
      return str(await send("LMOVE", [from, to, "RIGHT", "LEFT"]));
    },
    async remove(list, value) {
      await send("LREM", [list, "1", value]);
    },
    async push(list, value) {
      await send("RPUSH", [list, value]);
    },
    close() {
      client.close();
    },
  };
}
