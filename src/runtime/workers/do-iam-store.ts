// The Worker's side of the IamStore and of the stored notification targets: every member
// forwarded by RPC to the one IamShard object, driven by the stores' method tables.
import { IAM_STORE_METHODS, type IamStore } from "../../iam/store.ts";
import { TARGET_STORE_METHODS, type TargetStore } from "../../events/target-registry.ts";
import { mapRpcError } from "./do-meta-store.ts";
import { IAM_OBJECT, type IamShard } from "./iam-shard.ts";
import { QUEUE_STORE_METHODS, type QueueStore } from "../../events/sqs-queues.ts";
import { KMS_KEY_STORE_METHODS, type KmsKeyStore } from "../../sse/key-store.ts";

export function createDoIamStore(ns: DurableObjectNamespace<IamShard>): IamStore & TargetStore & QueueStore & KmsKeyStore {
  const id = ns.idFromName(IAM_OBJECT);
  const out: Record<string, unknown> = {};
  for (const name of [...IAM_STORE_METHODS, ...TARGET_STORE_METHODS, ...QUEUE_STORE_METHODS, ...KMS_KEY_STORE_METHODS]) {
    // A stub per call, as for the MetaShards: cheap, and never outliving the request that made it.
    out[name] = (...args: unknown[]) => {
      const stub = ns.get(id) as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
      return stub[name](...args).catch(mapRpcError);
    };
  }
  return out as unknown as IamStore & TargetStore & QueueStore & KmsKeyStore;
}
