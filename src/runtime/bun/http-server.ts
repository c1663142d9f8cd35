// serveHttp: the gateway's HTTP server, http1-server.ts (Bun.listen) by default; this file is
// the node:http bridge it replaced, kept behind S3EDGE_HTTP=node (same behaviour, same tests).
// Bun.serve (1.4.5) drops a handler-set Content-Length for ReadableStream bodies and sends them
// chunked (oven-sh/bun#10507), but S3 clients need Content-Length on GET (s3cmd fails without
// it, SDKs report no ContentLength).
//
// Connections are guarded against clients that hold sockets without credentials (issue 10, D6):
// - An answer given before the request body was read to its end (every auth failure: the app
//   authenticates from the headers) closes the connection; the rest of the body is not drained.
// - No progress for IDLE_TIMEOUT_MS (S3 closes after ~20 s) while the headers or a body are
//   being read, or while a response waits for the client to read it, closes the socket. Time
//   the gateway itself spends (handler work, a body paused by backpressure) never counts.
// - Sockets are capped under the open-file limit (beyond it Bun closes a new connection at
//   accept), and sockets without a request in flight (headers not yet complete, idle
//   keep-alive) at half of that: a new connection beyond it closes the oldest such one, so a
//   flood of slow strangers cannot lock out real requests.
// - The open-file limit: Bun raises its soft RLIMIT_NOFILE to the hard limit at start (1.4.5,
//   checked in /proc/<pid>/limits: soft 1024 / hard 4096 becomes 4096 / 4096), so there is
//   nothing to raise here; the cap is derived from the limit Bun left.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { once } from "node:events";
import { RequestAborted } from "../../http/request-aborted.ts";
import { rawPathOf, type RequestInfo } from "../../http/request-info.ts";
import { toByteString } from "../../http/header-bytes.ts";
import { connectionCap, IDLE_TIMEOUT_MS, openFileLimit, WHOLE_BODY_MAX, type FetchHandler, type HttpServer, type ServeOptions } from "./http-limits.ts";
import { serveHttp1 } from "./http1-server.ts";

export { connectionCap, IDLE_TIMEOUT_MS, openFileLimit, WHOLE_BODY_MAX, type FetchHandler, type HttpServer, type ServeOptions };

// Request bodies are queued up to this many bytes before the socket is paused.
const BODY_HIGH_WATER = 1024 * 1024;

/** Who the connection waits for, for the idle bound: the client ("waiting", "reading") or us. */
type Phase = "waiting" | "reading" | "busy" | "writing";

interface BodyWatch { reading(): void; busy(): void }

/**
 * The request body as a web stream. Readable.toWeb copies every chunk (`new Uint8Array(buf)`) and
 * runs Node's stream machinery per chunk: a third of a large PUT's CPU. Bun hands each 'data'
 * event a Buffer of its own (never reused or pooled), so it is enqueued as is.
 */
export function bodyStream(req: IncomingMessage, watch?: BodyWatch): ReadableStream<Uint8Array> {
  let done = false;
  return new ReadableStream<Uint8Array>({
    start(ctrl) {
      const finish = (e?: Error) => {
        if (done) return;
        done = true;
        watch?.busy();
        if (e) ctrl.error(e);
        else ctrl.close();
      };
      watch?.reading();
      req.on("data", (chunk: Uint8Array) => {
        if (done) return;
        ctrl.enqueue(chunk);
        // Backpressure: the app is the slow one now, so the client's idle clock stops.
        if ((ctrl.desiredSize ?? 0) <= 0) { req.pause(); watch?.busy(); }
      });
      req.once("end", () => finish());
      req.once("error", (e) => finish(e));
      // A client that goes away mid-body: 'close' without 'end' must not look like a complete body.
      // (When complete, the rest is still queued in req and 'end' follows once it is read.)
      req.once("close", () => { if (!req.complete) finish(new RequestAborted()); });
    },
    pull() {
      if (done) return;
      if (req.isPaused()) watch?.reading();
      req.resume();
    },
    // The app answers without reading on (an error, typically a failed authentication): leave the
    // rest unread. writeResponse closes the connection after that answer; draining would let a
    // stranger trickling a body keep the socket as long as it likes.
    cancel() {
      done = true;
      req.pause();
      watch?.busy();
    },
  }, new ByteLengthQueuingStrategy({ highWaterMark: BODY_HIGH_WATER }));
}

/** True while the client still owes body bytes the app has not taken (a GET's body is never read). */
function bodyUnread(req: IncomingMessage, headers: Headers): boolean {
  if (req.complete) return false;
  const len = headers.get("content-length");
  return len !== null ? Number(len) > 0 : headers.has("transfer-encoding");
}

