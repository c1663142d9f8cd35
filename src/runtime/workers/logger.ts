// The Worker's log: JSON lines on the console (Workers Logs, `wrangler tail`).
import type { Logger } from "../../deps.ts";
import { isQuiet } from "../../config.ts";

/** One JSON line per record: Workers Logs / `wrangler tail` index the fields. */
export const jsonLogger: Logger = {
  info: (msg, fields) => console.log(JSON.stringify({ level: "info", msg, ...fields })),
  warn: (msg, fields) => console.warn(JSON.stringify({ level: "warn", msg, ...fields })),
  error: (msg, fields) => console.error(JSON.stringify({ level: "error", msg, ...fields })),
};

/**
 * S3EDGE_QUIET (as `--quiet` on Bun): no info lines, so no access-log line per request; warnings
 * and errors still go out. Each console line costs a Worker CPU (under wrangler dev about as much
 * again in wrangler's own process, which forwards it).
 */
export function loggerFor(env: { S3EDGE_QUIET?: string }): Logger {
  return isQuiet(env.S3EDGE_QUIET) ? { ...jsonLogger, info: () => {} } : jsonLogger;
}
