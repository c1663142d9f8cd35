// Graceful shutdown (SIGTERM): drain() stops accepting, lets requests in flight finish, and is
// bounded: a request that does not finish in time is cut off.
import { describe, expect, it } from "bun:test";
import { serveHttp } from "../../../../src/runtime/bun/http-server.ts";

describe("serveHttp drain", () => {
  it("finishes a request in flight, refuses new connections", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const server = await serveHttp(async (req) => {
      if (new URL(req.url).pathname === "/slow") await gate;
      return new Response("done");
    }, { hostname: "127.0.0.1", port: 0 });
    const url = `http://127.0.0.1:${server.port}`;
    const slow = fetch(`${url}/slow`).then((r) => r.text());
    await Bun.sleep(50);
    const drained = server.drain(5000);
    await Bun.sleep(50);
    await expect(fetch(`${url}/fast`, { keepalive: false })).rejects.toBeDefined();
    release();
    expect(await slow).toBe("done");
    expect(await drained).toBe(true);
  });

  it("is bounded: a request still running at the deadline is cut off", async () => {
    const server = await serveHttp(() => new Promise<Response>(() => {}), { hostname: "127.0.0.1", port: 0 });
    const hung = fetch(`http://127.0.0.1:${server.port}/`).catch(() => "cut");
    await Bun.sleep(50);
    const t = Date.now();
    expect(await server.drain(200)).toBe(false);
    expect(Date.now() - t).toBeLessThan(2000);
    expect(await hung).toBe("cut");
  });
});
