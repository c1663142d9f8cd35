// POST Object (browser form uploads) end to end: boto3 generate_presigned_post, minio-js
// presignedPostPolicy, a real HTML form (and a FormData fetch) in headless Chromium on another
// origin, a 20 MiB file through the form, and the errors S3 gives a form, with fetch.
import { beforeAll, describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { existsSync, readFileSync, rmSync } from "node:fs";
import * as Minio from "minio";
import { chromium } from "playwright-core";
import { aws, bucketName, md5Hex, MiB, ok, python, randomData, run, runtime, sameBytes, tempDir, useServer } from "./harness.ts";

const ep = useServer();
const B = bucketName("post");
let mc: Minio.Client;

beforeAll(async () => {
  mc = new Minio.Client({ endPoint: ep.host, port: ep.port, useSSL: false, accessKey: ep.accessKey, secretKey: ep.secretKey, region: ep.region, pathStyle: true });
  await mc.makeBucket(B, ep.region);
});

type Fields = [string, string][];
const hmac = (key: Buffer | string, s: string) => createHmac("sha256", key).update(s).digest();

/** SigV4 form fields as SDKs make them: the policy's conditions plus the signing fields. */
function signed(conditions: unknown[], fields: Fields, opts: { expiresIn?: number; secret?: string } = {}): Fields {
  const now = Date.now();
  const date = new Date(now).toISOString().replace(/[:-]|\.\d{3}/g, "");
  const credential = `${ep.accessKey}/${date.slice(0, 8)}/${ep.region}/s3/aws4_request`;
  const auth: Fields = [["x-amz-algorithm", "AWS4-HMAC-SHA256"], ["x-amz-credential", credential], ["x-amz-date", date]];
  const doc = { expiration: new Date(now + (opts.expiresIn ?? 600) * 1000).toISOString(), conditions: [{ bucket: B }, ...conditions, ...auth.map(([k, v]) => ({ [k]: v }))] };
  const policy = Buffer.from(JSON.stringify(doc)).toString("base64");
  const key = hmac(hmac(hmac(hmac("AWS4" + (opts.secret ?? ep.secretKey), date.slice(0, 8)), ep.region), "s3"), "aws4_request");
  return [...fields, ...auth, ["policy", policy], ["x-amz-signature", hmac(key, policy).toString("hex")]];
}

function form(fields: Fields, file?: { data: Uint8Array | string; name?: string }): FormData {
  const fd = new FormData();
  for (const [k, v] of fields) fd.append(k, v);
  if (file) fd.append("file", new Blob([file.data as BlobPart]), file.name ?? "f.bin");
  return fd;
}

const postForm = (body: FormData | Uint8Array, headers?: Record<string, string>) =>
  fetch(`${ep.url}/${B}`, { method: "POST", body: body as BodyInit, headers, redirect: "manual" });

async function errorOf(res: Response) {
  const text = await res.text();
  return { status: res.status, code: /<Code>([^<]*)<\/Code>/.exec(text)?.[1], message: /<Message>([^<]*)<\/Message>/.exec(text)?.[1]?.replace(/&quot;/g, '"').replace(/&apos;/g, "'") };
}

async function readObject(key: string): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const c of (await mc.getObject(B, key)) as any) chunks.push(c);
  return Buffer.concat(chunks);
}

/** The gateway's resident memory (Bun only: the process listening on the port); null when unknown. */
async function serverMemory(): Promise<{ rss: number; hwm: number } | null> {
  if (runtime() !== "bun") return null;
  const r = await run(["ss", "-ltnpH", `sport = :${ep.port}`]);
  const pid = /pid=(\d+)/.exec(r.stdout)?.[1];
  if (!pid) return null;
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kib("VmRSS"), hwm: kib("VmHWM") };
}

