// The Object Lock rules as pure functions: the configuration document, retain-until dates,
// which retention changes are allowed (COMPLIANCE only extended, GOVERNANCE with the bypass),
// and what blocks a removal.
import { describe, expect, it } from "bun:test";
import {
  checkRetentionChange, defaultRetention, lockConfigXml, locked, parseLockConfig, parseRetainUntil, readLockConfig, removalBlocked,
} from "../../../src/s3/object-lock-rules.ts";
import type { Retention } from "../../../src/store/types.ts";

const NOW = Date.parse("2026-12-01T12:00:00Z");
const DAY = 86_400_000;
const gov: Retention = { mode: "GOVERNANCE", until: NOW + DAY };
const comp: Retention = { mode: "COMPLIANCE", until: NOW + DAY };
const code = (f: () => unknown) => { try { f(); return "ok"; } catch (e) { return (e as { code?: string }).code; } };

describe("lock configuration", () => {
  it("parses Enabled with or without a default rule, and writes it back", () => {
    expect(parseLockConfig({ ObjectLockEnabled: "Enabled" })).toEqual({ enabled: true });
    const c = parseLockConfig({ ObjectLockEnabled: "Enabled", Rule: { DefaultRetention: { Mode: "COMPLIANCE", Years: "2" } } });
    expect(c).toEqual({ enabled: true, rule: { mode: "COMPLIANCE", years: 2 } });
    expect(lockConfigXml(c)).toEqual({ ObjectLockEnabled: "Enabled", Rule: { DefaultRetention: { Mode: "COMPLIANCE", Years: 2 } } });
    expect(readLockConfig(JSON.stringify(c))).toEqual(c);
    expect(readLockConfig(undefined)).toBeNull();
    expect(defaultRetention({ mode: "GOVERNANCE", days: 3 }, NOW)).toEqual({ mode: "GOVERNANCE", until: NOW + 3 * DAY });
    expect(defaultRetention({ mode: "GOVERNANCE", years: 1 }, NOW).until).toBe(NOW + 365 * DAY);
  });

  it.each([
    [{}, "MalformedXML"],
    [{ ObjectLockEnabled: "Disabled" }, "MalformedXML"],
    [{ ObjectLockEnabled: "Enabled", Rule: { DefaultRetention: { Mode: "GOVERNANCE" } } }, "MalformedXML"],
    [{ ObjectLockEnabled: "Enabled", Rule: { DefaultRetention: { Mode: "GOVERNANCE", Days: "1", Years: "1" } } }, "MalformedXML"],
    [{ ObjectLockEnabled: "Enabled", Rule: { DefaultRetention: { Mode: "governance", Days: "1" } } }, "MalformedXML"],
    [{ ObjectLockEnabled: "Enabled", Rule: { DefaultRetention: { Mode: "GOVERNANCE", Days: "-1" } } }, "InvalidArgument"],
    [{ ObjectLockEnabled: "Enabled", Rule: { DefaultRetention: { Mode: "GOVERNANCE", Years: "101" } } }, "InvalidArgument"],
  ])("refuses %j (%s)", (doc, expected) => {
    expect(code(() => parseLockConfig(doc))).toBe(expected);
  });
});

describe("retain-until dates", () => {
  it("takes ISO 8601 in the future only", () => {
    expect(parseRetainUntil("2026-12-02T12:00:00Z", NOW)).toBe(NOW + DAY);
    expect(parseRetainUntil("2026-12-02T12:00:00.000+00:00", NOW)).toBe(NOW + DAY);
    expect(code(() => parseRetainUntil("2026-11-30T00:00:00Z", NOW))).toBe("InvalidArgument");
    expect(code(() => parseRetainUntil("tomorrow", NOW))).toBe("InvalidArgument");
  });
});

describe("retention changes", () => {
  it.each([
    ["COMPLIANCE extended", comp, { ...comp, until: NOW + 2 * DAY }, false, "ok"],
    ["COMPLIANCE kept", comp, comp, false, "ok"],
    ["COMPLIANCE shortened, bypass or not", comp, { ...comp, until: NOW + 1000 }, true, "AccessDenied"],
    ["COMPLIANCE made GOVERNANCE", comp, { ...gov, until: NOW + 2 * DAY }, true, "AccessDenied"],
    ["COMPLIANCE removed", comp, null, true, "AccessDenied"],
    ["GOVERNANCE extended", gov, { ...gov, until: NOW + 2 * DAY }, false, "ok"],
    ["GOVERNANCE made COMPLIANCE", gov, { ...comp, until: NOW + 2 * DAY }, false, "ok"],
    ["GOVERNANCE shortened", gov, { ...gov, until: NOW + 1000 }, false, "AccessDenied"],
    ["GOVERNANCE shortened with the bypass", gov, { ...gov, until: NOW + 1000 }, true, "ok"],
    ["GOVERNANCE removed with the bypass", gov, null, true, "ok"],
    ["an expired COMPLIANCE one removed", { ...comp, until: NOW - 1 }, null, false, "ok"],
    ["none set", undefined, comp, false, "ok"],
  ] as const)("%s", (_name, current, next, bypass, expected) => {
    expect(code(() => checkRetentionChange(current, next, NOW, bypass))).toBe(expected);
  });

  it("removal: a legal hold blocks always, GOVERNANCE yields to the bypass, COMPLIANCE until its date", () => {
    expect(removalBlocked({ legalHold: true }, NOW, true)).toBe(true);
    expect(removalBlocked({ legalHold: false, retention: gov }, NOW, true)).toBe(false);
    expect(removalBlocked({ retention: gov }, NOW, false)).toBe(true);
    expect(removalBlocked({ retention: comp }, NOW, true)).toBe(true);
    expect(removalBlocked({ retention: comp }, NOW + DAY, true)).toBe(false);
    expect(locked({ retention: gov }, NOW)).toBe(true);
    expect(locked({}, NOW)).toBe(false);
  });
});
