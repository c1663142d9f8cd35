// The S3 calls the console makes, signed in the browser with aws4fetch against the gateway's
// ordinary S3 endpoint (path style, same origin): no private API.
import { AwsClient } from "aws4fetch";
import { ConsoleError } from "./errors.ts";
import { type Glance as AnonymousGlance, glanceLevel, type Policy } from "./anonymous.ts";
import type { Session } from "./session.ts";
import { readError } from "./session.ts";
import { elements, escapeXml, parseXml, textOf } from "./xml.ts";

export interface Bucket { name: string; created: string }
export interface ObjectEntry { key: string; size: number; modified: string; etag: string }
export interface Listing { folders: string[]; objects: ObjectEntry[]; next?: string }
/** One QueueConfiguration of a bucket's notification configuration. */
export interface EventRule { id?: string; arn: string; events: string[]; prefix?: string; suffix?: string }
export interface ObjectInfo { headers: [string, string][]; meta: [string, string][]; tags: [string, string][] }
/** A bucket "at a glance": each figure, or the error that kept it from us. */
export type Glanced<T> = { value: T } | { error: ConsoleError };
export interface BucketGlance {
  /** "Enabled", "Suspended" or "Off" (never enabled). */
  versioning: Glanced<string>;
  /** mc anonymous get's level for the bucket, from its policy (anonymous.ts). */
  anonymous: Glanced<AnonymousGlance>;
  /** Notification rules (queue, topic and function configurations). */
  rules: Glanced<number>;
}

/** Path of a bucket or key, encoded as aws4fetch signs it (RFC 3986, "/" kept). */
export const s3Path = (bucket: string, key = ""): string =>
  "/" + [bucket, key].filter((p, i) => i === 0 || p !== "").map((p) => encodeURIComponent(p).replace(/%2F/g, "/").replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase())).join("/");

export type S3 = ReturnType<typeof createS3>;

