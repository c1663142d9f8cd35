// Signed requests to an S3-compatible upstream (aws4fetch's SigV4 signer, the runtime's fetch),
// with timeouts and retries. An upstream that stays unreachable, times out or keeps answering
// 5xx/SlowDown becomes BlobStoreUnavailable: the client's request gets a 503 it can retry,
// never a 500 with a stack (issue 17).
import { AwsV4Signer } from "aws4fetch";
import { S3Error } from "../../xml/errors.ts";

export interface UpstreamOptions {
  /** `http(s)://host[:port]`, no path. */
  endpoint: string;
  bucket: string;
  /** Key prefix inside the bucket ("" or ending in "/"). */
  prefix: string;
  region: string;
  style: "path" | "virtual";
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** Extra attempts for idempotent calls (default 3). */
  retries?: number;
  /** First backoff step in ms (default 100; doubled per attempt, full jitter, capped at 2 s). */
  backoffMs?: number;
  /** Bound for an attempt to get its response headers, and for each body read to progress (default 15 s). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** The upstream cannot serve now (down, timing out, overloaded): S3's 503, which clients retry. */
export class BlobStoreUnavailable extends S3Error {
  constructor(cause: unknown) {
    // The message never names the upstream: clients must not learn the backend's layout.
    super("ServiceUnavailable", { message: "The storage backend is unavailable; please retry.", cause });
  }
}

/** An upstream answer that is neither success nor a transient fault (403, 400, …). */
export class UpstreamError extends Error {
  constructor(readonly status: number, readonly code: string, what: string) {
    super(`blob upstream answered ${status}${code ? ` ${code}` : ""} to ${what}`);
  }
}

const TRANSIENT_STATUS = new Set([500, 502, 503, 504, 429]);
const TRANSIENT_CODES = new Set(["SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout", "Throttling", "ThrottlingException"]);

export interface UpstreamRequest {
  method: string;
  /** Key below the store's prefix (undefined: the bucket itself). */
  key?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: Uint8Array | ReadableStream<Uint8Array>;
  /** Safe to send again (the body, if any, is bytes): retried on transient faults. */
  idempotent: boolean;
  /** For messages and logs: "GET blob", "list", … */
  what: string;
}

const encodeKey = (k: string) => k.split("/").map((s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)).join("/");

export function createUpstream(o: UpstreamOptions) {
  const doFetch = o.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const retries = o.retries ?? 3;
  const backoffMs = o.backoffMs ?? 100;
  const timeoutMs = o.timeoutMs ?? 15_000;
  const base = new URL(o.endpoint);
  const cache = new Map<string, ArrayBuffer>();

  const urlFor = (key: string | undefined, query: Record<string, string> = {}): URL => {
    const path = key === undefined ? "" : encodeKey(o.prefix + key);
    const u = o.style === "path"
      ? new URL(`${base.protocol}//${base.host}/${encodeURIComponent(o.bucket)}/${path}`)
      : new URL(`${base.protocol}//${o.bucket}.${base.host}/${path}`);
    for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v);
    return u;
  };

  const attempt = async (r: UpstreamRequest): Promise<Response> => {
    const url = urlFor(r.key, r.query);
    const signer = new AwsV4Signer({
      method: r.method, url: url.toString(), headers: r.headers, body: null,
      accessKeyId: o.accessKeyId, secretAccessKey: o.secretAccessKey, sessionToken: o.sessionToken,
      service: "s3", region: o.region, cache,
    });
    // The payload is never hashed: UNSIGNED-PAYLOAD (aws4fetch's default for s3), so a chunk
    // streams through without being read twice; TLS protects it on the wire.
    const signed = await signer.sign();
    const ctrl = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const disarm = () => { if (timer !== undefined) clearTimeout(timer); };
    const arm = () => { disarm(); timer = setTimeout(() => ctrl.abort(new Error(`blob upstream idle for ${timeoutMs} ms`)), timeoutMs); };
    arm();
    // A streamed body: the clock runs only while the upstream has the turn, not while the
    // source (a client's upload) is slow to give the next bytes.
    const body = r.body instanceof ReadableStream ? paced(r.body, arm, disarm) : r.body;
    try {
      return await doFetch(signed.url.toString(), {
        method: r.method, headers: signed.headers, body: body as BodyInit | undefined, signal: ctrl.signal,
        // @ts-expect-error: duplex is required for streamed request bodies
        duplex: "half",
      });
    } finally {
      disarm();
    }
  };

  /** The error code of an S3 error body (best effort: the body may be empty, HEAD has none). */
  const errorCode = async (res: Response): Promise<string> => {
    const text = await res.text().catch(() => "");
    return /<Code>([^<]{1,100})<\/Code>/.exec(text)?.[1] ?? "";
  };

  return {
    urlFor,
    /**
     * Sends `r`, retrying idempotent requests on network errors, timeouts, 5xx and throttling.
     * Returns the response for any status the caller interprets (2xx, 3xx, 4xx, and
     * `accept`ed ones); throws BlobStoreUnavailable when the upstream stays unavailable and
     * UpstreamError for any other refusal.
     */
    async send(r: UpstreamRequest, accept: (status: number) => boolean = (s) => s < 300): Promise<Response> {
      let last: unknown;
      const attempts = r.idempotent ? retries + 1 : 1;
      for (let i = 0; i < attempts; i++) {
        if (i > 0) await new Promise((res) => setTimeout(res, Math.random() * Math.min(2000, backoffMs * 2 ** (i - 1))));
        let res: Response;
        try {
          res = await attempt(r);
        } catch (e) {
          last = e; // refused, reset, DNS, timeout: transient
          continue;
        }
        if (accept(res.status)) return res;
        const code = r.method === "HEAD" ? "" : await errorCode(res);
        if (TRANSIENT_STATUS.has(res.status) || TRANSIENT_CODES.has(code)) {
          last = new UpstreamError(res.status, code, r.what);
          continue;
        }
        throw new UpstreamError(res.status, code, r.what);
      }
      throw new BlobStoreUnavailable(last);
    },
    /**
     * `body` with each read bounded by the timeout: an upstream that stalls mid-body errors the
     * stream (the HTTP layer then resets the client's connection) instead of hanging it. Time
     * the consumer spends not reading (a slow client) never counts.
     */
    watchBody(body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
      const reader = body.getReader();
      return new ReadableStream<Uint8Array>({
        async pull(ctrl) {
          let timer: ReturnType<typeof setTimeout> | undefined;
          const stalled = new Promise<never>((_, rej) => { timer = setTimeout(() => rej(new BlobStoreUnavailable(new Error(`blob read stalled for ${timeoutMs} ms`))), timeoutMs); });
          try {
            const { done, value } = await Promise.race([reader.read(), stalled]);
            if (done) ctrl.close();
            else ctrl.enqueue(value);
          } catch (e) {
            reader.cancel(e).catch(() => {});
            ctrl.error(e);
          } finally {
            if (timer !== undefined) clearTimeout(timer);
          }
        },
        cancel: (why) => reader.cancel(why),
      }, { highWaterMark: 0 });
    },
  };
}

export type Upstream = ReturnType<typeof createUpstream>;

function paced(src: ReadableStream<Uint8Array>, arm: () => void, disarm: () => void): ReadableStream<Uint8Array> {
  const reader = src.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(ctrl) {
      disarm();
      try {
        const { done, value } = await reader.read();
        if (done) ctrl.close();
        else ctrl.enqueue(value);
      } finally {
        arm();
      }
    },
    cancel: (why) => reader.cancel(why),
  }, { highWaterMark: 0 });
}
