// Canned and XML ACLs stored and enforced with policies (issue 13 "Bucket policies and ACLs"),
// and the public access block that can switch them off (src/s3/acl.ts, acl-handlers.ts,
// iam/acl-eval.ts, public-access-block.ts) through createApp with the memory stores.
import { describe, expect, it } from "bun:test";
import { memoryDeps } from "../helpers/deps.ts";
import { errorCode, s3, type Env } from "../helpers/s3.ts";

const ALICE = { accessKeyId: "alice", secretAccessKey: "alice-secret" };
const ALL = "http://acs.amazonaws.com/groups/global/AllUsers";
const AUTH = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";
const OWNER_ID = "02d6176db174dc93cb1b899f7c6078f08654445fe8cf1b6ce98d8855f66bdbf4";

async function setup() {
  const env: Env = memoryDeps({ refreshIamIntervalMs: 60_000 });
  const c = s3(env);
  await c.createBucket("bkt");
  expect((await c.put("bkt", "k", "hello")).status).toBe(200);
  // A user with no policy at all: only what an ACL grants to every signed principal.
  expect((await env.deps.iam.putUser({ accessKey: "alice", secretKey: "alice-secret", status: "enabled" })).ok).toBe(true);
  const anon = (path: string, opts: Parameters<typeof c.send>[1] = {}) => c.send(path, { ...opts, anonymous: true });
  const alice = (path: string, opts: Parameters<typeof c.send>[1] = {}) => c.send(path, { ...opts, creds: ALICE });
  return { env, c, anon, alice };
}

const grantsOf = (xml: string) => [...xml.matchAll(/<Grant>.*?<\/Grant>/gs)].map(([g]) => `${/<URI>([^<]*)<\/URI>/.exec(g)?.[1] ?? "owner"} ${/<Permission>([^<]*)</.exec(g)?.[1]}`);

const acp = (...grants: string[]) => `<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>${OWNER_ID}</ID></Owner><AccessControlList>${grants.join("")}</AccessControlList></AccessControlPolicy>`;
const group = (uri: string, p: string) => `<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group"><URI>${uri}</URI></Grantee><Permission>${p}</Permission></Grant>`;
const user = (id: string, p: string) => `<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>${id}</ID></Grantee><Permission>${p}</Permission></Grant>`;

