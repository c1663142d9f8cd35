// The node:http bridge: request bodies reach the app intact and unshared, an aborted upload is an
// error (not a short body), and responses keep their length. Connections (issue 10, D6): an
// answer before the body's end closes the connection, idle clients are cut off, slow but
// progressing ones are not, and a cap on waiting sockets keeps room for real requests.
import { afterEach, describe, expect, it } from "bun:test";
import { connect, type Socket } from "node:net";
import { connectionCap, openFileLimit, serveHttp as serveAny, WHOLE_BODY_MAX, type HttpServer } from "../../../../src/runtime/bun/http-server.ts";
import { createReadBuffers } from "../../../../src/runtime/bun/read-buffers.ts";
import { md5Hex, MiB, randomBytes } from "../../helpers/s3.ts";

let server: HttpServer | undefined;
afterEach(async () => { await server?.stop(); server = undefined; });

const url = (s: HttpServer, path = "/") => `http://${s.hostname}:${s.port}${path}`;

// Both servers behave alike: Bun.listen (http1-server.ts, the default) and the node:http bridge.
for (const engine of ["bun", "node"] as const) {
const serveHttp: typeof serveAny = (fetch, opts) => serveAny(fetch, { ...opts, engine });

describe(`${engine}: request bodies`, () => {
  it("arrive intact when every read is kept (reads are not reused buffers)", async () => {
    const kept: Uint8Array[][] = [];
    server = await serveHttp(async (req) => {
      const mine: Uint8Array[] = [];
      kept.push(mine);
      for await (const c of req.body as unknown as AsyncIterable<Uint8Array>) mine.push(c);
      return new Response(String(mine.reduce((n, c) => n + c.length, 0)));
    }, { hostname: "127.0.0.1", port: 0 });
    const bodies = [randomBytes(16 * MiB + 3, 1), randomBytes(100, 2), randomBytes(3 * MiB, 3)];
    const answers = await Promise.all(bodies.map((b) => fetch(url(server!), { method: "PUT", body: b }).then((r) => r.text())));
    expect(answers).toEqual(bodies.map((b) => String(b.length)));
    // All reads of all three uploads were held until now: none was overwritten by a later read.
    const got = kept.map((parts) => md5Hex(Buffer.concat(parts))).sort();
    expect(got).toEqual(bodies.map((b) => md5Hex(b)).sort());
  });

  it("an upload cut off by the client errors the body stream", async () => {
    let outcome: Promise<string> | undefined;
    server = await serveHttp((req) => {
      outcome = (async () => {
        let n = 0;
        try {
          for await (const c of req.body as unknown as AsyncIterable<Uint8Array>) n += c.length;
          return `complete ${n}`;
        } catch {
          return "error";
        }
      })();
      return new Promise<Response>(() => {}); // never answers: the client goes away first
    }, { hostname: "127.0.0.1", port: 0 });
    const sock = connect(server.port, server.hostname);
    await new Promise((r) => sock.once("connect", r));
    sock.write(`PUT /k HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n`);
    sock.write(Buffer.alloc(1000));
    while (!outcome) await Bun.sleep(5);
    await Bun.sleep(50);
    sock.destroy();
    expect(await outcome).toBe("error");
  });

  it("an error answered without reading the body still reaches the client", async () => {
    server = await serveHttp(async (req) => {
      await req.body?.cancel();
      return new Response("denied", { status: 403 });
    }, { hostname: "127.0.0.1", port: 0 });
    for (const size of [10, 5 * MiB]) {
      const res = await fetch(url(server), { method: "PUT", body: new Uint8Array(size) });
      expect(res.status).toBe(403);
      expect(await res.text()).toBe("denied");
    }
  });
});

describe(`${engine}: responses`, () => {
  it("keep Content-Length for stream bodies, of one read or many", async () => {
    const big = randomBytes(3 * MiB + 5, 4);
    server = await serveHttp((req) => {
      const many = new URL(req.url).pathname === "/many";
      const data = many ? big : new TextEncoder().encode("hello");
      let off = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(c) {
          if (off >= data.length) { c.close(); return; }
          const n = many ? 64 * 1024 : data.length;
          c.enqueue(data.subarray(off, off + n));
          off += n;
        },
      });
      return new Response(body, { headers: { "content-length": String(data.length) } });
    }, { hostname: "127.0.0.1", port: 0 });
    const one = await fetch(url(server, "/one"));
    expect(one.headers.get("content-length")).toBe("5");
    expect(await one.text()).toBe("hello");
    const many = await fetch(url(server, "/many"));
    expect(many.headers.get("content-length")).toBe(String(big.length));
    expect(md5Hex(new Uint8Array(await many.arrayBuffer()))).toBe(md5Hex(big));
  });

  const failingBody = (first: number) => {
    let sent = false;
    return new ReadableStream<Uint8Array>({
      pull(c) {
        if (!sent) { sent = true; c.enqueue(new Uint8Array(first)); return; }
        c.error(new Error("chunk missing"));
      },
    });
  };

  it("a large body that fails midway is not sent as complete", async () => {
    const length = WHOLE_BODY_MAX + 5000;
    server = await serveHttp(() => new Response(failingBody(WHOLE_BODY_MAX), { headers: { "content-length": String(length) } }), { hostname: "127.0.0.1", port: 0 });
    // The connection is reset: before the headers (nothing was written yet) or during the body.
    await expect(fetch(url(server)).then((r) => r.arrayBuffer())).rejects.toBeDefined();
  });

  it("a small body (read whole before the headers) that fails is a 500 that closes the connection", async () => {
    server = await serveHttp(() => new Response(failingBody(1000), { headers: { "content-length": "5000" } }), { hostname: "127.0.0.1", port: 0 });
    const r = await fetch(url(server));
    expect(r.status).toBe(500);
    expect(r.headers.get("connection")).toBe("close");
    expect((await r.arrayBuffer()).byteLength).toBe(0);
  });

  it("a body in lent read buffers arrives intact to a slow reader: a buffer is reused only once the socket took it", async () => {
    const PIECE = 64 * 1024, PIECES = 96;
    const bufs = createReadBuffers(PIECE, 4); // what fs-blob-store.ts reads ranged blobs into
    const seen = new Set<ArrayBuffer>();
    const fill = (i: number, b: Uint8Array) => { b.fill(i & 0xff); new DataView(b.buffer).setUint32(0, i); };
    server = await serveHttp(() => {
      let i = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(c) {
          const b = bufs.take();
          seen.add(b.buffer);
          fill(i, b);
          c.enqueue(b);
          if (++i === PIECES) c.close();
        },
      }, { highWaterMark: 0 });
      return new Response(body, { headers: { "content-length": String(PIECE * PIECES) } });
    }, { hostname: "127.0.0.1", port: 0 });
    const sock = connect(server.port, server.hostname);
    await new Promise((r) => sock.once("connect", r));
    const got: Buffer[] = [];
    sock.on("data", (d: Buffer) => got.push(d));
    const ended = new Promise((r) => sock.once("end", r));
    sock.pause();
    sock.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    for (let k = 0; k < 10; k++) { await Bun.sleep(20); sock.resume(); await Bun.sleep(1); sock.pause(); } // the socket fills, writes go partial
    sock.resume();
    await ended;
    const all = Buffer.concat(got);
    const body = all.subarray(all.indexOf("\r\n\r\n") + 4);
    expect(body.length).toBe(PIECE * PIECES);
    const want = new Uint8Array(PIECE);
    for (let i = 0; i < PIECES; i++) {
      fill(i, want);
      if (!body.subarray(i * PIECE, (i + 1) * PIECE).equals(want)) throw new Error(`piece ${i} overwritten`);
    }
    if (engine === "bun") expect(seen.size).toBeLessThan(PIECES / 4); // given back and reused
  });

  it("small bodies go out whole with their headers (set-cookie repeated, HEAD without a body)", async () => {
    server = await serveHttp((req) => {
      const h = new Headers({ "content-length": "5", "x-a": "1" });
      h.append("set-cookie", "a=1");
      h.append("set-cookie", "b=2");
      return new Response(req.method === "HEAD" ? null : "hello", { headers: h });
    }, { hostname: "127.0.0.1", port: 0 });
    const r = await fetch(url(server));
    expect(await r.text()).toBe("hello");
    expect(r.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
    const head = await fetch(url(server), { method: "HEAD" });
    expect(head.headers.get("content-length")).toBe("5");
    expect((await head.arrayBuffer()).byteLength).toBe(0);
  });
});

