// Configuration from variables on both runtimes: notification targets included.
import { describe, expect, it } from "bun:test";
import { parseServeOptions } from "../../../src/runtime/bun/env.ts";
import { ConfigError, type Config } from "../../../src/deps.ts";

// Loaded at run time by path: the module's types are workerd's, which the Bun type-check
// (root tsconfig) does not load. It runs under Bun as it is (types only, no bindings used).
const WORKERS_ENV = "../../../src/runtime/workers/env.ts";
const { configFromEnv, MissingCredentials } = (await import(WORKERS_ENV)) as {
  configFromEnv(env: unknown): Config;
  MissingCredentials: new () => Error;
};

const hook = { MINIO_NOTIFY_WEBHOOK_ENABLE_1: "on", MINIO_NOTIFY_WEBHOOK_ENDPOINT_1: "http://127.0.0.1:9/hook" };
const workers = (vars: Record<string, unknown>) => ({ S3EDGE_ROOT_USER: "admin", S3EDGE_ROOT_PASSWORD: "secret12345", ...vars });

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
