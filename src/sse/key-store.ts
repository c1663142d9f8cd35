// The key ring's storage (docs/encryption.md "Key ring"): named keys, each 32 random bytes kept
// only wrapped by a master key, one JSON row per key, over any synchronous SQLite — on Bun in
// meta.sqlite (beside IAM and the stored targets), on Workers in the IamShard Durable Object.
import type { SqlDriver } from "../store/sql/driver.ts";

export interface StoredKmsKey {
  name: string;
  /** "created": `mc admin kms key create`; "master": a former master key, kept by a rotation so what it wrapped still opens. */
  kind: "created" | "master";
  /** The master key (by name) that wrapped it. */
  masterId: string;
  /** base64 of nonce ‖ AES-256-GCM(key) ‖ tag, bound to the key's name. */
  wrapped: string;
  createdAt: number;
  createdBy?: string;
}

export interface KmsKeyStore {
  listKmsKeys(): Promise<StoredKmsKey[]>;
  getKmsKey(name: string): Promise<StoredKmsKey | null>;
  /** false when a key of that name exists (nothing changed). */
  createKmsKey(key: StoredKmsKey): Promise<boolean>;
  /** Replaces the row if it is still wrapped by `fromMasterId` (a rotation's compare-and-set); false otherwise. */
  rewrapKmsKey(key: StoredKmsKey, fromMasterId: string): Promise<boolean>;
}

/** The KmsKeyStore's members, for forwarding (runtime/workers/), checked complete by the compiler. */
export const KMS_KEY_STORE_METHODS = ["listKmsKeys", "getKmsKey", "createKmsKey", "rewrapKmsKey"] as const satisfies readonly (keyof KmsKeyStore)[];
const _complete: Exclude<keyof KmsKeyStore, (typeof KMS_KEY_STORE_METHODS)[number]> extends never ? true : never = true;
void _complete;

const SCHEMA = "CREATE TABLE IF NOT EXISTS kms_keys (name TEXT PRIMARY KEY, master_id TEXT NOT NULL, record TEXT NOT NULL) WITHOUT ROWID;";

export function createSqlKmsKeyStore(db: SqlDriver): KmsKeyStore {
  db.exec(SCHEMA);
  const parse = (r: Record<string, unknown>) => JSON.parse(r.record as string) as StoredKmsKey;
  return {
    async listKmsKeys() { return db.all("SELECT record FROM kms_keys ORDER BY name").map(parse); },
    async getKmsKey(name) {
      const r = db.all("SELECT record FROM kms_keys WHERE name = ?", [name])[0];
      return r ? parse(r) : null;
    },
    async createKmsKey(k) {
      return db.run("INSERT OR IGNORE INTO kms_keys (name, master_id, record) VALUES (?, ?, ?)", [k.name, k.masterId, JSON.stringify(k)]).changes === 1;
    },
    async rewrapKmsKey(k, fromMasterId) {
      return db.run("UPDATE kms_keys SET master_id = ?, record = ? WHERE name = ? AND master_id = ?", [k.masterId, JSON.stringify(k), k.name, fromMasterId]).changes === 1;
    },
  };
}
