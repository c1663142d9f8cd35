// Signed S3 requests against createApp(memoryDeps()) through app.request: no server, no network.
import { AwsClient } from "aws4fetch";
import { XMLParser } from "fast-xml-parser";
import { createHash } from "node:crypto";
import { memoryDeps } from "./deps.ts";

export const ENDPOINT = "http://127.0.0.1:9000";
export const ROOT = { accessKeyId: "AKIDTEST", secretAccessKey: "secretsecret" };
export const KiB = 1024;
export const MiB = 1024 * 1024;

export type Env = ReturnType<typeof memoryDeps>;

export interface SendOpts {
  method?: string;
  headers?: Record<string, string>;
  body?: Uint8Array | string;
  /** Overrides the Content-Length header; `null` leaves it out. Default: the body's length. */
  contentLength?: string | null;
  /** Sign with these credentials instead of root's. */
  creds?: { accessKeyId: string; secretAccessKey: string };
  /** Presigned query instead of an Authorization header. */
  presign?: boolean | { expires?: number };
  /** No signature at all. */
  anonymous?: boolean;
  /** Signing time (epoch ms); default: the app's clock. */
  signedAt?: number;
  /** x-amz-content-sha256 = the body's SHA-256 instead of UNSIGNED-PAYLOAD. */
  signPayload?: boolean;
}

export const enc = (s: string) => new TextEncoder().encode(s);
export const dec = (b: Uint8Array) => new TextDecoder().decode(b);
export const amzDate = (ms: number) => new Date(ms).toISOString().replace(/[:-]|\.\d{3}/g, "");

export const md5Hex = (b: Uint8Array | string) => createHash("md5").update(b).digest("hex");
export const md5B64 = (b: Uint8Array | string) => createHash("md5").update(b).digest("base64");
export const sha256Hex = (b: Uint8Array | string) => createHash("sha256").update(b).digest("hex");

/** Deterministic pseudo-random bytes (xorshift32): distinct chunks, so nothing dedups by accident. */
export function randomBytes(n: number, seed = 1): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let off = 0;
  for (const p of parts) { out.set(p, off); off += p.length; }
  return out;
}

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: false, // keys may begin or end with spaces
  isArray: (name) => ["Contents", "CommonPrefixes", "Deleted", "Error", "Part", "Tag", "Upload", "Bucket"].includes(name),
});

export const parseXmlText = (text: string): Record<string, any> => parser.parse(text);

/** The <Code> of an S3 error body. */
export async function errorCode(res: Response): Promise<string | undefined> {
  const text = await res.text();
  return /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
}

export function s3(env: Env) {
  async function request(path: string, opts: SendOpts = {}): Promise<Request> {
    const url = path.startsWith("http") ? path : ENDPOINT + path;
    const method = opts.method ?? "GET";
    const body = typeof opts.body === "string" ? enc(opts.body) : opts.body;
    const headers = new Headers(opts.headers);
    if (opts.signPayload && !headers.has("x-amz-content-sha256")) headers.set("x-amz-content-sha256", sha256Hex(body ?? new Uint8Array()));
    let signedUrl = url;
    let signedHeaders = headers;
    if (!opts.anonymous) {
      const client = new AwsClient({ ...(opts.creds ?? ROOT), service: "s3", region: env.deps.config.region });
      const presign = opts.presign;
      let target = url;
      if (presign && typeof presign === "object" && presign.expires !== undefined) {
        const u = new URL(url);
        u.searchParams.set("X-Amz-Expires", String(presign.expires));
        target = u.toString();
      }
      const signed = await client.sign(target, {
        method, headers, body: undefined,
        aws: { signQuery: !!presign, datetime: amzDate(opts.signedAt ?? env.deps.clock.now()) },
      });
      signedUrl = signed.url;
      signedHeaders = new Headers(signed.headers);
    }
    // A real server always sees Host; Request objects built in tests do not carry one.
    signedHeaders.set("host", new URL(signedUrl).host);
    if (opts.contentLength !== undefined) {
      if (opts.contentLength !== null) signedHeaders.set("content-length", opts.contentLength);
    } else if (body) signedHeaders.set("content-length", String(body.length));
    return new Request(signedUrl, { method, headers: signedHeaders, body: body && method !== "GET" && method !== "HEAD" ? (body as Uint8Array<ArrayBuffer>) : undefined });
  }

  const send = async (path: string, opts: SendOpts = {}) => env.app.request(await request(path, opts));

  async function ok(res: Response | Promise<Response>): Promise<Response> {
    const r = await res;
    if (r.status >= 300) throw new Error(`unexpected ${r.status}: ${await r.text()}`);
    return r;
  }

  const api = {
    request,
    send,
    createBucket: (b: string) => ok(send(`/${b}`, { method: "PUT" })),
    put: (b: string, k: string, body: Uint8Array | string, headers?: Record<string, string>) =>
      send(`/${b}/${k}`, { method: "PUT", body, headers }),
    get: (b: string, k: string, headers?: Record<string, string>) => send(`/${b}/${k}`, { headers }),
    head: (b: string, k: string, headers?: Record<string, string>) => send(`/${b}/${k}`, { method: "HEAD", headers }),
    del: (b: string, k: string) => send(`/${b}/${k}`, { method: "DELETE" }),
    async bytes(b: string, k: string, headers?: Record<string, string>): Promise<Uint8Array<ArrayBuffer>> {
      const r = await ok(send(`/${b}/${k}`, { headers }));
      return new Uint8Array(await r.arrayBuffer());
    },
    async xml(path: string, opts?: SendOpts): Promise<Record<string, any>> {
      const r = await ok(send(path, opts));
      return parseXmlText(await r.text());
    },
    async createUpload(b: string, k: string, headers?: Record<string, string>): Promise<string> {
      const doc = await api.xml(`/${b}/${k}?uploads`, { method: "POST", headers });
      return doc.InitiateMultipartUploadResult.UploadId;
    },
    async uploadPart(b: string, k: string, uploadId: string, n: number, body: Uint8Array): Promise<string> {
      const r = await ok(send(`/${b}/${k}?partNumber=${n}&uploadId=${uploadId}`, { method: "PUT", body }));
      return r.headers.get("etag")!;
    },
    completeBody: (parts: { n: number; etag: string }[]) =>
      `<CompleteMultipartUpload>${parts.map((p) => `<Part><PartNumber>${p.n}</PartNumber><ETag>${p.etag}</ETag></Part>`).join("")}</CompleteMultipartUpload>`,
    complete: (b: string, k: string, uploadId: string, parts: { n: number; etag: string }[]) =>
      send(`/${b}/${k}?uploadId=${uploadId}`, { method: "POST", body: api.completeBody(parts) }),
  };
  return api;
}

/** A fresh app with one bucket. */
export async function withBucket(bucket = "bkt", config?: Parameters<typeof memoryDeps>[0], opts?: Parameters<typeof memoryDeps>[1]) {
  const env = memoryDeps(config, opts);
  const c = s3(env);
  await c.createBucket(bucket);
  return { env, c, bucket };
}
