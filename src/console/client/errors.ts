// Readable errors: the S3/STS error code as the server sent it, its message, and what to do.
export class ConsoleError extends Error {
  constructor(readonly code: string, message: string, readonly status = 0, readonly requestId = "") {
    super(message);
  }
}

const HINTS: Record<string, string> = {
  AccessDenied: "Your credentials do not allow this. Ask an administrator for a policy that grants it.",
  InvalidAccessKeyId: "No user has this access key. Check it, or ask an administrator.",
  SignatureDoesNotMatch: "The secret key does not match the access key. Check it and try again.",
  ExpiredToken: "Your session has expired. Log in again.",
  InvalidToken: "Your session is no longer valid. Log in again.",
  RequestTimeTooSkewed: "This computer's clock is more than 15 minutes off. Correct it and try again.",
  NoSuchBucket: "The bucket does not exist (any more). Go back to the bucket list.",
  NoSuchKey: "The object does not exist (any more). Refresh the listing.",
  BucketNotEmpty: "Only empty buckets can be deleted. Delete its objects first.",
  BucketAlreadyExists: "That name is taken. Choose another one.",
  BucketAlreadyOwnedByYou: "You already have a bucket with that name.",
  InvalidBucketName: "Bucket names are 3–63 characters: lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit.",
  EntityTooLarge: "The file is too large for one request here. It will be uploaded in parts if you retry.",
  NoSuchUpload: "The upload was cancelled or has expired. Start it again.",
  SlowDown: "The server is busy. Wait a moment and try again.",
  NetworkError: "The gateway could not be reached. Check your connection and try again.",
  InternalError: "The gateway failed. Try again; if it persists, the server log has the request id.",
};

export const hintFor = (code: string): string => HINTS[code] ?? "";

export function toConsoleError(e: unknown): ConsoleError {
  if (e instanceof ConsoleError) return e;
  if (e instanceof DOMException && e.name === "AbortError") return new ConsoleError("Cancelled", "The request was cancelled.");
  if (e instanceof TypeError) return new ConsoleError("NetworkError", e.message);
  return new ConsoleError("Error", e instanceof Error ? e.message : String(e));
}
