// The object-tag condition keys through createApp: s3:ExistingObjectTag/<key> (the object's
// stored tags, read only when a matching statement names such a key), s3:RequestObjectTag/<key>
// and s3:RequestObjectTagKeys (x-amz-tagging on PUT, the body of PutObjectTagging), and the
// other request keys (s3:x-amz-acl, s3:signatureversion, s3:authType, aws:SecureTransport,
// aws:CurrentTime, aws:userid) fed from the request.
import { describe, expect, it } from "bun:test";
import { memoryDeps } from "../helpers/deps.ts";
import { s3 } from "../helpers/s3.ts";
import type { IamWrite } from "../../../src/iam/store.ts";

const ALICE = { accessKeyId: "alice", secretAccessKey: "alice-secret" };
const ok = async (w: Promise<IamWrite>) => expect((await w).ok).toBe(true);
const doc = (...Statement: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement });
const tagging = (tags: Record<string, string>) =>
  `<Tagging><TagSet>${Object.entries(tags).map(([k, v]) => `<Tag><Key>${k}</Key><Value>${v}</Value></Tag>`).join("")}</TagSet></Tagging>`;

async function setup(...statements: unknown[]) {
  const env = memoryDeps();
  const c = s3(env);
  await c.createBucket("bkt");
  expect((await c.put("bkt", "public.txt", "p", { "x-amz-tagging": "class=public" })).status).toBe(200);
  expect((await c.put("bkt", "secret.txt", "s", { "x-amz-tagging": "class=secret" })).status).toBe(200);
  expect((await c.put("bkt", "plain.txt", "n")).status).toBe(200);
  await ok(env.deps.iam.putPolicy("p", doc(...statements)));
  await ok(env.deps.iam.putUser({ accessKey: "alice", secretKey: "alice-secret", status: "enabled", policies: ["p"] }));
  // Count the object reads the authorizer makes (the tags come from the object's record).
  let reads = 0;
  const getObject = env.deps.meta.getObject.bind(env.deps.meta);
  env.deps.meta.getObject = (...a: Parameters<typeof getObject>) => { reads++; return getObject(...a); };
  const alice = (path: string, opts: Parameters<typeof c.send>[1] = {}) => c.send(path, { ...opts, creds: ALICE }).then((r) => r.status);
  return { env, c, alice, reads: () => reads, resetReads: () => { reads = 0; } };
}

