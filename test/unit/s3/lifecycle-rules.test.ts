// Rule matching and expiry instants (s3/lifecycle-rules.ts): pure functions, AWS's rounding.
import { describe, expect, it } from "bun:test";
import {
  dueAbort, dueExpiration, dueMarkerRemoval, dueNoncurrent, expirationHeader, expiryAfterDays, filterMatches, listingPrefixes, type LifecycleFilter, type LifecycleRule,
} from "../../../src/s3/lifecycle-rules.ts";

const utc = (s: string) => Date.parse(s);
const rule = (r: Partial<LifecycleRule>): LifecycleRule => ({ id: "r", enabled: true, filter: { form: "empty" }, ...r });

describe("expiryAfterDays", () => {
  it.each([
    // AWS's example: created 2014-01-15 10:30 UTC, 3 days → 2014-01-19 00:00 UTC.
    ["2014-01-15T10:30:00Z", 3, "2014-01-19T00:00:00.000Z"],
    ["2014-01-15T23:59:59.999Z", 1, "2014-01-17T00:00:00.000Z"],
    // Exactly at midnight: the next midnight after adding the days (MinIO's ExpectedExpiryTime).
    ["2014-01-15T00:00:00Z", 1, "2014-01-17T00:00:00.000Z"],
    ["2024-02-28T12:00:00Z", 1, "2024-03-01T00:00:00.000Z"],
  ])("%s + %d days → %s", (from, days, at) => {
    expect(new Date(expiryAfterDays(utc(from), days)).toISOString()).toBe(at);
  });
});

describe("filterMatches", () => {
  const obj = { key: "logs/2026/a.txt", size: 100, tags: { env: "dev", team: "x" } };
  it.each([
    [{ form: "empty" }, true],
    [{ form: "prefix", prefix: "" }, true],
    [{ form: "prefix", prefix: "logs/" }, true],
    [{ form: "legacy", prefix: "tmp/" }, false],
    [{ form: "tag", tags: [{ key: "env", value: "dev" }] }, true],
    [{ form: "tag", tags: [{ key: "env", value: "prod" }] }, false],
    [{ form: "gt", sizeGreaterThan: 99 }, true],
    [{ form: "gt", sizeGreaterThan: 100 }, false],
    [{ form: "lt", sizeLessThan: 100 }, false],
    [{ form: "lt", sizeLessThan: 101 }, true],
    [{ form: "and", prefix: "logs/", tags: [{ key: "env", value: "dev" }, { key: "team", value: "x" }], sizeGreaterThan: 10, sizeLessThan: 1000 }, true],
    [{ form: "and", prefix: "logs/", tags: [{ key: "env", value: "dev" }, { key: "team", value: "y" }] }, false],
    [{ form: "and", prefix: "other/", sizeGreaterThan: 10 }, false],
  ] as [LifecycleFilter, boolean][])("%j → %p", (filter, expected) => {
    expect(filterMatches(filter, obj)).toBe(expected);
  });
  it("an object without tags does not match a tag filter", () => {
    expect(filterMatches({ form: "tag", tags: [{ key: "env", value: "dev" }] }, { key: "k", size: 1 })).toBe(false);
  });
});

