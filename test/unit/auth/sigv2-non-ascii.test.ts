// SigV2 header signing with non-ASCII x-amz-meta-* values. The gateway sees header values as
// byte strings (http/header-bytes.ts). s3cmd sends the value's UTF-8 and signs the UTF-8 of the
// same text, i.e. the bytes as sent; botocore's http.client sends latin-1 and signs UTF-8. Both
// must verify; a changed byte must not.
import { describe, expect, it } from "bun:test";
import { createHmac } from "node:crypto";
import { memoryDeps } from "../helpers/deps.ts";
import { errorCode, ROOT } from "../helpers/s3.ts";
import { utf8ByteString } from "../../../src/http/header-bytes.ts";

const EP = "http://127.0.0.1:9000";

async function setup() {
  const env = memoryDeps();
  const date = new Date(env.deps.clock.now()).toUTCString();
  const send = (method: string, path: string, headers: Record<string, string>, signedBytes: Buffer, body?: string) => {
    const sig = createHmac("sha1", ROOT.secretAccessKey).update(signedBytes).digest("base64");
    const length: Record<string, string> = body === undefined ? {} : { "content-length": String(Buffer.byteLength(body)) };
    return env.app.request(new Request(EP + path, { method, body, headers: { ...headers, ...length, date, host: "127.0.0.1:9000", authorization: `AWS ${ROOT.accessKeyId}:${sig}` } }));
  };
  const put = (bucket: string) => send("PUT", `/${bucket}`, {}, Buffer.from(`PUT\n\n\n${date}\n/${bucket}`));
  return { env, date, send, put };
}

describe("SigV2 with non-ASCII metadata", () => {
  it("s3cmd's way: UTF-8 bytes on the wire, signed as those bytes; stored and answered as sent", async () => {
    const { date, send, put } = await setup();
    expect((await put("bkt")).status).toBe(200);
    const text = "Grüße, 東京 ✓";
    const wire = utf8ByteString(text); // one char per byte, as the runtime hands the header over
    const sts = Buffer.from(`PUT\n\ntext/plain\n${date}\nx-amz-meta-title:${text}\n/bkt/k`, "utf8");
    const r = await send("PUT", "/bkt/k", { "content-type": "text/plain", "x-amz-meta-title": wire }, sts, "x");
    expect([r.status, r.status === 200 ? "" : await r.text()]).toEqual([200, ""]);
    const head = await send("HEAD", "/bkt/k", {}, Buffer.from(`HEAD\n\n\n${date}\n/bkt/k`));
    expect(head.status).toBe(200);
    expect(head.headers.get("x-amz-meta-title")).toBe(wire);
  });

  it("botocore's way: latin-1 on the wire, signed as UTF-8", async () => {
    const { date, send, put } = await setup();
    expect((await put("bkt")).status).toBe(200);
    const text = "café";
    const sts = Buffer.from(`PUT\n\n\n${date}\nx-amz-meta-name:${text}\n/bkt/k2`, "utf8");
    expect((await send("PUT", "/bkt/k2", { "x-amz-meta-name": text }, sts, "x")).status).toBe(200);
  });

  it("a signature over other bytes is SignatureDoesNotMatch", async () => {
    const { date, send, put } = await setup();
    expect((await put("bkt")).status).toBe(200);
    const sts = Buffer.from(`PUT\n\n\n${date}\nx-amz-meta-title:Grüsse\n/bkt/k3`, "utf8");
    const r = await send("PUT", "/bkt/k3", { "x-amz-meta-title": utf8ByteString("Grüße") }, sts, "x");
    expect(await errorCode(r)).toBe("SignatureDoesNotMatch");
  });
});
