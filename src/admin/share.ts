// POST /minio/admin/v3/s3edge/share?bucket=&key=&expires=1h (the console's "Share" button):
// a share link for an object the caller may read. Answers {"path", "url", "expiration"}; the
// link is served by the gateway at /s/<token> (share/serve.ts). Any authenticated caller may
// ask; the object's s3:GetObject is checked here and again each time the link is used.
import type { AdminHandler } from "./handlers.ts";
import { AdminError } from "./errors.ts";
import { json } from "./respond.ts";
import { createShareLink, DEFAULT_SHARE_EXPIRY, shareRefusal } from "../share/create.ts";

export const shareLink: AdminHandler = async (ctx) => {
  const q = ctx.query;
  const bucket = q.get("bucket") ?? "", key = q.get("key") ?? "";
  if (!bucket || !key) throw new AdminError("XMinioAdminInvalidArgument", { message: "bucket and key are required" });
  const refusal = shareRefusal(ctx.principal);
  if (refusal || ctx.principal.kind === "anonymous") throw new AdminError("XMinioIAMActionNotAllowed", { message: refusal ?? undefined });
  if (!(await ctx.can("s3:GetObject", `arn:aws:s3:::${bucket}/${key}`))) throw new AdminError("XMinioIAMActionNotAllowed", { message: "Access Denied: s3:GetObject on the object is needed to share it" });
  const { rootUser, rootPassword } = ctx.deps.config;
  const made = await createShareLink({ rootUser, rootPassword, creator: ctx.principal.accessKey, bucket, key, expires: q.get("expires") ?? DEFAULT_SHARE_EXPIRY, now: ctx.deps.clock.now() });
  if ("error" in made) throw new AdminError("XMinioAdminInvalidArgument", { message: made.error });
  const origin = new URL(ctx.req.url).origin;
  return json({ path: made.path, url: origin + made.path, expiration: new Date(made.expiresAt).toISOString() });
};
