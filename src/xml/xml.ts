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
  // the indentation between elements (see normalise).
  trimValues: false,
  // References are decoded by decodeReferences: the parser's own pass leaves numeric ones
  // (Go's encoding/xml writes '"' as &#34;) and expands entities a DOCTYPE declares.
  processEntities: false,
  htmlEntities: false,
  isArray: (name) => REPEATED.has(name),
});

const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: "\"", apos: "'" };

/** XML's Char production: a reference to anything else is not well-formed. */
const isXmlChar = (c: number) =>
  c === 0x9 || c === 0xa || c === 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);

/** Character references and the five predefined entities, in one pass ("&amp;#34;" stays "&#34;"). */
export function decodeReferences(text: string): string {
  if (!text.includes("&")) return text;
  return text.replace(/&([^;&]*);?/g, (whole, ref: string) => {
    if (!whole.endsWith(";")) throw new S3Error("MalformedXML");
    if (ref in NAMED) return NAMED[ref];
    const m = /^#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,7}))$/.exec(ref);
    if (!m) throw new S3Error("MalformedXML"); // an undeclared (or custom) entity
    const code = m[1] !== undefined ? parseInt(m[1], 16) : Number(m[2]);
    if (!isXmlChar(code)) throw new S3Error("MalformedXML");
    return String.fromCodePoint(code);
  });
}

/** Parse a request body; anything not well-formed is MalformedXML (never a 500). */
export function parseXml(text: string): Record<string, any> {
  if (!text.trim()) throw new S3Error("MalformedXML");
  // No document type: its entities could expand (billion laughs) or name external files.
  if (text.includes("<!DOCTYPE")) throw new S3Error("MalformedXML", { message: "DTDs are not allowed in request bodies" });
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new S3Error("MalformedXML");
  try {
    const out = parser.parse(text);
    if (!out || typeof out !== "object") throw new S3Error("MalformedXML");
    return normalise(out) as Record<string, any>;
  } catch (e) {
    throw e instanceof S3Error ? e : new S3Error("MalformedXML", { cause: e });
  }
}

/** Drops indentation between elements and decodes references in text (CDATA is not told apart). */
function normalise(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(normalise);
  if (typeof node === "string") return decodeReferences(node);
  if (!node || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === "#text" && typeof v === "string" && !v.trim()) continue;
    out[k] = normalise(v);
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

/** One element without the XML declaration, for documents whose children interleave kinds (ListObjectVersions). */
export function xmlFragment(name: string, body: Record<string, unknown>): string {
  return builder.build({ [name]: body });
}
