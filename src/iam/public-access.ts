// What makes a bucket public, as the authorizer needs it (AWS "Blocking public access to your
// Amazon S3 storage"): the stored Block Public Access flags (s3/public-access-block.ts answers
// and stores them) and whether a bucket policy is public.
import type { PolicyDocument } from "./policy-document.ts";

export interface PublicAccessBlock { BlockPublicAcls: boolean; IgnorePublicAcls: boolean; BlockPublicPolicy: boolean; RestrictPublicBuckets: boolean }
export const PUBLIC_ACCESS_FLAGS = ["BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"] as const;

/** The stored flags (all false when none is stored or it no longer parses). */
export function loadPublicAccessBlock(text: string | null | undefined): PublicAccessBlock {
  const out: PublicAccessBlock = { BlockPublicAcls: false, IgnorePublicAcls: false, BlockPublicPolicy: false, RestrictPublicBuckets: false };
  if (!text) return out;
  try {
    const v = JSON.parse(text);
    for (const f of PUBLIC_ACCESS_FLAGS) out[f] = v?.[f] === true;
  } catch {
    // fall through: nothing blocked
  }
  return out;
}

/**
 * Public (AWS "The meaning of public"): an Allow to Principal "*" without a condition that
 * pins the caller. Conditions count as restricting, which errs towards "not public" only for
 * policies whose conditions are on request values (s3:prefix), never the other way.
 */
export function isPublicPolicy(doc: PolicyDocument): boolean {
  return doc.statements.some((s) => s.effect === "Allow" && s.principal?.includes("*") && s.conditions.length === 0);
}
