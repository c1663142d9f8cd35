// The S3 blob store's GET/HEAD transport on Bun (src/runtime/bun/upstream-fetch.ts), and with
// `posts` the local queue's webhook POSTs: framing
// (Content-Length, chunked, to the connection's end), keep-alive reuse, a pooled connection the
// server closed, a body cut short, backpressure, aborts, and what it leaves to fetch. Raw TCP
// servers on 127.0.0.1 play the upstream, so every byte of the answer is chosen here.
import { afterEach, describe, expect, it } from "bun:test";
import { createServer, type Server, type Socket } from "node:net";
import { createUpstreamFetch } from "../../../src/runtime/bun/upstream-fetch.ts";

interface Raw { url: string; connections: () => number; requests: string[]; bodies: string[]; close(): void }
const servers: Server[] = [];
afterEach(() => { for (const s of servers.splice(0)) s.close(); });

/** A TCP server: `answer` gets each request head (and the socket) and writes what it likes. */
async function rawServer(answer: (head: string, sock: Socket, n: number) => void): Promise<Raw> {
  let conns = 0, n = 0;
  const requests: string[] = [];
  const bodies: string[] = [];
  const open = new Set<Socket>();
  const server = createServer((sock) => {
    conns++;
    open.add(sock);
    sock.on("close", () => open.delete(sock));
    let buf = "";
    sock.on("data", (d) => {
      buf += d.toString("latin1");
      for (let end = buf.indexOf("\r\n\r\n"); end >= 0; end = buf.indexOf("\r\n\r\n")) {
        const head = buf.slice(0, end);
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (buf.length < end + 4 + length) return; // the body is still coming
        bodies.push(Buffer.from(buf.slice(end + 4, end + 4 + length), "latin1").toString("utf8"));
        buf = buf.slice(end + 4 + length);
        requests.push(head);
        answer(head, sock, n++);
      }
    });
    sock.on("error", () => {});
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    connections: () => conns, requests, bodies,
    close: () => { for (const s of open) s.destroy(); server.close(); },
  };
}

/** A server that answers the first request on each connection with `first` and drops the next one unanswered. */
const onceThenDrop = (first: string) => {
  const served = new WeakMap<Socket, number>();
  return rawServer((_, s) => {
    const k = (served.get(s) ?? 0) + 1;
    served.set(s, k);
    if (k === 1) s.write(first); else s.destroy();
  });
};

const ok = (body: string, extra = "") => `HTTP/1.1 200 OK\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;

describe("upstream fetch (pooled sockets)", () => {
  it("sends the method, path, query and headers, and reads a Content-Length body", async () => {
    const srv = await rawServer((_, s) => s.write(ok("hello", "x-amz-request-id: 1\r\n")));
    const f = createUpstreamFetch();
    const res = await f(`${srv.url}/b/k%20ey?list-type=2`, { headers: { range: "bytes=0-4", authorization: "AWS4 x" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-amz-request-id")).toBe("1");
    expect(await res.text()).toBe("hello");
    const lines = srv.requests[0].split("\r\n");
    expect(lines[0]).toBe("GET /b/k%20ey?list-type=2 HTTP/1.1");
    expect(lines).toContain(`host: ${new URL(srv.url).host}`);
    expect(lines).toContain("range: bytes=0-4");
    expect(lines).toContain("authorization: AWS4 x");
  });

  it("keeps one connection alive across requests, and opens more only when they overlap", async () => {
    const srv = await rawServer((_, s) => s.write(ok("abc")));
    const f = createUpstreamFetch();
    for (let i = 0; i < 5; i++) expect(await (await f(`${srv.url}/k`)).text()).toBe("abc");
    expect(srv.connections()).toBe(1);
    const both = await Promise.all([f(`${srv.url}/a`), f(`${srv.url}/b`)]);
    expect(await Promise.all(both.map((r) => r.text()))).toEqual(["abc", "abc"]);
    expect(srv.connections()).toBe(2);
  });

  it("decodes a chunked body and reuses the connection after it", async () => {
    const srv = await rawServer((_, s) => s.write("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n4;ext=1\r\ndefg\r\n0\r\nx-trailer: 1\r\n\r\n"));
    const f = createUpstreamFetch();
    expect(await (await f(`${srv.url}/k`)).text()).toBe("abcdefg");
    expect(await (await f(`${srv.url}/k`)).text()).toBe("abcdefg");
    expect(srv.connections()).toBe(1);
  });

  it("reads a body without a length to the connection's end, and does not reuse that connection", async () => {
    const srv = await rawServer((_, s) => { s.write("HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nuntil-"); setTimeout(() => s.end("close"), 20); });
    const f = createUpstreamFetch();
    expect(await (await f(`${srv.url}/k`)).text()).toBe("until-close");
    expect(await (await f(`${srv.url}/k`)).text()).toBe("until-close");
    expect(srv.connections()).toBe(2);
  });

  it("a HEAD and a 204 have no body, and the connection stays usable", async () => {
    const srv = await rawServer((head, s) => s.write(head.startsWith("HEAD")
      ? "HTTP/1.1 200 OK\r\ncontent-length: 12345\r\n\r\n"
      : "HTTP/1.1 204 No Content\r\n\r\n"));
    const f = createUpstreamFetch();
    const h = await f(`${srv.url}/k`, { method: "HEAD" });
    expect(h.status).toBe(200);
    expect(h.headers.get("content-length")).toBe("12345");
    expect(h.body).toBeNull();
    const e = await f(`${srv.url}/k`);
    expect(e.status).toBe(204);
    expect(e.body).toBeNull();
    expect(srv.connections()).toBe(1);
  });

  it("skips a 100 Continue before the answer", async () => {
    const srv = await rawServer((_, s) => s.write("HTTP/1.1 100 Continue\r\n\r\n" + ok("after")));
    expect(await (await createUpstreamFetch()(`${srv.url}/k`)).text()).toBe("after");
  });

  it("a pooled connection the server has closed is retried once on a new one", async () => {
    // Answers, then closes the connection without saying so (a keep-alive timeout on its side).
    const srv = await rawServer((_, s) => { s.write(ok("fresh")); setTimeout(() => s.destroy(), 10); });
    const f = createUpstreamFetch();
    expect(await (await f(`${srv.url}/k`)).text()).toBe("fresh");
    await Bun.sleep(50);
    expect(await (await f(`${srv.url}/k`)).text()).toBe("fresh");
    expect(srv.connections()).toBe(2);
  });

  it("a pooled connection that closes instead of answering is retried once on a new one", async () => {
    // The second request on any connection is dropped unanswered (the server timed it out just then).
    const srv = await onceThenDrop(ok("answer"));
    const f = createUpstreamFetch();
    expect(await (await f(`${srv.url}/k`)).text()).toBe("answer");
    expect(await (await f(`${srv.url}/k`)).text()).toBe("answer");
    expect(srv.requests).toHaveLength(3);
    expect(srv.connections()).toBe(2);
  });

  it("a connection that closes before answering rejects (the blob store retries it as transient)", async () => {
    const srv = await rawServer((_, s) => s.destroy());
    await expect(createUpstreamFetch()(`${srv.url}/k`)).rejects.toThrow();
  });

  it("a body cut short errors the stream instead of ending it", async () => {
    const srv = await rawServer((_, s) => { s.write("HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly-this"); setTimeout(() => s.destroy(), 20); });
    const res = await createUpstreamFetch()(`${srv.url}/k`);
    expect(res.status).toBe(200);
    await expect(res.arrayBuffer()).rejects.toThrow(/mid-body|closed/);
  });

  it("a malformed chunked body errors the stream (no crash, no short success)", async () => {
    const srv = await rawServer((_, s) => s.write("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n"));
    const res = await createUpstreamFetch()(`${srv.url}/k`);
    await expect(res.text()).rejects.toThrow();
  });

  it("a large body read slowly arrives whole and in order (backpressure pauses the socket)", async () => {
    const size = 8 * 1024 * 1024;
    const data = new Uint8Array(size);
    for (let i = 0; i < size; i += 65536) crypto.getRandomValues(data.subarray(i, i + 65536));
    const srv = await rawServer((_, s) => { s.write(`HTTP/1.1 200 OK\r\ncontent-length: ${size}\r\n\r\n`); s.write(data); });
    const res = await createUpstreamFetch()(`${srv.url}/k`);
    const reader = res.body!.getReader();
    const got = new Uint8Array(size);
    let off = 0;
    for (let i = 0; ; i++) {
      const { done, value } = await reader.read();
      if (done) break;
      got.set(value, off);
      off += value.length;
      if (i % 8 === 0) await Bun.sleep(1);
    }
    expect(off).toBe(size);
    expect(Bun.hash(got)).toBe(Bun.hash(data));
  });

  it("an abort before the answer rejects with the signal's reason and drops the connection", async () => {
    const srv = await rawServer(() => {}); // never answers
    const ctrl = new AbortController();
    const p = createUpstreamFetch()(`${srv.url}/k`, { signal: ctrl.signal });
    await Bun.sleep(20);
    ctrl.abort(new Error("idle for 15000 ms"));
    await expect(p).rejects.toThrow("idle for 15000 ms");
  });

  it("a cancelled body closes its connection rather than pooling it", async () => {
    const srv = await rawServer((_, s) => s.write(`HTTP/1.1 200 OK\r\ncontent-length: 1000000\r\n\r\n${"x".repeat(1000)}`));
    const f = createUpstreamFetch();
    const res = await f(`${srv.url}/k`);
    await res.body!.cancel();
    const again = await f(`${srv.url}/k`);
    expect(again.status).toBe(200);
    await again.body!.cancel();
    expect(srv.connections()).toBe(2);
  });

  it("leaves requests with a body, and https, to fetch", async () => {
    const seen: string[] = [];
    const fallback = (async (input: RequestInfo | URL, init?: RequestInit) => { seen.push(`${init?.method ?? "GET"} ${String(input)}`); return new Response("fb"); }) as typeof fetch;
    const f = createUpstreamFetch({ fallback });
    await f("http://127.0.0.1:1/k", { method: "PUT", body: new Uint8Array(3) });
    await f("https://s3.example.test/k");
    expect(seen).toEqual(["PUT http://127.0.0.1:1/k", "GET https://s3.example.test/k"]);
  });

  it("with posts: sends a POST's string or bytes with their length, over the pooled connection", async () => {
    const srv = await rawServer((_, s) => s.write(ok("")));
    const f = createUpstreamFetch({ posts: true });
    const body = JSON.stringify({ Key: "b/café €" });
    const res = await f(`${srv.url}/hook?x=1`, { method: "POST", headers: { "content-type": "application/json", "content-length": "1" }, body });
    expect(res.status).toBe(200);
    expect(await res.arrayBuffer()).toHaveProperty("byteLength", 0);
    await (await f(`${srv.url}/hook`, { method: "POST", body: new Uint8Array([104, 105]) })).arrayBuffer();
    const lines = srv.requests[0].split("\r\n");
    expect(lines[0]).toBe("POST /hook?x=1 HTTP/1.1");
    expect(lines).toContain("content-type: application/json");
    expect(lines.filter((l) => /^content-length:/i.test(l))).toEqual([`content-length: ${Buffer.byteLength(body)}`]);
    expect(srv.bodies).toEqual([body, "hi"]);
    expect(srv.connections()).toBe(1);
  });

  it("with posts: a failing status is passed on, and a pooled connection closed unanswered sends once more", async () => {
    const srv = await onceThenDrop("HTTP/1.1 503 Service Unavailable\r\ncontent-length: 4\r\n\r\ndown");
    const f = createUpstreamFetch({ posts: true });
    const first = await f(`${srv.url}/h`, { method: "POST", body: "1" });
    expect(first.status).toBe(503);
    await first.arrayBuffer();
    expect((await f(`${srv.url}/h`, { method: "POST", body: "2" })).status).toBe(503);
    expect(srv.bodies).toEqual(["1", "2", "2"]);
    // A fresh connection closed unanswered is not sent again: the caller retries it later.
    const gone = await rawServer((_, s) => s.destroy());
    await expect(f(`${gone.url}/h`, { method: "POST", body: "3" })).rejects.toThrow();
    expect(gone.bodies).toEqual(["3"]);
  });

  it("without posts, or with a streamed body, a POST goes to fetch", async () => {
    const seen: string[] = [];
    const fallback = (async (input: RequestInfo | URL, init?: RequestInit) => { seen.push(`${init?.method} ${String(input)}`); return new Response("fb"); }) as typeof fetch;
    await createUpstreamFetch({ fallback })("http://127.0.0.1:1/a", { method: "POST", body: "x" });
    await createUpstreamFetch({ fallback, posts: true })("http://127.0.0.1:1/b", { method: "POST", body: new Blob(["x"]).stream() });
    await createUpstreamFetch({ fallback, posts: true })("http://127.0.0.1:1/c", { method: "PUT", body: "x" });
    expect(seen).toEqual(["POST http://127.0.0.1:1/a", "POST http://127.0.0.1:1/b", "PUT http://127.0.0.1:1/c"]);
  });

  it("refuses a header value that would split the request", async () => {
    const srv = await rawServer((_, s) => s.write(ok("x")));
    await expect(createUpstreamFetch()(`${srv.url}/k`, { headers: { "x-a": "1\r\nx-b: 2" } })).rejects.toThrow();
    expect(srv.requests).toHaveLength(0);
  });
});
