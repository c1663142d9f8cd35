// What every API shares before its own router runs (DESIGN.md "The front door"): a request id,
// what the runtime knows of the connection, the common response headers, and the body of a
// small form or JSON request read once with a cap and hashed for the signature check.
import { sha256Hex } from "../util/hash.ts";
import type { Deps } from "../deps.ts";
import { S3Error } from "../xml/errors.ts";
import { isRequestAborted } from "./request-aborted.ts";
import { metricsOf } from "../ops/metrics.ts";

// 16 hex digits as MinIO's: the time in µs (unique within a process: a counter breaks ties) —
// no random bytes per request.
let lastId = 0;
export const newRequestId = () => {
  lastId = Math.max(lastId + 1, Date.now() * 1000);
  return lastId.toString(16).toUpperCase().padStart(16, "0");
};

export function withCommonHeaders(res: Response, requestId: string): Response {
  res.headers.set("x-amz-request-id", requestId);
  res.headers.set("x-amz-id-2", requestId);
  res.headers.set("server", "s3edge");
  return res;
}

/**
 * Acknowledge a change only once its commit is durable (Bun's group commit: one flush for all
 * requests in flight). Every API calls it after its handler, so no mutating op can miss it.
 */
export async function durableBeforeAnswer(deps: Pick<Deps, "durable">, req: Request): Promise<void> {
  if (deps.durable && req.method !== "GET" && req.method !== "HEAD") await deps.durable();
}

/** What one access-log line says of a request (never a secret, a signature or a query string). */
export interface AccessEntry {
  api: "s3" | "admin" | "query";
  op?: string;
  bucket?: string;
  key?: string;
  principal?: string;
}

/**
 * One structured line per request (issue 12 #10). Logged when the answer is ready: for a
 * streamed body `bytes` is its declared length and `ms` the time to its headers.
 */
export function logAccess(deps: Pick<Deps, "log">, e: AccessEntry, req: Request, res: Response, requestId: string, startedMs: number, nowMs: number): void {
  deps.log.info("request", {
    api: e.api, method: req.method, op: e.op, bucket: e.bucket || undefined, key: e.key || undefined, status: res.status,
    bytes: Number(res.headers.get("content-length") ?? 0), ms: nowMs - startedMs, requestId, principal: e.principal ?? "anonymous",
  });
}

/** A request's id, what its access-log line will say, and its answer: counted, logged, with the common headers. */
export function beginRequest(deps: Pick<Deps, "log" | "clock">, req: Request, api: AccessEntry["api"]) {
  const requestId = newRequestId();
  const started = deps.clock.now();
  const seen: AccessEntry = { api };
  const counted = metricsOf(deps).begin(req, started);
  const answer = (res: Response): Response => {
    const now = deps.clock.now();
    counted(seen.op ?? "", api, res, now);
    logAccess(deps, seen, req, res, requestId, started, now);
    return withCommonHeaders(res, requestId);
  };
  return { requestId, seen, answer };
}

/**
 * An error as an API's renderer takes it: one of its own (`own`) or an S3Error of the shared
 * steps (signature, access). A client gone mid-body is one warn line; anything else is logged
 * once, with its stack, and answered as InternalError.
 */
export function knownError<E extends Error>(deps: Pick<Deps, "log">, e: unknown, own: (e: unknown) => e is E, fields: Record<string, unknown>): E | S3Error {
  if (own(e) || e instanceof S3Error) return e;
  if (isRequestAborted(e)) {
    deps.log.warn("request aborted by the client", fields);
    return new S3Error("IncompleteBody");
  }
  deps.log.error("internal error", { ...fields, error: e instanceof Error ? e.stack ?? e.message : String(e) });
  return new S3Error("InternalError");
}

export class BodyTooLarge extends Error {}

/**
 * Reads a small body whole (XML, JSON, forms; never object data), refusing more than `limit`
 * bytes as soon as the declared size or the bytes arriving say so.
 */
export async function readCapped(stream: ReadableStream<Uint8Array> | null, declared: number | undefined, limit: number): Promise<Uint8Array> {
  if (declared !== undefined && declared > limit) throw new BodyTooLarge();
  if (!stream) return new Uint8Array();
  const parts: Uint8Array[] = [];
  let size = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) { reader.cancel().catch(() => {}); throw new BodyTooLarge(); }
    parts.push(value);
  }
  const out = new Uint8Array(size);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/** The body and its SHA-256, for APIs whose clients may leave x-amz-content-sha256 out (STS, SNS). */
export async function hashedBody(req: Request, limit: number): Promise<{ bytes: Uint8Array; sha256: string }> {
  const declared = Number(req.headers.get("content-length") ?? NaN);
  const bytes = await readCapped(req.body, Number.isNaN(declared) ? undefined : declared, limit);
  return { bytes, sha256: await sha256Hex(bytes) };
}
