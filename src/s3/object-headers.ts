// Which request headers an object keeps, and the headers a GET/HEAD answers with.
import { S3Error } from "../xml/errors.ts";
import type { ObjectRecord } from "../store/types.ts";
import { checksumHeaders } from "./checksum.ts";

const STORED = ["content-type", "content-encoding", "content-disposition", "content-language", "cache-control", "expires", "x-amz-website-redirect-location"];
const MAX_USER_METADATA = 2 * 1024; // S3: user-defined metadata is limited to 2 KB

export function storedHeaders(h: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  let metaSize = 0;
  h.forEach((v, k) => {
    if (k.startsWith("x-amz-meta-")) {
      out[k] = v;
      metaSize += k.length - "x-amz-meta-".length + v.length;
    } else if (STORED.includes(k)) {
      out[k] = v;
    }
  });
  if (out["content-encoding"]) {
    // aws-chunked is transfer framing, not a property of the object (S3 strips it).
    const enc = out["content-encoding"].split(",").map((s) => s.trim()).filter((s) => s && s.toLowerCase() !== "aws-chunked");
    if (enc.length) out["content-encoding"] = enc.join(", ");
    else delete out["content-encoding"];
  }
  if (metaSize > MAX_USER_METADATA) throw new S3Error("MetadataTooLarge");
  return out;
}

/** `x-amz-tagging` / tagging form values: URL query encoding, S3 limits. */
export function parseTaggingHeader(v: string | null): Record<string, string> {
  if (!v) return {};
  const tags: Record<string, string> = {};
  for (const [k, val] of new URLSearchParams(v)) {
    if (k in tags) throw new S3Error("InvalidTag", { message: "Cannot provide multiple Tags with the same key" });
    tags[k] = val;
  }
  validateTags(tags);
  return tags;
}

export function validateTags(tags: Record<string, string>) {
  const keys = Object.keys(tags);
  if (keys.length > 10) throw new S3Error("InvalidTag", { message: "Object tags cannot be greater than 10" });
  for (const k of keys) {
    if (!k.length || [...k].length > 128) throw new S3Error("InvalidTag", { message: "The TagKey you have provided is invalid" });
    if ([...tags[k]].length > 256) throw new S3Error("InvalidTag", { message: "The TagValue you have provided is too long" });
    if (k.startsWith("aws:")) throw new S3Error("InvalidTag", { message: "Your TagKey cannot be prefixed with aws:" });
  }
}

// The last one formatted: answers about one object (or one second) in a row format it once.
let lastDate = { sec: NaN, text: "" };
export const httpDate = (ms: number): string => {
  const sec = Math.floor(ms / 1000);
  if (sec !== lastDate.sec) lastDate = { sec, text: new Date(ms).toUTCString() };
  return lastDate.text;
};

export function objectHeaders(obj: ObjectRecord, opts: { checksums: boolean }): Headers {
  const h = new Headers();
  // x-s3edge-* entries are the gateway's own (the object ACL, acl.ts), never answered.
  for (const [k, v] of Object.entries(obj.headers)) if (!k.startsWith("x-s3edge-")) h.set(k, v);
  if (!h.has("content-type")) h.set("content-type", "binary/octet-stream");
  h.set("etag", obj.etag);
  h.set("last-modified", httpDate(obj.lastModified));
  h.set("accept-ranges", "bytes");
  const tagCount = Object.keys(obj.tags).length;
  if (tagCount) h.set("x-amz-tagging-count", String(tagCount));
  if (obj.storageClass !== "STANDARD") h.set("x-amz-storage-class", obj.storageClass);
  if (opts.checksums && obj.checksum) {
    for (const [k, v] of Object.entries(checksumHeaders({ algorithm: obj.checksum.algorithm, value: obj.checksum.value, type: obj.checksum.type }))) h.set(k, v);
  }
  return h;
}

/** Applies response-content-* query overrides (signed requests only, as S3 does). */
export function applyResponseOverrides(h: Headers, q: URLSearchParams) {
  const map: Record<string, string> = {
    "response-content-type": "content-type", "response-content-language": "content-language",
    "response-expires": "expires", "response-cache-control": "cache-control",
    "response-content-disposition": "content-disposition", "response-content-encoding": "content-encoding",
  };
  for (const [param, header] of Object.entries(map)) {
    const v = q.get(param);
    if (v !== null) h.set(header, v);
  }
}
