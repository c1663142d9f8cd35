// Object keys that are hard to carry: unicode, spaces, '+', '%', XML specials, nested and
// doubled slashes, '..' inside names, the 1024-byte limit, and URL dot-segments.
// @aws-sdk/client-s3 does the per-key round trips (in process, fast); the aws cli and curl
// cover the same kinds of names through their own encoders.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { aws, bucketName, curl, ok, runtime, tempDir, useServer, xmlCode, sdkConfig } from "./harness.ts";

const ep = useServer();
const B = bucketName("keys");
/** A second bucket: a dot-segment key must never reach it. */
const B2 = bucketName("keys-victim");
let s3: S3Client;

beforeAll(async () => {
  s3 = new S3Client(sdkConfig(ep));
  await s3.send(new CreateBucketCommand({ Bucket: B }));
  await s3.send(new CreateBucketCommand({ Bucket: B2 }));
});
afterAll(() => s3?.destroy());

const utf8Len = (s: string) => new TextEncoder().encode(s).length;

async function exists(bucket: string, key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (e: any) {
    if (e.$metadata?.httpStatusCode === 404) return false;
    throw e;
  }
}

async function status(p: Promise<unknown>): Promise<{ status: number; name?: string }> {
  try {
    const r: any = await p;
    return { status: r.$metadata.httpStatusCode };
  } catch (e: any) {
    return { status: e.$metadata?.httpStatusCode ?? 0, name: e.name };
  }
}

// A 1024-byte key (the S3 maximum) made of 2-byte characters, and one byte more.
const KEY_1024 = "long/" + "é".repeat(509) + "x";
const KEY_1025 = KEY_1024 + "y";

const KEYS = [
  "uni/日本語/ファイル.txt",
  "uni/emoji 😀 🚀.bin",
  "uni/Ünïcödé-ß",
  "space/a b  c.txt",
  "space/ leading and trailing ",
  "plus/a+b+c",
  "plus/+",
  "pct/100%",
  "pct/%2F-not-a-slash",
  "pct/%41%",
  "sym/!$&'()*,;=@:~",
  "sym/[brackets]{braces}^`|\\",
  'sym/xml <tag attr="v"> & \'quote\'',
  "sym/hash#frag?query=1&x",
  "nested/a/b/c/d/e/f/g/h/i/j/deep.txt",
  "slash//double",
  "slash/trailing/",
  "dots/a..b",
  "dots/..x",
  "dots/x..",
  "dots/...",
  "dots/a/..b/c",
  "dots/.hidden",
  "dots/....//x",
  KEY_1024,
];

describe("keys round-trip through @aws-sdk/client-s3", () => {
  test("the 1024-byte key is exactly 1024 bytes", () => {
    expect(utf8Len(KEY_1024)).toBe(1024);
    expect(utf8Len(KEY_1025)).toBe(1025);
  });

  for (const key of KEYS) {
    const label = utf8Len(key) > 100 ? `${key.slice(0, 20)}… (${utf8Len(key)} bytes)` : JSON.stringify(key);
    test(`put/head/get/list/copy/delete ${label}`, async () => {
      const body = `body of ${key}`;
      await s3.send(new PutObjectCommand({ Bucket: B, Key: key, Body: body }));
      const head = await s3.send(new HeadObjectCommand({ Bucket: B, Key: key }));
      expect(head.ContentLength).toBe(utf8Len(body));
      const got = await s3.send(new GetObjectCommand({ Bucket: B, Key: key }));
      expect(await got.Body!.transformToString()).toBe(body);
      // Listing with the key as prefix returns exactly that key (SDK v3 decodes EncodingType=url).
      const list = await s3.send(new ListObjectsV2Command({ Bucket: B, Prefix: key }));
      expect(list.Contents?.map((o) => o.Key)).toEqual([key]);
      // Copy (the copy source is URL-encoded by the caller) to a sibling key.
      const copyKey = utf8Len(key) > 1000 ? key.slice(0, -10) + "-copy" : `${key}.copy`;
      await s3.send(new CopyObjectCommand({ Bucket: B, Key: copyKey, CopySource: `${B}/${encodeURIComponent(key)}` }));
      const copied = await s3.send(new GetObjectCommand({ Bucket: B, Key: copyKey }));
      expect(await copied.Body!.transformToString()).toBe(body);
      await s3.send(new DeleteObjectCommand({ Bucket: B, Key: copyKey }));
      expect(await exists(B, copyKey)).toBe(false);
      expect(await exists(B, key)).toBe(true); // kept for the listing test below
    });
  }

  test("a listing of everything returns every key verbatim, in UTF-8 byte order", async () => {
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: B, ContinuationToken: token, MaxKeys: 7 }));
      seen.push(...(page.Contents ?? []).map((o) => o.Key!));
      token = page.NextContinuationToken;
    } while (token);
    const want = [...KEYS].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect(seen).toEqual(want);
  });

  test("a 1025-byte key → 400 KeyTooLongError, nothing stored", async () => {
    const r = await status(s3.send(new PutObjectCommand({ Bucket: B, Key: KEY_1025, Body: "x" })));
    expect(r).toEqual({ status: 400, name: "KeyTooLongError" });
    const list = await s3.send(new ListObjectsV2Command({ Bucket: B, Prefix: KEY_1025.slice(0, 100) }));
    expect(list.Contents?.map((o) => o.Key)).toEqual([KEY_1024]);
    // The same limit applies to the destination of a copy and to multipart uploads.
    const copy = await status(s3.send(new CopyObjectCommand({ Bucket: B, Key: KEY_1025, CopySource: `${B}/plus/%2B` })));
    expect(copy).toEqual({ status: 400, name: "KeyTooLongError" });
  });
});

