// Bucket CORS (S3 CORSConfiguration): parse and validate, render, and match a browser request
// against the rules. Pure functions; the handlers are in cors-handlers.ts, the actual-request
// headers are added by the pipeline (api.ts) through corsResponseHeaders.
import { S3Error } from "../xml/errors.ts";
import { isBlank } from "../xml/xml.ts";

export const CORS_CONFIG = "cors";

export interface CorsRule {
  id?: string;
  origins: string[];
  methods: string[];
  headers: string[];
  expose: string[];
  maxAge?: number;
}

/** The methods a CORS rule may name (S3: GET, PUT, POST, DELETE, HEAD; no OPTIONS, no PATCH). */
const METHODS = new Set(["GET", "PUT", "POST", "DELETE", "HEAD"]);
const MAX_RULES = 100;

const texts = (v: unknown): string[] => {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) throw new S3Error("MalformedXML");
  return v as string[];
};
const oneText = (v: unknown): string | undefined => {
  if (v === undefined) return undefined;
  if (typeof v !== "string") throw new S3Error("MalformedXML");
  return v;
};
const wildcards = (s: string) => s.split("*").length - 1;

/** The rules of a PutBucketCors document, validated as S3 validates them. */
export function parseCorsConfig(doc: Record<string, any>): CorsRule[] {
  const root = doc.CORSConfiguration;
  if (root === undefined || isBlank(root) || typeof root !== "object" || Array.isArray(root)) throw new S3Error("MalformedXML");
  const raw = root.CORSRule;
  if (!Array.isArray(raw) || raw.length === 0) throw new S3Error("MalformedXML");
  if (raw.length > MAX_RULES) {
    throw new S3Error("InvalidRequest", { message: `The number of CORS rules should not exceed allowed limit of ${MAX_RULES} rules.` });
  }
  return raw.map((r: unknown): CorsRule => {
    if (!r || typeof r !== "object" || Array.isArray(r)) throw new S3Error("MalformedXML");
    const o = r as Record<string, unknown>;
    const origins = texts(o.AllowedOrigin);
    const methods = texts(o.AllowedMethod);
    if (!origins.length || !methods.length) throw new S3Error("MalformedXML");
    for (const m of methods) {
      if (!METHODS.has(m)) throw new S3Error("InvalidRequest", { message: `Found unsupported HTTP method in CORS config. Unsupported method is ${m}` });
    }
    for (const origin of origins) {
      if (wildcards(origin) > 1) throw new S3Error("InvalidRequest", { message: `AllowedOrigin "${origin}" can not have more than one wildcard.` });
    }
    const headers = texts(o.AllowedHeader);
    for (const h of headers) {
      if (wildcards(h) > 1) throw new S3Error("InvalidRequest", { message: `AllowedHeader "${h}" can not have more than one wildcard.` });
    }
    const expose = texts(o.ExposeHeader);
    for (const h of expose) {
      if (h.includes("*")) throw new S3Error("InvalidRequest", { message: `ExposeHeader "${h}" contains wildcard. We currently do not support wildcard for ExposeHeader.` });
    }
    const id = oneText(o.ID);
    if (id !== undefined && id.length > 255) throw new S3Error("InvalidArgument", { message: "The ID of a CORS rule must not be longer than 255 characters.", extra: { ArgumentName: "ID" } });
    const age = oneText(o.MaxAgeSeconds);
    if (age !== undefined && !/^\d{1,10}$/.test(age.trim())) throw new S3Error("MalformedXML");
    const rule: CorsRule = { origins, methods, headers, expose };
    if (id !== undefined) rule.id = id;
    if (age !== undefined) rule.maxAge = Number(age.trim());
    return rule;
  });
}

/** The GetBucketCors body (AWS element order: ID, AllowedHeader, AllowedMethod, AllowedOrigin, ExposeHeader, MaxAgeSeconds). */
export function corsXmlBody(rules: CorsRule[]): Record<string, unknown> {
  return {
    CORSRule: rules.map((r) => {
      const out: Record<string, unknown> = {};
      if (r.id !== undefined) out.ID = r.id;
      if (r.headers.length) out.AllowedHeader = r.headers;
      out.AllowedMethod = r.methods;
      out.AllowedOrigin = r.origins;
      if (r.expose.length) out.ExposeHeader = r.expose;
      if (r.maxAge !== undefined) out.MaxAgeSeconds = r.maxAge;
      return out;
    }),
  };
}

/** The stored rules of a bucket (its `cors` config), or null when CORS is not configured. */
export function corsRules(configs: Record<string, string> | undefined): CorsRule[] | null {
  const raw = configs?.[CORS_CONFIG];
  if (!raw) return null;
  const parsed = JSON.parse(raw) as { rules: CorsRule[] };
  return parsed.rules;
}

/** A pattern with at most one '*' (checked when stored) against a value. */
export function wildcardMatch(pattern: string, value: string): boolean {
  const star = pattern.indexOf("*");
  if (star < 0) return pattern === value;
  const prefix = pattern.slice(0, star);
  const suffix = pattern.slice(star + 1);
  return value.length >= prefix.length + suffix.length && value.startsWith(prefix) && value.endsWith(suffix);
}

/** Access-Control-Request-Headers as a list of lower-case names. */
export const requestedHeaders = (v: string | null): string[] =>
  (v ?? "").split(",").map((h) => h.trim().toLowerCase()).filter(Boolean);

/**
 * The first rule that allows this origin and method and, for a preflight, every requested
 * header (S3 evaluates rules in order and uses the first match). Origins match case-sensitively
 * as S3 does; header names case-insensitively.
 */
export function matchCorsRule(rules: CorsRule[], origin: string, method: string, headers: string[] = []): CorsRule | undefined {
  return rules.find((r) =>
    r.origins.some((o) => wildcardMatch(o, origin)) &&
    r.methods.includes(method) &&
    headers.every((h) => r.headers.some((p) => wildcardMatch(p.toLowerCase(), h))));
}

const allowOrigin = (rule: CorsRule, origin: string) => (rule.origins.includes("*") ? "*" : origin);

/** Headers of a successful preflight. */
export function preflightHeaders(rule: CorsRule, origin: string, headers: string[]): Headers {
  const out = new Headers();
  const allowed = allowOrigin(rule, origin);
  out.set("access-control-allow-origin", allowed);
  out.set("access-control-allow-methods", rule.methods.join(", "));
  if (headers.length) out.set("access-control-allow-headers", headers.join(", "));
  if (rule.expose.length) out.set("access-control-expose-headers", rule.expose.join(", "));
  if (rule.maxAge !== undefined) out.set("access-control-max-age", String(rule.maxAge));
  if (allowed !== "*") out.set("access-control-allow-credentials", "true");
  out.set("vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method");
  return out;
}

/**
 * Headers for an actual (non-preflight) request from a browser: none unless the bucket has a
 * rule for this origin and method, as S3 answers.
 */
export function corsResponseHeaders(rules: CorsRule[] | null, origin: string | null, method: string): Record<string, string> | null {
  if (!rules || !origin) return null;
  const rule = matchCorsRule(rules, origin, method);
  if (!rule) return null;
  const allowed = allowOrigin(rule, origin);
  const out: Record<string, string> = { "access-control-allow-origin": allowed };
  if (rule.expose.length) out["access-control-expose-headers"] = rule.expose.join(", ");
  if (allowed !== "*") out["access-control-allow-credentials"] = "true";
  return out;
}
