// The sync daemon's configuration (issue 16; the s3sync README's file): validated with zod,
// one line per bad field. `sync` maps key prefixes to local directories, as an object or as
// the README's list (pairs `["prefix", "dir"]` or one-entry objects `{"prefix": "dir"}`).
import { z } from "zod";

const url = z.string().refine((s) => { try { return /^https?:$/.test(new URL(s).protocol); } catch { return false; } }, "must be an http(s) URL");

const pairList = z.array(z.union([z.tuple([z.string(), z.string()]), z.record(z.string(), z.string())]));

const S3_TARGET = z.object({
  endpoint: url,
  bucket: z.string().min(1, "must not be empty"),
  accessKey: z.string().min(1, "must not be empty"),
  secretKey: z.string().min(1, "must not be empty"),
  region: z.string().min(1).default("us-east-1"),
  /** Prepended to every replicated key. */
  prefix: z.string().default(""),
}).strict();

const REDIS_SOURCE = z.object({
  /** redis://[user:password@]host:port[/db] (rediss:// for TLS). */
  url: z.string().refine((s) => { try { return /^rediss?:$/.test(new URL(s).protocol); } catch { return false; } }, "must be a redis:// or rediss:// URL"),
  /** The list the gateway's Redis target (format access) pushes to. */
  key: z.string().min(1, "must not be empty"),
  /** Where entries wait while applied (one per daemon reading the list); default `<key>:processing`. */
  processingKey: z.string().min(1).optional(),
}).strict();

export const SYNC_CONFIG = z.object({
  endpoint: url,
  accessKey: z.string().min(1, "must not be empty"),
  secretKey: z.string().min(1, "must not be empty"),
  region: z.string().min(1).default("us-east-1"),
  bucket: z.string().min(1, "must not be empty"),
  /** SQS queue name or URL on `endpoint`; absent: the listen stream (ListenBucketNotification). */
  queue: z.string().min(1).optional(),
  /** A Redis list in MinIO's access format (the gateway's Redis target), instead of `queue`. */
  redis: REDIS_SOURCE.optional(),
  sync: z.union([z.record(z.string(), z.string()), pairList]).optional(),
  /** Replication: the same events and resync applied to another S3 endpoint. */
  target: S3_TARGET.optional(),
  /** Key prefixes replicated to `target` (default: the whole bucket). */
  prefixes: z.array(z.string()).optional(),
  concurrency: z.number().int().min(1).max(256).default(8),
  /** SQS visibility timeout while a message is worked on (s). */
  visibilityTimeout: z.number().int().min(1).max(43_200).default(60),
}).strict()
  .refine((c) => c.sync !== undefined || c.target !== undefined, { message: "give `sync` (prefix → directory) or `target` (replication)", path: ["sync"] })
  .refine((c) => !(c.queue && c.redis), { message: "give `queue` or `redis` as the event source, not both", path: ["redis"] });

export type SyncConfigInput = z.input<typeof SYNC_CONFIG>;
export type S3Target = z.output<typeof S3_TARGET>;

export interface Mapping { prefix: string; dir: string }

export interface SyncConfig extends Omit<z.output<typeof SYNC_CONFIG>, "sync"> {
  /** Longest prefix first. */
  mappings: Mapping[];
}

export class SyncConfigError extends Error {}

/** Validated config; `resolveDir` makes relative directories absolute (the CLI: against the config file's folder). */
export function parseSyncConfig(raw: unknown, resolveDir: (dir: string) => string = (d) => d): SyncConfig {
  const r = SYNC_CONFIG.safeParse(raw);
  if (!r.success) {
    throw new SyncConfigError(r.error.issues.map((i) => `${i.path.length ? i.path.join(".") : "config"}: ${i.message}`).join("\n"));
  }
  const { sync, ...rest } = r.data;
  const pairs: [string, string][] = [];
  if (Array.isArray(sync)) {
    for (const e of sync) pairs.push(...(Array.isArray(e) ? [e as [string, string]] : Object.entries(e)));
  } else if (sync) pairs.push(...Object.entries(sync));
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const [prefix, dir] of pairs) {
    if (seen.has(prefix)) problems.push(`sync.${prefix}: the prefix is mapped twice`);
    seen.add(prefix);
    if (!dir) problems.push(`sync.${prefix}: the directory must not be empty`);
    if (prefix.includes("\0") || dir.includes("\0")) problems.push(`sync.${prefix}: NUL is not allowed`);
  }
  if (problems.length) throw new SyncConfigError(problems.join("\n"));
  const mappings = pairs.map(([prefix, dir]) => ({ prefix, dir: resolveDir(dir) })).sort((a, b) => b.prefix.length - a.prefix.length);
  return { ...rest, mappings };
}
