// Path-style and virtual-host-style addressing → (level, bucket, key).
import { S3Error } from "../xml/errors.ts";
import { safeDecode } from "../auth/authenticate.ts";
import type { Level } from "./router.ts";

export interface Address { level: Level; bucket: string; key: string; vhost: boolean }

/** `path` is the request path as sent (keys may hold "." and ".." segments: they are names, not paths). */
export function resolveAddress(url: URL, path: string, host: string | null, domains: string[]): Address {
  const hostname = (host ?? url.host).replace(/:\d+$/, "").toLowerCase();
  for (const d of domains) {
    if (hostname.endsWith("." + d)) {
      const bucket = hostname.slice(0, -d.length - 1);
      const key = safeDecode(path.slice(1));
      return { level: key ? "object" : "bucket", bucket, key, vhost: true };
    }
  }
  if (!path.startsWith("/")) throw new S3Error("InvalidURI");
  const rest = path.slice(1);
  if (!rest) return { level: "service", bucket: "", key: "", vhost: false };
  const i = rest.indexOf("/");
  const bucket = safeDecode(i < 0 ? rest : rest.slice(0, i));
  const key = i < 0 ? "" : safeDecode(rest.slice(i + 1));
  return { level: key ? "object" : "bucket", bucket, key, vhost: false };
}
