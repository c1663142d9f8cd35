// The master key and the SSE-C loopback switch as variables (both runtimes) and as a Bun flag.
import { describe, expect, it } from "bun:test";
import { configFromVars } from "../../../src/config.ts";
import { parseServeOptions } from "../../../src/runtime/bun/env.ts";

const KEY = "OsTku2T6fTxs59kXBnB4J5iU0jQMGIlQAWQdvwLnKt8=";

describe("S3EDGE_KMS_SECRET_KEY", () => {
  it("is name:base64 of 32 bytes (MINIO_KMS_SECRET_KEY too)", () => {
    for (const name of ["S3EDGE_KMS_SECRET_KEY", "MINIO_KMS_SECRET_KEY"]) {
      const { config } = configFromVars({ [name]: `my-key:${KEY}` }, { requireCredentials: false });
      expect(config.kmsSecretKey?.id).toBe("my-key");
      expect(config.kmsSecretKey?.key.length).toBe(32);
    }
    expect(configFromVars({}, { requireCredentials: false }).config.kmsSecretKey).toBeUndefined();
  });

  it.each([["no name", KEY], ["a short key", "k:AAAA"], ["not base64", `k:${"!".repeat(44)}`]])("refuses %s, naming the variable", (_n, v) => {
    expect(() => configFromVars({ S3EDGE_KMS_SECRET_KEY: v }, { requireCredentials: false })).toThrow(/S3EDGE_KMS_SECRET_KEY/);
  });
});

describe("S3EDGE_KMS_OLD_SECRET_KEYS", () => {
  it("is a comma-separated list of name:base64 (the former master keys)", () => {
    const { config } = configFromVars({ S3EDGE_KMS_OLD_SECRET_KEYS: `a:${KEY},b.2:${KEY}` }, { requireCredentials: false });
    expect(config.kmsOldSecretKeys?.map((k) => [k.id, k.key.length])).toEqual([["a", 32], ["b.2", 32]]);
    expect(configFromVars({}, { requireCredentials: false }).config.kmsOldSecretKeys).toBeUndefined();
  });

  it.each([["a trailing comma", `a:${KEY},`], ["a short key", `a:${KEY},b:AAAA`], ["no name", KEY]])("refuses %s, naming the variable", (_n, v) => {
    expect(() => configFromVars({ S3EDGE_KMS_OLD_SECRET_KEYS: v }, { requireCredentials: false })).toThrow(/S3EDGE_KMS_OLD_SECRET_KEYS/);
  });
});

describe("SSE-C over plain HTTP", () => {
  it("is off by default; S3EDGE_INSECURE_SSE_C=on or --insecure-sse-c allows it", () => {
    expect(configFromVars({}, { requireCredentials: false }).config.insecureSseC).toBe(false);
    expect(configFromVars({ S3EDGE_INSECURE_SSE_C: "on" }, { requireCredentials: false }).config.insecureSseC).toBe(true);
    expect(parseServeOptions(["--insecure-sse-c"], {}).config.insecureSseC).toBe(true);
    expect(parseServeOptions([], {}).config.insecureSseC).toBe(false);
  });
});