describe("due actions", () => {
  const written = utc("2026-01-10T08:00:00Z");
  it("Expiration Days: due from the rounded instant on, not before", () => {
    const rules = [rule({ expiration: { days: 2 } })];
    expect(dueExpiration(rules, { key: "k", size: 1, lastModified: written }, utc("2026-01-12T23:59:59Z"))).toBeNull();
    expect(dueExpiration(rules, { key: "k", size: 1, lastModified: written }, utc("2026-01-13T00:00:00Z"))).toBe("r");
  });
  it("Expiration Date: every matching object from that day on, whatever its age", () => {
    const rules = [rule({ expiration: { date: utc("2026-03-01T00:00:00Z") }, filter: { form: "prefix", prefix: "a/" } })];
    expect(dueExpiration(rules, { key: "a/x", size: 1, lastModified: utc("2026-02-28T23:00:00Z") }, utc("2026-03-01T00:00:00Z"))).toBe("r");
    expect(dueExpiration(rules, { key: "b/x", size: 1, lastModified: written }, utc("2026-04-01T00:00:00Z"))).toBeNull();
    expect(dueExpiration(rules, { key: "a/x", size: 1, lastModified: written }, utc("2026-02-28T23:59:59Z"))).toBeNull();
  });
  it("disabled rules never apply; the first due rule is named", () => {
    const rules = [rule({ id: "off", enabled: false, expiration: { days: 1 } }), rule({ id: "on", expiration: { days: 1 } })];
    expect(dueExpiration(rules, { key: "k", size: 1, lastModified: written }, utc("2027-01-01T00:00:00Z"))).toBe("on");
    expect(dueExpiration([rules[0]!], { key: "k", size: 1, lastModified: written }, utc("2027-01-01T00:00:00Z"))).toBeNull();
  });
  it("NoncurrentDays counts from when the version became noncurrent; NewerNoncurrentVersions keeps the newest", () => {
    const rules = [rule({ noncurrentExpiration: { days: 1, newerNoncurrentVersions: 2 } })];
    const since = utc("2026-01-10T08:00:00Z");
    const later = utc("2026-01-12T00:00:00Z");
    expect(dueNoncurrent(rules, { key: "k", size: 1, since, newer: 1 }, later)).toBeNull();
    expect(dueNoncurrent(rules, { key: "k", size: 1, since, newer: 2 }, later)).toBe("r");
    expect(dueNoncurrent(rules, { key: "k", size: 1, since, newer: 2 }, utc("2026-01-11T23:00:00Z"))).toBeNull();
  });
  it("expired delete markers: at once with ExpiredObjectDeleteMarker, after the days with Expiration Days", () => {
    const m = { key: "k", lastModified: written };
    expect(dueMarkerRemoval([rule({ expiration: { expiredObjectDeleteMarker: true } })], m, written)).toBe("r");
    expect(dueMarkerRemoval([rule({ expiration: { expiredObjectDeleteMarker: false } })], m, written + 1e12)).toBeNull();
    expect(dueMarkerRemoval([rule({ expiration: { days: 1 } })], m, written)).toBeNull();
    expect(dueMarkerRemoval([rule({ expiration: { days: 1 } })], m, utc("2026-01-12T00:00:00Z"))).toBe("r");
    expect(dueMarkerRemoval([rule({ expiration: { date: written } })], m, written + 1e12)).toBeNull();
  });
  it("AbortIncompleteMultipartUpload: by prefix and initiation time", () => {
    const rules = [rule({ abortIncompleteUploadDays: 1, filter: { form: "prefix", prefix: "up/" } })];
    const u = { key: "up/x", initiated: written };
    expect(dueAbort(rules, u, utc("2026-01-11T23:59:59Z"))).toBeNull();
    expect(dueAbort(rules, u, utc("2026-01-12T00:00:00Z"))).toBe("r");
    expect(dueAbort(rules, { ...u, key: "other" }, utc("2027-01-01T00:00:00Z"))).toBeNull();
  });
});

describe("listingPrefixes", () => {
  it.each([
    [["a/", "b/"], ["a/", "b/"]],
    [["a/", "a/b/", "c"], ["a/", "c"]],
    [["a/", ""], [""]],
  ])("%j → %j", (prefixes, expected) => {
    expect(listingPrefixes(prefixes.map((p) => rule({ filter: { form: "prefix", prefix: p } })))).toEqual(expected);
  });
});

describe("expirationHeader", () => {
  it("names the earliest matching Expiration rule, as S3's x-amz-expiration", () => {
    const rules = [
      rule({ id: "late", expiration: { days: 30 } }),
      rule({ id: "soon", expiration: { days: 3 }, filter: { form: "prefix", prefix: "tmp/" } }),
      rule({ id: "off", enabled: false, expiration: { days: 1 } }),
    ];
    const o = { key: "tmp/a", size: 1, lastModified: utc("2012-12-19T10:30:00Z") };
    expect(expirationHeader(rules, o)).toBe('expiry-date="Sun, 23 Dec 2012 00:00:00 GMT", rule-id="soon"');
    expect(expirationHeader(rules, { ...o, key: "other" })).toBe('expiry-date="Sat, 19 Jan 2013 00:00:00 GMT", rule-id="late"');
    expect(expirationHeader([rules[2]!], o)).toBeNull();
  });
});
