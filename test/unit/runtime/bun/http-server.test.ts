// The node:http bridge: request bodies reach the app intact and unshared, an aborted upload is an
// error (not a short body), and responses keep their length.
import { afterEach, describe, expect, it } from "bun:test";
import { connect } from "node:net";
import { serveHttp, type HttpServer } from "../../../../src/runtime/bun/http-server.ts";
import { md5Hex, MiB, randomBytes } from "../../helpers/s3.ts";

let server: HttpServer | undefined;
afterEach(async () => { await server?.stop(); server = undefined; });

const url = (s: HttpServer, path = "/") => `http://${s.hostname}:${s.port}${path}`;

describe("request bodies", () => {
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

describe("responses", () => {
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

  it("a body that fails midway is not sent as complete", async () => {
    server = await serveHttp(() => {
      let sent = false;
      const body = new ReadableStream<Uint8Array>({
        pull(c) {
          if (!sent) { sent = true; c.enqueue(new Uint8Array(1000)); return; }
          c.error(new Error("chunk missing"));
        },
      });
      return new Response(body, { headers: { "content-length": "5000" } });
    }, { hostname: "127.0.0.1", port: 0 });
    // The connection is reset: before the headers (nothing was written yet) or during the body.
    await expect(fetch(url(server)).then((r) => r.arrayBuffer())).rejects.toBeDefined();
  });
});
