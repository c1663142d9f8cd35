// The daemon's idle timeout: a server that stops sending mid-body fails the transfer (the
// engine retries it) instead of hanging the daemon; a slow but moving body is fine.
import { afterAll, expect, it } from "bun:test";
import { idleFetch } from "../../../src/sync/s3-client.ts";

const server = Bun.serve({
  hostname: "127.0.0.1", port: 0,
  fetch(req) {
    const stall = new URL(req.url).pathname === "/stall";
    let n = 0;
    return new Response(new ReadableStream({
      async pull(c) {
        if (stall && n === 1) return new Promise(() => {}); // never another byte
        await Bun.sleep(60);
        c.enqueue(new TextEncoder().encode("x"));
        if (++n === 5) c.close();
      },
    }));
  },
});
afterAll(() => server.stop(true));

it("fails a body that stalls, passes one that keeps moving", async () => {
  const moving = await idleFetch(fetch, new Request(`http://127.0.0.1:${server.port}/slow`), undefined, 200);
  expect(await moving.text()).toBe("xxxxx");
  const stalled = await idleFetch(fetch, new Request(`http://127.0.0.1:${server.port}/stall`), undefined, 200);
  await expect(stalled.text()).rejects.toThrow();
});
