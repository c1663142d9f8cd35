// Conditional requests (RFC 9110 §13 as S3 applies them).
import { S3Error } from "../xml/errors.ts";
import { httpDate } from "./object-headers.ts";
import type { DeleteCondition, PutCondition } from "../store/types.ts";

/** An RFC 9110 entity-tag list, normalised: "*", or the tags as S3 stores them (quoted, no W/). */
export function parseEtagList(header: string): "*" | string[] {
  const tags = header.split(",").map((t) => t.trim().replace(/^W\//, "").replace(/"/g, "")).filter(Boolean);
  return tags.includes("*") ? "*" : tags.map((t) => `"${t}"`);
}

/** Whether a stored ETag is in a (normalised) list; "*" matches any existing representation. */
export const etagIn = (list: "*" | readonly string[], etag: string) => list === "*" || list.includes(etag);

const etagMatches = (header: string, etag: string) => etagIn(parseEtagList(header), `"${etag.replace(/^W\//, "").replace(/"/g, "")}"`);

interface Target { etag: string; lastModified: number }

const seconds = (ms: number) => Math.floor(ms / 1000);
const parseDate = (v: string | null) => {
  if (v === null) return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t; // invalid dates are ignored, as S3 does
};

/** GET/HEAD preconditions: 412 or 304 as an S3Error. */
export function checkReadConditions(h: Headers, obj: Target) {
  const ifMatch = h.get("if-match");
  const ifNoneMatch = h.get("if-none-match");
  const ifUnmodified = parseDate(h.get("if-unmodified-since"));
  const ifModified = parseDate(h.get("if-modified-since"));
  if (ifMatch !== null) {
    if (!etagMatches(ifMatch, obj.etag)) throw new S3Error("PreconditionFailed", { extra: { Condition: "If-Match" } });
  } else if (ifUnmodified !== undefined && seconds(obj.lastModified) > seconds(ifUnmodified)) {
    throw new S3Error("PreconditionFailed", { extra: { Condition: "If-Unmodified-Since" } });
  }
  const notModified = { etag: obj.etag, "last-modified": httpDate(obj.lastModified) };
  if (ifNoneMatch !== null) {
    if (etagMatches(ifNoneMatch, obj.etag)) throw new S3Error("NotModified", { headers: notModified });
  } else if (ifModified !== undefined && seconds(obj.lastModified) <= seconds(ifModified)) {
    throw new S3Error("NotModified", { headers: notModified });
  }
}

/** x-amz-copy-source-if-* : every failure is 412. */
export function checkCopySourceConditions(h: Headers, obj: Target) {
  const ifMatch = h.get("x-amz-copy-source-if-match");
  const ifNoneMatch = h.get("x-amz-copy-source-if-none-match");
  const ifUnmodified = parseDate(h.get("x-amz-copy-source-if-unmodified-since"));
  const ifModified = parseDate(h.get("x-amz-copy-source-if-modified-since"));
  const fail = (c: string) => new S3Error("PreconditionFailed", { extra: { Condition: c } });
  if (ifMatch !== null) {
    if (!etagMatches(ifMatch, obj.etag)) throw fail("x-amz-copy-source-If-Match");
  } else if (ifUnmodified !== undefined && seconds(obj.lastModified) > seconds(ifUnmodified)) {
    throw fail("x-amz-copy-source-If-Unmodified-Since");
  }
  if (ifNoneMatch !== null) {
    if (etagMatches(ifNoneMatch, obj.etag)) throw fail("x-amz-copy-source-If-None-Match");
  } else if (ifModified !== undefined && seconds(obj.lastModified) <= seconds(ifModified)) {
    throw fail("x-amz-copy-source-If-Modified-Since");
  }
}

/** If-Match / If-None-Match on writes (S3 conditional writes), checked inside the commit. */
export function writeConditions(h: Headers): PutCondition | undefined {
  const ifMatch = h.get("if-match");
  const ifNoneMatch = h.get("if-none-match");
  if (ifNoneMatch !== null && ifNoneMatch.trim() !== "*") {
    throw new S3Error("NotImplemented", { message: "If-None-Match on writes only supports '*'" });
  }
  if (ifMatch === null && ifNoneMatch === null) return undefined;
  // Normalised here, so a store compares exact ETags and knows nothing of HTTP's syntax.
  return { ...(ifMatch !== null ? { ifMatch: parseEtagList(ifMatch) } : {}), ...(ifNoneMatch !== null ? { ifNoneMatch: "*" as const } : {}) };
}

/** The parts of a conditional delete, as headers (DeleteObject) or `<Object>` elements (DeleteObjects) give them. */
export interface DeleteConditionInput { ifMatch?: string; lastModified?: string; size?: string }

/**
 * S3 conditional deletes, normalised for the store (which checks them in the delete's
 * transaction). A value S3 cannot parse is a 400, not ignored as on reads: ignoring it would
 * turn a guarded delete into an unconditional one.
 */
export function deleteCondition(input: DeleteConditionInput): DeleteCondition | undefined {
  const cond: { -readonly [K in keyof DeleteCondition]: DeleteCondition[K] } = {};
  if (input.ifMatch !== undefined) cond.ifMatch = parseEtagList(input.ifMatch);
  if (input.lastModified !== undefined) {
    const t = Date.parse(input.lastModified.trim());
    if (Number.isNaN(t)) throw new S3Error("InvalidArgument", { message: "Invalid last modified time.", extra: { ArgumentName: "x-amz-if-match-last-modified-time", ArgumentValue: input.lastModified } });
    cond.lastModifiedSeconds = seconds(t);
  }
  if (input.size !== undefined) {
    const v = input.size.trim();
    if (!/^\d{1,15}$/.test(v)) throw new S3Error("InvalidArgument", { message: "Invalid size.", extra: { ArgumentName: "x-amz-if-match-size", ArgumentValue: input.size } });
    cond.size = Number(v);
  }
  return Object.keys(cond).length ? cond : undefined;
}

/** DeleteObject's condition headers. */
export const deleteConditionHeaders = (h: Headers) => deleteCondition({
  ifMatch: h.get("if-match") ?? undefined,
  lastModified: h.get("x-amz-if-match-last-modified-time") ?? undefined,
  size: h.get("x-amz-if-match-size") ?? undefined,
});
