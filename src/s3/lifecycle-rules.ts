// Which lifecycle rule applies to what, and when: pure functions of a rule, an object and a time.
// The configuration document itself is parsed in lifecycle-config.ts; the sweep that acts on
// these answers is lifecycle-sweep.ts.

export const LIFECYCLE_CONFIG = "lifecycle";

const DAY_MS = 86_400_000;

export interface LifecycleTag { key: string; value: string }

/**
 * A rule's filter, kept in the form it was written so GET answers the same document:
 * `legacy` the rule-level <Prefix> (deprecated), `prefix`/`tag`/`gt`/`lt` a <Filter> with that
 * one element, `and` a <Filter><And>, `empty` an empty <Filter/> (every object).
 */
export interface LifecycleFilter {
  form: "legacy" | "empty" | "prefix" | "tag" | "gt" | "lt" | "and";
  prefix?: string;
  tags?: LifecycleTag[];
  /** ObjectSizeGreaterThan, bytes (strict). */
  sizeGreaterThan?: number;
  /** ObjectSizeLessThan, bytes (strict). */
  sizeLessThan?: number;
}

export interface LifecycleRule {
  id: string;
  enabled: boolean;
  filter: LifecycleFilter;
  expiration?: { days?: number; date?: number; expiredObjectDeleteMarker?: boolean };
  noncurrentExpiration?: { days: number; newerNoncurrentVersions?: number };
  abortIncompleteUploadDays?: number;
}

export interface LifecycleConfig { rules: LifecycleRule[] }

/** What a filter looks at: a version's key, size and tags (tags may be fetched only when a rule needs them). */
export interface Candidate { key: string; size: number; tags?: Record<string, string> }

/** Does the rule need the object's tags to decide (the listing has none)? */
export const needsTags = (rule: LifecycleRule) => (rule.filter.tags?.length ?? 0) > 0;

/** AWS: prefix, every listed tag, and the size bounds (both strict) must all hold. */
export function filterMatches(f: LifecycleFilter, o: Candidate): boolean {
  if (f.prefix && !o.key.startsWith(f.prefix)) return false;
  if (f.sizeGreaterThan !== undefined && !(o.size > f.sizeGreaterThan)) return false;
  if (f.sizeLessThan !== undefined && !(o.size < f.sizeLessThan)) return false;
  for (const t of f.tags ?? []) if (o.tags?.[t.key] !== t.value) return false;
  return true;
}

/**
 * The instant an object `days` old from `since` expires. AWS adds the days to the creation time
 * and rounds up to the next midnight UTC; MinIO's ExpectedExpiryTime computes it as
 * truncate(since + days + 1 day) — an object written exactly at midnight waits the extra day too.
 */
export function expiryAfterDays(since: number, days: number): number {
  const t = since + (days + 1) * DAY_MS;
  return t - (((t % DAY_MS) + DAY_MS) % DAY_MS);
}

/** When the current version `o` (last modified at `lastModified`) expires under `rule`; null: never. */
export function currentExpiry(rule: LifecycleRule, lastModified: number): number | null {
  const e = rule.expiration;
  if (!rule.enabled || !e) return null;
  if (e.days !== undefined) return expiryAfterDays(lastModified, e.days);
  if (e.date !== undefined) return e.date;
  return null;
}

/** Is the current version `o` due for expiry at `now` under any enabled rule? Returns that rule's id. */
export function dueExpiration(rules: LifecycleRule[], o: Candidate & { lastModified: number }, now: number): string | null {
  for (const r of rules) {
    const at = currentExpiry(r, o.lastModified);
    if (at !== null && at <= now && filterMatches(r.filter, o)) return r.id;
  }
  return null;
}

/**
 * A noncurrent version: `since` is when a newer version replaced it, `newer` how many noncurrent
 * versions of its key are newer than it. AWS keeps the `newerNoncurrentVersions` newest
 * noncurrent versions whatever their age, and expires the others `days` after they became
 * noncurrent (same midnight rounding).
 */
export function dueNoncurrent(rules: LifecycleRule[], o: Candidate & { since: number; newer: number }, now: number): string | null {
  for (const r of rules) {
    const n = r.noncurrentExpiration;
    if (!r.enabled || !n) continue;
    if (n.newerNoncurrentVersions !== undefined && o.newer < n.newerNoncurrentVersions) continue;
    if (expiryAfterDays(o.since, n.days) <= now && filterMatches(r.filter, o)) return r.id;
  }
  return null;
}

/**
 * Is a current delete marker with no noncurrent versions left (an "expired object delete
 * marker") to be removed at `now`? ExpiredObjectDeleteMarker removes it at once; an Expiration
 * in Days removes it too once the marker is that old (AWS's lifecycle examples; MinIO's Eval).
 */
export function dueMarkerRemoval(rules: LifecycleRule[], m: { key: string; lastModified: number }, now: number): string | null {
  // A marker has no size or tags (AWS refuses the flag with a tag filter); size bounds see 0.
  const o = { key: m.key, size: 0 };
  for (const r of rules) {
    const e = r.expiration;
    if (!r.enabled || !e || !filterMatches(r.filter, o)) continue;
    if (e.expiredObjectDeleteMarker) return r.id;
    if (e.days !== undefined && expiryAfterDays(m.lastModified, e.days) <= now) return r.id;
  }
  return null;
}

/**
 * Is an upload initiated at `initiated` due for abort? Uploads have no tags or size yet, so only
 * prefix-filtered rules apply (AWS refuses AbortIncompleteMultipartUpload with a tag filter).
 */
export function dueAbort(rules: LifecycleRule[], u: { key: string; initiated: number }, now: number): string | null {
  for (const r of rules) {
    const days = r.abortIncompleteUploadDays;
    if (!r.enabled || days === undefined) continue;
    const f = r.filter;
    if (f.tags?.length || f.sizeGreaterThan !== undefined || f.sizeLessThan !== undefined) continue;
    if (f.prefix && !u.key.startsWith(f.prefix)) continue;
    if (expiryAfterDays(u.initiated, days) <= now) return r.id;
  }
  return null;
}

/** The key prefixes a pass must list for these rules: "" when any rule covers every key. */
export function listingPrefixes(rules: LifecycleRule[]): string[] {
  const ps = [...new Set(rules.map((r) => r.filter.prefix ?? ""))].sort();
  if (ps.includes("")) return [""];
  // Drop prefixes another one already covers ("a/" covers "a/b/").
  return ps.filter((p, i) => !ps.slice(0, i).some((q) => p.startsWith(q)));
}

/**
 * S3's `x-amz-expiration` answer header for a current object (GET, HEAD, PUT): when the
 * earliest matching Expiration rule will expire it, e.g.
 * `expiry-date="Fri, 23 Dec 2012 00:00:00 GMT", rule-id="picture-deletion-rule"`; null when none.
 */
export function expirationHeader(rules: LifecycleRule[], o: Candidate & { lastModified: number }): string | null {
  let best: { at: number; id: string } | null = null;
  for (const r of rules) {
    const at = currentExpiry(r, o.lastModified);
    if (at !== null && (!best || at < best.at) && filterMatches(r.filter, o)) best = { at, id: r.id };
  }
  return best ? `expiry-date="${new Date(best.at).toUTCString()}", rule-id="${best.id}"` : null;
}
