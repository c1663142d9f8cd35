// A client that goes away mid-PUT is an aborted request, logged in one line, not an internal error (D10).
import { expect, it } from "bun:test";
import { RequestAborted } from "../../../src/http/request-aborted.ts";
import { withBucket } from "../helpers/s3.ts";

it("a body that ends with RequestAborted is logged once as aborted, without a stack, and nothing is stored", async () => {
  const { env, c } = await withBucket();
  const lines: { level: string; msg: string; fields?: Record<string, unknown> }[] = [];
  env.deps.log = {
    info: (msg, fields) => lines.push({ level: "info", msg, fields }),
    warn: (msg, fields) => lines.push({ level: "warn", msg, fields }),
    error: (msg, fields) => lines.push({ level: "error", msg, fields }),
  };
  const signed = await c.request("/bkt/cut", { method: "PUT", body: new Uint8Array(200_000) });
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(ctrl) {
      if (sent++ < 2) ctrl.enqueue(new Uint8Array(65536));
      else ctrl.error(new RequestAborted());
    },
  });
  const res = await env.app.request(new Request(signed.url, { method: "PUT", headers: signed.headers, body, duplex: "half" } as RequestInit));
  expect(res.status).toBe(400);
  expect(lines.filter((l) => l.level === "error")).toEqual([]);
  const aborted = lines.filter((l) => l.msg === "request aborted by the client");
  expect(aborted).toHaveLength(1);
  expect(JSON.stringify(aborted[0].fields)).not.toContain("at ");
  expect((await c.get("bkt", "cut")).status).toBe(404);
});
