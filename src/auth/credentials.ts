import type { Config } from "../config.ts";
import type { SecretLookup } from "./principal.ts";

/** Root credentials from config; IAM users, service accounts and STS plug in here later. */
export function rootSecretLookup(config: Config): SecretLookup {
  return async (accessKey) =>
    accessKey === config.rootUser ? { secret: config.rootPassword, principal: { kind: "root", accessKey } } : null;
}
