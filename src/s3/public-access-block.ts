// Put/Get/DeletePublicAccessBlock (AWS "Blocking public access to your Amazon S3 storage"),
// stored as the bucket configuration `publicAccessBlock` (JSON of the four flags) and enforced:
// BlockPublicAcls refuses PUTs of public ACLs (acl-handlers.ts, the x-amz-acl of writes),
// IgnorePublicAcls and RestrictPublicBuckets are applied by auth/authorize.ts, BlockPublicPolicy
// by PutBucketPolicy (bucket-policy.ts).
import { S3Error } from "../xml/errors.ts";
import { isBlank, parseXml, xmlResponse } from "../xml/xml.ts";
import type { Handler, ReqCtx } from "./context.ts";
import { requireBucket } from "./require.ts";
import { smallText } from "./request-body.ts";
import { isPublicAcl, type Grant } from "./acl.ts";
// The stored flags are read in iam/public-access.ts (the authorizer applies them too).
import { loadPublicAccessBlock, PUBLIC_ACCESS_FLAGS as FLAGS } from "../iam/public-access.ts";

export const PUBLIC_ACCESS_BLOCK_CONFIG = "publicAccessBlock";

async function stored(ctx: ReqCtx): Promise<string | null> {
  if (ctx.bucketState) return ctx.bucketState.configs[PUBLIC_ACCESS_BLOCK_CONFIG] ?? null;
  return ctx.deps.meta.getBucketConfig(ctx.bucket, PUBLIC_ACCESS_BLOCK_CONFIG);
}

/** BlockPublicAcls: a write that would make the bucket or an object public is refused (403, as S3). */
export async function refusePublicAcl(ctx: ReqCtx, grants: readonly Grant[] | null): Promise<void> {
  if (!grants || !isPublicAcl(grants)) return;
  if (loadPublicAccessBlock(await stored(ctx)).BlockPublicAcls) {
    throw new S3Error("AccessDenied", { message: "Public ACLs are blocked by the bucket's BlockPublicAcls setting." });
  }
}

/** BlockPublicPolicy: a public bucket policy is refused (403, as S3). */
export async function refusePublicPolicy(ctx: ReqCtx, isPublic: boolean): Promise<void> {
  if (isPublic && loadPublicAccessBlock(await stored(ctx)).BlockPublicPolicy) {
    throw new S3Error("AccessDenied", { message: "Public policies are blocked by the bucket's BlockPublicPolicy setting." });
  }
}

export const getPublicAccessBlock: Handler = async (ctx) => {
  await requireBucket(ctx);
  const raw = await stored(ctx);
  if (raw === null) throw new S3Error("NoSuchPublicAccessBlockConfiguration", { extra: { BucketName: ctx.bucket } });
  const flags = loadPublicAccessBlock(raw);
  return xmlResponse("PublicAccessBlockConfiguration", Object.fromEntries(FLAGS.map((f) => [f, flags[f] ? "true" : "false"])));
};

export const putPublicAccessBlock: Handler = async (ctx) => {
  await requireBucket(ctx);
  const root = parseXml(await smallText(ctx, 16 * 1024)).PublicAccessBlockConfiguration;
  if (root === undefined) throw new S3Error("MalformedXML");
  const flags = loadPublicAccessBlock(null);
  if (typeof root === "object") {
    for (const f of FLAGS) {
      const v = root[f];
      if (v === undefined || isBlank(v)) continue;
      const t = typeof v === "string" ? v.trim().toLowerCase() : "";
      if (t !== "true" && t !== "false") throw new S3Error("MalformedXML");
      flags[f] = t === "true";
    }
  } else if (!isBlank(root)) throw new S3Error("MalformedXML");
  if (!(await ctx.deps.meta.putBucketConfig(ctx.bucket, PUBLIC_ACCESS_BLOCK_CONFIG, JSON.stringify(flags))).ok) {
    throw new S3Error("NoSuchBucket", { extra: { BucketName: ctx.bucket } });
  }
  return new Response(null, { status: 200 });
};

export const deletePublicAccessBlock: Handler = async (ctx) => {
  await requireBucket(ctx);
  if (!(await ctx.deps.meta.putBucketConfig(ctx.bucket, PUBLIC_ACCESS_BLOCK_CONFIG, null)).ok) throw new S3Error("NoSuchBucket", { extra: { BucketName: ctx.bucket } });
  return new Response(null, { status: 204 });
};
