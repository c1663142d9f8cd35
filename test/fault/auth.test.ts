// Auth regression cases (issue 10: D1, D2, SigV2 lifetime, D12), signed by the test's own
// signer and sent as raw HTTP so nothing is normalised on the way:
// - an x-amz-* header outside SignedHeaders (copy source, metadata, tagging, storage class,
//   website redirect) on a presigned PUT URL or a header-signed request is refused with 403
//   AccessDenied "There were headers present in the request which were not signed", and
//   nothing is copied or written; the same headers signed are accepted (the control);
// - a credential scope day other than the x-amz-date day is refused (header and presigned);
// - a SigV2 presigned URL expiring more than 7 days ahead is refused;
// - keys with "." and ".." segments, signed over the path as sent, are stored under exactly
//   that name and read back (or refused with 400 InvalidArgument), never SignatureDoesNotMatch.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createBucket, listKeys, md5Hex, rawRequest, report, s3, startGateway, xmlCode, xmlMessage, type Gateway, type RawAnswer } from "./harness.ts";
import { head, presignV4, sigV2Query, signV4, type V4 } from "./sign.ts";

const root = mkdtempSync(join(tmpdir(), "s3edge-fault-auth-"));
let gw: Gateway;
const B = "authcases";
const SECRET = new TextEncoder().encode("the secret object's bytes");
const NOT_SIGNED = "There were headers present in the request which were not signed";

beforeAll(async () => {
  gw = await startGateway({ dataDir: join(root, "data") });
  await createBucket(gw, B);
  expect((await s3(gw, "PUT", `/${B}/secret`, { body: SECRET })).status).toBe(200);
}, 60_000);
afterAll(async () => {
  await gw?.stop();
  rmSync(root, { recursive: true, force: true });
});

const host = () => `${gw.host}:${gw.port}`;

function send(method: string, target: string, headers: Record<string, string>, body?: Uint8Array | string): Promise<RawAnswer> {
  return rawRequest(gw.host, gw.port, head(method, target, headers, body === undefined ? (method === "PUT" ? 0 : undefined) : body.length), body);
}

function sendV4(i: Omit<V4, "host">, body?: Uint8Array | string): Promise<RawAnswer> {
  const s = signV4({ ...i, host: host() });
  return send(i.method, s.target, s.headers, body);
}

/** The object's state through a normal signed GET: its md5, or the status. */
async function state(key: string): Promise<string> {
  const a = await s3(gw, "GET", `/${B}/${key}`);
  return a.status === 200 ? md5Hex(a.bytes) : String(a.status);
}

const EXTRA: [string, string][] = [
  ["x-amz-copy-source", `/${B}/secret`],
  ["x-amz-meta-owner", "mallory"],
  ["x-amz-tagging", "a=b"],
  ["x-amz-storage-class", "REDUCED_REDUNDANCY"],
  ["x-amz-website-redirect-location", "/elsewhere"],
];

describe("unsigned x-amz-* headers (D1)", () => {
  test.each(EXTRA)("presigned PUT URL plus an unsigned %s: 403, nothing written", async (name, value) => {
    const key = `pre-${name}`;
    const target = presignV4({ method: "PUT", host: host(), path: `/${B}/${key}`, expires: 600 });
    const body = name === "x-amz-copy-source" ? undefined : "planted";
    const a = await send("PUT", target, { host: host(), [name]: value }, body);
    expect({ status: a.status, code: xmlCode(a.text), message: xmlMessage(a.text) }).toEqual({ status: 403, code: "AccessDenied", message: NOT_SIGNED });
    expect(await state(key)).toBe("404");
  });

  test("the presigned PUT URL itself works (control)", async () => {
    const target = presignV4({ method: "PUT", host: host(), path: `/${B}/pre-ok`, expires: 600 });
    expect((await send("PUT", target, { host: host() }, "fine")).status).toBe(200);
    expect(await state("pre-ok")).toBe(md5Hex(new TextEncoder().encode("fine")));
  });

  test.each(EXTRA)("header-signed PUT plus an unsigned %s: 403, nothing written", async (name, value) => {
    const key = `hdr-${name}`;
    const body = name === "x-amz-copy-source" ? undefined : "planted";
    const a = await sendV4({ method: "PUT", path: `/${B}/${key}`, headers: { [name]: value }, unsigned: [name] }, body);
    expect({ status: a.status, code: xmlCode(a.text), message: xmlMessage(a.text) }).toEqual({ status: 403, code: "AccessDenied", message: NOT_SIGNED });
    expect(await state(key)).toBe("404");
  });

  test("the same headers signed are honoured (control): a signed copy copies", async () => {
    const a = await sendV4({ method: "PUT", path: `/${B}/hdr-copy-ok`, headers: { "x-amz-copy-source": `/${B}/secret` } });
    expect(a.status).toBe(200);
    expect(await state("hdr-copy-ok")).toBe(md5Hex(SECRET));
    const m = await sendV4({ method: "PUT", path: `/${B}/hdr-meta-ok`, headers: { "x-amz-meta-owner": "alice", "x-amz-tagging": "a=b" } }, "x");
    expect(m.status).toBe(200);
  });

  test("an unsigned copy source on a presigned URL does not leak the source through a later GET", async () => {
    const target = presignV4({ method: "PUT", host: host(), path: `/${B}/leak`, expires: 600 });
    await send("PUT", target, { host: host(), "x-amz-copy-source": `/${B}/secret` });
    const get = presignV4({ method: "GET", host: host(), path: `/${B}/leak`, expires: 600 });
    const a = await send("GET", get, { host: host() });
    expect(a.status).toBe(404);
  });
});

