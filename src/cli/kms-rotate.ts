// `s3edge kms-rotate [--data DIR]`: after S3EDGE_KMS_SECRET_KEY got a new value and the old one
// moved to S3EDGE_KMS_OLD_SECRET_KEYS, re-wraps the key ring and every bucket's key under the new
// master key (src/sse/rotate.ts) in the embedded store (meta.sqlite) — no object data or record
// is rewritten. Safe beside a running server (SQLite WAL; the server keeps reading with either
// key while it has both). Exit 0: done; 1: some keys did not unwrap; 2: bad arguments or no store.
// A store on PostgreSQL (S3EDGE_META_URL), and Workers, rotate through the admin API instead:
// POST /minio/admin/v3/s3edge/kms/rotate.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../deps.ts";
import { configFromVars } from "../config.ts";
import { createSqlMetaStore } from "../store/sql/meta-store.ts";
import { createSqlKmsKeyStore } from "../sse/key-store.ts";
import { rotateMasterKey } from "../sse/rotate.ts";
import { createBunSqliteDriver } from "../runtime/bun/sqlite-driver.ts";
import { dataDirArgs } from "./cli-args.ts";

const USAGE = "usage: s3edge kms-rotate [--data DIR]   (S3EDGE_KMS_SECRET_KEY: the new master key; S3EDGE_KMS_OLD_SECRET_KEYS: the former ones)";
const { dataDir, fail } = dataDirArgs("kms-rotate", USAGE);
let config;
try {
  config = configFromVars(process.env, { requireCredentials: false }).config;
} catch (e) {
  fail(e instanceof Error ? e.message : String(e));
}
const master = config!.kmsSecretKey ?? fail(`S3EDGE_KMS_SECRET_KEY is not set\n${USAGE}`);
const metaPath = join(dataDir, "meta.sqlite");
if (!existsSync(metaPath)) fail(`no store in ${dataDir} (${metaPath} not found)`);

const log: Logger = {
  info: (m, f) => console.error(m, f ? JSON.stringify(f) : ""),
  warn: (m, f) => console.error(m, f ? JSON.stringify(f) : ""),
  error: (m, f) => console.error(m, f ? JSON.stringify(f) : ""),
};
const driver = createBunSqliteDriver(metaPath);
const clock = { now: () => Date.now() };
const report = await rotateMasterKey({ config: config!, meta: createSqlMetaStore(driver, clock), kmsKeys: createSqlKmsKeyStore(driver), log, clock }, master);
driver.close();
console.log(JSON.stringify(report));
process.exit(report.failed.length ? 1 : 0);