/**
 * `body`, calling `first` when the app first asks for its bytes, not before: a high-water mark
 * of 0 means only a read pulls (bodyStream's own fills its queue as soon as it exists).
 */
export function onFirstRead(body: ReadableStream<Uint8Array>, first: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let called = false;
  return new ReadableStream<Uint8Array>({
    async pull(ctrl) {
      if (!called) { called = true; first(); }
      const { done, value } = await reader.read();
      if (done) ctrl.close();
      else ctrl.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  }, { highWaterMark: 0 });
}

function toRequest(req: IncomingMessage, hostname: string, port: number, watch: BodyWatch, onBodyRead?: () => void): Request {
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) headers.append(raw[i], raw[i + 1]);
  // Not req.headers: node:http builds that object on first use, and every header is in `headers` already.
  const host = headers.get("host") ?? `${hostname}:${port}`;
  const method = req.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD";
  return new Request(`http://${host}${req.url ?? "/"}`, {
    method,
    headers,
    body: hasBody ? (onBodyRead ? onFirstRead(bodyStream(req, watch), onBodyRead) : bodyStream(req, watch)) : null,
    // @ts-expect-error: duplex is required for streamed request bodies
    duplex: "half",
  });
}

/**
 * Resolves on 'drain', or on 'close': a client that went away must not leave the body stream open.
 * A client that reads nothing for `idleMs` is cut off: a slow reader is bounded by progress, not time.
 */
function drained(res: ServerResponse, idleMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => { res.destroy(); done(); }, idleMs);
    const done = () => { clearTimeout(timer); res.off("drain", done); res.off("close", done); resolve(); };
    res.on("drain", done);
    res.on("close", done);
  });
}

async function writeResponse(res: ServerResponse, response: Response, opts: { close: boolean; idleMs: number; phase(p: Phase): void }) {
  // A flat [name, value, …] list (as rawHeaders): no object to build, repeated names (set-cookie) kept.
  const headers: string[] = [];
  let length: string | undefined;
  response.headers.forEach((raw, k) => {
    if (k === "content-length") length = raw;
    // Bun ends the socket once this response is flushed.
    if (opts.close && k === "connection") return;
    // Values are byte strings (what Headers hold here); text the core built from a body (a form
    // field) goes out as its UTF-8, where node:http would refuse it.
    headers.push(k, toByteString(raw));
  });
  if (opts.close) headers.push("connection", "close");
  if (length !== undefined && Number(length) <= WHOLE_BODY_MAX) {
    // (A HEAD's or a 304's null body reads as empty; node:http sends no body for those.)
    const whole = await response.bytes(); // a failing body rejects before any byte is sent: a 500
    if (res.destroyed) return; // the client went away meanwhile
    res.writeHead(response.status, headers);
    res.end(whole.length ? whole : undefined);
    return;
  }
  res.writeHead(response.status, headers);
  if (response.body) {
    const reader = response.body.getReader();
    // Each read is written once the next one arrives, so the last goes out with end(): a body
    // of one read (small objects, errors) leaves with its headers in a single write.
    let held: Uint8Array | undefined;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (!value.length) continue;
        if (held && !res.write(held)) {
          opts.phase("writing");
          await drained(res, opts.idleMs);
          opts.phase("busy");
        }
        if (res.destroyed) { await reader.cancel(); return; }
        held = value;
      }
    } catch (e) {
      res.destroy(e as Error); // a body that fails midway must not look complete
      reader.cancel().catch(() => {});
      return;
    }
    res.end(held);
    return;
  }
  res.end();
}

/** The HTTP server: Bun.listen (http1-server.ts) unless `engine: "node"` (S3EDGE_HTTP=node) asks for the node:http bridge below. */
export function serveHttp(fetch: FetchHandler, opts: ServeOptions): Promise<HttpServer> {
  return opts.engine === "node" ? serveNodeHttp(fetch, opts) : serveHttp1(fetch, opts);
}

