// The MinIO admin API mount (`/minio/admin/v3/*`, `v4` alias): madmin signs with service "s3"
// and an empty region and always sends the body's SHA-256, which must match (spec §2.2).
import type { Context } from "hono";
import type { Deps } from "../deps.ts";
import { S3Error } from "../xml/errors.ts";
import type { Authenticator } from "../auth/authenticate.ts";
import type { Authorize } from "../auth/authorize.ts";
import { requestAuthorizer } from "../auth/request-authorizer.ts";
import { requestInfo } from "../http/request-info.ts";
import { BodyTooLarge, beginRequest, durableBeforeAnswer, hashedBody, knownError } from "../http/pipeline.ts";
import { AdminError, renderAdminError } from "./errors.ts";
import { adminName, routeAdmin, selfAllowed } from "./router.ts";
import { ADMIN_HANDLERS } from "./handlers.ts";
import { createMadminCrypto } from "./crypto/madmin-crypto.ts";
import { deriveKey } from "./crypto/encrypt-data.ts";

/** Admin bodies are small JSON or KV documents (encrypted or not). */
const ADMIN_BODY_LIMIT = 1024 * 1024;

export function adminApi(deps: Deps, authenticate: Authenticator, authorize: Authorize) {
  // One key cache per mount (per process on Bun, per isolate on Workers), §4.5.
  const crypto = createMadminCrypto({ derive: (kdf, password, salt) => deriveKey(kdf, password, salt, deps.argon2id) });
  const startedAt = deps.clock.now();
  return async (c: Context): Promise<Response> => {
    const req = c.req.raw;
    const { requestId, seen, answer } = beginRequest(deps, req, "admin");
    const url = new URL(req.url);
    const info = requestInfo(c.env);
    const path = info.rawPath ?? url.pathname;
    try {
      const name = adminName(path) ?? "";
      const r = routeAdmin(req.method, name, url.searchParams);
      seen.op = r?.op ?? name;
      if (!r) throw new AdminError("XMinioAdminUnknownOperation", { message: `Unknown admin operation: ${req.method} ${name || "(none)"}` });
      const body = await hashedBody(req, ADMIN_BODY_LIMIT).catch((e) => {
        throw e instanceof BodyTooLarge ? new AdminError("XMinioAdminRequestTooLarge") : e;
      });
      if (!req.headers.get("x-amz-content-sha256") && req.headers.has("authorization")) {
        // MinIO refuses admin calls without it; madmin always sends it.
        throw new S3Error("AccessDenied", { message: "x-amz-content-sha256 is required for admin requests" });
      }
      const auth = await authenticate({
        method: req.method, url, path, headers: req.headers, policy: { services: ["s3"], region: "any" }, bodySha256: body.sha256,
      });
      if (auth.principal.kind !== "anonymous") seen.principal = auth.principal.accessKey;
      const ask = requestAuthorizer(authorize, { url, headers: req.headers, clientAddress: info.remoteAddress ?? "", now: () => deps.clock.now(), auth: auth.via });
      // A user's own account view and user-info need no admin rights (MinIO's implicit permission).
      if (!selfAllowed(r, auth.principal, url.searchParams)) await ask(auth.principal, r.action, "arn:minio:admin:::*");
      const can = (action: string, resource: string) => ask(auth.principal, action, resource).then(() => true, (e) => {
        if (e instanceof S3Error && e.code === "AccessDenied") return false;
        throw e;
      });
      const res = await ADMIN_HANDLERS[r.op]({ deps, req, query: url.searchParams, principal: auth.principal, body: body.bytes, requestId, crypto, startedAt, can });
      await durableBeforeAnswer(deps, req);
      return answer(res);
    } catch (e) {
      const err = knownError(deps, e, (x): x is AdminError => x instanceof AdminError, { requestId, api: "admin", method: req.method, path });
      req.body?.cancel().catch(() => {});
      return answer(renderAdminError(err, path, requestId, deps.config.region));
    }
  };
}
