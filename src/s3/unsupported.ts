// Request headers that ask for something this gateway does not do yet are refused, never
// accepted and ignored: a client that sent SSE-C headers must not believe its object is
// encrypted, one that asked for public-read must not believe it is shared (issue 12 #4, #6, #8b).
import { S3Error } from "../xml/errors.ts";
import type { Op } from "./router.ts";

// Canned ACLs that say what is true here anyway: one owner with full control.
const HONEST_ACLS = new Set(["private", "bucket-owner-full-control"]);
const GRANTS = ["x-amz-grant-read", "x-amz-grant-write", "x-amz-grant-read-acp", "x-amz-grant-write-acp", "x-amz-grant-full-control"];
const SSE_C = ["x-amz-server-side-encryption-customer-algorithm", "x-amz-server-side-encryption-customer-key", "x-amz-server-side-encryption-customer-key-md5"];
const SSE_C_COPY = SSE_C.map((h) => h.replace("x-amz-", "x-amz-copy-source-"));
const SSE = ["x-amz-server-side-encryption", "x-amz-server-side-encryption-aws-kms-key-id", "x-amz-server-side-encryption-context",
  "x-amz-server-side-encryption-bucket-key-enabled"];

const WRITES: ReadonlySet<Op> = new Set<Op>(["PutObject", "CopyObject", "CreateMultipartUpload", "UploadPart", "UploadPartCopy", "CreateBucket"]);
const READS: ReadonlySet<Op> = new Set<Op>(["GetObject", "HeadObject"]);

export function refuseUnsupported(op: Op, h: Headers, secure: boolean): void {
  if (!WRITES.has(op) && !READS.has(op)) return;
  const ssec = [...SSE_C, ...(op === "CopyObject" || op === "UploadPartCopy" ? SSE_C_COPY : [])].find((n) => h.has(n));
  if (ssec) {
    // S3 refuses customer keys over plain HTTP before anything else (the key would travel in clear).
    if (!secure) throw new S3Error("InvalidRequest", { message: "Requests specifying Server Side Encryption with Customer provided keys must be made over a secure connection." });
    throw new S3Error("NotImplemented", { message: "Server-side encryption with customer-provided keys (SSE-C) is not supported yet." });
  }
  if (!WRITES.has(op)) return;
  const sse = SSE.find((n) => h.has(n));
  if (sse) throw new S3Error("NotImplemented", { message: `Server-side encryption (${sse}) is not supported yet; the object would be stored unencrypted.` });
  const acl = h.get("x-amz-acl");
  if (acl !== null && !HONEST_ACLS.has(acl.trim())) {
    throw new S3Error("NotImplemented", { message: `The canned ACL '${acl}' is not supported; use bucket policies (only private and bucket-owner-full-control are accepted).` });
  }
  const grant = GRANTS.find((n) => h.has(n));
  if (grant) throw new S3Error("NotImplemented", { message: `${grant} is not supported; use bucket policies.` });
  if (op === "CreateBucket" && (h.get("x-amz-bucket-object-lock-enabled") ?? "").trim().toLowerCase() === "true") {
    throw new S3Error("NotImplemented", { message: "Object lock is not supported yet: the bucket would not be immutable." });
  }
}