describe("credential scope day (D2)", () => {
  const yesterday = () => new Date(Date.now() - 24 * 3600 * 1000).toISOString().slice(0, 10).replace(/-/g, "");

  test("header-signed: a scope of another day than x-amz-date is refused, nothing written", async () => {
    const a = await sendV4({ method: "PUT", path: `/${B}/scope-hdr`, scopeDay: yesterday() }, "planted");
    // S3 answers 400 AuthorizationHeaderMalformed ("Invalid credential date"); any refusal will do, not a 2xx.
    expect([400, 403]).toContain(a.status);
    expect(["AccessDenied", "AuthorizationHeaderMalformed", "SignatureDoesNotMatch"]).toContain(xmlCode(a.text));
    expect(await state("scope-hdr")).toBe("404");
  });

  test("presigned: a scope of another day than X-Amz-Date is refused, nothing written", async () => {
    const target = presignV4({ method: "PUT", host: host(), path: `/${B}/scope-pre`, expires: 600, scopeDay: yesterday() });
    const a = await send("PUT", target, { host: host() }, "planted");
    expect([400, 403]).toContain(a.status);
    expect(["AccessDenied", "AuthorizationQueryParametersError", "SignatureDoesNotMatch"]).toContain(xmlCode(a.text));
    expect(await state("scope-pre")).toBe("404");
  });

  test("the same requests with today's scope work (control)", async () => {
    expect((await sendV4({ method: "PUT", path: `/${B}/scope-ok` }, "ok")).status).toBe(200);
    const target = presignV4({ method: "PUT", host: host(), path: `/${B}/scope-ok2`, expires: 600 });
    expect((await send("PUT", target, { host: host() }, "ok")).status).toBe(200);
  });
});

describe("SigV2 presigned lifetime", () => {
  const at = (days: number) => Math.floor(Date.now() / 1000) + Math.round(days * 86400);
  const get = (expires: number) => send("GET", `/${B}/secret?${sigV2Query("GET", `/${B}/secret`, expires)}`, { host: host() });

  test("more than 7 days ahead (and 2100) is refused with 403", async () => {
    for (const expires of [at(7) + 3600, at(30), Date.UTC(2100, 0, 1) / 1000]) {
      const a = await get(expires);
      expect({ expires, status: a.status, code: xmlCode(a.text) }).toEqual({ expires, status: 403, code: "AccessDenied" });
    }
  });

  test("within 7 days it works, expired it does not (controls)", async () => {
    const ok = await get(at(6));
    expect(ok.status).toBe(200);
    expect(md5Hex(ok.body)).toBe(md5Hex(SECRET));
    expect((await get(at(-1 / 24))).status).toBe(403);
  });
});

describe('keys with "." and ".." segments (D12)', () => {
  const KEYS = ["dots/./a", "dots/../b", "dots/.", "dots/..", "./c", "../d", "dots/.../e", "dots//f"];

  test.each(KEYS)("%s: stored and read under exactly that name, or 400 InvalidArgument", async (key) => {
    const path = `/${B}/${key}`;
    const body = `body of ${key}`;
    const put = await sendV4({ method: "PUT", path }, body);
    expect(xmlCode(put.text)).not.toBe("SignatureDoesNotMatch");
    report("dot key", { key, status: put.status, code: xmlCode(put.text) || "-" });
    if (put.status === 400) {
      expect(xmlCode(put.text)).toBe("InvalidArgument");
      return;
    }
    expect(put.status).toBe(200);
    const got = await sendV4({ method: "GET", path });
    expect(got.status).toBe(200);
    expect(got.text).toBe(body);
    const listed = await listKeys(gw, B);
    expect(listed.get(key)).toBe(md5Hex(new TextEncoder().encode(body)));
    const del = await sendV4({ method: "DELETE", path });
    expect(del.status).toBe(204);
  });

  test("a dotted key never lands on the key it would normalise to", async () => {
    const before = await state("b");
    const put = await sendV4({ method: "PUT", path: `/${B}/x/../b` }, "dotted");
    expect([200, 400]).toContain(put.status);
    expect(await state("b")).toBe(before);
  });
});