describe("s3:ExistingObjectTag/<key>", () => {
  it("allows GetObject only of objects whose stored tag matches; objects without the tag are refused", async () => {
    const { alice } = await setup({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::bkt/*", Condition: { StringEquals: { "s3:ExistingObjectTag/class": "public" } } });
    expect(await alice("/bkt/public.txt")).toBe(200);
    expect(await alice("/bkt/secret.txt")).toBe(403);
    expect(await alice("/bkt/plain.txt")).toBe(403);
    expect(await alice("/bkt/missing.txt")).toBe(403);
  });

  it("an explicit Deny on a tag beats readwrite, also with a negated operator (absent tag)", async () => {
    const { alice } = await setup(
      { Effect: "Allow", Action: "s3:*", Resource: "arn:aws:s3:::*" },
      { Effect: "Deny", Action: "s3:GetObject", Resource: "arn:aws:s3:::bkt/*", Condition: { StringNotEquals: { "s3:ExistingObjectTag/class": "public" } } },
    );
    expect(await alice("/bkt/public.txt")).toBe(200);
    expect(await alice("/bkt/secret.txt")).toBe(403);
    expect(await alice("/bkt/plain.txt")).toBe(403);
    expect(await alice("/bkt?list-type=2")).toBe(200);
  });

  it("as a bucket policy condition for anonymous readers", async () => {
    const { c } = await setup({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::bkt/*" });
    const policy = doc({ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::bkt/*", Condition: { StringEquals: { "s3:ExistingObjectTag/class": "public" } } });
    expect((await c.send("/bkt?policy", { method: "PUT", body: policy })).status).toBe(204);
    expect((await c.send("/bkt/public.txt", { anonymous: true })).status).toBe(200);
    expect((await c.send("/bkt/secret.txt", { anonymous: true })).status).toBe(403);
  });

  it("the object is read for its tags only when a matching statement names such a key", async () => {
    const { alice, reads, resetReads } = await setup(
      { Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::bkt/plain.txt" },
      { Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::bkt/p*", Condition: { StringEquals: { "s3:ExistingObjectTag/class": "public" } } },
    );
    resetReads();
    expect(await alice("/bkt?list-type=2")).toBe(403);
    expect(reads()).toBe(0); // a bucket ARN: no object, no tags
    expect(await alice("/bkt/secret.txt")).toBe(403);
    expect(reads()).toBe(1); // no statement for this key names a tag: the one read is the ACL fallback's
    resetReads();
    expect(await alice("/bkt/public.txt")).toBe(200);
    expect(reads()).toBe(2); // the tags (once), then the handler's own read
  });
});

describe("s3:ExistingObjectTag/<key> of a version", () => {
  it("?versionId: the tags of that version count, not the current one's", async () => {
    const { c, alice } = await setup({
      Effect: "Allow", Action: ["s3:GetObject", "s3:GetObjectVersion"], Resource: "arn:aws:s3:::bkt/*",
      Condition: { StringEquals: { "s3:ExistingObjectTag/class": "public" } },
    });
    const on = await c.send("/bkt?versioning", { method: "PUT", body: "<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>" });
    expect(on.status).toBe(200);
    const v1 = (await c.put("bkt", "doc", "one", { "x-amz-tagging": "class=public" })).headers.get("x-amz-version-id")!;
    const v2 = (await c.put("bkt", "doc", "two", { "x-amz-tagging": "class=secret" })).headers.get("x-amz-version-id")!;
    expect(v1 && v2 && v1 !== v2).toBe(true);
    expect(await alice(`/bkt/doc?versionId=${v1}`)).toBe(200);
    expect(await alice(`/bkt/doc?versionId=${v2}`)).toBe(403);
    expect(await alice("/bkt/doc")).toBe(403);
  });
});

describe("s3:RequestObjectTag/<key> and s3:RequestObjectTagKeys", () => {
  const statements = [
    { Effect: "Allow", Action: ["s3:PutObject", "s3:PutObjectTagging"], Resource: "arn:aws:s3:::bkt/*", Condition: { StringEquals: { "s3:RequestObjectTag/project": "x" } } },
    { Effect: "Deny", Action: ["s3:PutObject", "s3:PutObjectTagging"], Resource: "arn:aws:s3:::bkt/*", Condition: { "ForAnyValue:StringNotEquals": { "s3:RequestObjectTagKeys": ["project", "owner"] } } },
  ];

  it("PutObject with x-amz-tagging: the tag is required, and no key outside the allowed set", async () => {
    const { alice } = await setup(...statements);
    expect(await alice("/bkt/a", { method: "PUT", body: "x", headers: { "x-amz-tagging": "project=x" } })).toBe(200);
    expect(await alice("/bkt/b", { method: "PUT", body: "x", headers: { "x-amz-tagging": "project=x&owner=al" } })).toBe(200);
    expect(await alice("/bkt/c", { method: "PUT", body: "x", headers: { "x-amz-tagging": "project=y" } })).toBe(403);
    expect(await alice("/bkt/d", { method: "PUT", body: "x", headers: { "x-amz-tagging": "project=x&cost=1" } })).toBe(403);
    expect(await alice("/bkt/e", { method: "PUT", body: "x" })).toBe(403);
  });

  it("PutObjectTagging: the tags of the body are the request's", async () => {
    const { alice, c } = await setup(...statements);
    expect(await alice("/bkt/plain.txt?tagging", { method: "PUT", body: tagging({ project: "x" }) })).toBe(200);
    expect(await alice("/bkt/plain.txt?tagging", { method: "PUT", body: tagging({ project: "x", cost: "1" }) })).toBe(403);
    expect(await alice("/bkt/plain.txt?tagging", { method: "PUT", body: tagging({ project: "z" }) })).toBe(403);
    const r = await c.send("/bkt/plain.txt?tagging");
    expect(await r.text()).toContain("<Key>project</Key><Value>x</Value>");
  });

  it("a caller who may not tag at all is refused before it learns the body is malformed", async () => {
    const { alice } = await setup({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::bkt/*" });
    expect(await alice("/bkt/plain.txt?tagging", { method: "PUT", body: "<Tagging><TagSet>" })).toBe(403);
    const { alice: tagger } = await setup({ Effect: "Allow", Action: "s3:PutObjectTagging", Resource: "arn:aws:s3:::bkt/*" });
    expect(await tagger("/bkt/plain.txt?tagging", { method: "PUT", body: "<Tagging><TagSet>" })).toBe(400);
  });

  it("the signature is still checked before the body is read; an unsigned PutObjectTagging is refused", async () => {
    const { c } = await setup(...statements);
    const bad = await c.send("/bkt/plain.txt?tagging", { method: "PUT", body: tagging({ project: "x" }), creds: { accessKeyId: "alice", secretAccessKey: "wrong-secret" } });
    expect(bad.status).toBe(403);
    expect(await bad.text()).toContain("SignatureDoesNotMatch");
    expect((await c.send("/bkt/plain.txt?tagging", { method: "PUT", body: tagging({ project: "x" }), anonymous: true })).status).toBe(403);
  });
});

describe("request condition keys", () => {
  it("s3:x-amz-acl, aws:SecureTransport, s3:signatureversion, s3:authType, aws:CurrentTime and aws:userid come from the request", async () => {
    const now = new Date(Date.now() + 86_400_000).toISOString();
    const { alice } = await setup(
      { Effect: "Allow", Action: "s3:PutObject", Resource: "arn:aws:s3:::bkt/*", Condition: { StringEquals: { "s3:x-amz-acl": "private" } } },
      {
        Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::bkt/*",
        Condition: {
          Bool: { "aws:SecureTransport": "false" }, StringEquals: { "s3:signatureversion": "AWS4-HMAC-SHA256", "s3:authType": "REST-HEADER", "aws:userid": "alice" },
          DateLessThan: { "aws:CurrentTime": now },
        },
      },
    );
    expect(await alice("/bkt/n", { method: "PUT", body: "x", headers: { "x-amz-acl": "private" } })).toBe(200);
    expect(await alice("/bkt/n2", { method: "PUT", body: "x", headers: { "x-amz-acl": "public-read" } })).toBe(403);
    expect(await alice("/bkt/n3", { method: "PUT", body: "x" })).toBe(403);
    expect(await alice("/bkt/plain.txt")).toBe(200);
  });
});
