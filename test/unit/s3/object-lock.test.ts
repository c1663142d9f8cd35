// Object Lock at the S3 layer (app.request, memory deps, single and sharded store): lock-enabled
// buckets and their configuration, retention and legal hold by header and by subresource, what
// a lock refuses (deletes by version id, shortening COMPLIANCE), the GOVERNANCE bypass and its
// permission, DeleteObjects' per-key errors, multipart and copy, and the lifecycle sweep.
import { describe, expect, it } from "bun:test";
import { errorCode, md5B64, parseXmlText, withBucket } from "../helpers/s3.ts";
import { sweepLifecycle } from "../../../src/s3/lifecycle-sweep.ts";
import { targetsFromEnv } from "../../../src/events/targets.ts";

const DAY = 86_400_000;
const md5 = (body: string) => ({ "content-md5": md5B64(body) });
const retentionXml = (mode: string, until: number) =>
  `<Retention xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Mode>${mode}</Mode><RetainUntilDate>${new Date(until).toISOString()}</RetainUntilDate></Retention>`;
const holdXml = (s: string) => `<LegalHold xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>${s}</Status></LegalHold>`;
const lockConfigXml = (rule = "") => `<ObjectLockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><ObjectLockEnabled>Enabled</ObjectLockEnabled>${rule}</ObjectLockConfiguration>`;

async function lockedBucket(sharded: boolean) {
  const b = await withBucket("plain", undefined, { sharded });
  const { c, env } = b;
  expect((await c.send("/lkb", { method: "PUT", headers: { "x-amz-bucket-object-lock-enabled": "true" } })).status).toBe(200);
  const now = env.deps.clock.now();
  const putRetention = (key: string, mode: string, until: number, opts: { versionId?: string; bypass?: boolean } = {}) => {
    const body = retentionXml(mode, until);
    const q = opts.versionId ? `&versionId=${opts.versionId}` : "";
    return c.send(`/lkb/${key}?retention${q}`, { method: "PUT", body, headers: { ...md5(body), ...(opts.bypass ? { "x-amz-bypass-governance-retention": "true" } : {}) } });
  };
  const delVersion = (key: string, versionId: string, bypass = false) =>
    c.send(`/lkb/${key}?versionId=${versionId}`, { method: "DELETE", headers: bypass ? { "x-amz-bypass-governance-retention": "true" } : {} });
  const putLocked = async (key: string, mode: string, until: number) => {
    const r = await c.put("lkb", key, "data", { ...md5("data"), "x-amz-object-lock-mode": mode, "x-amz-object-lock-retain-until-date": new Date(until).toISOString() });
    expect(r.status).toBe(200);
    return r.headers.get("x-amz-version-id")!;
  };
  return { ...b, now, putRetention, delVersion, putLocked };
}

