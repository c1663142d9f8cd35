import { XMLBuilder, XMLParser, XMLValidator } from "fast-xml-parser";
import { S3Error } from "./errors.ts";

export const S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/";

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: "@_", suppressEmptyNode: false, processEntities: true });

/** Serialise one S3 response document; `root` is the AWS element name. */
export function buildXml(root: string, body: Record<string, unknown>, ns: string | null = S3_NS): string {
  const doc = ns ? { "@_xmlns": ns, ...body } : body;
  return '<?xml version="1.0" encoding="UTF-8"?>\n' + builder.build({ [root]: doc });
}

export function xmlResponse(root: string, body: Record<string, unknown>, init: { status?: number; headers?: HeadersInit } = {}): Response {
  const headers = new Headers(init.headers);
  headers.set("content-type", "application/xml");
  return new Response(buildXml(root, body), { status: init.status ?? 200, headers });
}

// Elements that repeat in request bodies; forced to arrays so one-element lists look the same.
const REPEATED = new Set([
  "Part", "Object", "Tag", "CORSRule", "AllowedOrigin", "AllowedMethod", "AllowedHeader", "ExposeHeader",
  "QueueConfiguration", "Event", "FilterRule",
]);

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  // Keys and tag values may start or end with spaces: keep values verbatim and drop only
  // the indentation between elements (see stripWhitespace).
  trimValues: false,
  processEntities: true,
  isArray: (name) => REPEATED.has(name),
});

/** Parse a request body; anything not well-formed is MalformedXML (never a 500). */
export function parseXml(text: string): Record<string, any> {
  if (!text.trim()) throw new S3Error("MalformedXML");
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new S3Error("MalformedXML");
  try {
    const out = parser.parse(text);
    if (!out || typeof out !== "object") throw new S3Error("MalformedXML");
    return stripWhitespace(out) as Record<string, any>;
  } catch (e) {
    throw e instanceof S3Error ? e : new S3Error("MalformedXML", { cause: e });
  }
}

function stripWhitespace(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(stripWhitespace);
  if (!node || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === "#text" && typeof v === "string" && !v.trim()) continue;
    out[k] = stripWhitespace(v);
  }
  return out;
}

/** An element that should hold children but holds only text: empty if that text is blank. */
export const isBlank = (v: unknown) => v === undefined || (typeof v === "string" && !v.trim());

export function errorXml(code: string, message: string, fields: Record<string, string | undefined>): string {
  const body: Record<string, string> = { Code: code, Message: message };
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) body[k] = v;
  return buildXml("Error", body, null);
}
