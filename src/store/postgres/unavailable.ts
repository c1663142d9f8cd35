// A PostgreSQL that cannot serve now (down, restarting, out of connections) is S3's 503 for the
// request, which clients retry, as an unavailable blob upstream is (store/s3/upstream.ts);
// never a 500, and the gateway stays up. Any other database error is a fault and stays one.
import { S3Error } from "../../xml/errors.ts";

export class MetaStoreUnavailable extends S3Error {
  constructor(cause: unknown) {
    // The message never names the database: clients must not learn the backend's layout.
    super("ServiceUnavailable", { message: "The metadata store is unavailable; please retry.", cause });
  }
}

// postgres.js's own codes for a connection that failed or went away, socket errors, and the
// server's classes 08 (connection exception), 53 (insufficient resources), 57P (shutdown).
const CLIENT_CODES = new Set(["CONNECTION_CLOSED", "CONNECTION_ENDED", "CONNECTION_DESTROYED", "CONNECT_TIMEOUT",
  "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN"]);

export function isUnavailable(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  if (typeof code !== "string") return false;
  return CLIENT_CODES.has(code) || code.startsWith("08") || code.startsWith("53") || code.startsWith("57P");
}

/** The same methods, with an unavailable database turned into MetaStoreUnavailable. */
export function withUnavailable<T extends object>(methods: T): T {
  const out = {} as Record<string, unknown>;
  for (const [name, fn] of Object.entries(methods)) {
    out[name] = typeof fn !== "function" ? fn : async (...args: unknown[]) => {
      try {
        return await (fn as (...a: unknown[]) => Promise<unknown>)(...args);
      } catch (e) {
        throw isUnavailable(e) ? new MetaStoreUnavailable(e) : e;
      }
    };
  }
  return out as T;
}