describe("object ACLs", () => {
  it("public-read on PutObject: anonymous GET and HEAD work, the ACL reads back, no internal header leaks; a new PUT is private again", async () => {
    const { c, anon } = await setup();
    expect((await anon("/bkt/k")).status).toBe(403);
    expect((await c.put("bkt", "k", "hello", { "x-amz-acl": "public-read" })).status).toBe(200);
    const get = await anon("/bkt/k");
    expect(get.status).toBe(200);
    expect(await get.text()).toBe("hello");
    expect([...get.headers.keys()].filter((k) => k.startsWith("x-s3edge"))).toEqual([]);
    expect((await anon("/bkt/k", { method: "HEAD" })).status).toBe(200);
    expect(grantsOf(await (await c.send("/bkt/k?acl")).text())).toEqual(["owner FULL_CONTROL", `${ALL} READ`]);
    // Reading it does not list the bucket, write it or read its ACL.
    expect((await anon("/bkt?list-type=2")).status).toBe(403);
    expect((await anon("/bkt/k", { method: "PUT", body: "x" })).status).toBe(403);
    expect((await anon("/bkt/k?acl")).status).toBe(403);
    expect((await c.put("bkt", "k", "v2")).status).toBe(200);
    expect((await anon("/bkt/k")).status).toBe(403);
  });

  it("PutObjectAcl with the canned header and with XML; setting private takes it back", async () => {
    const { c, anon } = await setup();
    expect((await c.send("/bkt/k?acl", { method: "PUT", headers: { "x-amz-acl": "public-read" } })).status).toBe(200);
    expect((await anon("/bkt/k")).status).toBe(200);
    expect((await c.send("/bkt/k?acl", { method: "PUT", headers: { "x-amz-acl": "private" } })).status).toBe(200);
    expect((await anon("/bkt/k")).status).toBe(403);
    expect((await c.send("/bkt/k?acl", { method: "PUT", body: acp(user(OWNER_ID, "FULL_CONTROL"), group(ALL, "READ")) })).status).toBe(200);
    expect((await anon("/bkt/k")).status).toBe(200);
    expect(grantsOf(await (await c.send("/bkt/k?acl")).text())).toEqual(["owner FULL_CONTROL", `${ALL} READ`]);
    expect((await c.send("/bkt/nope?acl", { method: "PUT", headers: { "x-amz-acl": "private" } })).status).toBe(404);
  });

  it.each([
    ["a grant to another canonical id", acp(user("79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be", "READ")), 501, "NotImplemented"],
    ["a grant to an e-mail", acp('<Grant><Grantee><EmailAddress>x@example.com</EmailAddress></Grantee><Permission>READ</Permission></Grant>'), 501, "NotImplemented"],
    ["a grant to LogDelivery", acp(group("http://acs.amazonaws.com/groups/s3/LogDelivery", "WRITE")), 501, "NotImplemented"],
    ["an unknown permission", acp(group(ALL, "EVERYTHING")), 400, "MalformedACLError"],
    ["not an AccessControlPolicy", "<Nope/>", 400, "MalformedACLError"],
  ])("PutObjectAcl with %s is refused, nothing changes", async (_n, body, status, code) => {
    const { c, anon } = await setup();
    const res = await c.send("/bkt/k?acl", { method: "PUT", body });
    expect(res.status).toBe(status);
    expect(await errorCode(res)).toBe(code);
    expect((await anon("/bkt/k")).status).toBe(403);
  });

  it("authenticated-read: any signed principal reads (a user with no policy too), anonymous does not", async () => {
    const { c, anon, alice } = await setup();
    expect((await alice("/bkt/k")).status).toBe(403);
    expect((await c.put("bkt", "k", "hello", { "x-amz-acl": "authenticated-read" })).status).toBe(200);
    expect((await alice("/bkt/k")).status).toBe(200);
    expect((await anon("/bkt/k")).status).toBe(403);
  });

  it("an explicit Deny in the bucket policy wins over a public-read ACL", async () => {
    const { c, anon } = await setup();
    expect((await c.put("bkt", "k", "hello", { "x-amz-acl": "public-read" })).status).toBe(200);
    const policy = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Deny", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::bkt/k" }] });
    expect((await c.send("/bkt?policy", { method: "PUT", body: policy })).status).toBe(204);
    expect((await anon("/bkt/k")).status).toBe(403);
  });

  it("CopyObject and CreateMultipartUpload take x-amz-acl; a copy does not inherit the source's ACL", async () => {
    const { c, anon } = await setup();
    expect((await c.put("bkt", "k", "hello", { "x-amz-acl": "public-read" })).status).toBe(200);
    expect((await c.send("/bkt/copy", { method: "PUT", headers: { "x-amz-copy-source": "/bkt/k" } })).status).toBe(200);
    expect((await anon("/bkt/copy")).status).toBe(403);
    expect((await c.send("/bkt/copy2", { method: "PUT", headers: { "x-amz-copy-source": "/bkt/k", "x-amz-acl": "public-read" } })).status).toBe(200);
    expect((await anon("/bkt/copy2")).status).toBe(200);
    const init = await c.send("/bkt/mp?uploads", { method: "POST", headers: { "x-amz-acl": "public-read" } });
    const uploadId = /<UploadId>([^<]+)</.exec(await init.text())![1];
    const part = await c.send(`/bkt/mp?partNumber=1&uploadId=${uploadId}`, { method: "PUT", body: "part" });
    const done = await c.send(`/bkt/mp?uploadId=${uploadId}`, {
      method: "POST", body: `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${part.headers.get("etag")}</ETag></Part></CompleteMultipartUpload>`,
    });
    expect(done.status).toBe(200);
    expect(await (await anon("/bkt/mp")).text()).toBe("part");
  });
});

