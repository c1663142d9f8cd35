import type { ReqCtx } from "./context.ts";
import { parseTaggingHeader } from "./object-headers.ts";
import { s3Arn } from "../auth/authorize.ts";

/** Tags from x-amz-tagging; setting them asks for s3:PutObjectTagging as well, as S3 does. */
export async function requestTags(ctx: ReqCtx): Promise<Record<string, string>> {
  const tags = parseTaggingHeader(ctx.headers.get("x-amz-tagging"));
  if (Object.keys(tags).length) await ctx.authorize("s3:PutObjectTagging", s3Arn(ctx.bucket, ctx.key));
  return tags;
}