describe(`POST Object (runtime: ${runtime()})`, () => {
  test("a 20 MiB file through the form is stored whole; server memory does not grow with the file", async () => {
    const upload = async (size: number, key: string) => {
      const data = randomData(size);
      const res = await postForm(form(signed([["starts-with", "$key", "big/"], ["content-length-range", 1, 128 * MiB]], [["key", "big/${filename}"]]), { data, name: key }));
      expect(res.status).toBe(204);
      expect(res.headers.get("etag")).toBe(`"${md5Hex(data)}"`);
      return data;
    };
    const data = await upload(20 * MiB, "twenty.bin");
    expect(sameBytes(await readObject("big/twenty.bin"), data)).toBe("equal");
    // Where the gateway's memory can be read (Bun): a file three times larger must not raise its
    // peak by anything like its size (the file streams through; one chunk is buffered at a time).
    const before = await serverMemory();
    if (!before) return;
    await upload(64 * MiB, "sixty-four.bin");
    const after = (await serverMemory())!;
    const grew = after.hwm - before.hwm;
    console.log(`POST 64 MiB after 20 MiB: server VmHWM ${(before.hwm / MiB).toFixed(1)} → ${(after.hwm / MiB).toFixed(1)} MiB (+${(grew / MiB).toFixed(1)})`);
    expect(grew).toBeLessThan(48 * MiB);
  });

  test("boto3 generate_presigned_post: plain, ${filename} with fields and 201, range, extra field, redirect, expired", async () => {
    const r = await python(ep, "post.py", { S3EDGE_E2E_BUCKET: B });
    expect(r.plain).toEqual({ status: 204, etag: r.plain.want_etag, want_etag: r.plain.want_etag, same: true, size: 100_000 });
    expect(r.fields).toEqual({ status: 201, body_has_key: true, content_type: "text/plain", metadata: { origin: "boto3" } });
    expect(r.too_large).toEqual({ status: 400, code: "EntityTooLarge" });
    expect(r.extra_field).toEqual({ status: 403, code: "AccessDenied", extra_listed: true });
    expect(r.redirect.status).toBe(303);
    expect(r.redirect.location).toMatch(/^http:\/\/app\.invalid\/done\?bucket=post-[0-9a-f]+&key=boto%2Fredirect\.txt&etag=%22[0-9a-f]{32}%22$/);
    expect(r.expired).toEqual({ status: 403, code: "AccessDenied", policy_expired: true });
  });

  test("minio-js presignedPostPolicy: content type, metadata and a size range", async () => {
    const policy = mc.newPostPolicy();
    policy.setBucket(B);
    policy.setKey("minio/post.bin");
    policy.setExpires(new Date(Date.now() + 600_000));
    policy.setContentType("application/x-test");
    policy.setContentLengthRange(1, MiB);
    policy.setUserMetaData({ from: "minio-js" });
    const { postURL, formData } = await mc.presignedPostPolicy(policy);
    const data = randomData(300_000);
    const fd = form(Object.entries(formData as Record<string, string>), { data });
    const res = await fetch(postURL, { method: "POST", body: fd });
    expect(res.status).toBe(204);
    const st = await mc.statObject(B, "minio/post.bin");
    expect(st.etag).toBe(md5Hex(data));
    expect(st.metaData["content-type"]).toBe("application/x-test");
    expect(st.metaData.from).toBe("minio-js");
    expect(sameBytes(await readObject("minio/post.bin"), data)).toBe("equal");
    // Over the range: refused, and the object stays as it was.
    const big = await fetch(postURL, { method: "POST", body: form(Object.entries(formData as Record<string, string>), { data: randomData(2 * MiB) }) });
    expect(await errorOf(big)).toMatchObject({ status: 400, code: "EntityTooLarge" });
    expect((await mc.statObject(B, "minio/post.bin")).size).toBe(300_000);
  });

  test.skipIf(!existsSync("/usr/bin/chromium"))("headless Chromium on another origin: an HTML form with redirect, and a FormData fetch under CORS", async () => {
    const site = Bun.serve({
      hostname: "127.0.0.1", port: 0,
      fetch: (req) => {
        const u = new URL(req.url);
        if (u.pathname === "/done") return new Response("<!doctype html><title>done</title><p id=done>uploaded</p>", { headers: { "content-type": "text/html" } });
        return new Response("<!doctype html><title>app</title>", { headers: { "content-type": "text/html" } });
      },
    });
    const origin = `http://127.0.0.1:${site.port}`;
    ok(await aws(ep, ["s3api", "put-bucket-cors", "--bucket", B, "--cors-configuration",
      JSON.stringify({ CORSRules: [{ AllowedOrigins: ["http://127.0.0.1:*"], AllowedMethods: ["POST"], AllowedHeaders: ["*"], ExposeHeaders: ["ETag"] }] })]), "put-bucket-cors");
    const formFields = signed([["starts-with", "$key", "browser/"], ["starts-with", "$success_action_redirect", origin], ["starts-with", "$Content-Type", "text/"]],
      [["key", "browser/${filename}"], ["success_action_redirect", `${origin}/done`], ["Content-Type", "text/plain"]]);
    const fetchFields = signed([["starts-with", "$key", "browser/"]], [["key", "browser/fetched.txt"]]);
    const profile = tempDir("s3edge-chromium-");
    // The same offline flags as test/e2e/browser.ts (no calls to Google's hosts at start).
    const ctx = await chromium.launchPersistentContext(profile, {
      executablePath: "/usr/bin/chromium", headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    try {
      const page = await ctx.newPage();
      await page.goto(`${origin}/`);
      // The form as a page would write it: hidden fields, then the file input last.
      await page.evaluate(({ action, fields }) => {
        const f = document.createElement("form");
        Object.assign(f, { action, method: "post", enctype: "multipart/form-data" });
        for (const [name, value] of fields) {
          const i = document.createElement("input");
          Object.assign(i, { type: "hidden", name, value });
          f.appendChild(i);
        }
        const file = document.createElement("input");
        Object.assign(file, { type: "file", name: "file" });
        f.appendChild(file);
        document.body.appendChild(f);
      }, { action: `${ep.url}/${B}`, fields: formFields });
      await page.setInputFiles("input[type=file]", { name: "photo notes.txt", mimeType: "text/plain", buffer: Buffer.from("typed into a form") });
      await Promise.all([page.waitForURL(/\/done\?/), page.evaluate(() => document.querySelector("form")!.submit())]);
      const landed = new URL(page.url());
      expect({ bucket: landed.searchParams.get("bucket"), key: landed.searchParams.get("key"), etag: landed.searchParams.get("etag") })
        .toEqual({ bucket: B, key: "browser/photo notes.txt", etag: `"${md5Hex(Buffer.from("typed into a form"))}"` });
      expect(Buffer.from(await readObject("browser/photo notes.txt")).toString()).toBe("typed into a form");
      const st = await mc.statObject(B, "browser/photo notes.txt");
      expect(st.metaData["content-type"]).toBe("text/plain");

      await page.goto(`${origin}/`);
      const fetched = await page.evaluate(async ({ url, fields }) => {
        const fd = new FormData();
        for (const [k, v] of fields) fd.append(k, v);
        fd.append("file", new Blob(["sent by fetch"]), "x.txt");
        try {
          const r = await fetch(url, { method: "POST", body: fd });
          return { status: r.status, etag: r.headers.get("etag") };
        } catch (e) {
          return { error: String(e) };
        }
      }, { url: `${ep.url}/${B}`, fields: fetchFields });
      expect(fetched).toEqual({ status: 204, etag: `"${md5Hex(Buffer.from("sent by fetch"))}"` });
    } finally {
      await ctx.close();
      site.stop(true);
      rmSync(profile, { recursive: true, force: true });
      await aws(ep, ["s3api", "delete-bucket-cors", "--bucket", B]);
    }
  }, 90_000);

  const ANY: unknown[] = [["starts-with", "$key", "err/"]];
  test.each([
    ["no signature (anonymous, denied)", () => form([["key", "err/k"]], { data: "x" }), 403, "AccessDenied", undefined],
    ["a wrong signature", () => form(signed(ANY, [["key", "err/k"]], { secret: "not-the-secret" }), { data: "x" }), 403, "SignatureDoesNotMatch", undefined],
    ["an expired policy", () => form(signed(ANY, [["key", "err/k"]], { expiresIn: -5 }), { data: "x" }), 403, "AccessDenied", "Invalid according to Policy: Policy expired."],
    ["a failed condition", () => form(signed(ANY, [["key", "k"]]), { data: "x" }), 403, "AccessDenied", 'Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "err/"]'],
    ["an extra field", () => form(signed(ANY, [["key", "err/k"], ["Cache-Control", "no-cache"]]), { data: "x" }), 403, "AccessDenied", "Invalid according to Policy: Extra input fields: cache-control"],
    ["a file over the range", () => form(signed([...ANY, ["content-length-range", 1, 100]], [["key", "err/k"]]), { data: randomData(64 * 1024) }), 400, "EntityTooLarge", undefined],
    ["a file under the range", () => form(signed([...ANY, ["content-length-range", 10, 100]], [["key", "err/k"]]), { data: "tiny" }), 400, "EntityTooSmall", undefined],
    ["no key", () => form(signed([], []), { data: "x" }), 400, "InvalidArgument", "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields."],
    ["no file", () => form(signed(ANY, [["key", "err/k"]])), 400, "IncorrectNumberOfFilesInPostRequest", undefined],
    // ACLs are stored and enforced (acl.test.ts); one granting to AWS's own accounts cannot be.
    ["an aws-exec-read ACL", () => form(signed([...ANY, { acl: "aws-exec-read" }], [["key", "err/k"], ["acl", "aws-exec-read"]]), { data: "x" }), 501, "NotImplemented", undefined],
    // SSE fields are applied (sse.test.ts); an encryption context needs aws:kms (docs/encryption.md).
    ["an encryption context without aws:kms", () => form(signed([...ANY, { "x-amz-server-side-encryption-context": "e30=" }], [["key", "err/k"], ["x-amz-server-side-encryption-context", "e30="]]), { data: "x" }), 400, "InvalidArgument", undefined],
    ["fields over 20 KiB", () => form(signed(ANY, [["key", "err/k"], ["x-ignore-pad", "p".repeat(21 * 1024)]]), { data: "x" }), 400, "MaxPostPreDataLengthExceeded", undefined],
    ["a body that is not multipart", () => new TextEncoder().encode("--nope\r\n"), 400, "MalformedPOSTRequest", undefined],
  ] as const)("raw fetch: %s", async (_name, body, status, code, message) => {
    const b = body();
    const headers = b instanceof Uint8Array ? { "content-type": "multipart/form-data; boundary=xyz" } : undefined;
    const e = await errorOf(await postForm(b, headers));
    expect({ status: e.status, code: e.code }).toEqual({ status, code });
    if (message) expect(e.message).toBe(message);
  });

  test("nothing the refused forms sent was stored", async () => {
    const names: string[] = [];
    for await (const o of mc.listObjectsV2(B, "err/", true) as any) names.push(o.name);
    expect(names).toEqual([]);
  });
});