for (const sharded of [false, true]) {
  describe(`object lock (${sharded ? "sharded" : "single"} store)`, () => {
    it("a lock-enabled bucket: versioning Enabled for good; the configuration round-trips; other buckets refuse", async () => {
      const { c } = await lockedBucket(sharded);
      expect(await (await c.send("/lkb?versioning")).text()).toContain("<Status>Enabled</Status>");
      expect(await (await c.send("/lkb?object-lock")).text()).toContain("<ObjectLockConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><ObjectLockEnabled>Enabled</ObjectLockEnabled></ObjectLockConfiguration>");
      const suspend = '<VersioningConfiguration><Status>Suspended</Status></VersioningConfiguration>';
      const r = await c.send("/lkb?versioning", { method: "PUT", body: suspend });
      expect([r.status, await errorCode(r)]).toEqual([409, "InvalidBucketState"]);
      expect(await errorCode(await c.send("/plain?object-lock"))).toBe("ObjectLockConfigurationNotFoundError");
      // Default retention: exactly one of Days/Years, positive; Content-MD5 (or a checksum) required.
      const rule = lockConfigXml("<Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>2</Days></DefaultRetention></Rule>");
      expect(await errorCode(await c.send("/lkb?object-lock", { method: "PUT", body: rule }))).toBe("InvalidRequest");
      expect((await c.send("/lkb?object-lock", { method: "PUT", body: rule, headers: md5(rule) })).status).toBe(200);
      const doc = parseXmlText(await (await c.send("/lkb?object-lock")).text());
      expect(doc.ObjectLockConfiguration.Rule.DefaultRetention).toEqual({ Mode: "GOVERNANCE", Days: "2" });
      for (const [bad, code] of [
        ["<Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>1</Days><Years>1</Years></DefaultRetention></Rule>", "MalformedXML"],
        ["<Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>0</Days></DefaultRetention></Rule>", "InvalidArgument"],
        ["<Rule><DefaultRetention><Mode>LOOSE</Mode><Days>1</Days></DefaultRetention></Rule>", "MalformedXML"],
      ]) {
        const body = lockConfigXml(bad);
        expect(await errorCode(await c.send("/lkb?object-lock", { method: "PUT", body, headers: md5(body) }))).toBe(code);
      }
      const body = lockConfigXml();
      // Unversioned: refused; once versioning is Enabled, lock can be turned on (AWS).
      expect(await errorCode(await c.send("/plain?object-lock", { method: "PUT", body, headers: md5(body) }))).toBe("InvalidBucketState");
      await c.send("/plain?versioning", { method: "PUT", body: "<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>" });
      expect((await c.send("/plain?object-lock", { method: "PUT", body, headers: md5(body) })).status).toBe(200);
    });

    it("default retention applies to new versions; lock headers on PUT are validated and answered on GET/HEAD", async () => {
      const { c, now } = await lockedBucket(sharded);
      const rule = lockConfigXml("<Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>1</Days></DefaultRetention></Rule>");
      await c.send("/lkb?object-lock", { method: "PUT", body: rule, headers: md5(rule) });
      await c.put("lkb", "d", "x");
      const head = await c.head("lkb", "d");
      expect(head.headers.get("x-amz-object-lock-mode")).toBe("GOVERNANCE");
      expect(Date.parse(head.headers.get("x-amz-object-lock-retain-until-date")!) - now).toBe(DAY);
      const until = new Date(now + 3 * DAY).toISOString();
      const withLock = { "x-amz-object-lock-mode": "COMPLIANCE", "x-amz-object-lock-retain-until-date": until, "x-amz-object-lock-legal-hold": "ON" };
      expect(await errorCode(await c.put("lkb", "e", "x", withLock))).toBe("InvalidRequest"); // no Content-MD5 / checksum
      expect((await c.put("lkb", "e", "x", { ...withLock, ...md5("x") })).status).toBe(200);
      const get = await c.get("lkb", "e");
      expect([get.headers.get("x-amz-object-lock-mode"), get.headers.get("x-amz-object-lock-retain-until-date"), get.headers.get("x-amz-object-lock-legal-hold")])
        .toEqual(["COMPLIANCE", until, "ON"]);
      expect(await errorCode(await c.put("lkb", "f", "x", { ...md5("x"), "x-amz-object-lock-mode": "COMPLIANCE" }))).toBe("InvalidArgument");
      expect(await errorCode(await c.put("lkb", "f", "x", { ...md5("x"), "x-amz-object-lock-mode": "COMPLIANCE", "x-amz-object-lock-retain-until-date": new Date(now - DAY).toISOString() }))).toBe("InvalidArgument");
      expect(await errorCode(await c.put("lkb", "f", "x", { ...md5("x"), "x-amz-object-lock-mode": "FOREVER", "x-amz-object-lock-retain-until-date": until }))).toBe("InvalidArgument");
      expect(await errorCode(await c.put("plain", "f", "x", { ...md5("x"), "x-amz-object-lock-legal-hold": "ON" }))).toBe("InvalidRequest");
    });

    it("COMPLIANCE: no delete by version id, bypass or not; extended, never shortened; a plain DELETE writes a marker", async () => {
      const { c, now, putRetention, delVersion, putLocked } = await lockedBucket(sharded);
      const v = await putLocked("k", "COMPLIANCE", now + DAY);
      for (const bypass of [false, true]) {
        const r = await delVersion("k", v, bypass);
        expect([r.status, await errorCode(r)]).toEqual([403, "AccessDenied"]);
      }
      expect(await errorCode(await putRetention("k", "COMPLIANCE", now + DAY / 2, { bypass: true }))).toBe("AccessDenied");
      expect(await errorCode(await putRetention("k", "GOVERNANCE", now + 2 * DAY, { bypass: true }))).toBe("AccessDenied");
      expect((await putRetention("k", "COMPLIANCE", now + 2 * DAY)).status).toBe(200);
      const ret = parseXmlText(await (await c.send(`/lkb/k?retention&versionId=${v}`)).text());
      expect(ret.Retention).toEqual({ Mode: "COMPLIANCE", RetainUntilDate: new Date(now + 2 * DAY).toISOString() });
      const marker = await c.del("lkb", "k");
      expect([marker.status, marker.headers.get("x-amz-delete-marker")]).toEqual([204, "true"]);
      expect((await delVersion("k", marker.headers.get("x-amz-version-id")!)).status).toBe(204); // markers are never locked
    });

    it("GOVERNANCE: the bypass header from an allowed principal removes or shortens it; without the permission it does not", async () => {
      const { c, env, now, putRetention, delVersion, putLocked } = await lockedBucket(sharded);
      const v = await putLocked("g", "GOVERNANCE", now + DAY);
      expect(await errorCode(await delVersion("g", v))).toBe("AccessDenied");
      expect(await errorCode(await putRetention("g", "GOVERNANCE", now + DAY / 2))).toBe("AccessDenied");
      expect((await putRetention("g", "GOVERNANCE", now + DAY / 2, { bypass: true })).status).toBe(200);
      // A user allowed everything but s3:BypassGovernanceRetention: the header changes nothing.
      expect((await env.deps.iam.putUser({ accessKey: "alice", secretKey: "alice-secret-key", status: "enabled" })).ok).toBe(true);
      const actions = ["s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObjectRetention"];
      const policy = (extra: string[]) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: "*", Action: [...actions, ...extra], Resource: "arn:aws:s3:::lkb/*" }] });
      expect((await c.send("/lkb?policy", { method: "PUT", body: policy([]) })).status).toBe(204);
      const alice = { accessKeyId: "alice", secretAccessKey: "alice-secret-key" };
      const asAlice = () => c.send(`/lkb/g?versionId=${v}`, { method: "DELETE", creds: alice, headers: { "x-amz-bypass-governance-retention": "true" } });
      expect(await errorCode(await asAlice())).toBe("AccessDenied");
      expect((await c.send("/lkb?policy", { method: "PUT", body: policy(["s3:BypassGovernanceRetention"]) })).status).toBe(204);
      expect((await asAlice()).status).toBe(204);
      expect(await errorCode(await c.send(`/lkb/g?versionId=${v}`))).toBe("NoSuchVersion");
    });

    it("legal hold: per version, blocks deletes whatever the bypass; OFF lifts it; absent is NoSuchObjectLockConfiguration", async () => {
      const { c, delVersion } = await lockedBucket(sharded);
      const v = (await c.put("lkb", "h", "x")).headers.get("x-amz-version-id")!;
      expect(await errorCode(await c.send("/lkb/h?legal-hold"))).toBe("NoSuchObjectLockConfiguration");
      expect(await errorCode(await c.send("/lkb/h?retention"))).toBe("NoSuchObjectLockConfiguration");
      expect(await errorCode(await c.send("/plain/h?legal-hold"))).toBe("InvalidRequest");
      const on = holdXml("ON");
      expect(await errorCode(await c.send("/lkb/h?legal-hold", { method: "PUT", body: on }))).toBe("InvalidRequest");
      expect((await c.send(`/lkb/h?legal-hold&versionId=${v}`, { method: "PUT", body: on, headers: md5(on) })).status).toBe(200);
      expect(await (await c.send("/lkb/h?legal-hold")).text()).toContain("<Status>ON</Status>");
      expect(await errorCode(await delVersion("h", v, true))).toBe("AccessDenied");
      // DeleteObjects: a per-key error for the held version, the other key deleted.
      const w = (await c.put("lkb", "free", "x")).headers.get("x-amz-version-id")!;
      const del = `<Delete><Object><Key>h</Key><VersionId>${v}</VersionId></Object><Object><Key>free</Key><VersionId>${w}</VersionId></Object></Delete>`;
      const res = parseXmlText(await (await c.send("/lkb?delete", { method: "POST", body: del, headers: md5(del) })).text()).DeleteResult;
      expect([res.Error].flat()).toMatchObject([{ Key: "h", VersionId: v, Code: "AccessDenied" }]);
      expect([res.Deleted].flat()).toMatchObject([{ Key: "free", VersionId: w }]);
      const off = holdXml("OFF");
      expect((await c.send(`/lkb/h?legal-hold&versionId=${v}`, { method: "PUT", body: off, headers: md5(off) })).status).toBe(200);
      expect((await c.head("lkb", "h")).headers.get("x-amz-object-lock-legal-hold")).toBe("OFF");
      expect((await delVersion("h", v)).status).toBe(204);
      expect(await errorCode(await c.send("/lkb/h?legal-hold", { method: "PUT", body: "<LegalHold><Status>MAYBE</Status></LegalHold>", headers: md5("<LegalHold><Status>MAYBE</Status></LegalHold>") }))).toBe("MalformedXML");
    });

    it("multipart takes CreateMultipartUpload's lock; a copy takes none of its source's; a retried Complete answers the version id", async () => {
      const { c, now, putLocked } = await lockedBucket(sharded);
      const until = new Date(now + DAY).toISOString();
      const id = await c.createUpload("lkb", "mp", { "x-amz-object-lock-mode": "GOVERNANCE", "x-amz-object-lock-retain-until-date": until });
      const etag = await c.uploadPart("lkb", "mp", id, 1, new TextEncoder().encode("part"));
      const done = await c.complete("lkb", "mp", id, [{ n: 1, etag }]);
      const vid = done.headers.get("x-amz-version-id");
      expect(vid).toBeTruthy();
      expect((await c.head("lkb", "mp")).headers.get("x-amz-object-lock-retain-until-date")).toBe(until);
      const retry = await c.complete("lkb", "mp", id, [{ n: 1, etag }]);
      expect([retry.status, retry.headers.get("x-amz-version-id")]).toEqual([200, vid]);
      await putLocked("src", "COMPLIANCE", now + DAY);
      const copy = await c.send("/lkb/copy", { method: "PUT", headers: { "x-amz-copy-source": "/lkb/src" } });
      expect(copy.status).toBe(200);
      expect((await c.head("lkb", "copy")).headers.get("x-amz-object-lock-mode")).toBeNull();
      const copyLocked = await c.send("/lkb/copy2", { method: "PUT", headers: { "x-amz-copy-source": "/lkb/src", "x-amz-object-lock-legal-hold": "ON" } });
      expect(copyLocked.status).toBe(200);
      expect((await c.head("lkb", "copy2")).headers.get("x-amz-object-lock-legal-hold")).toBe("ON");
    });

    it("lifecycle: a locked noncurrent version stays past its NoncurrentDays, an unlocked one goes", async () => {
      const { c, env, now, putLocked } = await lockedBucket(sharded);
      const lc = `<LifecycleConfiguration><Rule><ID>nc</ID><Filter/><Status>Enabled</Status><NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays></NoncurrentVersionExpiration></Rule></LifecycleConfiguration>`;
      expect((await c.send("/lkb?lifecycle", { method: "PUT", body: lc, headers: md5(lc) })).status).toBe(200);
      const locked = await putLocked("a", "GOVERNANCE", now + 30 * DAY);
      const plain = (await c.put("lkb", "b", "x")).headers.get("x-amz-version-id")!;
      await c.put("lkb", "a", "new");
      await c.put("lkb", "b", "new");
      const r = await sweepLifecycle(env.deps, { now: now + 5 * DAY });
      expect(r.noncurrent).toBe(1);
      expect((await c.send(`/lkb/a?versionId=${locked}`)).status).toBe(200);
      expect((await c.send(`/lkb/b?versionId=${plain}`)).status).toBe(404);
    });
  });
}