/** A raw client socket: what it received, and when (ms after connecting) the server closed it. */
interface Raw { sock: Socket; text(): string; bytes(): number; closed: Promise<number>; isClosed(): boolean }

async function raw(s: HttpServer, opts: { keep?: boolean; allowHalfOpen?: boolean } = {}): Promise<Raw> {
  const sock = connect({ port: s.port, host: s.hostname, allowHalfOpen: opts.allowHalfOpen ?? false });
  await new Promise((r) => sock.once("connect", r));
  const t0 = Date.now();
  let text = "";
  let n = 0;
  let closed = false;
  sock.on("data", (d: Buffer) => { n += d.length; if (opts.keep !== false && text.length < 64 * 1024) text += d.toString("latin1"); });
  sock.on("error", () => {});
  const closedAt = new Promise<number>((r) => sock.once("close", () => { closed = true; r(Date.now() - t0); }));
  return { sock, text: () => text, bytes: () => n, closed: closedAt, isClosed: () => closed };
}
const openRaws: Raw[] = [];
afterEach(() => { for (const r of openRaws.splice(0)) r.sock.destroy(); });
async function rawTracked(s: HttpServer, opts: { keep?: boolean; allowHalfOpen?: boolean } = {}) {
  const r = await raw(s, opts);
  openRaws.push(r);
  return r;
}
/** Waits (up to a second) until the client has received `text`. */
async function until(c: Raw, text: string) {
  for (let i = 0; i < 200 && !c.text().includes(text); i++) await Bun.sleep(5);
}
/** Resolves with `p`'s value, or with "timeout" after `ms`. */
const within = <T>(p: Promise<T>, ms: number) => Promise.race([p, Bun.sleep(ms).then(() => "timeout" as const)]);

