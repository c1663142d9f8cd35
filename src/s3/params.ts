// Query parameters several operations share.
import { S3Error } from "../xml/errors.ts";

export function maxKeys(q: URLSearchParams, name = "max-keys"): number {
  const v = q.get(name);
  if (v === null || v === "") return 1000;
  if (!/^\d+$/.test(v)) throw new S3Error("InvalidArgument", { message: "Provided max-keys not an integer or within integer range", extra: { ArgumentName: name, ArgumentValue: v } });
  return Math.min(Number(v), 1000);
}
