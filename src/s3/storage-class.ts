import { S3Error } from "../xml/errors.ts";

export const STORAGE_CLASSES = new Set(["STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER", "DEEP_ARCHIVE", "GLACIER_IR", "OUTPOSTS", "SNOW", "EXPRESS_ONEZONE"]);

export function storageClass(h: Headers): string {
  const v = h.get("x-amz-storage-class") ?? "STANDARD";
  if (!STORAGE_CLASSES.has(v)) throw new S3Error("InvalidStorageClass");
  return v;
}
