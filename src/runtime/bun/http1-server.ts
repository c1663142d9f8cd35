// Serves a fetch handler over HTTP/1.1 on Bun's raw TCP sockets (Bun.listen), the default.
//
// Why not Bun.serve or node:http: Bun.serve (1.4.5) sends a ReadableStream body chunked whatever
// its Content-Length (oven-sh/bun#10507), and S3 clients need the length on GET; Bun's node:http
// keeps it but costs ~100 µs of CPU per request in its compatibility layer (a bare node:http
// server answering 4 KiB: ~120 µs/op; the same on Bun.listen: ~6 µs; Bun.serve: ~30 µs; server
// CPU, loopback). The wire protocol is small; the parser (http1-parse.ts) is strict.
//
// Behaviour matches the node:http bridge (http-server.ts, kept behind S3EDGE_HTTP=node), which
// the same tests check:
// - Request bodies stream with backpressure (the socket is paused while BODY_HIGH_WATER bytes
//   wait); a client that goes away mid-body errors the stream (RequestAborted).
// - `Expect: 100-continue`: 100 goes out when the app first reads the body, i.e. once it has
//   authenticated the headers; other expectations reach the app.
// - An answer given before the request body was read to its end closes the connection (every
//   auth failure answers from the headers); the rest of the body is not drained (issue 10, D6).
// - No progress for the idle bound while the client is the one to act (headers, a body the app
//   waits for, a response it does not read, an idle keep-alive) closes the socket; time the
//   gateway spends never counts. The headers as a whole are bounded by the same time.
// - Sockets are capped under the open-file limit, and those without a request in flight at half
//   of it: a new one beyond closes the oldest such socket.
// - Responses keep their Content-Length; a body without one goes chunked (event streams); a body
//   that fails midway, or ends short of its length, resets the connection instead of looking
//   complete. Bodies up to WHOLE_BODY_MAX are read first and leave with the head in one write.
import type { Socket, TCPSocketListener } from "bun";
import { STATUS_CODES } from "node:http";
import { RequestAborted } from "../../http/request-aborted.ts";
import { rawPathOf, type RequestInfo } from "../../http/request-info.ts";
import { toByteString } from "../../http/header-bytes.ts";
import { chunkedDecoder, HeadError, headEnd, MAX_HEAD, parseHead, type ChunkedDecoder, type RequestHead } from "./http1-parse.ts";
import { connectionCap, IDLE_TIMEOUT_MS, openFileLimit, WHOLE_BODY_MAX, type FetchHandler, type HttpServer, type ServeOptions } from "./http-limits.ts";
import { giveBack } from "./read-buffers.ts";

const BODY_HIGH_WATER = 1024 * 1024;
/** Pipelined bytes held while a request is in flight before the socket is paused. */
const HELD_MAX = 64 * 1024;

type Phase = "waiting" | "reading" | "busy" | "writing";

interface Body {
  ctrl: ReadableStreamDefaultController<Uint8Array> | null;
  /** Bytes still owed (length framing) or the chunked decoder. */
  remaining: number;
  chunked: ChunkedDecoder | null;
  done: boolean;
  cancelled: boolean;
  /** The app has asked for bytes (100 Continue sent, when expected). */
  pulled: boolean;
}

interface Conn {
  socket: Socket<Conn>;
  phase: Phase;
  /** Last progress (ms): the client's clock in the waiting, reading and writing phases. */
  last: number;
  /** When the head being received started (ms), 0 when none is. */
  headStart: number;
  /** Bytes received and not yet parsed: a head in progress, or pipelined requests. */
  held: Uint8Array | null;
  /** held's own buffer while it grows (held a view of its start), so a trickled head is not copied per byte. */
  heldBuf: Uint8Array | null;
  /** Bytes of held already searched for the end of a head. */
  scanned: number;
  body: Body | null;
  inFlight: boolean;
  /** Unwritten tail of the last write, and who waits for it to go. */
  pending: Uint8Array | null;
  drained: (() => void) | null;
  closed: boolean;
  /** Paused by us: for body backpressure or for held pipelined bytes. */
  paused: boolean;
  /** The current answer's head is out (no 100 Continue after it). */
  answered: boolean;
  /** At least one answer was given on this connection. */
  served: boolean;
  /** The client has sent its FIN (a half-close): nothing more will come; close once answered. */
  ended: boolean;
  /** Closed by us gracefully, the peer not yet (see close). */
  lingering: boolean;
}

