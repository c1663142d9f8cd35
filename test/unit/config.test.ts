// One configuration source for both runtimes (issue 11 item 4): configFromVars, validated
// once, one clear line per bad variable.
import { describe, expect, it } from "bun:test";
import { configFromVars, ConfigError, DEFAULT_CONFIG } from "../../src/config.ts";
import { parseServeOptions } from "../../src/runtime/bun/env.ts";

const CREDS = { S3EDGE_ROOT_USER: "admin", S3EDGE_ROOT_PASSWORD: "secret12345" };
const hook = { MINIO_NOTIFY_WEBHOOK_ENABLE_1: "on", MINIO_NOTIFY_WEBHOOK_ENDPOINT_1: "http://127.0.0.1:9/hook" };

function problems(vars: Record<string, unknown>, opts = { requireCredentials: false }): string[] {
  try {
    configFromVars(vars, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message.split("\n");
  }
  return [];
}

describe("configFromVars", () => {
  it("reads every variable, S3EDGE_* before MINIO_*", () => {
    const { config, defaultCredentials } = configFromVars({
      ...CREDS, MINIO_ROOT_USER: "ignored", S3EDGE_REGION: "eu-central-1", MINIO_DOMAIN: "S3.Example.com, s3.local",
      S3EDGE_CHUNK_SIZE: "1048576", ...hook,
    }, { requireCredentials: true });
    expect(config).toMatchObject({ rootUser: "admin", rootPassword: "secret12345", region: "eu-central-1", domains: ["s3.example.com", "s3.local"], chunkSize: 1048576 });
    expect(Object.keys(config.notifyTargets)).toEqual(["1:webhook"]);
    expect(defaultCredentials).toBe(false);
  });

  it("MinIO's names alone work; empty variables count as unset (the same on both runtimes)", () => {
    const { config } = configFromVars({ S3EDGE_ROOT_USER: "", MINIO_ROOT_USER: "minio", MINIO_ROOT_PASSWORD: "minio12345", S3EDGE_REGION: "" }, { requireCredentials: true });
    expect(config).toMatchObject({ rootUser: "minio", rootPassword: "minio12345", region: "us-east-1" });
  });

  it("nothing set: the defaults, flagged so Bun can warn", () => {
    const r = configFromVars({}, { requireCredentials: false });
    expect(r.defaultCredentials).toBe(true);
    expect(r.config).toEqual(DEFAULT_CONFIG);
  });

  it.each([
    ["S3EDGE_ROOT_USER", { ...CREDS, S3EDGE_ROOT_USER: "ab" }, "S3EDGE_ROOT_USER: must be at least 3 characters"],
    ["S3EDGE_ROOT_USER with a ':'", { ...CREDS, S3EDGE_ROOT_USER: "a:b:c" }, "S3EDGE_ROOT_USER: must not contain spaces, '/' or ':'"],
    ["MINIO_ROOT_PASSWORD", { S3EDGE_ROOT_USER: "admin", MINIO_ROOT_PASSWORD: "short" }, "MINIO_ROOT_PASSWORD: must be at least 8 characters"],
    ["a user without a password", { S3EDGE_ROOT_USER: "admin" }, "S3EDGE_ROOT_PASSWORD: must be set too (root credentials come as a pair)"],
    ["S3EDGE_REGION", { ...CREDS, S3EDGE_REGION: "EU West" }, "S3EDGE_REGION: must be lower-case letters, digits and '-' (e.g. us-east-1)"],
    ["S3EDGE_DOMAIN", { ...CREDS, S3EDGE_DOMAIN: "ok.example, not a host" }, "S3EDGE_DOMAIN: must be a comma-separated list of host names"],
    ["S3EDGE_CHUNK_SIZE (text)", { ...CREDS, S3EDGE_CHUNK_SIZE: "8MB" }, "S3EDGE_CHUNK_SIZE: must be a number of bytes"],
    ["S3EDGE_CHUNK_SIZE (small)", { ...CREDS, S3EDGE_CHUNK_SIZE: "100" }, "S3EDGE_CHUNK_SIZE: must be at least 65536 (64 KiB)"],
    ["S3EDGE_CHUNK_SIZE (fraction)", { ...CREDS, S3EDGE_CHUNK_SIZE: "100000.5" }, "S3EDGE_CHUNK_SIZE: must be a whole number of bytes"],
    ["a webhook without endpoint", { ...CREDS, MINIO_NOTIFY_WEBHOOK_ENABLE_1: "on" }, "MINIO_NOTIFY_WEBHOOK_ENDPOINT_1: must be set for notify_webhook:1 (the URL events are POSTed to)"],
    ["a webhook queue limit", { ...CREDS, ...hook, MINIO_NOTIFY_WEBHOOK_QUEUE_LIMIT_1: "-4" }, "MINIO_NOTIFY_WEBHOOK_QUEUE_LIMIT_1: must be a whole number"],
  ])("a bad %s is one clear line", (_n, vars, line) => {
    expect(problems(vars)).toEqual([line]);
  });

  it("every bad variable is reported at once, one line each", () => {
    expect(problems({ S3EDGE_ROOT_USER: "ab", S3EDGE_ROOT_PASSWORD: "x", S3EDGE_REGION: "A B" })).toEqual([
      "S3EDGE_ROOT_USER: must be at least 3 characters",
      "S3EDGE_ROOT_PASSWORD: must be at least 8 characters",
      "S3EDGE_REGION: must be lower-case letters, digits and '-' (e.g. us-east-1)",
    ]);
  });

  it("requireCredentials (Workers): no credentials is a configuration error, not minioadmin", () => {
    expect(problems({}, { requireCredentials: true })).toEqual([
      "S3EDGE_ROOT_USER and S3EDGE_ROOT_PASSWORD are not set (wrangler secret put S3EDGE_ROOT_USER, then S3EDGE_ROOT_PASSWORD)",
    ]);
  });

  it("targets without an event queue (a Worker without its EVENTS binding) are refused", () => {
    expect(() => configFromVars({ ...CREDS, ...hook }, { requireCredentials: true, eventQueue: false })).toThrow(/EVENTS queue is not bound/);
    expect(Object.keys(configFromVars({ ...CREDS, ...hook }, { requireCredentials: true, eventQueue: true }).config.notifyTargets)).toEqual(["1:webhook"]);
    expect(configFromVars({ ...CREDS }, { requireCredentials: true, eventQueue: false }).config.notifyTargets).toEqual({});
  });
});

describe("S3EDGE_REFRESH_IAM_INTERVAL (Go duration syntax, as JuiceFS's --refresh-iam-interval)", () => {
  it.each([
    ["5m", 300_000], ["90s", 90_000], ["1h30m", 5_400_000], ["1.5s", 1500], ["250ms", 250], ["0", 0], ["24h", 86_400_000],
  ])("%s → %d ms", (v, ms) => {
    expect(configFromVars({ S3EDGE_REFRESH_IAM_INTERVAL: v }, { requireCredentials: false }).config.refreshIamIntervalMs).toBe(ms);
  });

  it("defaults to 5m; a bad or too long value is one line", () => {
    expect(configFromVars({}, { requireCredentials: false }).config.refreshIamIntervalMs).toBe(300_000);
    for (const bad of ["5", "five minutes", "-5m", "1d", "5m3"]) {
      expect(problems({ S3EDGE_REFRESH_IAM_INTERVAL: bad })).toEqual(["S3EDGE_REFRESH_IAM_INTERVAL: must be a duration such as 5m, 90s or 1h30m"]);
    }
    expect(problems({ S3EDGE_REFRESH_IAM_INTERVAL: "25h" })).toEqual(["S3EDGE_REFRESH_IAM_INTERVAL: must be at most 24h"]);
  });

  it("the Bun flag --refresh-iam-interval wins over the variable", () => {
    expect(parseServeOptions(["--refresh-iam-interval", "30s"], { S3EDGE_REFRESH_IAM_INTERVAL: "1m" }).config.refreshIamIntervalMs).toBe(30_000);
    expect(parseServeOptions(["--refresh-iam-interval=2m"], {}).config.refreshIamIntervalMs).toBe(120_000);
    expect(() => parseServeOptions(["--refresh-iam-interval", "soon"], {})).toThrow(ConfigError);
  });
});

describe("Bun parseServeOptions", () => {
  it("takes the configuration from configFromVars and the address and data dir from flags", () => {
    const o = parseServeOptions(["--address", "127.0.0.1:9100", "--data=/tmp/d"], { ...CREDS, ...hook });
    expect(o).toMatchObject({ hostname: "127.0.0.1", port: 9100, dataDir: "/tmp/d", defaultCredentials: false });
    expect(Object.keys(o.config.notifyTargets)).toEqual(["1:webhook"]);
    expect(() => parseServeOptions([], { MINIO_NOTIFY_WEBHOOK_ENABLE_1: "on" })).toThrow(ConfigError);
  });
});
