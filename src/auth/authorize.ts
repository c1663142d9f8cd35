// The authorization seam: one async question per (principal, action, resource, conditions),
// asked by the pipeline for the request's own action and by handlers for what a request also
// touches (CopyObject's source, each key of DeleteObjects, x-amz-tagging on a PUT).
// Deny by default. Today: root may do everything, anonymous nothing; IAM users, groups,
// bucket policies and STS session policies plug in behind the same function (issue 13).
import { S3Error } from "../xml/errors.ts";
import type { Principal } from "./principal.ts";

/** IAM condition keys and their values for this request (aws:SourceIp, s3:prefix, …). */
export type Conditions = Record<string, string>;

export type Authorize = (principal: Principal, action: string, resource: string, conditions: Conditions) => Promise<void>;

export const authorize: Authorize = async (principal) => {
  if (principal.kind === "root") return;
  throw new S3Error("AccessDenied");
};

export const s3Arn = (bucket: string, key?: string) => (key ? `arn:aws:s3:::${bucket}/${key}` : `arn:aws:s3:::${bucket}`);