const enc = new TextEncoder();
const latin1 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.length).toString("latin1");
const concat = (a: Uint8Array, b: Uint8Array) => { const o = new Uint8Array(a.length + b.length); o.set(a); o.set(b, a.length); return o; };

// Date, as node:http adds it (SDKs correct clock skew from it), recomputed once a second at most.
let dateSecond = 0, dateValue = "";
function httpDate(now: number): string {
  const s = Math.floor(now / 1000);
  if (s !== dateSecond) { dateSecond = s; dateValue = new Date(s * 1000).toUTCString(); }
  return dateValue;
}

const CONTINUE = enc.encode("HTTP/1.1 100 Continue\r\n\r\n");

function errorHead(status: number): Uint8Array {
  return enc.encode(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\nconnection: close\r\ncontent-length: 0\r\ndate: ${httpDate(Date.now())}\r\n\r\n`);
}

export async function serveHttp1(fetch: FetchHandler, opts: ServeOptions): Promise<HttpServer> {
  const idleMs = opts.idleTimeoutMs ?? IDLE_TIMEOUT_MS;
  const maxConnections = opts.maxConnections ?? connectionCap(openFileLimit());
  const maxWaiting = maxConnections === undefined ? Infinity : Math.max(1, Math.floor(maxConnections / 2));
  const conns = new Set<Conn>();
  const waiting = new Set<Conn>(); // no request in flight, oldest first
  let draining = false;
  let inFlight = 0;
  let idleNow: (() => void) | undefined;

  const setPhase = (c: Conn, p: Phase) => {
    c.phase = p;
    if (p === "waiting" || p === "reading" || p === "writing") c.last = Date.now();
    if (p === "waiting") {
      waiting.delete(c); waiting.add(c);
      if (waiting.size > maxWaiting) { const oldest = waiting.values().next().value!; close(oldest, true); }
    } else waiting.delete(c);
  };

  // Sockets closed gracefully whose peer has not closed yet: they still hold a descriptor, so
  // they count towards the cap.
  let lingering = 0;
  const close = (c: Conn, hard: boolean) => {
    if (c.closed) return;
    c.closed = true;
    if (hard) c.socket.terminate();
    else {
      // FIN after the answer; the read side stays open so unread request bytes do not turn the
      // close into a reset that could destroy the answer. A peer that never closes is cut off:
      // soon when it still owes a body nobody reads (the answer is a small error), else after
      // the idle bound (a slow reader may still be taking a large answer from the kernel).
      c.socket.end();
      c.lingering = true;
      lingering++;
      const s = c.socket;
      const unread = c.body !== null && !c.body.done;
      setTimeout(() => { unlinger(c); s.terminate(); }, unread ? Math.min(idleMs, 2_000) : idleMs).unref();
    }
    gone(c);
  };
  const unlinger = (c: Conn) => { if (c.lingering) { c.lingering = false; lingering--; } };

  /** The socket is gone (closed by either side): fail what waits on it. */
  const gone = (c: Conn) => {
    c.closed = true;
    conns.delete(c);
    waiting.delete(c);
    const b = c.body;
    if (b && !b.done && !b.cancelled && b.ctrl) { b.done = true; try { b.ctrl.error(new RequestAborted()); } catch { /* closed */ } }
    const d = c.drained;
    c.drained = null;
    d?.();
  };

  const pause = (c: Conn) => { if (!c.paused) { c.paused = true; c.socket.pause(); } };
  const resume = (c: Conn) => { if (c.paused && !c.closed) { c.paused = false; c.socket.resume(); } };

  /** Writes `data`; a promise when the socket took only part of it (then resolved on drain or close). */
  const send = (c: Conn, data: Uint8Array): Promise<void> | undefined => {
    if (c.closed) return undefined;
    if (c.pending) { // behind an unwritten tail: goes with it
      c.pending = concat(c.pending, data);
      return new Promise<void>((resolve) => { const prev = c.drained; c.drained = () => { prev?.(); resolve(); }; });
    }
    const n = c.socket.write(data);
    if (n === data.length) return undefined;
    if (n < 0) { close(c, true); return undefined; }
    c.pending = data.subarray(n);
    return new Promise<void>((resolve) => { c.drained = resolve; });
  };

  const flushPending = (c: Conn) => {
    const p = c.pending;
    if (!p) return;
    const n = c.socket.write(p);
    if (n < 0) { close(c, true); return; }
    c.last = Date.now(); // the client read something: progress
    if (n < p.length) { c.pending = p.subarray(n); return; }
    c.pending = null;
    const d = c.drained;
    c.drained = null;
    d?.();
  };

  /** Feeds received bytes to the body in progress; returns the bytes past its end (the next request's), or null. */
  const feedBody = (c: Conn, b: Body, d: Uint8Array): Uint8Array | null => {
    let used: number;
    if (b.chunked) {
      used = b.chunked.feed(d, (piece) => { if (!b.cancelled) b.ctrl!.enqueue(piece); });
      if (b.chunked.done) b.done = true;
    } else {
      used = Math.min(b.remaining, d.length);
      if (!b.cancelled && used > 0) b.ctrl!.enqueue(used === d.length ? d : d.subarray(0, used));
      b.remaining -= used;
      if (b.remaining === 0) b.done = true;
    }
    if (b.done) {
      if (!b.cancelled) b.ctrl!.close();
      if (c.phase === "reading") setPhase(c, "busy");
    } else if (!b.cancelled && (b.ctrl!.desiredSize ?? 0) <= 0) {
      pause(c); // the app is the slow one now: the client's idle clock stops
      if (c.phase === "reading") setPhase(c, "busy");
    }
    return used < d.length ? d.subarray(used) : null;
  };

  const bodyStream = (c: Conn, head: RequestHead): { stream: ReadableStream<Uint8Array>; body: Body } => {
    const body: Body = { ctrl: null, remaining: head.length, chunked: head.chunked ? chunkedDecoder() : null, done: false, cancelled: false, pulled: false };
    const stream = new ReadableStream<Uint8Array>({
      start(ctrl) { body.ctrl = ctrl; },
      pull() {
        if (body.done || c.closed) return;
        if (c.phase === "busy") setPhase(c, "reading");
        resume(c);
      },
      // The app answers without reading on (a failed authentication): the rest stays unread and
      // the connection closes after the answer (no draining a stranger's trickle).
      cancel() {
        body.cancelled = true;
        pause(c);
        if (c.phase === "reading") setPhase(c, "busy");
      },
    }, new ByteLengthQueuingStrategy({ highWaterMark: BODY_HIGH_WATER }));
    if (!head.expectContinue) return { stream, body };
    // 100 Continue when the app first asks for bytes, not when the stream above fills its queue
    // (at once): a stream of high-water mark 0 is pulled only by a read.
    const reader = stream.getReader();
    const asked = new ReadableStream<Uint8Array>({
      async pull(ctrl) {
        if (!body.pulled) {
          body.pulled = true;
          if (!c.answered) send(c, CONTINUE);
        }
        const { done, value } = await reader.read();
        if (done) ctrl.close();
        else ctrl.enqueue(value);
      },
      cancel: (reason) => reader.cancel(reason),
    }, { highWaterMark: 0 });
    return { stream: asked, body };
  };

  /** Parses and dispatches the next request held on `c`, if its head is complete. */
  const next = (c: Conn) => {
    while (!c.inFlight && !c.closed && c.held) {
      const held = c.held;
      const end = headEnd(held, Math.max(0, c.scanned - 3));
      c.scanned = held.length;
      if (end < 0) {
        if (held.length > MAX_HEAD) { reject(c, 431); return; }
        if (!c.headStart) c.headStart = Date.now();
        return;
      }
      if (end > MAX_HEAD) { reject(c, 431); return; }
      let head: RequestHead;
      try {
        head = parseHead(latin1(held.subarray(0, end)));
      } catch (e) {
        reject(c, e instanceof HeadError ? e.status : 400);
        return;
      }
      c.headStart = 0;
      c.held = end < held.length ? held.subarray(end) : null;
      c.scanned = 0;
      dispatch(c, head);
    }
    if (!c.inFlight && c.paused && !c.body) resume(c); // held bytes parsed: read on
  };

  const reject = (c: Conn, status: number) => {
    c.held = null;
    if (!c.closed) { c.socket.write(errorHead(status)); close(c, false); }
  };

  const dispatch = (c: Conn, head: RequestHead) => {
    c.inFlight = true;
    inFlight++;
    setPhase(c, "busy");
    c.answered = false;
    // Every method but GET and HEAD gets a body stream (an empty one ends at once), as node:http's
    // bridge gives; bytes a GET or HEAD sends anyway are read and dropped.
    const bodiless = head.method === "GET" || head.method === "HEAD";
    let body: Body | null = null;
    let stream: ReadableStream<Uint8Array> | null = null;
    if (!bodiless || head.chunked || head.length > 0) ({ stream, body } = bodyStream(c, head));
    if (body && bodiless) body.cancelled = true;
    if (body && !body.chunked && body.remaining === 0) { body.done = true; body.ctrl!.close(); }
    c.body = body;
    // Body bytes that came with the head.
    if (body && c.held) {
      const rest = c.held;
      c.held = null;
      try {
        c.held = feedBody(c, body, rest);
      } catch (e) {
        body.done = true;
        body.ctrl?.error(e);
        reject(c, e instanceof HeadError ? e.status : 400);
        return finish(c);
      }
    }
    let request: Request;
    try {
      const headers = new Headers();
      const raw = head.raw;
      for (let i = 0; i < raw.length; i += 2) headers.append(raw[i], raw[i + 1]);
      const host = headers.get("host") ?? `${opts.hostname}:${opts.port}`;
      request = new Request(`http://${host}${head.target}`, {
        method: head.method, headers, body: bodiless ? null : stream,
        // @ts-expect-error: duplex is required for streamed request bodies
        duplex: "half",
      });
    } catch {
      reject(c, 400);
      return finish(c);
    }
    const info: RequestInfo = { rawPath: rawPathOf(head.target), remoteAddress: c.socket.remoteAddress };
    (async () => fetch(request, info))()
      .then((response) => respond(c, head, response))
      .catch(() => { if (!c.closed) { c.socket.write(errorHead(500)); close(c, false); } })
      .finally(() => finish(c));
  };

  /** The request on `c` is answered: read on, or close. */
  const finish = (c: Conn) => {
    if (!c.inFlight) return;
    c.inFlight = false;
    c.body = null;
    inFlight--;
    if (inFlight === 0) idleNow?.();
    if (c.closed) return;
    if (draining) { close(c, false); return; } // answered in full: FIN after it
    setPhase(c, "waiting");
    next(c);
    if (c.ended && !c.inFlight) close(c, false); // a half-closed client's last request is answered
  };

  const respond = async (c: Conn, head: RequestHead, response: Response) => {
    if (c.closed) { response.body?.cancel().catch(() => {}); return; }
    c.answered = true;
    c.served = true;
    const b = c.body;
    // Close after this answer: asked to, draining, or a request body left unread.
    let closeAfter = head.close || draining || (c.ended && !c.held) || (b !== null && !b.done);
    const status = response.status;
    const noBody = head.method === "HEAD" || status === 204 || status === 304 || status < 200;
    let lengthText: string | undefined;
    let text = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Unknown"}\r\n`;
    let hasDate = false;
    response.headers.forEach((value, name) => {
      switch (name) {
        case "content-length": lengthText = value; return;
        case "transfer-encoding": return; // framing is ours
        case "connection": if (value.toLowerCase().includes("close")) closeAfter = true; return;
        case "date": hasDate = true; break;
      }
      text += `${name}: ${toByteString(value)}\r\n`;
    });
    if (!hasDate) text += `date: ${httpDate(Date.now())}\r\n`;
    if (closeAfter) text += "connection: close\r\n";
    else if (head.http10) text += "connection: keep-alive\r\n";
    const length = lengthText !== undefined && /^[0-9]+$/.test(lengthText) ? Number(lengthText) : undefined;
    const done = () => { if (closeAfter) close(c, false); };

    if (noBody) {
      if (lengthText !== undefined && status !== 204 && status >= 200) text += `content-length: ${lengthText}\r\n`;
      response.body?.cancel().catch(() => {});
      await send(c, Buffer.from(text + "\r\n", "latin1"));
      return done();
    }
    if (response.body === null || (length !== undefined && length <= WHOLE_BODY_MAX)) {
      // Read whole first: a failing body is still a clean 500 (the catch in dispatch).
      const whole = response.body === null ? new Uint8Array(0) : await response.bytes();
      if (c.closed) return;
      if (response.body !== null && length !== undefined && whole.length !== length) throw new Error(`body of ${whole.length} bytes, Content-Length ${length}`);
      const headBytes = Buffer.from(`${text}content-length: ${whole.length}\r\n\r\n`, "latin1");
      await send(c, whole.length ? concat(headBytes, whole) : headBytes);
      return done();
    }
    // Streamed: with its length, else chunked (a listen stream). Each read goes out once the
    // next one has arrived (the head with the first): a body that fails at its last read (a
    // chunk's digest is checked there) never looks complete, and one whose only read fails
    // resets the connection before any byte, as no 500 could be told from a broken 200.
    const chunked = length === undefined;
    let headBytes: Uint8Array | null = Buffer.from(`${text}${chunked ? "transfer-encoding: chunked" : `content-length: ${length}`}\r\n\r\n`, "latin1");
    const frame = (v: Uint8Array) => chunked ? concat(enc.encode(`${v.length.toString(16)}\r\n`), concat(v, CRLF)) : v;
    /** Sends `piece` (the head first, in one write when small), waiting while the client reads. */
    const out = async (piece: Uint8Array) => {
      if (headBytes) {
        if (piece.length <= WHOLE_BODY_MAX) piece = concat(headBytes, piece);
        else send(c, headBytes);
        headBytes = null;
      }
      const w = send(c, piece);
      if (w) {
        setPhase(c, "writing");
        await w;
        if (!c.closed) setPhase(c, "busy");
      }
    };
    const reader = response.body.getReader();
    let sent = 0;
    let held: Uint8Array | null = null;
    try {
      for (;;) {
        const { done: end, value } = await reader.read();
        if (end) break;
        if (c.closed) { await reader.cancel(); return; }
        if (!value.length) continue;
        sent += value.length;
        if (!chunked && sent > length!) throw new Error("body longer than its Content-Length");
        if (held) await out(frame(held));
        if (c.closed) { await reader.cancel(); return; }
        if (held) giveBack(held); // the socket took all of it (read-buffers.ts)
        held = value;
      }
    } catch {
      reader.cancel().catch(() => {});
      close(c, true); // a body that fails midway must not look complete
      return;
    }
    if (c.closed) return;
    if (!chunked && sent !== length) { close(c, true); return; }
    const last = held ? frame(held) : new Uint8Array(0);
    await out(chunked ? concat(last, LAST_CHUNK) : last);
    if (c.closed) return;
    if (held) giveBack(held);
    done();
  };

  const listener: TCPSocketListener<Conn> = Bun.listen<Conn>({
    hostname: opts.hostname,
    port: opts.port,
    ...(opts.reusePort ? { reusePort: true } : {}),
    // A client may half-close after its request (shutdown(SHUT_WR)): it still gets the answer.
    allowHalfOpen: true,
    socket: {
      open(socket) {
        const c: Conn = { socket, phase: "waiting", last: Date.now(), headStart: 0, held: null, heldBuf: null, scanned: 0, body: null, inFlight: false, pending: null, drained: null, closed: false, paused: false, answered: false, served: false, ended: false, lingering: false };
        socket.data = c;
        if (draining || (maxConnections !== undefined && conns.size + lingering >= maxConnections)) { c.closed = true; socket.terminate(); return; }
        conns.add(c);
        socket.setNoDelay(true); // as node:http: an answer's last small segment must not wait for an ACK
        setPhase(c, "waiting");
      },
      data(socket, d) {
        const c = socket.data;
        if (!c || c.closed) return;
        try {
          received(c, d);
        } catch {
          close(c, true); // never a crash for a client's bytes
        }
      },
      end(socket) {
        const c = socket.data;
        if (!c || c.closed) return;
        c.ended = true;
        const b = c.body;
        // A body cut short by the FIN is an aborted upload, not a short one.
        if (b && !b.done) { b.done = true; if (!b.cancelled) { try { b.ctrl?.error(new RequestAborted()); } catch { /* closed */ } } }
        if (!c.inFlight) close(c, false); // complete heads were parsed as they came: only a partial one is left
      },
      drain(socket) { const c = socket.data; if (c) flushPending(c); },
      close(socket) { const c = socket.data; if (c) { unlinger(c); gone(c); } },
      error(socket) { const c = socket.data; if (c) { unlinger(c); gone(c); } },
    },
  });

  /** Appends to held, in a buffer of its own that doubles (a head trickled a byte at a time costs O(n), not O(n²)). */
  function hold(c: Conn, rest: Uint8Array) {
    const held = c.held;
    if (!held) { c.held = rest; c.scanned = 0; return; }
    const n = held.length + rest.length;
    const own = c.heldBuf;
    if (own && held.buffer === own.buffer && held.byteOffset === own.byteOffset && n <= own.length) {
      own.set(rest, held.length);
    } else {
      const next = new Uint8Array(Math.max(4096, 2 * n));
      next.set(held);
      next.set(rest, held.length);
      c.heldBuf = next;
    }
    c.held = c.heldBuf!.subarray(0, n);
  }

  /** Bytes from the client: the body in progress takes its own, the rest waits to be parsed. */
  function received(c: Conn, d: Uint8Array) {
    c.last = Date.now();
    let rest: Uint8Array | null = d;
    const b = c.body;
    if (b && !b.done) {
      try {
        rest = feedBody(c, b, d);
      } catch (e) {
        b.done = true;
        if (!b.cancelled) b.ctrl?.error(e);
        c.held = null;
        close(c, true);
        return;
      }
      if (b.cancelled && !b.done) return; // unread: dropped (a cancelled body's socket stays paused)
    }
    if (!rest) return;
    hold(c, rest);
    if (c.inFlight) {
      if (c.held!.length > HELD_MAX) pause(c); // pipelined: parsed once this request is answered
      return;
    }
    next(c);
  }

  // One sweep for every socket's idle bound (a timer per socket and request would cost more).
  // An idle keep-alive socket closes gracefully (FIN after what the kernel still holds for the
  // client) and only after twice the bound: the last megabytes of an answer may still be in
  // the socket buffers when its final write returns, and a slow reader takes them from there.
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const c of conns) {
      if (c.phase === "busy") continue;
      if (c.headStart ? now - c.headStart > idleMs : now - c.last > idleMs) {
        if (c.phase !== "waiting" || c.headStart || !c.served) close(c, true);
        else if (now - c.last > 2 * idleMs) close(c, false);
      }
    }
  }, Math.min(2_000, Math.max(50, Math.floor(idleMs / 10))));
  (sweep as unknown as { unref?(): void }).unref?.();

  // Answers in flight are cut (reset); idle sockets get a FIN, after whatever the kernel still
  // holds for them (a reset would discard it).
  const closeAll = () => { for (const c of [...conns]) close(c, c.inFlight); };
  return {
    hostname: opts.hostname,
    port: listener.port,
    async stop() {
      clearInterval(sweep);
      listener.stop(true);
      closeAll();
    },
    async drain(timeoutMs) {
      draining = true;
      listener.stop(false);
      for (const c of [...conns]) if (!c.inFlight) close(c, false); // idle keep-alive: nothing to finish
      const ok = inFlight === 0 ? true
        : await new Promise<boolean>((resolve) => { idleNow = () => resolve(true); setTimeout(() => resolve(false), timeoutMs); });
      clearInterval(sweep);
      closeAll();
      listener.stop(true);
      return ok;
    },
  };
}

const CRLF = enc.encode("\r\n");
const LAST_CHUNK = enc.encode("0\r\n\r\n");
