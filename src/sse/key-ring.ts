// The gateway's key ring (docs/encryption.md "Key ring"): the master key (S3EDGE_KMS_SECRET_KEY),
// former master keys still configured (S3EDGE_KMS_OLD_SECRET_KEYS, during a rotation) and the
// stored keys (key-store.ts): keys created through `mc admin kms key create`, and former master
// keys a rotation kept, each wrapped by a master key and bound to its name. A key id resolves
// to its 32 bytes here; the unwrapped bytes of stored keys are cached per store (they never
// change: a rotation re-wraps the same bytes) while the master key that unwrapped them is configured.
import type { Config } from "../config.ts";
import type { Deps } from "../deps.ts";
import { fromBase64, toBase64 } from "../util/hash.ts";
import { unwrapKey, wrapKey } from "./crypto.ts";
import type { KmsKeyStore, StoredKmsKey } from "./key-store.ts";

export interface NamedKey { id: string; key: Uint8Array }
type RingDeps = Pick<Deps, "config" | "kmsKeys">;

/** Key names: as the master key's (config.ts), which `mc admin kms key create` takes too. */
export const KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

const keyContext = (name: string) => `s3edge kms key\0${name}`;
const cache = new WeakMap<KmsKeyStore, Map<string, { kind: StoredKmsKey["kind"]; key: Uint8Array; masterId: string }>>();

/** The current master key, then the former ones configured (their order as given). */
export function masterKeys(config: Pick<Config, "kmsSecretKey" | "kmsOldSecretKeys">): NamedKey[] {
  return [...(config.kmsSecretKey ? [config.kmsSecretKey] : []), ...(config.kmsOldSecretKeys ?? [])];
}

async function unwrapStored(deps: RingDeps, k: StoredKmsKey): Promise<Uint8Array | null> {
  const m = masterKeys(deps.config).find((x) => x.id === k.masterId);
  const bytes = fromBase64(k.wrapped);
  return m && bytes ? unwrapKey(m.key, bytes, keyContext(k.name)) : null;
}

/** A stored key, unwrapped (null: absent, or wrapped by a master not configured). */
async function stored(deps: RingDeps, name: string): Promise<{ kind: StoredKmsKey["kind"]; key: Uint8Array } | null> {
  const store = deps.kmsKeys;
  if (!store) return null;
  let known = cache.get(store);
  const hit = known?.get(name);
  // Only while the master key it was unwrapped with is configured (a restart without it, in tests an app on the same store).
  if (hit && masterKeys(deps.config).some((m) => m.id === hit.masterId)) return hit;
  const rec = await store.getKmsKey(name);
  const key = rec ? await unwrapStored(deps, rec) : null;
  if (!rec || !key) return null;
  if (!known) cache.set(store, (known = new Map()));
  const entry = { kind: rec.kind, key, masterId: rec.masterId };
  known.set(name, entry);
  return entry;
}

/** The bytes of any key that may have wrapped something (masters, former masters, stored keys); null: unknown or not unwrappable. */
export async function resolveKey(deps: RingDeps, id: string): Promise<Uint8Array | null> {
  const m = masterKeys(deps.config).find((x) => x.id === id);
  if (m) return m.key;
  return (await stored(deps, id))?.key ?? null;
}

/** A key new SSE-KMS objects may name: the master key, or a created one; null otherwise (KMS.NotFoundException). */
export async function kmsKey(deps: RingDeps, name: string): Promise<NamedKey | null> {
  const master = deps.config.kmsSecretKey;
  if (master && name === master.id) return master;
  const s = await stored(deps, name);
  return s?.kind === "created" ? { id: name, key: s.key } : null;
}

export type CreateOutcome = "created" | "exists" | "unsupported";

/** `mc admin kms key create NAME`: 32 random bytes wrapped by the master key. */
export async function createKey(deps: RingDeps, master: NamedKey, name: string, now: number, by?: string): Promise<CreateOutcome> {
  if (!deps.kmsKeys) return "unsupported";
  if (name === master.id || masterKeys(deps.config).some((m) => m.id === name)) return "exists";
  const key = crypto.getRandomValues(new Uint8Array(32));
  const rec: StoredKmsKey = {
    name, kind: "created", masterId: master.id, createdAt: now, ...(by ? { createdBy: by } : {}),
    wrapped: toBase64(await wrapKey(master.key, key, keyContext(name))),
  };
  return (await deps.kmsKeys.createKmsKey(rec)) ? "created" : "exists";
}

export interface RingEntry { name: string; kind: "master" | "created" | "former-master"; createdAt?: number; createdBy?: string; usable: boolean }

/** Every key of the ring: the master key first, then the stored ones (whether each unwraps now). */
export async function listRing(deps: RingDeps): Promise<RingEntry[]> {
  const master = deps.config.kmsSecretKey;
  const out: RingEntry[] = master ? [{ name: master.id, kind: "master", usable: true }] : [];
  for (const k of deps.kmsKeys ? await deps.kmsKeys.listKmsKeys() : []) {
    if (k.name === master?.id) continue;
    out.push({ name: k.name, kind: k.kind === "created" ? "created" : "former-master", createdAt: k.createdAt, createdBy: k.createdBy, usable: (await resolveKey(deps, k.name)) !== null });
  }
  return out;
}

export interface RingRotation { rewrapped: string[]; kept: string[]; failed: string[] }

/**
 * Rotation, the key ring's part: every stored key wrapped by a former master is re-wrapped by
 * the current one, and every former master configured is itself stored, wrapped by the current
 * one, so what it wrapped (bucket keys in object records) keeps opening after its variable is
 * gone. Idempotent: a second run changes nothing.
 */
export async function rotateRing(deps: RingDeps, master: NamedKey, now: number): Promise<RingRotation> {
  const out: RingRotation = { rewrapped: [], kept: [], failed: [] };
  const store = deps.kmsKeys;
  if (!store) return out;
  for (const k of await store.listKmsKeys()) {
    if (k.masterId === master.id) continue;
    const key = await unwrapStored(deps, k);
    if (!key) { out.failed.push(k.name); continue; }
    const next = { ...k, masterId: master.id, wrapped: toBase64(await wrapKey(master.key, key, keyContext(k.name))) };
    if (await store.rewrapKmsKey(next, k.masterId)) out.rewrapped.push(k.name);
  }
  for (const old of deps.config.kmsOldSecretKeys ?? []) {
    if (old.id === master.id) continue;
    const rec: StoredKmsKey = { name: old.id, kind: "master", masterId: master.id, createdAt: now, wrapped: toBase64(await wrapKey(master.key, old.key, keyContext(old.id))) };
    if (await store.createKmsKey(rec)) out.kept.push(old.id);
  }
  return out;
}
