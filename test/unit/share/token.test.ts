// Share-link tokens: sealed and opened with the root-derived key; any change, another key, or
// garbage opens to null; the URL carries no bucket or key in the clear.
import { describe, expect, it } from "bun:test";
import { MAX_SHARE_MS, openShare, parseShareExpiry, sealShare, shareKey } from "../../../src/share/token.ts";
import { parseGoDuration } from "../../../src/util/duration.ts";

describe("share tokens", () => {
  it("round-trips bucket, key (UTF-8, slashes), expiry (seconds) and creator; hides them", async () => {
    const k = await shareKey("root", "rootpassword");
    const p = { bucket: "photos-2026", key: "trips/東京/IMG 0001.jpg", expires: 1_900_000_000_000, creator: "alice" };
    const t = await sealShare(k, p);
    expect(t).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(t.length).toBeLessThan(120);
    expect(atob(t.replace(/-/g, "+").replace(/_/g, "/") + "==".slice(0, (4 - (t.length % 4)) % 4))).not.toContain("photos");
    expect(await openShare(k, t)).toEqual(p);
    expect(await sealShare(k, p)).not.toBe(t); // a fresh nonce each time
  });

  it("tampered, truncated, foreign or garbage tokens open to null", async () => {
    const k = await shareKey("root", "rootpassword");
    const t = await sealShare(k, { bucket: "b1b", key: "k", expires: 1_900_000_000_000, creator: "root" });
    for (let i = 0; i < t.length; i += 7) {
      const bad = t.slice(0, i) + (t[i] === "A" ? "B" : "A") + t.slice(i + 1);
      expect(await openShare(k, bad)).toBeNull();
    }
    expect(await openShare(k, t.slice(0, -1))).toBeNull();
    expect(await openShare(await shareKey("root", "otherpassword"), t)).toBeNull();
    expect(await openShare(await shareKey("other", "rootpassword"), t)).toBeNull();
    for (const g of ["", "x", "!!!!", "A".repeat(5000)]) expect(await openShare(k, g)).toBeNull();
  });

  it.each([["1h", 3_600_000], ["90m", 5_400_000], ["7d", MAX_SHARE_MS], ["3600", 3_600_000], ["8d", NaN], ["0s", NaN], ["soon", NaN], ["-1h", NaN]])(
    "expiry %s → %p ms", (s, ms) => { expect(parseShareExpiry(s, parseGoDuration)).toBe(ms); });
});
