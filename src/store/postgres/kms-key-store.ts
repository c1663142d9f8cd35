// The KMS key ring's stored keys on PostgreSQL (schema.ts migration 4), shared by every node:
// what src/sse/key-store.ts does over SQLite. A key created through one node opens objects
// written through any other; a rotation's re-wrap is a compare-and-set on the wrapping master
// key, so two nodes rotating at once re-wrap each key once.
import type { KmsKeyStore, StoredKmsKey } from "../../sse/key-store.ts";
import type { Pg, PgRow } from "./tx.ts";
import { withUnavailable } from "./unavailable.ts";

const parse = (r: PgRow) => JSON.parse(r.record as string) as StoredKmsKey;

export function createPostgresKmsKeyStore(sql: Pg): KmsKeyStore {
  return withUnavailable<KmsKeyStore>({
    async listKmsKeys() { return (await sql`SELECT record FROM kms_keys ORDER BY name`).map(parse); },
    async getKmsKey(name) {
      const r = (await sql`SELECT record FROM kms_keys WHERE name = ${name}`)[0];
      return r ? parse(r) : null;
    },
    async createKmsKey(k) {
      return (await sql`INSERT INTO kms_keys (name, master_id, record) VALUES (${k.name}, ${k.masterId}, ${JSON.stringify(k)})
        ON CONFLICT (name) DO NOTHING RETURNING name`).length === 1;
    },
    async rewrapKmsKey(k, fromMasterId) {
      return (await sql`UPDATE kms_keys SET master_id = ${k.masterId}, record = ${JSON.stringify(k)}
        WHERE name = ${k.name} AND master_id = ${fromMasterId} RETURNING name`).length === 1;
    },
  });
}
