// The gateway's configuration, read from variables the same way on both runtimes: environment
// (+ flags) on Bun, vars and secrets on Workers. One function, validated with zod, one clear
// line per bad variable; Bun exits 2 with them, the Worker answers 503 with them.
import * as z from "zod/mini";
import type { NotifyTarget } from "./events/targets.ts";
import { targetsFromEnv } from "./events/targets.ts";
import { ConfigError } from "./config-error.ts";
import { parseGoDuration } from "./util/duration.ts";

export interface Config {
  region: string;
  rootUser: string;
  rootPassword: string;
  /** Base domains for virtual-host style (S3EDGE_DOMAIN / MINIO_DOMAIN). */
  domains: string[];
  /** Chunk size for content-addressed storage. */
  chunkSize: number;
  /** Objects up to this size live inline in their metadata row. */
  inlineLimit: number;
  /** Largest single PUT (S3: 5 GiB). */
  maxPutSize: number;
  /** Largest object (S3: 5 TiB). */
  maxObjectSize: number;
  /** Pins older than this are considered abandoned by GC. */
  sessionTtlMs: number;
  /** Notification targets by `<id>:<type>` (MINIO_NOTIFY_* / S3EDGE_NOTIFY_* variables). */
  notifyTargets: Record<string, NotifyTarget>;
  /** Who may scrape /metrics: a bearer JWT allowed admin:Prometheus, or anyone (MinIO's setting). */
  prometheusAuth: "jwt" | "public";
  /**
   * How long a node trusts its IAM view before re-reading the store's version stamp
   * (S3EDGE_REFRESH_IAM_INTERVAL / --refresh-iam-interval, Go duration; 0 = every request).
   */
  refreshIamIntervalMs: number;
  /** How often the lifecycle sweep applies bucket lifecycle rules (S3EDGE_LIFECYCLE_INTERVAL, Go duration; 0 = never). */
  lifecycleIntervalMs: number;
  /**
   * Test-only (S3EDGE_TEST_CLOCK=1): serves POST /s3edge/test/lifecycle?now=<ms>, which runs a
   * lifecycle sweep at that instant for the root user. Never set it in production.
   */
  testClock: boolean;
  /**
   * The master key of server-side encryption (S3EDGE_KMS_SECRET_KEY=name:base64 of 32 bytes, as
   * MinIO's MINIO_KMS_SECRET_KEY; a secret on Workers). Without it, SSE-S3/KMS is refused.
   */
  kmsSecretKey?: { id: string; key: Uint8Array };
  /** Former master keys (S3EDGE_KMS_OLD_SECRET_KEYS=name:base64,…): what they wrapped still opens, and a rotation re-wraps it. */
  kmsOldSecretKeys?: { id: string; key: Uint8Array }[];
  /** SSE-C over plain HTTP (S3EDGE_INSECURE_SSE_C=on / --insecure-sse-c): loopback tests only. */
  insecureSseC: boolean;
}

export { ConfigError };

/** S3EDGE_QUIET's value (Bun's env, a Worker's var): on means no access-log line per request. */
export const isQuiet = (value: string | undefined): boolean => /^(1|true|on|yes)$/i.test(value ?? "");

export const DEFAULT_CONFIG: Config = {
  region: "us-east-1",
  rootUser: "minioadmin",
  rootPassword: "minioadmin",
  domains: [],
  chunkSize: 8 * 1024 * 1024,
  inlineLimit: 16 * 1024,
  maxPutSize: 5 * 1024 ** 3,
  maxObjectSize: 5 * 1024 ** 4,
  sessionTtlMs: 24 * 3600 * 1000,
  notifyTargets: {},
  prometheusAuth: "jwt",
  refreshIamIntervalMs: 5 * 60 * 1000,
  lifecycleIntervalMs: 3_600_000,
  testClock: false,
  insecureSseC: false,
};

// One rule for both runtimes: an empty variable is an unset one; S3EDGE_* wins over MINIO_*.
const pick = (vars: Record<string, unknown>, ...names: string[]): string | undefined => {
  for (const n of names) {
    const v = vars[n];
    if (typeof v === "string" && v.trim() !== "") return v.trim();
  }
  return undefined;
};

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

