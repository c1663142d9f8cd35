import type { Deps } from "../deps.ts";
import type { Principal, SecretLookup } from "../auth/principal.ts";
import type { PayloadMode } from "../auth/authenticate.ts";
import type { Op } from "./router.ts";
import type { Conditions } from "../auth/authorize.ts";
import type { BucketState } from "../store/types.ts";

/** Everything a handler needs (garage ReqCtx); handlers return a Response and write nothing else. */
export interface ReqCtx {
  deps: Deps;
  req: Request;
  url: URL;
  query: URLSearchParams;
  headers: Headers;
  op: Op;
  bucket: string;
  key: string;
  principal: Principal;
  payload: PayloadMode;
  requestId: string;
  /**
   * The bucket and its configurations, read once by the pipeline before authorization (Garage
   * api_server.rs); null for service-level operations and CreateBucket.
   */
  bucketState: BucketState | null;
  /** The client's address as the runtime adapter saw it ("" when it could not tell). */
  clientAddress: string;
  /**
   * A further check for what the request also touches (CopyObject's source, each key of
   * DeleteObjects, x-amz-tagging), with this request's condition context plus `extra`.
   */
  authorize(action: string, resource: string, extra?: Conditions): Promise<void>;
  /** The app's credential lookup (root, IAM users, service accounts), for signatures a handler checks itself (POST forms). */
  credentials: SecretLookup;
  /** Work that follows a successful answer (access events; later metrics, the access log): run after it, never before. */
  after(task: () => Promise<unknown>): void;
  /**
   * Work after a successful handler (its change committed) and before its answer: Ceph's
   * synchronous (non-persistent) topic deliveries. Run in order within a time bound; a task
   * that fails or runs late never changes the answer.
   */
  beforeAnswer(task: () => Promise<unknown>): void;
}

export type Handler = (ctx: ReqCtx) => Promise<Response>;
