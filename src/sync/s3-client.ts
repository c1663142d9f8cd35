// The daemon's clients, over aws4fetch (runtime-neutral: fetch + WebCrypto): the few S3 calls
// sync and replication need, and SQS in its JSON protocol (what the gateway and AWS answer).
import { AwsClient } from "aws4fetch";
import { parseXml } from "../xml/xml.ts";
import { awsUriEncode, canonicalHeaders, canonicalQuery, canonicalRequest, EMPTY_SHA256, sign, signingKey, stringToSign } from "../auth/sigv4.ts";

export interface RemoteObject { key: string; size: number; etag: string; lastModified: number }

export interface S3Endpoint { endpoint: string; bucket: string; accessKey: string; secretKey: string; region: string }

export class HttpError extends Error {
  constructor(readonly status: number, message: string) { super(message); }
}

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const encodeKey = (key: string) => key.split("/").map(encodeURIComponent).join("/");

export interface S3Client {
  list(prefix: string): AsyncIterable<RemoteObject>;
  /** null when the object is gone. */
  get(key: string, signal?: AbortSignal): Promise<{ body: ReadableStream<Uint8Array>; size: number; etag: string; lastModified: number } | null>;
  head(key: string): Promise<RemoteObject | null>;
  put(key: string, body: ReadableStream<Uint8Array>, size: number, contentType?: string): Promise<void>;
  remove(key: string): Promise<void>;
  /** GET /bucket?events=… : the listen stream (MinIO's ListenBucketNotification). */
  listen(prefix: string, signal: AbortSignal): Promise<ReadableStream<Uint8Array>>;
}

async function failure(res: Response, what: string): Promise<never> {
  const text = await res.text().catch(() => "");
  const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? "";
  throw new HttpError(res.status, `${what}: HTTP ${res.status}${code ? ` ${code}` : ""}`);
}

const etagOf = (v: string | null) => (v ?? "").replace(/"/g, "");

/**
 * A SigV4-signed GET whose query repeats a key (`events=…&events=…`): aws4fetch signs only the
 * first value of a repeated key for s3, so this one is signed with the gateway's own functions.
 */
export async function signedGet(url: URL, ep: Pick<S3Endpoint, "accessKey" | "secretKey" | "region">, now = Date.now()): Promise<Request> {
  const date = new Date(now).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
  const headers = new Headers({ host: url.host, "x-amz-date": date, "x-amz-content-sha256": EMPTY_SHA256 });
  const names = ["host", "x-amz-content-sha256", "x-amz-date"];
  const scope = `${date.slice(0, 8)}/${ep.region}/s3/aws4_request`;
  const creq = canonicalRequest("GET", awsUriEncode(decodeURIComponent(url.pathname), true), canonicalQuery([...url.searchParams]),
    canonicalHeaders(headers, names), names, EMPTY_SHA256);
  const sig = await sign(await signingKey(ep.secretKey, date.slice(0, 8), ep.region, "s3"), await stringToSign(date, scope, creq));
  headers.set("authorization", `AWS4-HMAC-SHA256 Credential=${ep.accessKey}/${scope},SignedHeaders=${names.join(";")},Signature=${sig}`);
  headers.delete("host");
  return new Request(url, { headers });
}

/** No answer, or no byte of a body, for this long: the request is abandoned (and retried by the engine). */
export const IDLE_TIMEOUT_MS = 30_000;

/**
 * fetch with an idle timeout: the headers must come within `ms`, and then each chunk of the body
 * within `ms` of the previous one. A server that stalls mid-body fails the transfer instead of
 * hanging the daemon; a slow but moving download of any size is fine.
 */
export async function idleFetch(f: typeof fetch, req: Request, signal: AbortSignal | undefined, ms = IDLE_TIMEOUT_MS): Promise<Response> {
  const ctl = new AbortController();
  const abort = () => ctl.abort(signal?.reason ?? new Error(`no answer in ${ms} ms`));
  signal?.addEventListener("abort", abort, { once: true });
  let timer = setTimeout(abort, ms);
  const res = await f(req, { signal: ctl.signal }).finally(() => clearTimeout(timer));
  if (!res.body) { signal?.removeEventListener("abort", abort); return res; }
  timer = setTimeout(abort, ms);
  const body = res.body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, c) { clearTimeout(timer); timer = setTimeout(abort, ms); c.enqueue(chunk); },
    flush() { clearTimeout(timer); signal?.removeEventListener("abort", abort); },
  }));
  return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
}

