// The target drivers Bun can run (Deps.targetDrivers): every MinIO type, over node:net sockets
// (PostgreSQL's driver is the core's, shared with Workers).
import type { Logger } from "../../../deps.ts";
import type { TargetDriver, TargetDrivers, TargetSender } from "../../../events/targets/drivers.ts";
import type { NotifyTarget } from "../../../events/targets.ts";
import { createPostgresSender } from "../../../events/targets/postgres.ts";
import { createRedisSender } from "./redis.ts";

/**
 * A driver whose module (and npm client) loads at its first target: kafkajs, amqplib and mysql2
 * cost every process ~9 MiB of idle RSS and ~150 ms of startup (more on a loaded machine) when
 * imported up front, and most deployments configure none of them. A module or a configuration
 * that fails fails each send, as a driver that throws does.
 */
function onFirstUse<T extends NotifyTarget>(load: () => Promise<TargetDriver<T>>): TargetDriver<T> {
  return (target: T, log: Logger): TargetSender => {
    const sender = load().then((make) => make(target, log));
    sender.catch(() => {}); // reported by send
    return {
      send: async (record) => (await sender).send(record),
      close: async () => { const s = await sender.catch(() => null); await s?.close(); },
    };
  };
}

export const bunTargetDrivers: TargetDrivers = {
  redis: createRedisSender,
  postgresql: createPostgresSender,
  mysql: onFirstUse(async () => (await import("./mysql.ts")).createMysqlSender),
  amqp: onFirstUse(async () => (await import("./amqp.ts")).createAmqpSender),
  kafka: onFirstUse(async () => (await import("./kafka.ts")).createKafkaSender),
};
