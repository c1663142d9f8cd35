// POST Object (AWS RESTObjectPOST): a browser form upload. The form's fields say who signed it
// (post-signature.ts), what it may do (post-policy.ts) and what the object's headers are; the
// `file` part streams into the same ingest and commit as PutObject. Fields after the file are
// ignored, as S3 ignores them.
import { S3Error } from "../xml/errors.ts";
import { buildXml, isBlank, parseXml } from "../xml/xml.ts";
import type { Handler, ReqCtx } from "./context.ts";
import { FormDataError, formBoundary, readFormUntilFile, type FormField } from "../http/form-data.ts";
import { requireBucket } from "./require.ts";
import { checkKey } from "./names.ts";
import { storedHeaders, validateTags } from "./object-headers.ts";
import { objectAclHeaders } from "./acl-handlers.ts";
import { storageClass } from "./storage-class.ts";
import { checksumHeaders, checksumRequest } from "./checksum.ts";
import { refuseUnsupported } from "./unsupported.ts";
import { writeEncryption } from "../sse/request.ts";
import { ingest } from "./ingest.ts";
import { putError } from "./put-error.ts";
import { requestEvents } from "./event-source.ts";
import { s3Arn, type Conditions } from "../auth/authorize.ts";
import { tagConditions } from "../auth/conditions.ts";
import { awsUriEncode } from "../auth/sigv4.ts";
import { verifyPostSignature } from "./post-signature.ts";
import { checkPolicy, parsePolicy } from "./post-policy.ts";
import type { ObjectRecord } from "../store/types.ts";
import { versioningStatus, writeVersionId } from "./versioning.ts";
import { writeLock } from "./object-lock.ts";

/** S3 caps what precedes the file (MaxPostPreDataLengthExceeded); 20 KiB as the AWS docs give it. */
export const MAX_PRE_FILE = 20 * 1024;
/** A refused form's body still read (and dropped) so the client sees the answer; then it is cut off. */
const MAX_DISCARD = 16 * 1024 * 1024;

/** Fields that become the object's headers, as PutObject would read them from the request. */
const HEADER_FIELDS = new Set(["content-type", "cache-control", "content-disposition", "content-encoding", "content-language", "expires",
  "x-amz-storage-class", "x-amz-website-redirect-location", "x-amz-checksum-algorithm", "x-amz-acl"]);
const HEADER_PREFIXES = ["x-amz-meta-", "x-amz-checksum-", "x-amz-server-side-encryption", "x-amz-grant-", "x-amz-object-lock-"];

export const postObject: Handler = async (ctx) => {
  const boundary = formBoundary(ctx.headers.get("content-type"));
  if (!boundary) throw new S3Error("MalformedPOSTRequest");
  await requireBucket(ctx);
  const form = await readFormUntilFile(ctx.req.body, boundary, { maxPreFile: MAX_PRE_FILE, maxDiscard: MAX_DISCARD }).catch(formError);
  const file = form.file;
  let streaming = false;
  try {
    const fields = fieldMap(form.fields);
    if (!file) throw new S3Error("IncorrectNumberOfFilesInPostRequest");
    const rawKey = fields.get("key");
    if (!rawKey) {
      throw new S3Error("InvalidArgument", {
        message: "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.",
        extra: { ArgumentName: "key", ArgumentValue: "" },
      });
    }
    // S3 substitutes before checking the policy: a starts-with on $key sees the final key.
    const key = rawKey.replaceAll("${filename}", file.filename);
    fields.set("key", key);

    // Signature first, then the policy it vouches for (S3's order).
    const auth = await verifyPostSignature(fields, { lookup: ctx.credentials, region: ctx.deps.config.region });
    const range = auth.principal.kind === "anonymous" ? undefined
      : checkPolicy(parsePolicy(fields.get("policy")!), fields, { now: ctx.deps.clock.now(), bucket: ctx.bucket });
    ctx.principal = auth.principal;
    ctx.key = key;
    checkKey(key);

    const h = formHeaders(fields);
    refuseUnsupported("PutObject", h, ctx.url.protocol === "https:");
    const enc = await writeEncryption(ctx, h); // the form's SSE fields, else the bucket default
    const headers = { ...storedHeaders(h), ...(await objectAclHeaders(ctx, h)) };
    const cls = storageClass(h);
    const ck = checksumRequest(h);
    const tagging = fields.get("tagging");
    const tags = tagging === undefined ? {} : parseTagging(tagging);

    // The request's own permission, with what the form says in place of headers.
    const conditions: Conditions = { "s3:authType": "POST", ...tagConditions("s3:RequestObjectTag", tags) };
    if (auth.signatureVersion) conditions["s3:signatureversion"] = auth.signatureVersion;
    for (const k of ["x-amz-acl", "x-amz-storage-class"]) if (h.has(k)) conditions[`s3:${k}`] = h.get(k)!;
    const arn = s3Arn(ctx.bucket, key);
    await ctx.authorize("s3:PutObject", arn, conditions);
    if (Object.keys(tags).length) await ctx.authorize("s3:PutObjectTagging", arn, conditions);
    const lock = await writeLock(ctx, { h, key }); // the form's x-amz-object-lock-* fields

    const maxSize = Math.min(ctx.deps.config.maxPutSize, range?.max ?? Infinity);
    streaming = true;
    const data = await ingest(ctx.deps, file.stream, {
      bucket: ctx.bucket, maxSize, checksum: ck && { algorithm: ck.algorithm, expected: ck.expected }, allowInline: !enc, seal: enc?.seal,
    }).catch((e) => {
      if (e instanceof S3Error && e.code === "EntityTooLarge") {
        throw new S3Error("EntityTooLarge", { message: "Your proposed upload exceeds the maximum allowed size", extra: { MaxSizeAllowed: String(maxSize) } });
      }
      return formError(e);
    });
    if (range && data.size < range.min) {
      await ctx.deps.meta.releaseSession(data.session);
      throw new S3Error("EntityTooSmall", {
        message: "Your proposed upload is smaller than the minimum allowed size",
        extra: { ProposedSize: String(data.size), MinSizeAllowed: String(range.min) },
      });
    }
    const etag = enc ? await enc.etag(data.md5Hex) : `"${data.md5Hex}"`;
    const obj: ObjectRecord = {
      bucket: ctx.bucket, key, versionId: writeVersionId(await versioningStatus(ctx)), size: data.size, etag, lastModified: ctx.deps.clock.now(),
      headers, tags, checksum: data.checksum && { ...data.checksum, type: "FULL_OBJECT" }, storageClass: cls, ...lock,
      inline: data.inline, manifest: data.manifest, ...(enc ? { sse: enc.record } : {}),
    };
    const events = await requestEvents(ctx, "s3:ObjectCreated:Post", key, obj);
    const res = await ctx.deps.meta.putObject(obj, { session: data.session, events });
    if (!res.ok) {
      await ctx.deps.meta.releaseSession(data.session);
      throw putError(res.reason);
    }
    return success(ctx, fields, key, etag, { ...checksumHeaders(data.checksum), ...enc?.headers });
  } finally {
    // Refused before the file was read: drop the body (the pipeline cannot, we hold its reader),
    // and answer only once it is read or cut off.
    if (file && !streaming) file.stream.cancel().catch(() => {});
    await form.settled();
  }
};