export function createS3Client(ep: S3Endpoint, f: typeof fetch = fetch): S3Client {
  const aws = new AwsClient({ accessKeyId: ep.accessKey, secretAccessKey: ep.secretKey, service: "s3", region: ep.region, retries: 0 });
  const base = `${ep.endpoint.replace(/\/+$/, "")}/${encodeURIComponent(ep.bucket)}`;
  const call = async (url: string, init: RequestInit & { aws?: { signQuery?: boolean; allHeaders?: boolean } } = {}) => {
    const req = await aws.sign(url, init);
    // The listen stream is quiet between events (its keepalives are every few seconds); the rest is bounded.
    return idleFetch(f, req, init.signal ?? undefined);
  };
  const meta = (key: string, res: Response) => ({
    key, size: Number(res.headers.get("content-length") ?? 0), etag: etagOf(res.headers.get("etag")),
    lastModified: Date.parse(res.headers.get("last-modified") ?? "") || 0,
  });
  return {
    async *list(prefix) {
      let token: string | undefined;
      do {
        const q = new URLSearchParams({ "list-type": "2", prefix, "max-keys": "1000" });
        if (token) q.set("continuation-token", token);
        const res = await call(`${base}?${q}`);
        if (!res.ok) await failure(res, `list ${ep.bucket}/${prefix}`);
        const doc = parseXml(await res.text()).ListBucketResult ?? {};
        for (const c of list<Record<string, string>>(doc.Contents)) {
          yield { key: c.Key, size: Number(c.Size), etag: etagOf(c.ETag), lastModified: Date.parse(c.LastModified) || 0 };
        }
        token = doc.IsTruncated === "true" ? doc.NextContinuationToken : undefined;
      } while (token);
    },
    async get(key, signal) {
      const res = await call(`${base}/${encodeKey(key)}`, signal ? { signal } : {});
      if (res.status === 404) { await res.body?.cancel(); return null; }
      if (!res.ok || !res.body) await failure(res, `get ${key}`);
      return { body: res.body!, ...meta(key, res) };
    },
    async head(key) {
      const res = await call(`${base}/${encodeKey(key)}`, { method: "HEAD" });
      if (res.status === 404) return null;
      if (!res.ok) await failure(res, `head ${key}`);
      return meta(key, res);
    },
    async put(key, body, size, contentType) {
      const headers: Record<string, string> = { "content-length": String(size), "x-amz-content-sha256": "UNSIGNED-PAYLOAD" };
      if (contentType) headers["content-type"] = contentType;
      const res = await call(`${base}/${encodeKey(key)}`, { method: "PUT", body, headers, duplex: "half" } as RequestInit);
      if (!res.ok) await failure(res, `put ${key}`);
      await res.body?.cancel();
    },
    async remove(key) {
      const res = await call(`${base}/${encodeKey(key)}`, { method: "DELETE" });
      if (!res.ok && res.status !== 404) await failure(res, `delete ${key}`);
      await res.body?.cancel();
    },
    async listen(prefix, signal) {
      const q = new URLSearchParams();
      if (prefix) q.set("prefix", prefix);
      q.append("events", "s3:ObjectCreated:*");
      q.append("events", "s3:ObjectRemoved:*");
      const res = await idleFetch(f, await signedGet(new URL(`${base}?${q}`), ep), signal);
      if (!res.ok || !res.body) await failure(res, "listen");
      return res.body!;
    },
  };
}

export interface QueueMessage { id: string; receiptHandle: string; body: string }

export interface SqsClient {
  receive(opts: { max: number; waitSeconds: number; visibilitySeconds: number; signal?: AbortSignal }): Promise<QueueMessage[]>;
  deleteBatch(handles: string[]): Promise<void>;
  /** Makes a message visible again at once (a failed one, so it is retried without waiting out its timeout). */
  release(handle: string): Promise<void>;
}

/** `queue` is a name (looked up with GetQueueUrl) or a queue URL. */
export function createSqsClient(ep: Omit<S3Endpoint, "bucket">, queue: string, f: typeof fetch = fetch): SqsClient {
  const aws = new AwsClient({ accessKeyId: ep.accessKey, secretAccessKey: ep.secretKey, service: "sqs", region: ep.region, retries: 0 });
  const url = `${ep.endpoint.replace(/\/+$/, "")}/`;
  const call = async (action: string, input: Record<string, unknown>, signal?: AbortSignal): Promise<Record<string, any>> => {
    const req = await aws.sign(url, {
      method: "POST", body: JSON.stringify(input),
      headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": `AmazonSQS.${action}` },
    });
    // A long poll answers within its wait; more than that plus the idle margin is a stall.
    const res = await idleFetch(f, req, signal, IDLE_TIMEOUT_MS + 20_000);
    const text = await res.text();
    if (!res.ok) {
      const code = res.headers.get("x-amzn-query-error")?.split(";")[0] ?? "";
      let message = text;
      try { message = JSON.parse(text).message ?? text; } catch {}
      throw new HttpError(res.status, `sqs ${action}: HTTP ${res.status} ${code} ${message}`.trim());
    }
    return text ? JSON.parse(text) : {};
  };
  let queueUrl: Promise<string> | undefined = /^https?:\/\//.test(queue) ? Promise.resolve(queue) : undefined;
  const qurl = () => (queueUrl ??= call("GetQueueUrl", { QueueName: queue }).then((r) => r.QueueUrl as string).catch((e) => { queueUrl = undefined; throw e; }));
  return {
    async receive({ max, waitSeconds, visibilitySeconds, signal }) {
      const r = await call("ReceiveMessage", {
        QueueUrl: await qurl(), MaxNumberOfMessages: max, WaitTimeSeconds: waitSeconds, VisibilityTimeout: visibilitySeconds,
      }, signal);
      return ((r.Messages ?? []) as Record<string, string>[]).map((m) => ({ id: m.MessageId, receiptHandle: m.ReceiptHandle, body: m.Body }));
    },
    async deleteBatch(handles) {
      for (let i = 0; i < handles.length; i += 10) {
        const chunk = handles.slice(i, i + 10);
        const r = await call("DeleteMessageBatch", { QueueUrl: await qurl(), Entries: chunk.map((h, j) => ({ Id: `m${j}`, ReceiptHandle: h })) });
        if ((r.Failed ?? []).length) throw new Error(`sqs DeleteMessageBatch: ${r.Failed.length} not deleted (${r.Failed[0].Code})`);
      }
    },
    async release(handle) {
      await call("ChangeMessageVisibility", { QueueUrl: await qurl(), ReceiptHandle: handle, VisibilityTimeout: 0 });
    },
  };
}
