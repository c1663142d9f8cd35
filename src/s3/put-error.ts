import { S3Error } from "../xml/errors.ts";
import type { PutResult } from "../store/types.ts";
import { outboxFull } from "../events/emit.ts";

/** Maps a failed commit to its S3 error. */
export function putError(reason: Exclude<PutResult, { ok: true }>["reason"]): S3Error {
  switch (reason) {
    case "NoSuchBucket": return new S3Error("NoSuchBucket");
    case "PreconditionFailed": return new S3Error("PreconditionFailed");
    case "InvalidPart": return new S3Error("InvalidPart");
    case "NoSuchUpload": return new S3Error("NoSuchUpload");
    case "SlowDown": return outboxFull();
    // Our own pins expired (an upload slower than the session TTL): retryable.
    case "ChunkMissing": return new S3Error("InternalError", { message: "Upload took too long; please retry." });
  }
}
