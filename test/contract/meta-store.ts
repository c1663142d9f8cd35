// The MetaStore contract: behaviour every MetaStore (src/store/types.ts) must show, as plain
// data and functions so the same cases run under bun:test (test/unit/store/meta-store-contract.test.ts:
// SQLite in memory, on a file, sharded) and inside a Worker on workerd
// (test/workers/meta-store-contract.test.ts: the Durable Object store). A new store — Postgres
// next — is proven by running these against it. Each case gets a fresh, empty store.
import type { MetaStore } from "../../src/store/types.ts";
import { missingCapabilities, type ContractCase, type ContractTools } from "./meta-store/tools.ts";
import { BUCKET_CASES } from "./meta-store/buckets.ts";
import { OBJECT_CASES } from "./meta-store/objects.ts";
import { UPLOAD_CASES } from "./meta-store/uploads.ts";
import { CHUNK_CASES } from "./meta-store/chunks.ts";
import { EVENT_CASES } from "./meta-store/events.ts";
import { CONFLICT_CASES } from "./meta-store/conflicts.ts";
import { VERSION_CASES } from "./meta-store/versions.ts";
import { OBJECT_LOCK_CASES } from "./meta-store/object-lock.ts";
import { CONTENT_CASES } from "./meta-store/content.ts";

export type { Capability, ContractCase, ContractTools } from "./meta-store/tools.ts";
export { missingCapabilities } from "./meta-store/tools.ts";

export const META_STORE_CONTRACT: ContractCase[] = [
  ...BUCKET_CASES, ...OBJECT_CASES, ...UPLOAD_CASES, ...CHUNK_CASES, ...EVENT_CASES, ...CONFLICT_CASES,
  ...VERSION_CASES, ...CONTENT_CASES, ...OBJECT_LOCK_CASES,
];

export interface CaseOutcome {
  ok: boolean;
  /** Why the case did not run (a capability the backend lacks); ok stays true. */
  skipped?: string;
  error?: string;
}

/** Runs one case, for runners without a test framework (the contract Worker). */
export async function runContractCase(c: ContractCase, store: MetaStore, t: ContractTools): Promise<CaseOutcome> {
  const missing = missingCapabilities(c, t);
  if (missing.length) return { ok: true, skipped: `needs ${missing.join(", ")}` };
  try {
    await c.run(store, t);
    return { ok: true };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ""}` : String(e) };
  }
}
