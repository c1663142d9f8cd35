// Configuration from variables on both runtimes: notification targets included.
import { describe, expect, it } from "bun:test";
import { configFromEnv, MissingCredentials, type WorkersEnv } from "../../../src/runtime/workers/env.ts";
import { parseServeOptions } from "../../../src/runtime/bun/env.ts";
import { ConfigError } from "../../../src/deps.ts";

const hook = { MINIO_NOTIFY_WEBHOOK_ENABLE_1: "on", MINIO_NOTIFY_WEBHOOK_ENDPOINT_1: "http://127.0.0.1:9/hook" };
const workers = (vars: Record<string, unknown>) => ({ S3EDGE_ROOT_USER: "admin", S3EDGE_ROOT_PASSWORD: "secret12345", ...vars }) as unknown as WorkersEnv;

describe("Workers configFromEnv", () => {
  it("reads webhook targets from vars when the EVENTS queue is bound", () => {
    const c = configFromEnv(workers({ ...hook, EVENTS: {} }));
    expect(Object.keys(c.notifyTargets)).toEqual(["1:webhook"]);
  });
  it("refuses targets without the queue, and a bad target, as configuration errors", () => {
    expect(() => configFromEnv(workers(hook))).toThrow(ConfigError);
    expect(() => configFromEnv(workers({ MINIO_NOTIFY_WEBHOOK_ENABLE_1: "on", EVENTS: {} }))).toThrow(ConfigError);
    expect(configFromEnv(workers({})).notifyTargets).toEqual({});
    expect(() => configFromEnv(workers({ S3EDGE_ROOT_USER: "" }))).toThrow(MissingCredentials);
  });
});

describe("Bun parseServeOptions", () => {
  it("reads webhook targets from the environment", () => {
    expect(Object.keys(parseServeOptions([], hook).config.notifyTargets ?? {})).toEqual(["1:webhook"]);
    expect(() => parseServeOptions([], { MINIO_NOTIFY_WEBHOOK_ENABLE_1: "on" })).toThrow(ConfigError);
  });
});