export function createS3(session: Session, region: string, origin = location.origin) {
  const aws = new AwsClient({ ...session, service: "s3", region, retries: 0 });
  const url = (bucket = "", key = "", query: Record<string, string> = {}) => {
    const u = new URL(origin + (bucket ? s3Path(bucket, key) : "/"));
    for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v);
    return u.toString();
  };
  const call = async (method: string, target: string, init: { body?: BodyInit; headers?: Record<string, string>; signal?: AbortSignal } = {}) => {
    let res: Response;
    try {
      res = await aws.fetch(target, { method, ...init });
    } catch (e) {
      if (e instanceof DOMException && e.name === "AbortError") throw e;
      throw new ConsoleError("NetworkError", String(e));
    }
    if (!res.ok) throw await readError(res);
    return res;
  };
  const xml = async (res: Response) => parseXml(await res.text());

  /** Signs for XMLHttpRequest (upload progress): the headers aws4fetch would send. */
  const signedHeaders = async (method: string, target: string, headers: Record<string, string> = {}) => {
    const req = await aws.sign(target, { method, headers });
    return [...req.headers];
  };

  /** The bucket policy (GET ?policy), null when it has none (NoSuchBucketPolicy). */
  const getPolicy = async (bucket: string): Promise<Policy | null> => {
    try {
      return JSON.parse(await (await call("GET", url(bucket, "", { policy: "" }))).text()) as Policy;
    } catch (e) {
      if (e instanceof ConsoleError && e.code === "NoSuchBucketPolicy") return null;
      throw e;
    }
  };

  return {
    url,
    async listBuckets(): Promise<Bucket[]> {
      const doc = await xml(await call("GET", url()));
      return elements(doc, "Bucket").map((b) => ({ name: textOf(b, "Name"), created: textOf(b, "CreationDate") }));
    },
    createBucket: (name: string) => call("PUT", url(name)),
    deleteBucket: (name: string) => call("DELETE", url(name)),
    async list(bucket: string, prefix: string, token?: string, maxKeys = 1000): Promise<Listing> {
      const q: Record<string, string> = { "list-type": "2", delimiter: "/", prefix, "max-keys": String(maxKeys) };
      if (token) q["continuation-token"] = token;
      const doc = await xml(await call("GET", url(bucket, "", q)));
      const next = textOf(doc, "IsTruncated") === "true" ? textOf(doc, "NextContinuationToken") : undefined;
      return {
        folders: elements(doc, "CommonPrefixes").map((p) => textOf(p, "Prefix")),
        objects: elements(doc, "Contents").map((c) => ({
          key: textOf(c, "Key"), size: Number(textOf(c, "Size")), modified: textOf(c, "LastModified"), etag: textOf(c, "ETag"),
        })),
        ...(next ? { next } : {}),
      };
    },
    /** DeleteObjects, 1,000 keys per request; returns the keys that failed with their codes. */
    async deleteObjects(bucket: string, keys: string[]): Promise<{ key: string; code: string; message: string }[]> {
      const failed: { key: string; code: string; message: string }[] = [];
      for (let i = 0; i < keys.length; i += 1000) {
        const body = `<Delete><Quiet>true</Quiet>${keys.slice(i, i + 1000).map((k) => `<Object><Key>${escapeXml(k)}</Key></Object>`).join("")}</Delete>`;
        const doc = await xml(await call("POST", url(bucket, "", { delete: "" }), { body, headers: { "content-type": "application/xml" } }));
        for (const e of elements(doc, "Error")) failed.push({ key: textOf(e, "Key"), code: textOf(e, "Code"), message: textOf(e, "Message") });
      }
      return failed;
    },
    createFolder: (bucket: string, key: string) => call("PUT", url(bucket, key), { body: "" }),
    async info(bucket: string, key: string): Promise<ObjectInfo> {
      const head = await call("HEAD", url(bucket, key));
      const headers: [string, string][] = [];
      const meta: [string, string][] = [];
      head.headers.forEach((v, k) => (k.startsWith("x-amz-meta-") ? meta.push([k.slice(11), v]) : headers.push([k, v])));
      const doc = await xml(await call("GET", url(bucket, key, { tagging: "" })));
      const tags = elements(doc, "Tag").map((t) => [textOf(t, "Key"), textOf(t, "Value")] as [string, string]);
      return { headers, meta, tags };
    },
    /** The object's first `bytes` bytes (or all of it) as a Blob, for previews. */
    async fetchBlob(bucket: string, key: string, bytes?: number, signal?: AbortSignal): Promise<Blob> {
      const res = await call("GET", url(bucket, key), { ...(bytes ? { headers: { range: `bytes=0-${bytes - 1}` } } : {}), signal });
      return res.blob();
    },
    /**
     * A presigned GET (SigV4 query), valid `seconds`; `download` asks the browser to save it,
     * `inlineType` to show it inline, as that type when not "" (PDF, audio and video previews
     * stream from it).
     */
    async presign(bucket: string, key: string, seconds: number, download = false, inlineType?: string): Promise<string> {
      const q: Record<string, string> = { "X-Amz-Expires": String(seconds) };
      if (download) q["response-content-disposition"] = `attachment; filename*=UTF-8''${encodeURIComponent(key.split("/").pop() ?? key)}`;
      else if (inlineType !== undefined) Object.assign(q, { "response-content-disposition": "inline" }, inlineType ? { "response-content-type": inlineType } : {});
      const req = await aws.sign(url(bucket, key, q), { method: "GET", aws: { signQuery: true } });
      return req.url;
    },
    /** The bucket's event rules for arn:minio:sqs targets (QueueConfiguration). */
    async getEventRules(bucket: string): Promise<EventRule[]> {
      const doc = await xml(await call("GET", url(bucket, "", { notification: "" })));
      return elements(doc, "QueueConfiguration").map((q) => {
        const rule = (n: string) => elements(q, "FilterRule").find((r) => textOf(r, "Name").toLowerCase() === n);
        const prefix = rule("prefix"), suffix = rule("suffix");
        return {
          ...(textOf(q, "Id") ? { id: textOf(q, "Id") } : {}), arn: textOf(q, "Queue"), events: elements(q, "Event").map((e) => e.textContent ?? ""),
          ...(prefix ? { prefix: textOf(prefix, "Value") } : {}), ...(suffix ? { suffix: textOf(suffix, "Value") } : {}),
        };
      });
    },
    /** Replaces the bucket's notification configuration by these rules. */
    putEventRules(bucket: string, rules: EventRule[]) {
      const x = escapeXml;
      const filter = (r: EventRule) => (r.prefix || r.suffix
        ? `<Filter><S3Key>${r.prefix ? `<FilterRule><Name>prefix</Name><Value>${x(r.prefix)}</Value></FilterRule>` : ""}${r.suffix ? `<FilterRule><Name>suffix</Name><Value>${x(r.suffix)}</Value></FilterRule>` : ""}</S3Key></Filter>` : "");
      const body = `<NotificationConfiguration>${rules.map((r) => `<QueueConfiguration>${r.id ? `<Id>${x(r.id)}</Id>` : ""}<Queue>${x(r.arn)}</Queue>${r.events.map((e) => `<Event>${x(e)}</Event>`).join("")}${filter(r)}</QueueConfiguration>`).join("")}</NotificationConfiguration>`;
      return call("PUT", url(bucket, "", { notification: "" }), { body, headers: { "content-type": "application/xml" } });
    },
    getPolicy,
    /** Puts the policy, or deletes it when it has no statement left. */
    putPolicy: (bucket: string, policy: Policy) => (policy.Statement.length
      ? call("PUT", url(bucket, "", { policy: "" }), { body: JSON.stringify(policy), headers: { "content-type": "application/json" } })
      : call("DELETE", url(bucket, "", { policy: "" }))),
    /** Versioning, anonymous access and event rules of a bucket: three GETs, each allowed to fail on its own. */
    async glance(bucket: string): Promise<BucketGlance> {
      const settle = async <T>(f: () => Promise<T>): Promise<Glanced<T>> => {
        try { return { value: await f() }; } catch (e) { return { error: e instanceof ConsoleError ? e : new ConsoleError("Error", String(e)) }; }
      };
      const [versioning, anonymous, rules] = await Promise.all([
        settle(async () => textOf(await xml(await call("GET", url(bucket, "", { versioning: "" }))), "Status") || "Off"),
        settle(async () => glanceLevel(await getPolicy(bucket), bucket)),
        settle(async () => {
          const doc = await xml(await call("GET", url(bucket, "", { notification: "" })));
          return ["QueueConfiguration", "TopicConfiguration", "CloudFunctionConfiguration"].reduce((n, t) => n + elements(doc, t).length, 0);
        }),
      ]);
      return { versioning, anonymous, rules };
    },
    signedHeaders,
    call,
    xml,
  };
}