/** 303 to success_action_redirect (or the older `redirect`), else success_action_status: 200, 201 with a PostResponse, or 204. */
function success(ctx: ReqCtx, fields: Map<string, string>, key: string, etag: string, extra: Record<string, string>): Response {
  const base = ctx.url.pathname.replace(/\/+$/, "");
  const location = `${ctx.url.origin}${base}/${awsUriEncode(key, true)}`;
  const headers = new Headers({ etag, location, ...extra });
  const redirect = fields.get("success_action_redirect") ?? fields.get("redirect");
  if (redirect) {
    let to: URL | null = null;
    try { to = new URL(redirect); } catch { /* S3 ignores a redirect it cannot parse */ }
    if (to && (to.protocol === "http:" || to.protocol === "https:")) {
      to.searchParams.append("bucket", ctx.bucket);
      to.searchParams.append("key", key);
      to.searchParams.append("etag", etag);
      headers.set("location", to.toString());
      return new Response(null, { status: 303, headers });
    }
  }
  const status = fields.get("success_action_status");
  if (status === "201") {
    headers.set("content-type", "application/xml");
    const body = buildXml("PostResponse", { Location: location, Bucket: ctx.bucket, Key: key, ETag: etag }, null);
    return new Response(body, { status: 201, headers });
  }
  return new Response(null, { status: status === "200" ? 200 : 204, headers });
}

/** Lower-case names, as S3 compares them; a field sent twice is refused rather than guessed at. */
function fieldMap(list: FormField[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const { name, value } of list) {
    const k = name.toLowerCase();
    if (m.has(k)) {
      throw new S3Error("InvalidArgument", { message: `The form field '${name}' is specified more than once.`, extra: { ArgumentName: name, ArgumentValue: value } });
    }
    m.set(k, value);
  }
  return m;
}

/** The form's header-like fields as request headers, so PutObject's readers apply unchanged. */
function formHeaders(fields: Map<string, string>): Headers {
  const h = new Headers();
  for (const [k, v] of fields) {
    const name = k === "acl" ? "x-amz-acl" : k;
    if (!HEADER_FIELDS.has(name) && !HEADER_PREFIXES.some((p) => name.startsWith(p))) continue;
    try {
      h.set(name, v);
    } catch {
      throw new S3Error("InvalidArgument", { message: `Invalid value for the form field '${k}'.`, extra: { ArgumentName: k, ArgumentValue: v } });
    }
  }
  return h;
}

/** The `tagging` field: a Tagging XML document, as PutObjectTagging takes. */
function parseTagging(xml: string): Record<string, string> {
  const doc = parseXml(xml);
  const tagSet = doc.Tagging?.TagSet;
  if (doc.Tagging === undefined || (!isBlank(tagSet) && typeof tagSet !== "object")) throw new S3Error("MalformedXML");
  const tags: Record<string, string> = {};
  for (const t of (typeof tagSet === "object" ? tagSet.Tag : undefined) ?? []) {
    if (typeof t !== "object" || typeof t.Key !== "string") throw new S3Error("MalformedXML");
    if (t.Key in tags) throw new S3Error("InvalidTag", { message: "Cannot provide multiple Tags with the same key" });
    tags[t.Key] = t.Value === undefined ? "" : String(t.Value);
  }
  validateTags(tags);
  return tags;
}

function formError(e: unknown): never {
  if (e instanceof FormDataError) {
    throw e.reason === "fields-too-large" ? new S3Error("MaxPostPreDataLengthExceeded") : new S3Error("MalformedPOSTRequest");
  }
  throw e;
}