describe("object lock events", () => {
  it("PutRetention and PutLegalHold are committed with the change, GetRetention and GetLegalHold are accesses (MinIO's names)", async () => {
    const TARGETS = targetsFromEnv({ MINIO_NOTIFY_WEBHOOK_ENABLE_1: "on", MINIO_NOTIFY_WEBHOOK_ENDPOINT_1: "http://127.0.0.1:1/hook" });
    const { c, env } = await withBucket("plain", { notifyTargets: TARGETS });
    await c.send("/lkb", { method: "PUT", headers: { "x-amz-bucket-object-lock-enabled": "true" } });
    const body = `<NotificationConfiguration><QueueConfiguration><Event>s3:ObjectCreated:PutRetention</Event><Event>s3:ObjectCreated:PutLegalHold</Event><Event>s3:ObjectAccessed:*</Event><Queue>arn:minio:sqs::1:webhook</Queue></QueueConfiguration></NotificationConfiguration>`;
    expect((await c.send("/lkb?notification", { method: "PUT", body, headers: md5(body) })).status).toBe(200);
    await c.put("lkb", "k", "x");
    const ret = retentionXml("GOVERNANCE", env.deps.clock.now() + DAY);
    expect((await c.send("/lkb/k?retention", { method: "PUT", body: ret, headers: md5(ret) })).status).toBe(200);
    const hold = holdXml("ON");
    expect((await c.send("/lkb/k?legal-hold", { method: "PUT", body: hold, headers: md5(hold) })).status).toBe(200);
    expect((await c.send("/lkb/k?retention")).status).toBe(200);
    expect((await c.send("/lkb/k?legal-hold")).status).toBe(200);
    const names = async () => (await env.deps.meta.leaseEvents({ now: env.deps.clock.now(), leaseMs: 60_000, limit: 100 })).map((m) => JSON.parse(m.record).eventName);
    let got: string[] = [];
    for (let i = 0; i < 50 && got.length < 4; i++) { got = [...got, ...(await names())]; if (got.length < 4) await Bun.sleep(5); }
    expect(got.sort()).toEqual(["s3:ObjectAccessed:GetLegalHold", "s3:ObjectAccessed:GetRetention", "s3:ObjectCreated:PutLegalHold", "s3:ObjectCreated:PutRetention"]);
  });
});