/** What the app does for a request without credentials: cancel the body, answer 403. */
const authFirst = async (req: Request) => {
  if (!req.headers.get("authorization")) {
    await req.body?.cancel();
    return new Response("<Error><Code>AccessDenied</Code></Error>", { status: 403 });
  }
  let n = 0;
  if (req.body) for await (const c of req.body as unknown as AsyncIterable<Uint8Array>) n += c.length;
  return new Response(String(n));
};

describe(`${engine}: connections (D6)`, () => {
  it("an unauthenticated PUT whose body trickles gets 403 and its socket is closed at once", async () => {
    server = await serveHttp(authFirst, { hostname: "127.0.0.1", port: 0, idleTimeoutMs: 10_000 });
    const c = await rawTracked(server);
    c.sock.write("PUT /b/k HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n");
    const trickle = setInterval(() => { if (!c.isClosed()) c.sock.write("x"); }, 20);
    try {
      const at = await within(c.closed, 2_000);
      expect(at).not.toBe("timeout");
      expect(at as number).toBeLessThan(1_000); // far below the 10 s idle bound: not drained, not timed out
      expect(c.text()).toStartWith("HTTP/1.1 403");
      expect(c.text().toLowerCase()).toContain("connection: close");
      expect(c.text()).toContain("AccessDenied");
    } finally {
      clearInterval(trickle);
    }
  });

  it("a socket idle in its headers is closed after the idle timeout, one trickling them too", async () => {
    server = await serveHttp(authFirst, { hostname: "127.0.0.1", port: 0, idleTimeoutMs: 500 });
    const idle = await rawTracked(server);
    idle.sock.write("GET / HTTP/1.1\r\nHost: x\r\n");
    const slow = await rawTracked(server);
    slow.sock.write("GET / HTTP/1.1\r\n");
    const trickle = setInterval(() => { if (!slow.isClosed()) slow.sock.write("X-A: b\r\n"); }, 100);
    // Connects and sends nothing: Bun reports such a socket to JS about a second late, so it goes
    // at the idle bound plus that second.
    const silent = await rawTracked(server);
    try {
      for (const c of [idle, slow, silent]) {
        const at = await within(c.closed, 3_000);
        expect(at).not.toBe("timeout");
        expect(at as number).toBeGreaterThanOrEqual(400);
      }
    } finally {
      clearInterval(trickle);
    }
  });

  it("a socket idle in its body is closed after the idle timeout, and the body errors", async () => {
    let outcome: Promise<string> | undefined;
    server = await serveHttp((req) => {
      outcome = (async () => {
        try {
          for await (const _ of req.body as unknown as AsyncIterable<Uint8Array>);
          return "complete";
        } catch {
          return "error";
        }
      })();
      return outcome.then((o) => new Response(o));
    }, { hostname: "127.0.0.1", port: 0, idleTimeoutMs: 500 });
    const c = await rawTracked(server);
    c.sock.write("PUT /k HTTP/1.1\r\nHost: x\r\nAuthorization: x\r\nContent-Length: 1000\r\n\r\n");
    c.sock.write(Buffer.alloc(100));
    const at = await within(c.closed, 3_000);
    expect(at).not.toBe("timeout");
    expect(at as number).toBeGreaterThanOrEqual(400);
    expect(await outcome).toBe("error");
  });

  it("a slow but progressing upload is not cut", async () => {
    server = await serveHttp(authFirst, { hostname: "127.0.0.1", port: 0, idleTimeoutMs: 500 });
    const c = await rawTracked(server);
    const n = 12;
    c.sock.write(`PUT /k HTTP/1.1\r\nHost: x\r\nAuthorization: x\r\nContent-Length: ${n}\r\n\r\n`);
    for (let i = 0; i < n; i++) { await Bun.sleep(200); c.sock.write("y"); } // 2.4 s in all, a byte per 0.2 s
    for (let i = 0; i < 50 && !c.text().includes("\r\n\r\n"); i++) await Bun.sleep(20);
    expect(c.text()).toStartWith("HTTP/1.1 200");
    expect(c.text()).toEndWith(`\r\n2\r\n${n}\r\n0\r\n\r\n`); // chunked: the app set no length
    expect(c.isClosed()).toBe(false);
  });

  it("a slow but reading downloader is not cut; one that stops reading is", async () => {
    const size = 64 * MiB;
    const data = randomBytes(4 * MiB, 7);
    server = await serveHttp(() => {
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(c) {
          if (sent >= size) { c.close(); return; }
          c.enqueue(data.subarray(0, 256 * 1024));
          sent += 256 * 1024;
        },
      });
      return new Response(body, { headers: { "content-length": String(size) } });
    }, { hostname: "127.0.0.1", port: 0, idleTimeoutMs: 600 });
    const slow = await rawTracked(server, { keep: false });
    slow.sock.pause();
    slow.sock.write("GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
    const t0 = Date.now();
    // 4 MiB every 150 ms: ~2 s for the whole body (socket buffers take some at once), three times
    // the idle bound; each pause leaves 450 ms of slack under it, so a loaded machine's
    // scheduling delays do not look like a stall.
    while (slow.bytes() < size && !slow.isClosed()) {
      const target = slow.bytes() + 4 * MiB;
      slow.sock.resume();
      while (slow.bytes() < target && slow.bytes() < size && !slow.isClosed()) await Bun.sleep(2);
      slow.sock.pause();
      await Bun.sleep(150);
    }
    expect(slow.isClosed()).toBe(false);
    expect(slow.bytes()).toBeGreaterThan(size); // headers + the whole body
    expect(Date.now() - t0).toBeGreaterThan(1_500);

    const stalled = await rawTracked(server, { keep: false });
    stalled.sock.write("GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
    while (stalled.bytes() < MiB) await Bun.sleep(2);
    stalled.sock.pause(); // reads nothing more
    await Bun.sleep(1_500);
    // A paused socket sees no FIN: read again, and only what was sent before the cut arrives.
    stalled.sock.resume();
    const at = await within(stalled.closed, 3_000);
    expect(at).not.toBe("timeout");
    expect(stalled.bytes()).toBeLessThan(size);
  }, 20_000);

  it("normal keep-alive requests reuse the connection", async () => {
    server = await serveHttp(authFirst, { hostname: "127.0.0.1", port: 0, idleTimeoutMs: 500 });
    const c = await rawTracked(server);
    const responses = () => c.text().split("HTTP/1.1 ").length - 1;
    c.sock.write("PUT /k HTTP/1.1\r\nHost: x\r\nAuthorization: x\r\nContent-Length: 5\r\n\r\nhello");
    while (responses() < 1) await Bun.sleep(5);
    await Bun.sleep(300); // idle between requests (under keep-alive, not the request idle bound)
    c.sock.write("GET /k HTTP/1.1\r\nHost: x\r\nAuthorization: x\r\n\r\n");
    c.sock.write("GET /k HTTP/1.1\r\nHost: x\r\n\r\n"); // answered 403 without a body to skip: still kept
    while (responses() < 3) await Bun.sleep(5);
    await Bun.sleep(50);
    expect(c.isClosed()).toBe(false);
    expect(c.text().match(/^HTTP\/1.1 \d+/gm)).toEqual(["HTTP/1.1 200", "HTTP/1.1 200", "HTTP/1.1 403"]);
    expect(c.text().toLowerCase()).not.toContain("connection: close");
    // And fetch's pooled connection: many sequential requests, all answered.
    for (let i = 0; i < 20; i++) expect(await (await fetch(url(server), { headers: { authorization: "x" } })).text()).toBe("0");
  });

  it("with the cap reached, sockets waiting longest make room and a normal request succeeds", async () => {
    server = await serveHttp(authFirst, { hostname: "127.0.0.1", port: 0, idleTimeoutMs: 10_000, maxConnections: 20 });
    const idlers: Raw[] = [];
    for (let i = 0; i < 40; i++) {
      const c = await rawTracked(server);
      c.sock.write("GET / HTTP/1.1\r\nHost: x\r\n"); // headers never finished
      idlers.push(c);
    }
    await Bun.sleep(100);
    const open = idlers.filter((c) => !c.isClosed()).length;
    expect(open).toBeLessThanOrEqual(10); // half the cap waits, at most
    expect(idlers.slice(0, 20).every((c) => c.isClosed())).toBe(true); // the oldest went first
    const res = await within(fetch(url(server), { method: "PUT", headers: { authorization: "x" }, body: "abc" }).then((r) => r.text()), 2_000);
    expect(res).toBe("3");
  });

  it("the default cap follows the open-file limit", () => {
    expect(connectionCap(1024)).toBe(448);
    expect(connectionCap(undefined)).toBeUndefined();
    expect(openFileLimit()).toBeGreaterThan(0);
  });
});

