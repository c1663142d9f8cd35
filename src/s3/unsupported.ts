// Request headers that ask for something this gateway does not do yet are refused, never
// accepted and ignored: a client that sent SSE-C headers must not believe its object is
// encrypted, one that asked for public-read must not believe it is shared (issue 12 #4, #6, #8b).
import { S3Error } from "../xml/errors.ts";
import type { Op } from "./router.ts";

// x-amz-acl and x-amz-grant-* are stored and enforced (acl.ts); what of them cannot be is refused there.
const SSE_C = ["x-amz-server-side-encryption-customer-algorithm", "x-amz-server-side-encryption-customer-key", "x-amz-server-side-encryption-customer-key-md5"];
const SSE_C_COPY = SSE_C.map((h) => h.replace("x-amz-", "x-amz-copy-source-"));
const SSE = ["x-amz-server-side-encryption", "x-amz-server-side-encryption-aws-kms-key-id", "x-amz-server-side-encryption-context",
  "x-amz-server-side-encryption-bucket-key-enabled"];

const WRITES: ReadonlySet<Op> = new Set<Op>(["PutObject", "CopyObject", "CreateMultipartUpload", "UploadPart", "UploadPartCopy", "CreateBucket"]);
const READS: ReadonlySet<Op> = new Set<Op>(["GetObject", "HeadObject"]);

export function refuseUnsupported(op: Op, h: Headers, secure: boolean): void {
  // 100-continue is the only expectation there is (RFC 9110); the Bun server leaves others to
  // this answer, in XML (node:http's own is a bare 417). An empty field expects nothing.
  const expect = h.get("expect")?.trim().toLowerCase();
  if (expect && expect !== "100-continue") throw new S3Error("ExpectationFailed", { extra: { Header: "Expect" } });
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
  if (op === "CreateBucket" && (h.get("x-amz-bucket-object-lock-enabled") ?? "").trim().toLowerCase() === "true") {
    throw new S3Error("NotImplemented", { message: "Object lock is not supported yet: the bucket would not be immutable." });
  }
}
