// The S3 blob store's GET and HEAD on Bun over pooled keep-alive sockets (Bun.connect), as a
// fetch (UpstreamOptions.fetch). A front gateway over an S3 upstream receives every byte it
// serves, and Bun's fetch (1.4.5) spends about 1.1 CPU s per GiB received where this spends
// about 0.75 (bench/s3-upstream.ts, docs/scale-out.md). With `posts`, also the local queue's
// webhook POSTs (a small body in hand): the drain of a backlog ~12 % faster than on fetch
// (bench/notify.ts). Everything else (streamed or large bodies, https:) goes to the runtime's
// fetch, which already sends bodies cheaply enough.
//
// HTTP/1.1 only as much as an S3 answer needs: a status line and headers, then a body framed by
// Content-Length, chunked, or the connection's end. A connection goes back to the pool once its
// answer's body is read whole and the server did not ask to close; a pooled one the server has
// since closed is retried once on a new connection (GET and HEAD are safe to send again; a
// POST only with `posts`, whose caller delivers at least once anyway).
import type { Socket } from "bun";
import { chunkedDecoder, headEnd, type ChunkedDecoder } from "./http1-parse.ts";

/** Most bytes a response's status line plus headers may take. */
const MAX_HEAD = 64 * 1024;
/** Bytes a body holds unread before the socket stops reading (the upstream then waits). */
const BODY_HIGH_WATER = 256 * 1024;
const NO_BODY = new Set([204, 205, 304]);

interface Conn {
  /** Where this connection's bytes and end go while a request owns it. */
  onData?: (d: Uint8Array) => void;
  onEnd?: (e?: unknown) => void;
  /** The rest of a request head the socket did not take at once. */
  unsent?: Uint8Array;
  closed: boolean;
}
type Sock = Socket<Conn>;

export interface UpstreamFetchOptions {
  /** Idle connections kept per host (default 64). */
  maxIdle?: number;
  /** For requests this does not send itself (default: the global fetch). */
  fallback?: typeof fetch;
  /**
   * Also send a POST whose body is a string or bytes in hand (the local queue's webhook
   * deliveries). Such a request, too, goes once more on a new connection when a pooled one was
   * closed before any answer: only for callers to whom a second delivery is acceptable.
   */
  posts?: boolean;
}

class UpstreamConnectionError extends Error {}