describe("bucket ACLs", () => {
  it("public-read on CreateBucket: anonymous ListObjects works, objects stay private; GetBucketAcl shows it", async () => {
    const { c, anon } = await setup();
    expect((await c.send("/pub", { method: "PUT", headers: { "x-amz-acl": "public-read" } })).status).toBe(200);
    expect((await c.put("pub", "o", "x")).status).toBe(200);
    const list = await anon("/pub?list-type=2");
    expect(list.status).toBe(200);
    expect(await list.text()).toContain("<Key>o</Key>");
    expect((await anon("/pub/o")).status).toBe(403);
    expect(grantsOf(await (await c.send("/pub?acl")).text())).toEqual(["owner FULL_CONTROL", `${ALL} READ`]);
    expect(grantsOf(await (await c.send("/bkt?acl")).text())).toEqual(["owner FULL_CONTROL"]);
  });

  it("public-read-write: anonymous PUT and DELETE work; PutBucketAcl private ends it", async () => {
    const { c, anon } = await setup();
    expect((await c.send("/bkt?acl", { method: "PUT", headers: { "x-amz-acl": "public-read-write" } })).status).toBe(200);
    expect((await anon("/bkt/drop", { method: "PUT", body: "dropped" })).status).toBe(200);
    expect(await (await c.get("bkt", "drop")).text()).toBe("dropped");
    expect((await anon("/bkt/drop", { method: "DELETE" })).status).toBe(204);
    expect((await c.send("/bkt?acl", { method: "PUT", body: acp(user(OWNER_ID, "FULL_CONTROL")) })).status).toBe(200);
    expect((await anon("/bkt/drop", { method: "PUT", body: "x" })).status).toBe(403);
    expect((await anon("/bkt?list-type=2")).status).toBe(403);
  });

  it("AuthenticatedUsers READ by XML: alice lists, anonymous does not", async () => {
    const { c, anon, alice } = await setup();
    expect((await c.send("/bkt?acl", { method: "PUT", body: acp(group(AUTH, "READ")) })).status).toBe(200);
    expect((await alice("/bkt?list-type=2")).status).toBe(200);
    expect((await alice("/bkt/k")).status).toBe(403);
    expect((await anon("/bkt?list-type=2")).status).toBe(403);
  });

  it("the ACL header and a body at once → 400; neither → 400", async () => {
    const { c } = await setup();
    expect((await c.send("/bkt?acl", { method: "PUT", headers: { "x-amz-acl": "private" }, body: acp() })).status).toBe(400);
    expect((await c.send("/bkt?acl", { method: "PUT" })).status).toBe(400);
  });
});

describe("object ownership BucketOwnerEnforced", () => {
  it("disables ACLs: public ones are refused (AccessControlListNotSupported), private ones pass, stored ones stop counting", async () => {
    const { c, anon } = await setup();
    await c.put("bkt", "k", "hello", { "x-amz-acl": "public-read" });
    const own = (o: string) => `<OwnershipControls><Rule><ObjectOwnership>${o}</ObjectOwnership></Rule></OwnershipControls>`;
    expect((await c.send("/bkt?ownershipControls", { method: "PUT", body: own("BucketOwnerEnforced") })).status).toBe(200);
    expect((await anon("/bkt/k")).status).toBe(403);
    const r = await c.send("/bkt/n", { method: "PUT", body: "x", headers: { "x-amz-acl": "public-read" } });
    expect([r.status, await errorCode(r)]).toEqual([400, "AccessControlListNotSupported"]);
    expect((await c.send("/bkt?acl", { method: "PUT", headers: { "x-amz-acl": "authenticated-read" } })).status).toBe(400);
    expect((await c.put("bkt", "n", "x", { "x-amz-acl": "bucket-owner-full-control" })).status).toBe(200);
    expect((await c.send("/bkt?ownershipControls", { method: "PUT", body: own("ObjectWriter") })).status).toBe(200);
    expect((await anon("/bkt/k")).status).toBe(200);
  });
});

