// The cluster-wide state of the Worker in one SQLite Durable Object (one global instance,
// idFromName("iam")): the IamStore's tables and the TargetRegistry's stored targets, the same
// SQL as on Bun (iam/sql-store.ts, events/sql-target-store.ts). Both are small, rarely written
// and read through per-isolate caches keyed by their version stamps, so one object is no
// bottleneck; MinIO keeps IAM and server config together too. Each RPC method runs one
// synchronous transaction here, so the object's single thread orders all writes.
import { DurableObject } from "cloudflare:workers";
import { createSqlIamStore } from "../../iam/sql-store.ts";
import { IAM_STORE_METHODS, type IamStore } from "../../iam/store.ts";
import { createSqlTargetStore } from "../../events/sql-target-store.ts";
import { TARGET_STORE_METHODS, type TargetStore } from "../../events/target-registry.ts";
import { createDoSqlDriver } from "./do-sql-driver.ts";
import { createSqlQueueStore } from "../../events/sqs-sql-store.ts";
import { QUEUE_STORE_METHODS, type QueueStore } from "../../events/sqs-queues.ts";
import type { WorkersEnv } from "./env.ts";
import { createSqlKmsKeyStore, KMS_KEY_STORE_METHODS, type KmsKeyStore } from "../../sse/key-store.ts";

/** The name of the one instance. */
export const IAM_OBJECT = "iam";

// The RPC methods come from the stores' method tables (below), not one hand-written wrapper each.
export interface IamShard extends IamStore, TargetStore, QueueStore, KmsKeyStore {}

export class IamShard extends DurableObject<WorkersEnv> {
  readonly #stores: { iam: IamStore; targets: TargetStore; queues: QueueStore; kms: KmsKeyStore };

  constructor(ctx: DurableObjectState, env: WorkersEnv) {
    super(ctx, env);
    const db = createDoSqlDriver(ctx.storage);
    const now = () => Date.now();
    // The SQS queues too (events/sqs-sql-store.ts): one object orders their receives and deletes.
    this.#stores = { iam: createSqlIamStore(db, { now }), targets: createSqlTargetStore(db, { now }), queues: createSqlQueueStore(db), kms: createSqlKmsKeyStore(db) };
  }

  static {
    // Prototype methods are what workerd exposes over RPC (instance fields are not).
    const define = (name: string, store: "iam" | "targets" | "queues" | "kms") => {
      Object.defineProperty(IamShard.prototype, name, {
        value(this: IamShard, ...args: unknown[]) {
          return (this.#stores[store] as unknown as Record<string, (...a: unknown[]) => unknown>)[name](...args);
        },
        writable: true,
        configurable: true,
      });
    };
    for (const name of IAM_STORE_METHODS) define(name, "iam");
    for (const name of TARGET_STORE_METHODS) define(name, "targets");
    for (const name of QUEUE_STORE_METHODS) define(name, "queues");
    for (const name of KMS_KEY_STORE_METHODS) define(name, "kms");
  }
}
