// The target drivers Bun can run (Deps.targetDrivers): every MinIO type, over node:net sockets
// (PostgreSQL's driver is the core's, shared with Workers).
import type { TargetDrivers } from "../../../events/targets/drivers.ts";
import { createAmqpSender } from "./amqp.ts";
import { createKafkaSender } from "./kafka.ts";
import { createMysqlSender } from "./mysql.ts";
import { createPostgresSender } from "../../../events/targets/postgres.ts";
import { createRedisSender } from "./redis.ts";

export const bunTargetDrivers: TargetDrivers = {
  redis: createRedisSender,
  postgresql: createPostgresSender,
  mysql: createMysqlSender,
  amqp: createAmqpSender,
  kafka: createKafkaSender,
};
