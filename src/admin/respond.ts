// What every admin handler shares: reading plain and encrypted bodies, answering plain JSON,
// encrypted JSON or nothing with the one status madmin accepts (specs/minio-admin.md §2.4), and
// turning an IamStore refusal into the madmin error of §2.5.
import type { IamErrorCode, IamWrite } from "../iam/store.ts";
import { IamRefusal } from "../iam/validate.ts";
import { verifyStsToken } from "../auth/sts-token.ts";
import { AdminError, type AdminErrorCode } from "./errors.ts";
import type { AdminCtx } from "./handlers.ts";

const enc = new TextEncoder();
const dec = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

export const json = (value: unknown, status = 200): Response =>
  new Response(JSON.stringify(value), { status, headers: { "content-type": "application/json" } });

/** A JSON text already serialised (stored policy documents go out byte for byte). */
export const jsonText = (text: string): Response => new Response(text, { headers: { "content-type": "application/json" } });

/** 200 with no body, or 201/204 where madmin wants exactly that. */
export const empty = (status = 200): Response => new Response(status === 204 ? null : "", { status });

/**
 * The secret key of the credentials that signed the request: madmin encrypts bodies with it
 * and decrypts our answers with it (§4). Looked up again here because the pipeline passes only
 * the principal; a user or account removed since authentication no longer has one.
 */
export async function signerSecret(ctx: AdminCtx): Promise<string> {
  const p = ctx.principal;
  let secret: string | undefined;
  if (p.kind === "root") secret = ctx.deps.config.rootPassword;
  else if (p.kind === "user") secret = (await ctx.deps.iam.getUser(p.accessKey))?.secretKey;
  else if (p.kind === "serviceAccount") secret = (await ctx.deps.iam.getServiceAccount(p.accessKey))?.secretKey;
  else if (p.kind === "sts") {
    // The temporary secret is derived from the (already verified) token: madmin encrypts with it (§8.5).
    const token = ctx.req.headers.get("x-amz-security-token") ?? new URL(ctx.req.url).searchParams.get("X-Amz-Security-Token");
    const v = token ? await verifyStsToken(ctx.deps.config.rootPassword, token, ctx.deps.clock.now()) : null;
    if (v?.ok && v.claims.ak === p.accessKey) secret = v.secret;
  }
  if (secret === undefined) throw new AdminError("XMinioInvalidIAMCredentials", { message: "The credentials that signed the request have no secret key here." });
  return secret;
}

/** 200 with the value as madmin's EncryptData of its JSON under the signer's secret. */
export async function encryptedJson(ctx: AdminCtx, value: unknown): Promise<Response> {
  const body = await ctx.crypto.encrypt(await signerSecret(ctx), enc.encode(JSON.stringify(value)));
  return new Response(body as BodyInit, { headers: { "content-type": "application/octet-stream" } });
}

const parse = (bytes: Uint8Array, code: AdminErrorCode, what: string): unknown => {
  try {
    return JSON.parse(dec.decode(bytes));
  } catch {
    throw new AdminError(code, { message: `${what} is not valid JSON` });
  }
};

/** The JSON object of an encrypted body; XMinioAdminConfigBadJSON when it does not decrypt or parse (MinIO). */
export async function decryptedJson(ctx: AdminCtx): Promise<Record<string, unknown>> {
  const plain = await ctx.crypto.decrypt(await signerSecret(ctx), ctx.body);
  if (!plain) throw new AdminError("XMinioAdminConfigBadJSON", { message: "The request body could not be decrypted with the secret key that signed it." });
  return object(parse(plain, "XMinioAdminConfigBadJSON", "The decrypted request body"), "XMinioAdminConfigBadJSON");
}

/** The JSON object of a plain body; XMinioMalformedJSON otherwise. */
export function plainJson(ctx: AdminCtx): Record<string, unknown> {
  return object(parse(ctx.body, "XMinioMalformedJSON", "The request body"), "XMinioMalformedJSON");
}

function object(v: unknown, code: AdminErrorCode): Record<string, unknown> {
  if (!v || typeof v !== "object" || Array.isArray(v)) throw new AdminError(code, { message: "The request body must be a JSON object." });
  return v as Record<string, unknown>;
}

/** A required, non-empty query parameter. */
export function param(ctx: AdminCtx, name: string): string {
  const v = ctx.query.get(name);
  if (!v) throw new AdminError("XMinioAdminInvalidArgument", { message: `The '${name}' query parameter is required.` });
  return v;
}

/** An optional string field of a request document; anything else than a string is refused. */
export function field(doc: Record<string, unknown>, name: string): string | undefined {
  const v = doc[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw new AdminError("XMinioAdminInvalidArgument", { message: `'${name}' must be a string.` });
  return v;
}

export function stringList(v: unknown, name: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) {
    throw new AdminError("XMinioAdminInvalidArgument", { message: `'${name}' must be a list of strings.` });
  }
  return v;
}

const REFUSALS: Record<IamErrorCode, AdminErrorCode> = {
  NoSuchUser: "XMinioAdminNoSuchUser",
  NoSuchGroup: "XMinioAdminNoSuchGroup",
  NoSuchPolicy: "XMinioAdminNoSuchPolicy",
  NoSuchServiceAccount: "XMinioAdminServiceAccountNotFound",
  AccessKeyInUse: "XMinioAdminInvalidArgument",
  GroupNotEmpty: "XMinioAdminGroupNotEmpty",
  PolicyInUse: "XMinioAdminInvalidArgument",
  PolicyBuiltin: "XMinioAdminInvalidArgument",
  InvalidArgument: "XMinioAdminInvalidArgument",
};

/** A committed write passes; a refused one becomes its madmin error, with the store's reason as the message. */
export function committed(w: IamWrite): void {
  if (!w.ok) throw new AdminError(REFUSALS[w.error], { message: w.message });
}

/** Runs a validate.ts check and answers its refusal as `code` (the precise madmin code for keys). */
export function check(fn: () => void, code: AdminErrorCode): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof IamRefusal) throw new AdminError(code, { message: e.message });
    throw e;
  }
}

/** RFC 3339 of epoch ms, as Go's time.Time marshals (UTC). */
export const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.000Z$/, "Z");

/** Comma-separated names ("p1,p2"), empties dropped. */
export const splitNames = (s: string): string[] => s.split(",").map((x) => x.trim()).filter(Boolean);
