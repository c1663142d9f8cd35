// The blob store's URL (--blobs / S3EDGE_BLOB_URL): `s3+http://HOST:PORT/BUCKET[/prefix]` or
// `s3+https://…`, `?region=` (default us-east-1), `?style=path|virtual` (default path, which
// every S3 server answers; virtual puts the bucket in the host name, as AWS prefers). The
// credentials come from S3EDGE_BLOB_ACCESS_KEY / S3EDGE_BLOB_SECRET_KEY (optionally
// S3EDGE_BLOB_SESSION_TOKEN), never from the URL, so it can be logged.
import { ConfigError } from "../../config-error.ts";
import type { UpstreamOptions } from "./upstream.ts";

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export type BlobTarget = { kind: "fs" } | { kind: "s3"; options: UpstreamOptions; display: string };

/** Parses the blob URL; `name` is what the operator set (flag or variable), for the message. */
export function parseBlobUrl(raw: string | undefined, env: Record<string, string | undefined>, name = "S3EDGE_BLOB_URL"): BlobTarget {
  if (raw === undefined || raw.trim() === "" || raw === "fs" || raw === "file") return { kind: "fs" };
  const bad = (why: string) => new ConfigError(`${name}: ${why} (expected s3+http://HOST:PORT/BUCKET[/prefix] or s3+https://…)`);
  let u: URL;
  try { u = new URL(raw.trim()); } catch { throw bad(`not a URL: ${raw}`); }
  if (u.protocol !== "s3+http:" && u.protocol !== "s3+https:") throw bad(`unsupported scheme ${u.protocol.replace(/:$/, "")}`);
  if (u.username || u.password) throw bad("credentials do not belong in the URL; set S3EDGE_BLOB_ACCESS_KEY and S3EDGE_BLOB_SECRET_KEY");
  if (!u.hostname) throw bad("no host");
  const [bucket, ...rest] = u.pathname.replace(/^\/+/, "").split("/");
  if (!bucket) throw bad("no bucket");
  if (!BUCKET.test(bucket)) throw bad(`invalid bucket name ${bucket}`);
  const prefix = rest.filter(Boolean).map(decodeURIComponent).join("/");
  for (const k of u.searchParams.keys()) if (k !== "region" && k !== "style") throw bad(`unknown parameter ?${k}= (only region and style)`);
  const region = u.searchParams.get("region") ?? "us-east-1";
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(region)) throw bad(`invalid region ${region}`);
  const style = u.searchParams.get("style") ?? "path";
  if (style !== "path" && style !== "virtual") throw bad(`style must be path or virtual, got ${style}`);
  const accessKeyId = env.S3EDGE_BLOB_ACCESS_KEY?.trim();
  const secretAccessKey = env.S3EDGE_BLOB_SECRET_KEY?.trim();
  if (!accessKeyId || !secretAccessKey) throw new ConfigError(`${name}: S3EDGE_BLOB_ACCESS_KEY and S3EDGE_BLOB_SECRET_KEY must be set for an S3 blob store`);
  const scheme = u.protocol === "s3+https:" ? "https:" : "http:";
  return {
    kind: "s3",
    display: `${u.protocol}//${u.host}/${bucket}${prefix ? `/${prefix}` : ""}`,
    options: {
      endpoint: `${scheme}//${u.host}`,
      bucket,
      prefix: prefix ? `${prefix}/` : "",
      region,
      style: style as "path" | "virtual",
      accessKeyId,
      secretAccessKey,
      sessionToken: env.S3EDGE_BLOB_SESSION_TOKEN?.trim() || undefined,
    },
  };
}
