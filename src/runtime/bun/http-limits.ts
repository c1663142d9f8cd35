// What both HTTP servers (http1-server.ts on Bun.listen, http-server.ts on node:http) share:
// their interface and the connection limits of issue 10, D6.
import { readFileSync } from "node:fs";
import type { RequestInfo } from "../../http/request-info.ts";

export interface HttpServer {
  hostname: string; port: number; stop(): Promise<void>;
  /**
   * Graceful shutdown (SIGTERM): stops accepting, closes idle keep-alive sockets, answers the
   * requests in flight (each with Connection: close) for up to `timeoutMs`, then cuts the rest.
   * Resolves true when everything finished in time.
   */
  drain(timeoutMs: number): Promise<boolean>;
}

export type FetchHandler = (req: Request, info: RequestInfo) => Response | Promise<Response>;

export interface ServeOptions {
  hostname: string;
  port: number;
  /** Idle bound per connection while the client is the one to act (default IDLE_TIMEOUT_MS). */
  idleTimeoutMs?: number;
  /** Most open sockets (default: from the open-file limit, see connectionCap). */
  maxConnections?: number;
  /** Bind with SO_REUSEPORT (the children of --workers share one port). */
  reusePort?: boolean;
  /** "bun" (Bun.listen, http1-server.ts; the default) or "node" (node:http, http-server.ts). */
  engine?: "bun" | "node";
}

export const IDLE_TIMEOUT_MS = 20_000;
// Descriptors kept for everything but sockets: SQLite (db, wal, shm), workers, logs, stdio.
const FD_RESERVE = 128;

/**
 * Bodies whose Content-Length is at most this are read whole before the headers go out: one
 * call instead of a stream reader per response (small objects, errors, XML), and a body that
 * fails to read is still a clean 500. Larger bodies stream (bounded memory per request).
 */
export const WHOLE_BODY_MAX = 64 * 1024;

/** The soft open-file limit (Linux /proc), or undefined where unknown or unlimited. */
export function openFileLimit(): number | undefined {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync("/proc/self/limits", "utf8"));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Most sockets to hold at once. A request in flight can hold a blob file besides its socket, so
 * half of what the limit leaves after FD_RESERVE: at the cap, accepting fails before any file
 * open does (EMFILE there would fail every request, not only the newest connection).
 */
export function connectionCap(fdLimit: number | undefined): number | undefined {
  return fdLimit === undefined ? undefined : Math.max(16, Math.floor((fdLimit - FD_RESERVE) / 2));
}