describe(`${engine}: protocol`, () => {
  /** Echoes method, path, body length and the body's MD5. */
  const echo = async (req: Request) => {
    const b = req.body ? new Uint8Array(await req.arrayBuffer()) : new Uint8Array(0);
    return new Response(`${req.method} ${new URL(req.url).pathname} ${b.length} ${md5Hex(b)}`);
  };
  const responses = (t: string) => t.match(/^HTTP\/1.1 \d+/gm) ?? [];

  it("pipelined requests are answered in order, bodies kept apart", async () => {
    server = await serveHttp(echo, { hostname: "127.0.0.1", port: 0 });
    const c = await rawTracked(server);
    c.sock.write("PUT /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /b HTTP/1.1\r\nHost: x\r\n\r\nPUT /c HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nde");
    for (let i = 0; i < 200 && responses(c.text()).length < 3; i++) await Bun.sleep(5);
    expect(c.text()).toContain(`PUT /a 3 ${md5Hex(new TextEncoder().encode("abc"))}`);
    expect(c.text().indexOf("PUT /a")).toBeLessThan(c.text().indexOf("GET /b"));
    expect(c.text().indexOf("GET /b 0")).toBeLessThan(c.text().indexOf("PUT /c 2"));
  });

  it("a chunked request body arrives decoded, split anywhere", async () => {
    server = await serveHttp(echo, { hostname: "127.0.0.1", port: 0 });
    const c = await rawTracked(server);
    const wire = "PUT /k HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=y\r\n world\r\n0\r\n\r\n";
    for (let i = 0; i < wire.length; i += 7) { c.sock.write(wire.slice(i, i + 7)); await Bun.sleep(1); }
    await until(c, "PUT /k");
    expect(c.text()).toContain(`PUT /k 11 ${md5Hex(new TextEncoder().encode("hello world"))}`);
    // And fetch's own chunked upload (a stream of unknown length).
    const body = new ReadableStream({ start(ctrl) { ctrl.enqueue(new TextEncoder().encode("abc")); ctrl.enqueue(new TextEncoder().encode("de")); ctrl.close(); } });
    expect(await (await fetch(url(server, "/s"), { method: "PUT", body, duplex: "half" } as RequestInit)).text()).toStartWith("PUT /s 5 ");
  });

  it("100 Continue goes out when the app reads the body, then the answer", async () => {
    server = await serveHttp(echo, { hostname: "127.0.0.1", port: 0 });
    const c = await rawTracked(server);
    c.sock.write("PUT /e HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
    await until(c, "100 Continue");
    expect(c.text()).toStartWith("HTTP/1.1 100 Continue\r\n\r\n");
    c.sock.write("hello");
    await until(c, "PUT /e");
    expect(c.text()).toContain("PUT /e 5 ");
  });

  it("HTTP/1.0 closes after the answer unless keep-alive is asked for", async () => {
    server = await serveHttp(echo, { hostname: "127.0.0.1", port: 0 });
    const c = await rawTracked(server);
    c.sock.write("GET /old HTTP/1.0\r\n\r\n");
    expect(await within(c.closed, 2_000)).not.toBe("timeout");
    expect(c.text()).toContain("GET /old 0");
  });

  it("a head trickled a byte at a time is parsed once whole (and its body after it)", async () => {
    server = await serveHttp(echo, { hostname: "127.0.0.1", port: 0 });
    const c = await rawTracked(server);
    const wire = `PUT /t HTTP/1.1\r\nHost: x\r\nX-Pad: ${"p".repeat(300)}\r\nContent-Length: 3\r\n\r\nxyz`;
    for (const ch of wire) { c.sock.write(ch); await Bun.sleep(0); }
    await until(c, "PUT /t");
    expect(c.text()).toContain(`PUT /t 3 ${md5Hex(new TextEncoder().encode("xyz"))}`);
  });

  it("a client that half-closes after its request still gets the answer", async () => {
    server = await serveHttp(echo, { hostname: "127.0.0.1", port: 0 });
    const c = await rawTracked(server, { allowHalfOpen: true });
    c.sock.end("PUT /h HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi");
    expect(await within(c.closed, 2_000)).not.toBe("timeout");
    expect(c.text()).toContain("PUT /h 2 ");
  });

  it("a malformed head is a 400 that closes; an oversized one a 431", async () => {
    server = await serveHttp(echo, { hostname: "127.0.0.1", port: 0 });
    const bad = await rawTracked(server);
    bad.sock.write("PUT /k HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n");
    expect(await within(bad.closed, 2_000)).not.toBe("timeout");
    expect(bad.text()).toStartWith("HTTP/1.1 400");
    const big = await rawTracked(server);
    big.sock.write(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`);
    expect(await within(big.closed, 2_000)).not.toBe("timeout");
    expect(big.text()).toStartWith("HTTP/1.1 431");
  });

  it("answers carry a Date header, and a HEAD the length without a body", async () => {
    server = await serveHttp(() => new Response("12345", { headers: { "content-length": "5" } }), { hostname: "127.0.0.1", port: 0 });
    const r = await fetch(url(server), { method: "HEAD" });
    expect(r.headers.get("date")).toMatch(/GMT$/);
    expect(r.headers.get("content-length")).toBe("5");
  });
});
}
