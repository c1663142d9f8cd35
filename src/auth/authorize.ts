import { S3Error } from "../xml/errors.ts";
import type { Principal } from "./principal.ts";

/** Deny by default: root may do everything; anonymous nothing until bucket policies exist. */
export function authorize(principal: Principal, _action: string, _resource: string): void {
  if (principal.kind === "root") return;
  throw new S3Error("AccessDenied");
}
