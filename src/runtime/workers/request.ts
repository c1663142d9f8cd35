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

/** Bodies from this size on are read in large pieces (withGatheredBody). */
const GATHER_FROM = 1024 * 1024;
/** The least a read of such a body returns (but at its end). */
const GATHER_PIECE = 256 * 1024;

/**
 * workerd hands a request body over in pieces of a few KiB, and each piece costs the core a
 * read, a hasher update per digest and a blob-stream write, all native calls and promises (a
 * CPU profile of 64 MiB PUTs: most of the isolate's time in `read`). readAtLeast (workerd's
 * BYOB extension) fills a 256 KiB buffer in one call instead, so the core sees a few hundred
 * pieces per 64 MiB rather than thousands. What the core leaves unread is read to its end
 * rather than cancelled (see above).
 */
export function withGatheredBody(req: Request, ctx: Pick<ExecutionContext, "waitUntil">): Request {
  const body = req.body;
  // A GET or HEAD Request cannot be built with a body (whatever the client sent with one).
  if (!body || req.method === "GET" || req.method === "HEAD" || !(Number(req.headers.get("content-length")) >= GATHER_FROM)) return req;
  let reader: ReadableStreamBYOBReader;
  try {
    reader = body.getReader({ mode: "byob" });
  } catch {
    return req; // not a byte stream: read as it comes
  }
  const gathered = new ReadableStream<Uint8Array>({
    async pull(c) {
      const { done, value } = await reader.readAtLeast(GATHER_PIECE, new Uint8Array(GATHER_PIECE));
      if (value && value.byteLength > 0) c.enqueue(value);
      if (done) c.close();
    },
    // The core stopped reading (a refused upload): the rest is read past the answer, as drainUnreadBody does.
    cancel() { ctx.waitUntil(drain(() => reader.read(new Uint8Array(GATHER_PIECE)))); },
  }, { highWaterMark: 0 });
  return new Request(req, { body: gathered });
}

/** Bodies up to this size are drained before the response goes out. */
const DRAIN_BEFORE_RESPONSE = 16 * 1024 * 1024;

/** Reads (`next`) to the end, discarding. */
async function drain(next: () => Promise<{ done: boolean }>): Promise<void> {
  try {
    for (;;) if ((await next()).done) return;
  } catch {
    // The client went away: nothing left to read.
  }
}

/** Reads what the app left of the request body: awaited when small, else kept alive by waitUntil. */
export async function drainUnreadBody(req: Request, ctx: ExecutionContext): Promise<void> {
  const body = req.body;
  if (!body || req.bodyUsed || body.locked) return;
  const declared = Number(req.headers.get("content-length") ?? NaN);
  const reader = body.getReader();
  const done = drain(() => reader.read());
  if (Number.isFinite(declared) && declared <= DRAIN_BEFORE_RESPONSE) await done;
  else ctx.waitUntil(done);
}