// Each variable's rule; the message is the operator's line to read. zod/mini keeps the Worker
// bundle small (the classic API adds ~800 KB of locales and helpers).
const bytes = (min: number, max: number, minText: string, maxText: string) =>
  z.pipe(z.string().check(z.regex(/^\d+(\.\d+)?$/, "must be a number of bytes"), z.regex(/^\d+$/, "must be a whole number of bytes")),
    z.transform((v) => Number(v))).check(z.refine((n) => n >= min, minText), z.refine((n) => n <= max, maxText));

const VARS = {
  rootUser: z.string().check(z.minLength(3, "must be at least 3 characters"), z.regex(/^[^\s/:]+$/, "must not contain spaces, '/' or ':'")),
  rootPassword: z.string().check(z.minLength(8, "must be at least 8 characters")),
  region: z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "must be lower-case letters, digits and '-' (e.g. us-east-1)")),
  domains: z.pipe(z.string(), z.transform((s) => s.split(",").map((d) => d.trim().toLowerCase()).filter(Boolean)))
    .check(z.refine((ds) => ds.every((d) => HOSTNAME.test(d)), "must be a comma-separated list of host names")),
  chunkSize: bytes(64 * 1024, 512 * 1024 * 1024, "must be at least 65536 (64 KiB)", "must be at most 536870912 (512 MiB)"),
  prometheusAuth: z.enum(["jwt", "public"], "must be jwt or public"),
  refreshIamIntervalMs: z.pipe(z.string(), z.transform((v) => parseGoDuration(v)))
    .check(z.refine((n) => !Number.isNaN(n), "must be a duration such as 5m, 90s or 1h30m"), z.refine((n) => n <= 24 * 3_600_000, "must be at most 24h")),
  lifecycleIntervalMs: z.pipe(z.string(), z.transform((v) => parseGoDuration(v)))
    .check(z.refine((n) => !Number.isNaN(n), "must be a duration such as 1h, 30m or 0 (off)"), z.refine((n) => n === 0 || n >= 1000, "must be at least 1s (or 0: off)")),
  testClock: z.enum(["0", "1"], "must be 1 (tests only) or 0"),
  kmsSecretKey: z.pipe(z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}:[A-Za-z0-9+/]{43}=$/, "must be NAME:BASE64 of a 32-byte key (e.g. my-key:$(head -c 32 /dev/urandom | base64))")),
    z.transform((v) => { const i = v.indexOf(":"); return { id: v.slice(0, i), key: Uint8Array.from(atob(v.slice(i + 1)), (c) => c.charCodeAt(0)) }; })),
  insecureSseC: z.enum(["on", "off", "1", "0", "true", "false"], "must be on or off"),
  kmsOldSecretKeys: z.pipe(z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}:[A-Za-z0-9+/]{43}=(,[A-Za-z0-9][A-Za-z0-9._-]{0,127}:[A-Za-z0-9+/]{43}=)*$/, "must be NAME:BASE64,… of 32-byte keys (the former S3EDGE_KMS_SECRET_KEY values)")),
    z.transform((v) => v.split(",").map((one) => { const i = one.indexOf(":"); return { id: one.slice(0, i), key: Uint8Array.from(atob(one.slice(i + 1)), (c) => c.charCodeAt(0)) }; }))),
};

const NAMES = {
  rootUser: ["S3EDGE_ROOT_USER", "MINIO_ROOT_USER"],
  rootPassword: ["S3EDGE_ROOT_PASSWORD", "MINIO_ROOT_PASSWORD"],
  region: ["S3EDGE_REGION", "MINIO_REGION"],
  domains: ["S3EDGE_DOMAIN", "MINIO_DOMAIN"],
  chunkSize: ["S3EDGE_CHUNK_SIZE"],
  prometheusAuth: ["S3EDGE_PROMETHEUS_AUTH_TYPE", "MINIO_PROMETHEUS_AUTH_TYPE"],
  refreshIamIntervalMs: ["S3EDGE_REFRESH_IAM_INTERVAL"],
  lifecycleIntervalMs: ["S3EDGE_LIFECYCLE_INTERVAL"],
  testClock: ["S3EDGE_TEST_CLOCK"],
  kmsSecretKey: ["S3EDGE_KMS_SECRET_KEY", "MINIO_KMS_SECRET_KEY"],
  insecureSseC: ["S3EDGE_INSECURE_SSE_C"],
  kmsOldSecretKeys: ["S3EDGE_KMS_OLD_SECRET_KEYS"],
} as const satisfies Record<keyof typeof VARS, readonly string[]>;