describe("x-amz-expiration", () => {
  it("PUT, GET, HEAD, copy and Complete name the Expiration rule that applies and its date (midnight UTC after the days)", async () => {
    const { c, env } = await withBucket("bkt");
    const lc = `<LifecycleConfiguration><Rule><ID>tmp-rule</ID><Filter><Prefix>tmp/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>`;
    expect((await c.send("/bkt?lifecycle", { method: "PUT", body: lc, headers: md5(lc) })).status).toBe(200);
    const t = env.deps.clock.now();
    const midnight = Math.floor(t / DAY) * DAY + 2 * DAY;
    const expected = `expiry-date="${new Date(midnight).toUTCString()}", rule-id="tmp-rule"`;
    expect((await c.put("bkt", "tmp/a", "x")).headers.get("x-amz-expiration")).toBe(expected);
    expect((await c.get("bkt", "tmp/a")).headers.get("x-amz-expiration")).toBe(expected);
    expect((await c.head("bkt", "tmp/a")).headers.get("x-amz-expiration")).toBe(expected);
    expect((await c.put("bkt", "keep/a", "x")).headers.get("x-amz-expiration")).toBeNull();
    const copy = await c.send("/bkt/tmp/b", { method: "PUT", headers: { "x-amz-copy-source": "/bkt/keep/a" } });
    expect(copy.headers.get("x-amz-expiration")).toBe(expected);
    const id = await c.createUpload("bkt", "tmp/mp");
    const etag = await c.uploadPart("bkt", "tmp/mp", id, 1, new TextEncoder().encode("p"));
    expect((await c.complete("bkt", "tmp/mp", id, [{ n: 1, etag }])).headers.get("x-amz-expiration")).toBe(expected);
  });
});
