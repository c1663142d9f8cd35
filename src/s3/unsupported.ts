// Request headers that ask for something this gateway does not do yet are refused, never
// accepted and ignored: a client that sent SSE headers where they are not applied must not
// believe its object is encrypted, one that asked for public-read must not believe it is shared
// (issue 12 #4, #6, #8b). Server-side encryption (src/sse, issue 19) is applied where SSE_OPS
// and SSE_C_OPS say; its own checks (HTTPS for SSE-C, the key, the KMS key id) are there.
import { S3Error } from "../xml/errors.ts";
import type { Op } from "./router.ts";

// x-amz-acl and x-amz-grant-* are stored and enforced (acl.ts); what of them cannot be is refused there.
const SSE_C = ["x-amz-server-side-encryption-customer-algorithm", "x-amz-server-side-encryption-customer-key", "x-amz-server-side-encryption-customer-key-md5"];
const SSE_C_COPY = SSE_C.map((h) => h.replace("x-amz-", "x-amz-copy-source-"));
// The SSE-KMS encryption context and the bucket-key switch go with them (sse/request.ts).
const SSE = ["x-amz-server-side-encryption", "x-amz-server-side-encryption-aws-kms-key-id", "x-amz-server-side-encryption-context", "x-amz-server-side-encryption-bucket-key-enabled"];
/** Where SSE-S3/KMS headers are applied; SSE-C (and the copy source's SSE-C) wherever a body is written or read. */
const SSE_OPS: ReadonlySet<Op> = new Set<Op>(["PutObject", "CopyObject", "CreateMultipartUpload"]);
const SSE_C_OPS: ReadonlySet<Op> = new Set<Op>(["PutObject", "CopyObject", "CreateMultipartUpload", "UploadPart", "UploadPartCopy", "GetObject", "HeadObject"]);

const WRITES: ReadonlySet<Op> = new Set<Op>(["PutObject", "CopyObject", "CreateMultipartUpload", "UploadPart", "UploadPartCopy", "CreateBucket"]);
const READS: ReadonlySet<Op> = new Set<Op>(["GetObject", "HeadObject"]);

export function refuseUnsupported(op: Op, h: Headers, secure: boolean): void {
  // 100-continue is the only expectation there is (RFC 9110); the Bun server leaves others to
  // this answer, in XML (node:http's own is a bare 417). An empty field expects nothing.
  const expect = h.get("expect")?.trim().toLowerCase();
  if (expect && expect !== "100-continue") throw new S3Error("ExpectationFailed", { extra: { Header: "Expect" } });
  if (!WRITES.has(op) && !READS.has(op)) return;
  const ssec = SSE_C_OPS.has(op) ? undefined : [...SSE_C, ...(op === "CopyObject" || op === "UploadPartCopy" ? SSE_C_COPY : [])].find((n) => h.has(n));
  if (ssec) {
    // S3 refuses customer keys over plain HTTP before anything else (the key would travel in clear).
    if (!secure) throw new S3Error("InvalidRequest", { message: "Requests specifying Server Side Encryption with Customer provided keys must be made over a secure connection." });
    throw new S3Error("NotImplemented", { message: "Server-side encryption with customer-provided keys (SSE-C) is not supported yet." });
  }
  if (!WRITES.has(op)) return;
  const sse = SSE_OPS.has(op) ? undefined : SSE.find((n) => h.has(n));
  if (sse) throw new S3Error("NotImplemented", { message: `Server-side encryption (${sse}) is not supported yet; the object would be stored unencrypted.` });
  // x-amz-bucket-object-lock-enabled is served (object-lock.ts).
}