export function createUpstreamFetch(o: UpstreamFetchOptions = {}): typeof fetch {
  const maxIdle = o.maxIdle ?? 64;
  const fallback = o.fallback ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const idle = new Map<string, Sock[]>();

  const connect = (host: string, port: number): Promise<Sock> => Bun.connect<Conn>({
    hostname: host, port, data: { closed: false },
    socket: {
      data(s, d) { s.data.onData?.(d); },
      drain(s) { const u = s.data.unsent; if (u) send(s, u); },
      end(s) { s.end(); },
      close(s, e) { s.data.closed = true; s.data.onEnd?.(e); },
      error(s, e) { s.data.closed = true; s.data.onEnd?.(e); },
      connectError(s, e) { s.data.closed = true; s.data.onEnd?.(e); },
    },
  });

  /** Writes `bytes`, keeping what the socket does not take for its drain. */
  const send = (s: Sock, bytes: Uint8Array) => {
    const n = s.write(bytes);
    s.data.unsent = n >= 0 && n < bytes.length ? bytes.subarray(n) : undefined;
  };

  const release = (key: string, s: Sock) => {
    s.data.onData = undefined;
    s.data.onEnd = undefined;
    const list = idle.get(key) ?? (idle.set(key, []), idle.get(key)!);
    if (s.data.closed || list.length >= maxIdle) { s.end(); return; }
    s.resume(); // a pause can outlast the body (bytes dispatched after it): the next answer must be read
    // A pooled socket that closes is dropped from the pool.
    s.data.onEnd = () => { const i = list.indexOf(s); if (i >= 0) list.splice(i, 1); };
    list.push(s);
  };

  const take = (key: string): Sock | undefined => {
    const list = idle.get(key);
    for (let s = list?.pop(); s; s = list!.pop()) if (!s.data.closed) return s;
    return undefined;
  };

  /** One exchange on `s`; rejects with UpstreamConnectionError when nothing was answered. */
  const exchange = (key: string, s: Sock, head: Uint8Array, method: string, signal: AbortSignal | null | undefined): Promise<Response> =>
    new Promise<Response>((resolve, reject) => {
      let pending: Uint8Array | null = new Uint8Array(0); // the head's bytes until it is parsed
      let got = false; // any byte answered: the request cannot be retried on another connection
      let ctrl: ReadableStreamDefaultController<Uint8Array> | null = null;
      let framing: { left: number } | ChunkedDecoder | "close" | null = null;
      let reuse = true;
      let settled = false;
      let finished = false;
      const onAbort = () => fail(signal!.reason ?? new DOMException("The operation was aborted.", "AbortError"));
      const done = () => {
        finished = true;
        signal?.removeEventListener("abort", onAbort);
        ctrl?.close();
        if (reuse) release(key, s);
        else { s.data.onData = s.data.onEnd = undefined; s.end(); }
      };
      function fail(e: unknown) {
        if (finished) return;
        finished = true;
        signal?.removeEventListener("abort", onAbort);
        s.data.onData = s.data.onEnd = undefined;
        s.terminate();
        if (!settled) { settled = true; reject(got ? e : new UpstreamConnectionError(e instanceof Error ? e.message : String(e), { cause: e })); }
        else ctrl?.error(e);
      }
      const body = (d: Uint8Array) => {
        if (framing === "close") { ctrl!.enqueue(d); }
        else if (framing && "left" in framing) {
          const n = Math.min(framing.left, d.length);
          framing.left -= n;
          if (n) ctrl!.enqueue(n === d.length ? d : d.subarray(0, n));
          if (n < d.length) reuse = false; // bytes past the answer: the connection is out of step
          if (framing.left === 0) return done();
        } else if (framing) {
          const used = framing.feed(d, (piece) => ctrl!.enqueue(piece));
          if (used < d.length) reuse = false;
          if (framing.done) return done();
        }
        if ((ctrl!.desiredSize ?? 1) <= 0) s.pause();
      };
      const onHead = (buf: Uint8Array, end: number) => {
        const lines = new TextDecoder("latin1").decode(buf.subarray(0, end - 4)).split("\r\n");
        const m = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/.exec(lines[0]);
        if (!m) return fail(new Error("upstream: malformed status line"));
        const status = Number(m[2]);
        const rest = buf.subarray(end);
        if (status >= 100 && status < 200) { // 100 Continue and the like: the real answer follows
          pending = new Uint8Array(0);
          return rest.length ? onData(rest) : undefined;
        }
        const headers = new Headers();
        for (const line of lines.slice(1)) {
          const i = line.indexOf(":");
          if (i <= 0) return fail(new Error("upstream: malformed header line"));
          headers.append(line.slice(0, i).trim(), line.slice(i + 1).trim());
        }
        const conn = headers.get("connection")?.toLowerCase() ?? "";
        reuse = m[1] === "1" ? !conn.includes("close") : conn.includes("keep-alive");
        const te = headers.get("transfer-encoding")?.toLowerCase();
        const length = headers.get("content-length");
        const empty = method === "HEAD" || NO_BODY.has(status);
        if (empty) framing = { left: 0 };
        else if (te && te !== "identity") {
          if (!te.endsWith("chunked")) return fail(new Error(`upstream: unsupported transfer-encoding ${te}`));
          framing = chunkedDecoder();
        } else if (length !== null) {
          if (!/^\d{1,15}$/.test(length)) return fail(new Error("upstream: malformed content-length"));
          framing = { left: Number(length) };
        } else { framing = "close"; reuse = false; }
        const stream = empty ? null : new ReadableStream<Uint8Array>({
          start(c) { ctrl = c; },
          pull() { s.resume(); },
          cancel() { if (!finished) { finished = true; signal?.removeEventListener("abort", onAbort); s.data.onData = s.data.onEnd = undefined; s.terminate(); } },
        }, { highWaterMark: BODY_HIGH_WATER, size: (c) => c?.byteLength ?? 0 });
        settled = true;
        resolve(new Response(stream, { status, statusText: m[3] ?? "", headers }));
        if (empty) {
          if (rest.length) reuse = false;
          return done();
        }
        if (framing !== "close" && "left" in framing && framing.left === 0) return done();
        if (rest.length) body(rest);
      };
      function onData(d: Uint8Array) {
        got = true;
        if (pending === null) return body(d);
        const buf: Uint8Array = pending.length ? Buffer.concat([pending, d]) : d;
        const end = headEnd(buf, Math.max(0, pending.length - 3));
        if (end < 0) {
          if (buf.length > MAX_HEAD) return fail(new Error("upstream: response head too large"));
          pending = buf;
          return;
        }
        pending = null;
        onHead(buf, end);
      }
      s.data.onData = (d) => {
        if (finished) return;
        try { onData(d); } catch (e) { fail(e); } // a malformed chunked frame, say
      };
      s.data.onEnd = (e) => {
        if (finished) return;
        if (framing === "close") { reuse = false; return done(); }
        fail(e ?? new Error(settled ? "upstream closed the connection mid-body" : "upstream closed the connection"));
      };
      if (signal) {
        if (signal.aborted) return onAbort();
        signal.addEventListener("abort", onAbort, { once: true });
      }
      send(s, head);
    });

  return (async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const method = (init?.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase();
    const url = new URL(input instanceof Request ? input.url : String(input));
    const body = init?.body;
    const read = (method === "GET" || method === "HEAD") && body == null;
    const post = o.posts === true && method === "POST" && (typeof body === "string" || body instanceof Uint8Array);
    if (!(read || post) || input instanceof Request || url.protocol !== "http:") {
      return fallback(input, init);
    }
    const signal = init?.signal;
    signal?.throwIfAborted();
    let head = `${method} ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\n`;
    for (const [k, v] of new Headers(init?.headers)) {
      if (k === "host" || k === "connection" || (post && (k === "content-length" || k === "transfer-encoding"))) continue;
      if (/[\r\n]/.test(v)) throw new TypeError(`invalid header value for ${k}`);
      head += `${k}: ${v}\r\n`;
    }
    let bytes: Uint8Array;
    if (post) {
      // Head and body written into one buffer: no encoded copy of the body to concatenate.
      const length = typeof body === "string" ? Buffer.byteLength(body, "utf8") : (body as Uint8Array).length;
      const text = `${head}content-length: ${length}\r\n\r\n`;
      const out = Buffer.allocUnsafe(text.length + length);
      out.write(text, 0, "latin1");
      if (typeof body === "string") out.write(body, text.length, "utf8");
      else out.set(body as Uint8Array, text.length);
      bytes = out;
    } else bytes = Buffer.from(`${head}\r\n`, "latin1");
    const port = Number(url.port || 80);
    const key = `${url.hostname}:${port}`;
    const pooled = take(key);
    if (pooled) {
      try {
        return await exchange(key, pooled, bytes, method, signal);
      } catch (e) {
        // Closed by the server while it sat idle: once more on a new connection.
        if (!(e instanceof UpstreamConnectionError) || signal?.aborted) throw e;
      }
    }
    const connecting = connect(url.hostname, port);
    let s: Sock;
    if (!signal) s = await connecting;
    else {
      // A connect that hangs (an unroutable host) still ends when the caller's clock runs out.
      let onAbort!: () => void;
      const aborted = new Promise<never>((_, rej) => { onAbort = () => rej(signal.reason); signal.addEventListener("abort", onAbort, { once: true }); });
      try {
        s = await Promise.race([connecting, aborted]);
      } catch (e) {
        connecting.then((late) => late.terminate(), () => {});
        throw e;
      } finally {
        signal.removeEventListener("abort", onAbort);
      }
    }
    return exchange(key, s, bytes, method, signal);
  }) as typeof fetch;
}