export interface ConfigResult {
  config: Config;
  /** Root credentials were not set and the defaults are in use (Bun warns; Workers refuse). */
  defaultCredentials: boolean;
}

/**
 * Config from variables. `requireCredentials`: a Worker is reachable from the internet, so it
 * refuses to serve with minioadmin rather than fall back to it (Bun warns instead).
 * `eventQueue: false`: no queue to deliver through (a Worker without its EVENTS binding).
 */
export function configFromVars(vars: Record<string, unknown>, opts: { requireCredentials: boolean; eventQueue?: boolean }): ConfigResult {
  const problems: string[] = [];
  const config: Config = { ...DEFAULT_CONFIG };
  const read = <K extends keyof typeof VARS>(key: K): z.output<(typeof VARS)[K]> | undefined => {
    const name = NAMES[key].find((n) => pick(vars, n) !== undefined);
    if (!name) return undefined;
    const parsed = VARS[key].safeParse(pick(vars, name));
    if (parsed.success) return parsed.data as z.output<(typeof VARS)[K]>;
    problems.push(`${name}: ${parsed.error.issues[0]?.message ?? "is not valid"}`);
    return undefined;
  };
  const rootUser = read("rootUser");
  const rootPassword = read("rootPassword");
  const region = read("region");
  const domains = read("domains");
  const chunkSize = read("chunkSize");
  const prometheusAuth = read("prometheusAuth");
  if (rootUser !== undefined) config.rootUser = rootUser;
  if (rootPassword !== undefined) config.rootPassword = rootPassword;
  if (region !== undefined) config.region = region;
  if (domains !== undefined) config.domains = domains;
  if (chunkSize !== undefined) config.chunkSize = chunkSize;
  const refreshIam = read("refreshIamIntervalMs");
  if (refreshIam !== undefined) config.refreshIamIntervalMs = refreshIam;
  if (prometheusAuth !== undefined) config.prometheusAuth = prometheusAuth;
  const lifecycleInterval = read("lifecycleIntervalMs");
  if (lifecycleInterval !== undefined) config.lifecycleIntervalMs = lifecycleInterval;
  config.testClock = read("testClock") === "1";
  const kms = read("kmsSecretKey");
  if (kms) config.kmsSecretKey = kms;
  const oldKms = read("kmsOldSecretKeys");
  if (oldKms?.length) config.kmsOldSecretKeys = oldKms;
  config.insecureSseC = ["on", "1", "true"].includes(read("insecureSseC") ?? "off");
  const userSet = pick(vars, ...NAMES.rootUser) !== undefined, passwordSet = pick(vars, ...NAMES.rootPassword) !== undefined;
  if (userSet !== passwordSet) problems.push(`${userSet ? "S3EDGE_ROOT_PASSWORD" : "S3EDGE_ROOT_USER"}: must be set too (root credentials come as a pair)`);
  else if (!userSet && opts.requireCredentials) {
    problems.push("S3EDGE_ROOT_USER and S3EDGE_ROOT_PASSWORD are not set (wrangler secret put S3EDGE_ROOT_USER, then S3EDGE_ROOT_PASSWORD)");
  }
  try {
    config.notifyTargets = targetsFromEnv(vars);
    if (opts.eventQueue === false && Object.keys(config.notifyTargets).length) {
      problems.push("notification targets are configured but the EVENTS queue is not bound (wrangler.toml [[queues.producers]])");
    }
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    problems.push(e.message);
  }
  if (problems.length) throw new ConfigError(problems.join("\n"));
  return { config, defaultCredentials: !userSet };
}
