// The sender cache between delivery and the runtime drivers: one sender per target, replaced
// when the target's settings change, all closed on shutdown; a type without a driver fails.
import { describe, expect, it } from "bun:test";
import { createTargetSenders, type TargetDrivers } from "../../../src/events/targets/drivers.ts";
import { targetsFromEnv, type RedisTarget } from "../../../src/events/targets.ts";

const log = { info() {}, warn() {}, error() {} };
const redis = (key: string) => targetsFromEnv({ MINIO_NOTIFY_REDIS_ENABLE_1: "on", MINIO_NOTIFY_REDIS_ADDRESS_1: "h:1", MINIO_NOTIFY_REDIS_KEY_1: key })["1:redis"] as RedisTarget;

describe("createTargetSenders", () => {
  it("opens one sender per target, a new one when its settings change, and closes them all", async () => {
    const made: string[] = [], sent: string[] = [], closed: string[] = [];
    const drivers: TargetDrivers = {
      redis: (t) => {
        made.push(t.key);
        return { send: async (r) => { sent.push(`${t.key}:${r.n}`); }, close: async () => { closed.push(t.key); } };
      },
    };
    const s = createTargetSenders(drivers, log);
    await s.send(redis("a"), { n: 1 });
    await s.send(redis("a"), { n: 2 });
    await s.send(redis("b"), { n: 3 });
    expect(made).toEqual(["a", "b"]);
    expect(sent).toEqual(["a:1", "a:2", "b:3"]);
    expect(closed).toEqual(["a"]);
    await s.close();
    expect(closed).toEqual(["a", "b"]);
  });
  it("a target type the runtime has no driver for fails with the reason", async () => {
    await expect(createTargetSenders({}, log).send(redis("a"), {})).rejects.toThrow("needs a TCP connection");
  });
});
