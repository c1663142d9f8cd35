// Request bodies the gateway answers without reading (an upload refused for its signature,
// its size, a missing bucket…).
//
// Under wrangler dev, a request whose body is left unread — or cancelled — intermittently
// wedges a later request until its client gives up (seen about once per e2e suite run: the
// boto3 presign and dot-segment tests). Cancelling made it worse (4–6 in 40 in a minimal
// Worker). So the core's cancel is made inert here, and the gateway reads such a body to its
// end before answering (small bodies) or in the background (large ones), which leaves the
// connection behind the Worker in a clean state — what an HTTP/1.1 server does anyway.

import { utf8ByteString } from "../../http/header-bytes.ts";

/**
 * workerd decodes header bytes as UTF-8; the core takes them as byte strings, as Bun hands them
 * over (http/header-bytes.ts), so a signature over non-ASCII metadata checks the same on both.
 */
export function withByteStringHeaders(req: Request): Request {
  let changed: Headers | undefined;
  for (const [k, v] of req.headers) {
    const b = utf8ByteString(v);
    if (b === v) continue;
    changed ??= new Headers(req.headers);
    changed.set(k, b);
  }
  return changed ? new Request(req, { headers: changed }) : req;
}

export function withInertBodyCancel(req: Request): Request {
  const body = req.body;
  if (body) Object.defineProperty(body, "cancel", { value: () => Promise.resolve(), configurable: true });
  return req;
}

/** Bodies up to this size are drained before the response goes out. */
const DRAIN_BEFORE_RESPONSE = 16 * 1024 * 1024;

async function drain(body: ReadableStream<Uint8Array>): Promise<void> {
  const reader = body.getReader();
  try {
    for (;;) if ((await reader.read()).done) return;
  } catch {
    // The client went away: nothing left to read.
  }
}

/** Reads what the app left of the request body: awaited when small, else kept alive by waitUntil. */
export async function drainUnreadBody(req: Request, ctx: ExecutionContext): Promise<void> {
  const body = req.body;
  if (!body || req.bodyUsed || body.locked) return;
  const declared = Number(req.headers.get("content-length") ?? NaN);
  const done = drain(body);
  if (Number.isFinite(declared) && declared <= DRAIN_BEFORE_RESPONSE) await done;
  else ctx.waitUntil(done);
}
