import { S3Error } from "../xml/errors.ts";
import { utf8 } from "../util/hash.ts";

/** S3 bucket naming rules (general purpose buckets). */
export function isValidBucketName(name: string): boolean {
  if (name.length < 3 || name.length > 63) return false;
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name)) return false;
  if (name.includes("..") || name.includes(".-") || name.includes("-.")) return false;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return false;
  if (name.startsWith("xn--") || name.startsWith("sthree-") || name.endsWith("-s3alias") || name.endsWith("--ol-s3")) return false;
  return true;
}

export const MAX_KEY_BYTES = 1024;

export function checkKey(key: string) {
  if (utf8(key).length > MAX_KEY_BYTES) throw new S3Error("KeyTooLongError");
}
