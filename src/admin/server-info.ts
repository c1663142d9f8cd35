// What `mc admin info` and the MinIO Console ask of a server (specs/minio-admin.md §3, §5.6):
// GET info (InfoMessage, one "FS" server — the 2021 mc then prints no erasure-set details) and
// GET accountinfo (the caller's name, policy and buckets, with the objects and bytes of those it
// may read — counted now, as datausageinfo does, see data-usage.ts).
import { AdminError } from "./errors.ts";
import type { AdminCtx, AdminHandler } from "./handlers.ts";
import { json, rfc3339 } from "./respond.ts";
import { mergedPolicyOf } from "./policies.ts";
import { CANNED_POLICIES } from "../iam/canned.ts";
import { sha256Hex } from "../util/hash.ts";

/** A stable deployment id: MinIO shows a UUID; ours is derived from the region and root user, never random per restart. */
async function deploymentId(ctx: AdminCtx): Promise<string> {
  const h = await sha256Hex(`s3edge-deployment\0${ctx.deps.config.region}\0${ctx.deps.config.rootUser}`);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const hostOf = (req: Request) => req.headers.get("host") ?? new URL(req.url).host;

export const serverInfo: AdminHandler = async (ctx) => {
  const buckets = await ctx.deps.meta.listBuckets();
  const endpoint = hostOf(ctx.req);
  return json({
    mode: "online",
    region: ctx.deps.config.region,
    deploymentID: await deploymentId(ctx),
    buckets: { count: buckets.length },
    // Counting objects and bytes would walk every bucket; MinIO too reports them from a background scan.
    objects: { count: 0 },
    usage: { size: 0 },
    backend: { backendType: "FS" },
    servers: [{
      state: "online", endpoint, scheme: new URL(ctx.req.url).protocol.replace(":", ""),
      uptime: Math.max(0, Math.floor((ctx.deps.clock.now() - ctx.startedAt) / 1000)),
      version: "s3edge", network: { [endpoint]: "online" }, drives: [], mem_stats: {},
    }],
  });
};

export const accountInfo: AdminHandler = async (ctx) => {
  const p = ctx.principal;
  if (p.kind === "anonymous") throw new AdminError("XMinioInvalidIAMCredentials");
  const policy = p.kind === "root" ? CANNED_POLICIES.consoleAdmin
    : p.kind === "serviceAccount" ? (p.sessionPolicy ?? (await mergedPolicyOf(ctx, p.parent)))
    : p.kind === "sts" ? (p.sessionPolicy ?? (await mergedPolicyOf(ctx, p.parent)))
    : await mergedPolicyOf(ctx, p.accessKey);
  const buckets = await ctx.deps.meta.listBuckets();
  // As MinIO reports it: read = may list the bucket or get its objects, write = may put objects.
  const access = await Promise.all(buckets.map(async (b) => ({
    read: (await ctx.can("s3:ListBucket", `arn:aws:s3:::${b.name}`)) || (await ctx.can("s3:GetObject", `arn:aws:s3:::${b.name}/*`)),
    write: await ctx.can("s3:PutObject", `arn:aws:s3:::${b.name}/*`),
  })));
  // The console's object counts for non-admins: one version listing per bucket the caller may
  // read (the others stay 0 — their contents are not the caller's to size up).
  const usage = await Promise.all(buckets.map((b, i) => (access[i]!.read ? ctx.deps.meta.bucketUsage(b.name) : null)));
  return json({
    AccountName: p.accessKey,
    Server: { Type: 1 },
    Policy: JSON.parse(policy),
    Buckets: buckets.map((b, i) => ({ name: b.name, size: usage[i]?.size ?? 0, objects: usage[i]?.objectsCount ?? 0, created: rfc3339(b.created), access: access[i] })),
  });
};