describe("URL dot-segments", () => {
  // Keys are names, not paths: S3 stores "a/../b" as it is. On Bun the adapter hands the app the
  // path as sent, so such keys round-trip. workerd (and Cloudflare's edge) normalise the URL
  // before the Worker sees it, so there the request is refused (the signature covered the path
  // as sent) — and in no case may it reach the key the normalised path names.
  const cases: [key: string, normalisedBucket: () => string, normalisedKey: string][] = [
    ["dotseg/x/../b", () => B, "dotseg/b"],
    ["dotseg/./c", () => B, "dotseg/c"],
    ["dotseg/y/./../d", () => B, "dotseg/d"],
    [`../${"B2"}/victim`, () => B2, "victim"],
  ];
  const keepsPath = runtime() === "bun";
  for (const [rawKey, nb, nk] of cases) {
    test(`PutObject ${JSON.stringify(rawKey)} ${keepsPath ? "round-trips" : "is refused"} and does not create ${JSON.stringify(nk)}`, async () => {
      const key = rawKey.replace("B2", B2);
      const r = await status(s3.send(new PutObjectCommand({ Bucket: B, Key: key, Body: "landed as named" })));
      if (keepsPath) {
        expect(r.status).toBe(200);
        const got = await s3.send(new GetObjectCommand({ Bucket: B, Key: key }));
        expect(await got.Body!.transformToString()).toBe("landed as named");
      } else expect(r.status).toBeGreaterThanOrEqual(400);
      expect(await exists(nb(), nk)).toBe(false);
      // Presigned PUT sent byte-for-byte (curl --path-as-is).
      const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: B, Key: key }), { expiresIn: 60 });
      const raw = await curl(null, url, { method: "PUT", data: "presigned, as named" });
      if (keepsPath) {
        expect(raw.status).toBe(200);
        const got = await s3.send(new GetObjectCommand({ Bucket: B, Key: key }));
        expect(await got.Body!.transformToString()).toBe("presigned, as named");
        await s3.send(new DeleteObjectCommand({ Bucket: B, Key: key }));
      } else expect(raw.status).toBeGreaterThanOrEqual(400);
      expect(await exists(nb(), nk)).toBe(false);
    });
  }

  test("GET through a dot-segment path never returns a different object", async () => {
    await s3.send(new PutObjectCommand({ Bucket: B, Key: "dotseg/real", Body: "real object" }));
    // Signed for key "dotseg/z/../real": its own (missing) key on Bun, a bad signature on workerd.
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: B, Key: "dotseg/z/../real" }), { expiresIn: 60 });
    const r = await curl(null, url);
    expect(r.status).toBe(keepsPath ? 404 : 403);
    expect(xmlCode(r.body)).toBe(keepsPath ? "NoSuchKey" : "SignatureDoesNotMatch");
  });
});

describe("keys through the aws cli and curl", () => {
  const names = ["uni/日本語.txt", "sp ace/file name.txt", "plus+sign.txt", "pct%25.txt", "a..b", "..x", "brackets[1].txt", "amp&eq=.txt"];

  test("aws s3 sync up and down keeps awkward names intact", async () => {
    const src = tempDir();
    for (const n of names) {
      mkdirSync(dirname(join(src, n)), { recursive: true });
      await Bun.write(join(src, n), `content of ${n}`);
    }
    ok(await aws(ep, ["s3", "sync", "--only-show-errors", src, `s3://${B}/cli/`]), "sync up");
    const ls = ok(await aws(ep, ["s3", "ls", "--recursive", `s3://${B}/cli/`]), "ls");
    for (const n of names) expect(ls).toContain(`cli/${n}\n`);
    const dst = tempDir();
    ok(await aws(ep, ["s3", "sync", "--only-show-errors", `s3://${B}/cli/`, dst]), "sync down");
    for (const n of names) expect(await Bun.file(join(dst, n)).text()).toBe(`content of ${n}`);
    // s3api addresses the same keys.
    const head = ok(await aws(ep, ["s3api", "head-object", "--bucket", B, "--key", "cli/plus+sign.txt"]), "head");
    expect(JSON.parse(head).ContentLength).toBe("content of plus+sign.txt".length);
  });

  test("curl (SigV4 by curl) reads a key with unicode and spaces via percent-encoding", async () => {
    const url = `${ep.url}/${B}/${encodeURIComponent("space/a b  c.txt").replace(/%2F/g, "/")}`;
    const r = await curl(ep, url, { sign: true });
    expect(r.status).toBe(200);
    expect(r.body).toBe("body of space/a b  c.txt");
    const u = `${ep.url}/${B}/${encodeURI("uni/日本語/ファイル.txt")}`;
    const r2 = await curl(ep, u, { sign: true });
    expect(r2.status).toBe(200);
    expect(r2.body).toBe("body of uni/日本語/ファイル.txt");
  });
});