describe("public access block", () => {
  const pab = (flags: Record<string, boolean>) =>
    `<PublicAccessBlockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${Object.entries(flags).map(([k, v]) => `<${k}>${v}</${k}>`).join("")}</PublicAccessBlockConfiguration>`;

  it("Put/Get/Delete round-trip; none → 404 NoSuchPublicAccessBlockConfiguration", async () => {
    const { c } = await setup();
    expect(await errorCode(await c.send("/bkt?publicAccessBlock"))).toBe("NoSuchPublicAccessBlockConfiguration");
    expect((await c.send("/bkt?publicAccessBlock", { method: "PUT", body: pab({ BlockPublicAcls: true, RestrictPublicBuckets: true }) })).status).toBe(200);
    const got = await (await c.send("/bkt?publicAccessBlock")).text();
    expect(got).toContain("<BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>false</IgnorePublicAcls><BlockPublicPolicy>false</BlockPublicPolicy><RestrictPublicBuckets>true</RestrictPublicBuckets>");
    expect((await c.send("/bkt?publicAccessBlock", { method: "PUT", body: "<PublicAccessBlockConfiguration><BlockPublicAcls>yes</BlockPublicAcls></PublicAccessBlockConfiguration>" })).status).toBe(400);
    expect((await c.send("/bkt?publicAccessBlock", { method: "DELETE" })).status).toBe(204);
    expect((await c.send("/bkt?publicAccessBlock")).status).toBe(404);
  });

  it("BlockPublicAcls: public ACLs are refused 403 on PutObject, PutObjectAcl and PutBucketAcl; private ones pass", async () => {
    const { c } = await setup();
    await c.send("/bkt?publicAccessBlock", { method: "PUT", body: pab({ BlockPublicAcls: true }) });
    for (const [path, method] of [["/bkt/n", "PUT"], ["/bkt/k?acl", "PUT"], ["/bkt?acl", "PUT"]] as const) {
      const r = await c.send(path, { method, body: path === "/bkt/n" ? "x" : undefined, headers: { "x-amz-acl": "public-read" } });
      expect([path, r.status, await errorCode(r)]).toEqual([path, 403, "AccessDenied"]);
    }
    expect((await c.send("/bkt?acl", { method: "PUT", body: acp(group(AUTH, "READ")) })).status).toBe(403);
    expect((await c.head("bkt", "n")).status).toBe(404);
    expect((await c.put("bkt", "n", "x", { "x-amz-acl": "private" })).status).toBe(200);
  });

  it("IgnorePublicAcls: a stored public-read is not honoured while it is set", async () => {
    const { c, anon } = await setup();
    await c.put("bkt", "k", "hello", { "x-amz-acl": "public-read" });
    expect((await anon("/bkt/k")).status).toBe(200);
    await c.send("/bkt?publicAccessBlock", { method: "PUT", body: pab({ IgnorePublicAcls: true }) });
    expect((await anon("/bkt/k")).status).toBe(403);
    await c.send("/bkt?publicAccessBlock", { method: "DELETE" });
    expect((await anon("/bkt/k")).status).toBe(200);
  });

  it("BlockPublicPolicy refuses a public policy (403); RestrictPublicBuckets keeps a stored one from anonymous callers", async () => {
    const { c, anon } = await setup();
    const pub = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: ["*"] }, Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::bkt/*"] }] });
    await c.send("/bkt?publicAccessBlock", { method: "PUT", body: pab({ BlockPublicPolicy: true }) });
    const r = await c.send("/bkt?policy", { method: "PUT", body: pub });
    expect([r.status, await errorCode(r)]).toEqual([403, "AccessDenied"]);
    expect((await c.send("/bkt?policy")).status).toBe(404);
    await c.send("/bkt?publicAccessBlock", { method: "PUT", body: pab({ RestrictPublicBuckets: true }) });
    expect((await c.send("/bkt?policy", { method: "PUT", body: pub })).status).toBe(204);
    expect((await anon("/bkt/k")).status).toBe(403);
    await c.send("/bkt?publicAccessBlock", { method: "DELETE" });
    expect((await anon("/bkt/k")).status).toBe(200);
  });
});
