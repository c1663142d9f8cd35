// The object-lock condition keys (AWS "condition keys for Amazon S3"): s3:object-lock-mode,
// -retain-until-date, -remaining-retention-days from PutObject's headers and PutObjectRetention's
// body, s3:object-lock-legal-hold from PutObject's header and PutObjectLegalHold's body, in a
// bucket policy through app.request (memory deps).
import { describe, expect, it } from "bun:test";
import { errorCode, md5B64, withBucket } from "../helpers/s3.ts";
import { conditionContext, lockConditions, remainingRetentionDays } from "../../../src/auth/conditions.ts";

const DAY = 86_400_000;
const md5 = (body: string) => ({ "content-md5": md5B64(body) });
const ALICE = { accessKeyId: "alice", secretAccessKey: "alice-secret-key" };
const retentionXml = (mode: string, until: number) =>
  `<Retention xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Mode>${mode}</Mode><RetainUntilDate>${new Date(until).toISOString()}</RetainUntilDate></Retention>`;
const holdXml = (s: string) => `<LegalHold xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>${s}</Status></LegalHold>`;

/** A lock-enabled bucket whose policy allows alice everything on it, plus `statements`. */
async function setup(...statements: unknown[]) {
  const { c, env } = await withBucket("plain");
  expect((await c.send("/lkb", { method: "PUT", headers: { "x-amz-bucket-object-lock-enabled": "true" } })).status).toBe(200);
  expect((await env.deps.iam.putUser({ accessKey: "alice", secretKey: ALICE.secretAccessKey, status: "enabled" })).ok).toBe(true);
  const setPolicy = async (...more: unknown[]) => {
    const policy = JSON.stringify({ Version: "2012-10-17", Statement: [
      { Effect: "Allow", Principal: { AWS: ["alice"] }, Action: "s3:*", Resource: ["arn:aws:s3:::lkb", "arn:aws:s3:::lkb/*"] }, ...more] });
    expect((await c.send("/lkb?policy", { method: "PUT", body: policy })).status).toBe(204);
  };
  await setPolicy(...statements);
  expect((await c.put("lkb", "k", "data")).status).toBe(200);
  const now = env.deps.clock.now();
  const retention = (mode: string, until: number, body = retentionXml(mode, until)) =>
    c.send("/lkb/k?retention", { method: "PUT", body, headers: md5(body), creds: ALICE });
  const hold = (s: string) => c.send("/lkb/k?legal-hold", { method: "PUT", body: holdXml(s), headers: md5(holdXml(s)), creds: ALICE });
  const putLocked = (mode: string, until: number) => c.send("/lkb/h", { method: "PUT", body: "data", creds: ALICE, headers: {
    ...md5("data"), "x-amz-object-lock-mode": mode, "x-amz-object-lock-retain-until-date": new Date(until).toISOString() } });
  return { c, env, now, retention, hold, putLocked, setPolicy };
}

const deny = (action: string | string[], condition: Record<string, Record<string, string>>) =>
  ({ Effect: "Deny", Principal: "*", Action: action, Resource: "arn:aws:s3:::lkb/*", Condition: condition });

describe("s3:object-lock-remaining-retention-days", () => {
  it("a bucket policy denying PutObjectRetention beyond 30 days: 10 days pass, 31 and 30 days + a minute do not", async () => {
    const { now, retention } = await setup(deny("s3:PutObjectRetention", { NumericGreaterThan: { "s3:object-lock-remaining-retention-days": "30" } }));
    expect((await retention("GOVERNANCE", now + 10 * DAY)).status).toBe(200);
    expect(await errorCode(await retention("GOVERNANCE", now + 31 * DAY))).toBe("AccessDenied");
    expect(await errorCode(await retention("GOVERNANCE", now + 30 * DAY + 60_000))).toBe("AccessDenied"); // a started day counts
    expect((await retention("GOVERNANCE", now + 30 * DAY)).status).toBe(200);
  });

  it("PutObject's lock headers feed it too: the same Deny on PutObject refuses a 40-day lock, not a 5-day one", async () => {
    const { now, putLocked } = await setup(deny(["s3:PutObject", "s3:PutObjectRetention"], { NumericGreaterThan: { "s3:object-lock-remaining-retention-days": "30" } }));
    expect(await errorCode(await putLocked("GOVERNANCE", now + 40 * DAY))).toBe("AccessDenied");
    expect((await putLocked("GOVERNANCE", now + 5 * DAY)).status).toBe(200);
  });

  it("an Allow conditioned on it grants only within the bound; an unauthorized malformed body is AccessDenied, not MalformedXML", async () => {
    const { c, env, now } = await setup();
    expect((await env.deps.iam.putUser({ accessKey: "bob", secretKey: "bob-secret-key", status: "enabled" })).ok).toBe(true);
    const policy = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: ["bob"] }, Action: "s3:PutObjectRetention",
      Resource: "arn:aws:s3:::lkb/*", Condition: { NumericLessThanEquals: { "s3:object-lock-remaining-retention-days": "7" } } }] });
    expect((await c.send("/lkb?policy", { method: "PUT", body: policy })).status).toBe(204);
    const bob = (body: string) => c.send("/lkb/k?retention", { method: "PUT", body, headers: md5(body), creds: { accessKeyId: "bob", secretAccessKey: "bob-secret-key" } });
    expect((await bob(retentionXml("GOVERNANCE", now + 7 * DAY))).status).toBe(200);
    expect(await errorCode(await bob(retentionXml("GOVERNANCE", now + 8 * DAY)))).toBe("AccessDenied");
    expect(await errorCode(await bob("<Retention><Mode>LOOSE</Mode></Retention>"))).toBe("AccessDenied");
    // Root (allowed everything) still learns what is wrong with the body.
    const bad = "<Retention><Mode>LOOSE</Mode></Retention>";
    expect(await errorCode(await c.send("/lkb/k?retention", { method: "PUT", body: bad, headers: md5(bad) }))).toBe("MalformedXML");
  });
});

