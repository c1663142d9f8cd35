// `GET|HEAD /s/<token>`: a share link's download, served through S3's own GetObject/HeadObject
// handlers (s3/object-get.ts), so Range, If-Match / If-None-Match / If-Modified-Since and
// `curl -C -` behave exactly as on the object. The answer never names the bucket, key,
// backend or credentials: errors carry the link's path as their Resource.
// Refused links: tampered or malformed → 403 AccessDenied; expired → 403 AccessDenied
// "Request has expired" (S3's answer to an expired presigned URL); the creator no longer allowed
// s3:GetObject (removed, disabled, policy changed) → 403.
import type { Hono } from "hono";
import type { Deps } from "../deps.ts";
import type { Authorize } from "../auth/authorize.ts";
import type { SecretLookup } from "../auth/principal.ts";
import { requestAuthorizer } from "../auth/request-authorizer.ts";
import { requestInfo } from "../http/request-info.ts";
import { beginRequest, knownError } from "../http/pipeline.ts";
import { S3Error } from "../xml/errors.ts";
import { errorXml } from "../xml/xml.ts";
import { getObject, headObject } from "../s3/object-get.ts";
import type { ReqCtx } from "../s3/context.ts";
import { BUCKET_POLICY_CONFIG } from "../s3/bucket-policy.ts";
import { openShare, shareKey } from "./token.ts";

export const SHARE_PREFIX = "/s/";

/** Only what a download needs from the client: range and conditions (no response-* overrides). */
const PASSED_HEADERS = ["range", "if-match", "if-none-match", "if-modified-since", "if-unmodified-since", "if-range"];

export function mountShare(app: Hono, deps: Deps, lookup: SecretLookup, authorize: Authorize): void {
  let keyFor: { id: string; key: Promise<CryptoKey> } | undefined;
  const sealKey = () => {
    const id = `${deps.config.rootUser}\n${deps.config.rootPassword}`;
    if (keyFor?.id !== id) keyFor = { id, key: shareKey(deps.config.rootUser, deps.config.rootPassword) };
    return keyFor.key;
  };
  app.on(["GET", "HEAD"], `${SHARE_PREFIX}:token`, async (c) => {
    const req = c.req.raw;
    const { requestId, seen, answer } = beginRequest(deps, req, "s3");
    const resource = new URL(req.url).pathname;
    const afterTasks: (() => Promise<unknown>)[] = [];
    try {
      const link = await openShare(await sealKey(), c.req.param("token"));
      if (!link) throw new S3Error("AccessDenied", { message: "The share link is not valid." });
      if (deps.clock.now() >= link.expires) throw new S3Error("AccessDenied", { message: "Request has expired" });
      const op = req.method === "HEAD" ? "HeadObject" : "GetObject";
      Object.assign(seen, { op: `${op}(share)`, bucket: link.bucket, key: link.key, principal: link.creator });
      // The creator must still be allowed the read, as a presigned URL's signer must.
      const who = await lookup(link.creator);
      if (!who) throw new S3Error("AccessDenied", { message: "The share link is no longer valid." });
      const url = new URL(req.url);
      const headers = new Headers();
      for (const h of PASSED_HEADERS) { const v = req.headers.get(h); if (v !== null) headers.set(h, v); }
      const info = requestInfo(c.env);
      const ask = requestAuthorizer(authorize, { url, headers, clientAddress: info.remoteAddress ?? "", now: () => deps.clock.now(), auth: "v4-query" });
      const bucketState = await deps.meta.getBucketState(link.bucket);
      const arn = `arn:aws:s3:::${link.bucket}/${link.key}`;
      await ask(who.principal, "s3:GetObject", arn, { policies: { bucketPolicy: bucketState?.configs[BUCKET_POLICY_CONFIG] ?? null } }).catch((e) => {
        throw e instanceof S3Error && e.code === "AccessDenied" ? new S3Error("AccessDenied", { message: "The share link is no longer valid." }) : e;
      });
      if (!bucketState) throw new S3Error("NoSuchKey");
      const inner = new Request(url.origin + resource, { method: req.method, headers });
      const ctx: ReqCtx = {
        deps, req: inner, url: new URL(inner.url), query: new URLSearchParams(), headers, op, bucket: link.bucket, key: link.key,
        principal: who.principal, payload: { kind: "unsigned" }, requestId, clientAddress: info.remoteAddress ?? "", bucketState,
        authorize: async () => { throw new S3Error("AccessDenied"); },
        after: (task) => { afterTasks.push(task); },
        beforeAnswer: () => {},
        credentials: lookup,
      };
      const res = await (op === "HeadObject" ? headObject : getObject)(ctx);
      // A download, under a name the link does not otherwise reveal: the key's last segment.
      if (!res.headers.has("content-disposition")) res.headers.set("content-disposition", `attachment; filename*=UTF-8''${encodeURIComponent(link.key.split("/").pop() || "download")}`);
      for (const t of afterTasks) deps.background(t());
      return answer(res);
    } catch (e) {
      let err = knownError(deps, e, (x): x is S3Error => x instanceof S3Error, { requestId, api: "share", method: req.method });
      // Nothing about the object's place: a missing object reads as a missing key, nothing more.
      if (err.code === "NoSuchBucket") err = new S3Error("NoSuchKey");
      const h = new Headers(err.headers);
      if (err.code === "NotModified") return answer(new Response(null, { status: 304, headers: h }));
      h.set("content-type", "application/xml");
      const body = req.method === "HEAD" ? null : errorXml(err.code, err.message, { Resource: resource, RequestId: requestId, HostId: requestId });
      return answer(new Response(body, { status: err.status, headers: h }));
    }
  });
}