export async function serveNodeHttp(fetch: FetchHandler, opts: ServeOptions): Promise<HttpServer> {
  const idleMs = opts.idleTimeoutMs ?? IDLE_TIMEOUT_MS;
  const maxConnections = opts.maxConnections ?? connectionCap(openFileLimit());
  const maxWaiting = maxConnections === undefined ? Infinity : Math.max(1, Math.floor(maxConnections / 2));
  const phases = new Map<Socket, Phase>();
  // Sockets with no request in flight, oldest first (a Set keeps insertion order).
  const waiting = new Set<Socket>();
  const setPhase = (socket: Socket, p: Phase) => {
    if (!phases.has(socket)) return; // closed
    phases.set(socket, p);
    if (p === "waiting") { waiting.delete(socket); waiting.add(socket); } else waiting.delete(socket);
  };
  const track = (socket: Socket) => {
    if (phases.has(socket) || socket.destroyed) return;
    phases.set(socket, "waiting");
    waiting.add(socket);
    socket.once("close", () => { phases.delete(socket); waiting.delete(socket); });
    if (waiting.size > maxWaiting) {
      const oldest = waiting.values().next().value!;
      waiting.delete(oldest);
      oldest.destroy();
    }
  };

  const server = createServer({
    keepAliveTimeout: 65_000,
    // A whole upload may take hours; only progress is bounded (the socket timeout below).
    requestTimeout: 0,
    // Headers are a few KiB: bounded as a whole, not by progress (a byte a second is progress).
    // Bun's parser (uWS) already drops incomplete headers after ~10 s; this bound holds without it.
    headersTimeout: idleMs,
    connectionsCheckingInterval: Math.min(2_000, Math.max(50, Math.floor(idleMs / 10))),
  }, (req, res) => handle(req, res, false));
  // Expect is the app's to decide (issue 12 #7). node:http would send 100 Continue at once,
  // before authentication, and answer any other expectation with a bare 417. Here 100 goes out
  // when the app first reads the body, which it does only once it has authenticated and
  // authorised the headers (or needs the body to: a POST form's signature is in it); an answer
  // without the body (403, 404) gets no 100, and closes the connection (bodyUnread).
  server.on("checkContinue", (req: IncomingMessage, res: ServerResponse) => handle(req, res, true));
  // Other expectations reach the app as headers: it answers them in S3's XML (unsupported.ts).
  server.on("checkExpectation", (req: IncomingMessage, res: ServerResponse) => handle(req, res, false));

  let inFlight = 0;
  let draining = false;
  let idleNow: (() => void) | undefined;
  function handle(req: IncomingMessage, res: ServerResponse, expectsContinue: boolean) {
    const socket = req.socket;
    inFlight++;
    res.once("close", () => { inFlight--; if (inFlight === 0) idleNow?.(); });
    track(socket);
    setPhase(socket, "busy");
    const watch: BodyWatch = {
      // Waiting for the client again: its idle clock starts now, not at its last byte.
      reading: () => { setPhase(socket, "reading"); socket.setTimeout(idleMs); },
      busy: () => setPhase(socket, "busy"),
    };
    res.once("finish", () => setPhase(socket, "waiting"));
    let request: Request;
    try {
      const sendContinue = () => { if (!res.headersSent && !res.destroyed) res.writeContinue(); };
      request = toRequest(req, opts.hostname, opts.port, watch, expectsContinue ? sendContinue : undefined);
    } catch {
      res.writeHead(400, { connection: "close" }).end();
      return;
    }
    const info: RequestInfo = { rawPath: rawPathOf(req.url), remoteAddress: socket.remoteAddress };
    (async () => fetch(request, info))()
      .then((response) => writeResponse(res, response, { close: draining || bodyUnread(req, request.headers), idleMs, phase: (p) => setPhase(socket, p) }))
      .catch((e) => {
        if (!res.headersSent) res.writeHead(500, { connection: "close" }).end();
        else res.destroy(e);
      });
  }
  // The per-socket idle timer: armed at accept and for each request, refreshed by every byte
  // received. It fires into the listener below, which decides (with it, Bun never destroys).
  server.setTimeout(idleMs);
  server.on("timeout", (socket: Socket) => {
    const p = phases.get(socket);
    // Our turn (handler work, backpressure) or drained() is watching a reader: not the client's idling.
    if (p === "busy" || p === "writing") { socket.setTimeout(idleMs); return; }
    socket.destroy();
  });
  server.on("connection", track);
  if (maxConnections !== undefined) server.maxConnections = maxConnections;
  server.listen(opts.port, opts.hostname);
  await once(server, "listening");
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : opts.port;
  return {
    hostname: opts.hostname,
    port,
    stop: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections?.(); }),
    async drain(timeoutMs) {
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const [socket, p] of phases) if (p === "waiting") socket.destroy(); // idle keep-alive: nothing to finish
      const finished = inFlight === 0 ? Promise.resolve(true)
        : new Promise<boolean>((resolve) => { idleNow = () => resolve(true); setTimeout(() => resolve(false), timeoutMs); });
      const ok = await finished;
      server.closeAllConnections?.();
      await closed;
      return ok;
    },
  };
}
