// Master-key rotation (docs/encryption.md "Rotation"): after S3EDGE_KMS_SECRET_KEY gets a new
// value and the old one moves to S3EDGE_KMS_OLD_SECRET_KEYS, this re-wraps under the new master
// key, without touching any object's data or record:
// - the key ring's stored keys (created keys; former masters kept by an earlier rotation);
// - every former master configured, stored in the ring wrapped by the new one, so the bucket
//   keys object records carry (wrapped by it) keep opening once its variable is gone;
// - every bucket's master-wrapped bucket key (`sse-bucket-key`), so new writes keep sealing
//   under the same bucket key (and dedup with what is stored). Bucket keys under created keys
//   are wrapped by those, which do not change.
// Objects stay readable throughout: a read resolves whichever key its record names. Idempotent.
import type { Deps } from "../deps.ts";
import { fromBase64, toBase64 } from "../util/hash.ts";
import { unwrapKey, wrapKey } from "./crypto.ts";
import { masterKeys, resolveKey, rotateRing, type NamedKey } from "./key-ring.ts";
import { BUCKET_KEY_CONFIG, bucketContext } from "./keys.ts";

export interface Rotation {
  master: string;
  /** Stored keys re-wrapped, former masters newly kept. */
  keysRewrapped: string[];
  mastersKept: string[];
  bucketsRewrapped: string[];
  /** Already under the new master key. */
  bucketsCurrent: number;
  /** What could not be unwrapped with any configured key (a former master missing from S3EDGE_KMS_OLD_SECRET_KEYS). */
  failed: string[];
}

type RotateDeps = Pick<Deps, "config" | "kmsKeys" | "meta" | "log" | "clock">;

export async function rotateMasterKey(deps: RotateDeps, master: NamedKey): Promise<Rotation> {
  const ring = await rotateRing(deps, master, deps.clock.now());
  const out: Rotation = { master: master.id, keysRewrapped: ring.rewrapped, mastersKept: ring.kept, bucketsRewrapped: [], bucketsCurrent: 0, failed: ring.failed.map((n) => `key ${n}`) };
  const formerMasters = new Set([...masterKeys(deps.config).map((m) => m.id), ...ring.kept]);
  for (const b of await deps.meta.listBuckets()) {
    const raw = await deps.meta.getBucketConfig(b.name, BUCKET_KEY_CONFIG);
    if (!raw) continue;
    const stored = JSON.parse(raw) as { keyId: string; wrapped: string };
    if (stored.keyId === master.id) { out.bucketsCurrent++; continue; }
    const under = await resolveKey(deps, stored.keyId);
    const bytes = fromBase64(stored.wrapped);
    const key = under && bytes ? await unwrapKey(under, bytes, bucketContext(b.name)) : null;
    if (!key) {
      out.failed.push(`bucket ${b.name} (wrapped by ${stored.keyId}${formerMasters.has(stored.keyId) ? "" : ", not configured"})`);
      continue;
    }
    const wrapped = toBase64(await wrapKey(master.key, key, bucketContext(b.name)));
    // A bucket deleted meanwhile has nothing left to re-wrap.
    if ((await deps.meta.putBucketConfig(b.name, BUCKET_KEY_CONFIG, JSON.stringify({ keyId: master.id, wrapped }))).ok) out.bucketsRewrapped.push(b.name);
  }
  if (out.failed.length) deps.log.warn("kms rotation: some keys did not unwrap with any configured key", { failed: out.failed });
  return out;
}