describe("s3:object-lock-mode and s3:object-lock-retain-until-date", () => {
  it("deny COMPLIANCE by mode (body and header form); GOVERNANCE passes", async () => {
    const { now, retention, putLocked } = await setup(deny(["s3:PutObject", "s3:PutObjectRetention"], { StringEquals: { "s3:object-lock-mode": "COMPLIANCE" } }));
    expect(await errorCode(await retention("COMPLIANCE", now + DAY))).toBe("AccessDenied");
    expect(await errorCode(await putLocked("COMPLIANCE", now + DAY))).toBe("AccessDenied");
    expect((await retention("GOVERNANCE", now + DAY)).status).toBe(200);
    expect((await putLocked("GOVERNANCE", now + DAY)).status).toBe(200);
  });

  it("deny a retain-until date after a fixed one (DateGreaterThan)", async () => {
    const { now, retention, setPolicy } = await setup();
    await setPolicy(deny("s3:PutObjectRetention", { DateGreaterThan: { "s3:object-lock-retain-until-date": new Date(now + 3 * DAY).toISOString() } }));
    expect((await retention("GOVERNANCE", now + 2 * DAY)).status).toBe(200);
    expect(await errorCode(await retention("GOVERNANCE", now + 4 * DAY))).toBe("AccessDenied");
  });
});

describe("s3:object-lock-legal-hold", () => {
  it("a policy that lets alice set a legal hold ON but not lift it (body of PutObjectLegalHold)", async () => {
    const { hold } = await setup(deny("s3:PutObjectLegalHold", { StringEquals: { "s3:object-lock-legal-hold": "OFF" } }));
    expect((await hold("ON")).status).toBe(200);
    expect(await errorCode(await hold("OFF"))).toBe("AccessDenied");
  });
});

describe("the condition values", () => {
  const source = (headers: Record<string, string>, now: number) =>
    ({ url: new URL("http://h/b/k"), headers: new Headers(headers), clientAddress: "", now, auth: "v4-header" as const });

  it("from the headers of a write: mode, legal hold, the date as sent and the days left rounded up", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    const c = conditionContext(source({ "x-amz-object-lock-mode": "GOVERNANCE", "x-amz-object-lock-legal-hold": "ON",
      "x-amz-object-lock-retain-until-date": "2026-01-11T00:00:01Z" }, now));
    expect([c["s3:object-lock-mode"], c["s3:object-lock-legal-hold"], c["s3:object-lock-retain-until-date"], c["s3:object-lock-remaining-retention-days"]])
      .toEqual(["GOVERNANCE", "ON", "2026-01-11T00:00:01Z", "11"]);
    expect(conditionContext(source({}, now))["s3:object-lock-remaining-retention-days"]).toBeUndefined();
    expect(conditionContext(source({ "x-amz-object-lock-retain-until-date": "soon" }, now))["s3:object-lock-remaining-retention-days"]).toBeUndefined();
  });

  it("a date already past is 0 days; a removal asks no keys", () => {
    expect(remainingRetentionDays(1000, 5 * DAY)).toEqual({ "s3:object-lock-remaining-retention-days": "0" });
    expect(lockConditions({}, 0)).toEqual({});
    expect(lockConditions({ mode: "COMPLIANCE", until: "1970-01-03T00:00:00.000Z" }, 0)).toEqual({
      "s3:object-lock-mode": "COMPLIANCE", "s3:object-lock-retain-until-date": "1970-01-03T00:00:00.000Z", "s3:object-lock-remaining-retention-days": "2" });
  });
});
