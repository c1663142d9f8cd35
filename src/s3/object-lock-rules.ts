// S3 Object Lock, the rules: the bucket's configuration document, a version's retention and
// legal hold as requests state them, and what may change or remove a locked version. Pure
// functions of their arguments and a time; the handlers are object-lock.ts.
//
// AWS (Object Lock user guide): a version under a legal hold, or retained until a date not yet
// past, cannot be removed. GOVERNANCE retention yields to a caller allowed
// s3:BypassGovernanceRetention who sends x-amz-bypass-governance-retention: true; COMPLIANCE
// retention yields to no one, and can only be extended. Delete markers are never locked.
import { S3Error } from "../xml/errors.ts";
import type { Retention, RetentionMode } from "../store/types.ts";

/** The bucket configuration kind holding the lock configuration (JSON of LockConfig). */
export const OBJECT_LOCK_CONFIG = "object-lock";

const DAY_MS = 86_400_000;
// AWS's bounds for a default retention period.
const MAX_DAYS = 36_500;
const MAX_YEARS = 100;

export interface DefaultRetention { mode: RetentionMode; days?: number; years?: number }
/** A lock-enabled bucket's configuration: lock is on (it cannot be turned off), maybe a default retention. */
export interface LockConfig { enabled: true; rule?: DefaultRetention }

export const isMode = (v: unknown): v is RetentionMode => v === "GOVERNANCE" || v === "COMPLIANCE";

/** The stored configuration, or null when the bucket has no Object Lock. */
export function readLockConfig(raw: string | undefined | null): LockConfig | null {
  if (!raw) return null;
  try {
    const c = JSON.parse(raw) as LockConfig;
    return c && c.enabled === true ? c : null;
  } catch {
    return null;
  }
}

const positiveInt = (v: unknown, max: number, name: string): number => {
  const s = String(v).trim();
  const n = Number(s);
  if (!/^\d+$/.test(s) || n < 1) throw new S3Error("InvalidArgument", { message: `Default retention period must be a positive integer value for '${name}'.` });
  if (n > max) throw new S3Error("InvalidArgument", { message: `Default retention period is too large: at most ${max} ${name}.` });
  return n;
};

/** A PutObjectLockConfiguration body (parsed XML root `ObjectLockConfiguration`), validated. */
export function parseLockConfig(root: unknown): LockConfig {
  if (!root || typeof root !== "object") throw new S3Error("MalformedXML");
  const r = root as Record<string, unknown>;
  // ObjectLockEnabled is how a configuration says lock is on; S3 has no "Disabled".
  if (r.ObjectLockEnabled !== "Enabled") throw new S3Error("MalformedXML", { message: "Only 'Enabled' value is allowed to ObjectLockEnabled element." });
  if (r.Rule === undefined || r.Rule === "") return { enabled: true };
  const def = typeof r.Rule === "object" && r.Rule ? (r.Rule as Record<string, unknown>).DefaultRetention : undefined;
  if (!def || typeof def !== "object") throw new S3Error("MalformedXML");
  const d = def as Record<string, unknown>;
  if (!isMode(d.Mode)) throw new S3Error("MalformedXML", { message: "Unknown or missing Mode in DefaultRetention: GOVERNANCE or COMPLIANCE." });
  if ((d.Days === undefined) === (d.Years === undefined)) throw new S3Error("MalformedXML", { message: "DefaultRetention must name exactly one of Days and Years." });
  return {
    enabled: true,
    rule: d.Days !== undefined ? { mode: d.Mode, days: positiveInt(d.Days, MAX_DAYS, "Days") } : { mode: d.Mode, years: positiveInt(d.Years, MAX_YEARS, "Years") },
  };
}

/** The configuration as GetObjectLockConfiguration answers it (AWS element names). */
export function lockConfigXml(c: LockConfig): Record<string, unknown> {
  if (!c.rule) return { ObjectLockEnabled: "Enabled" };
  const period = c.rule.days !== undefined ? { Days: c.rule.days } : { Years: c.rule.years };
  return { ObjectLockEnabled: "Enabled", Rule: { DefaultRetention: { Mode: c.rule.mode, ...period } } };
}

/** The retention a default rule gives a version written at `now` (a year is 365 days, as MinIO counts it). */
export function defaultRetention(rule: DefaultRetention, now: number): Retention {
  const days = rule.days ?? (rule.years ?? 0) * 365;
  return { mode: rule.mode, until: now + days * DAY_MS };
}

/** A retain-until date as requests write it (ISO 8601 / RFC 3339), InvalidArgument otherwise or when not in the future. */
export function parseRetainUntil(v: string, now: number): number {
  const t = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(v.trim()) ? Date.parse(v.trim()) : NaN;
  if (Number.isNaN(t)) throw new S3Error("InvalidArgument", { message: "The retain until date must be provided in ISO 8601 format." });
  if (t <= now) throw new S3Error("InvalidArgument", { message: "The retain until date must be in the future!" });
  return t;
}

/** ISO 8601 as S3 writes the date back (milliseconds, Z). */
export const retainUntilText = (ms: number): string => new Date(ms).toISOString();

/** Whether a retention still holds at `now`. */
export const retained = (r: Retention | undefined, now: number): r is Retention => !!r && r.until > now;

/** A version that may not be removed at `now` (a delete by version id, lifecycle): legal hold, or unexpired retention not bypassed. */
export function removalBlocked(v: { retention?: Retention; legalHold?: boolean }, now: number, bypassGovernance: boolean): boolean {
  if (v.legalHold) return true;
  if (!retained(v.retention, now)) return false;
  return v.retention.mode === "COMPLIANCE" || !bypassGovernance;
}

/** Any lock at all (lifecycle never removes such a version, bypass or not). */
export const locked = (v: { retention?: Retention; legalHold?: boolean }, now: number): boolean => removalBlocked(v, now, false);

/**
 * May a version's retention go from `current` to `next` (null: removed) at `now`? A retention
 * past its date constrains nothing. An unexpired COMPLIANCE one may only be kept or extended,
 * in COMPLIANCE mode; an unexpired GOVERNANCE one may be extended or made COMPLIANCE freely,
 * and shortened, removed or otherwise changed only with the bypass. Throws AccessDenied.
 */
export function checkRetentionChange(current: Retention | undefined, next: Retention | null, now: number, bypassGovernance: boolean): void {
  if (!retained(current, now)) return;
  const extends_ = next !== null && next.until >= current.until;
  if (current.mode === "COMPLIANCE") {
    if (extends_ && next.mode === "COMPLIANCE") return;
    throw new S3Error("AccessDenied", { message: "Access Denied because object protected by object lock." });
  }
  if (extends_ || bypassGovernance) return;
  throw new S3Error("AccessDenied", { message: "Access Denied because object protected by object lock." });
}
