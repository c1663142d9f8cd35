// Who signed a POST Object form (AWS "Authenticating requests in browser-based uploads using
// POST"): the signature covers the base64 policy field only. SigV4 signs it with the signing
// key of the credential's scope, SigV2 with the secret (HMAC-SHA1, base64). No signature
// fields at all: anonymous, left to authorization.
import { S3Error } from "../xml/errors.ts";
import { hmac, timingSafeEqual, toBase64 } from "../util/hash.ts";
import { ALGORITHM, parseAmzDate, parseCredential, sign, signingKey } from "../auth/sigv4.ts";
import type { Principal, SecretLookup } from "../auth/principal.ts";

export interface FormAuth {
  principal: Principal;
  /** For the s3:signatureversion condition key; undefined when anonymous. */
  signatureVersion?: "AWS4-HMAC-SHA256" | "AWS";
}

const missing = (field: string) =>
  new S3Error("InvalidArgument", {
    message: `Bucket POST must contain a field named '${field}'.  If it is specified, please check the order of the fields.`,
    extra: { ArgumentName: field, ArgumentValue: "" },
  });

/** `fields`: lower-case names. Throws the S3 error for a form that does not prove who sent it. */
export async function verifyPostSignature(fields: Map<string, string>, opts: { lookup: SecretLookup; region: string }): Promise<FormAuth> {
  const policy = fields.get("policy");
  const v4 = fields.has("x-amz-signature") || fields.has("x-amz-credential") || fields.has("x-amz-algorithm");
  const v2 = fields.has("signature") || fields.has("awsaccesskeyid");
  if (!v4 && !v2) {
    // A policy with nobody to vouch for it proves nothing: S3 asks for the access key.
    if (policy !== undefined) throw missing("AWSAccessKeyId");
    return { principal: { kind: "anonymous" } };
  }
  if (policy === undefined) throw missing("policy");
  const secretFor = async (accessKey: string) => {
    const found = await opts.lookup(accessKey);
    if (!found) throw new S3Error("InvalidAccessKeyId", { extra: { AWSAccessKeyId: accessKey } });
    return found;
  };

  if (v4) {
    const algorithm = fields.get("x-amz-algorithm");
    if (algorithm === undefined) throw missing("x-amz-algorithm");
    if (algorithm !== ALGORITHM) {
      throw new S3Error("InvalidArgument", { message: `X-Amz-Algorithm only supports "${ALGORITHM}"`, extra: { ArgumentName: "x-amz-algorithm", ArgumentValue: algorithm } });
    }
    const credential = fields.get("x-amz-credential");
    if (credential === undefined) throw missing("x-amz-credential");
    const signature = fields.get("x-amz-signature");
    if (signature === undefined) throw missing("x-amz-signature");
    const date = fields.get("x-amz-date");
    if (date === undefined) throw missing("x-amz-date");
    const cred = parseCredential(credential);
    if (!cred) throw new S3Error("AuthorizationQueryParametersError", { message: "Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\"." });
    if (Number.isNaN(parseAmzDate(date))) {
      throw new S3Error("InvalidArgument", { message: "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"", extra: { ArgumentName: "x-amz-date", ArgumentValue: date } });
    }
    if (cred.region !== opts.region && cred.region !== "auto") {
      throw new S3Error("AuthorizationQueryParametersError", {
        message: `Error parsing the X-Amz-Credential parameter; the region '${cred.region}' is wrong; expecting '${opts.region}'`, extra: { Region: opts.region },
      });
    }
    if (cred.service !== "s3") {
      throw new S3Error("AuthorizationQueryParametersError", { message: `Error parsing the X-Amz-Credential parameter; incorrect service '${cred.service}'. This endpoint belongs to 's3'.` });
    }
    const { secret, principal } = await secretFor(cred.accessKey);
    const expected = await sign(await signingKey(secret, cred.date, cred.region, cred.service), policy);
    if (!timingSafeEqual(expected, signature.toLowerCase())) throw new S3Error("SignatureDoesNotMatch");
    return { principal, signatureVersion: "AWS4-HMAC-SHA256" };
  }

  const accessKey = fields.get("awsaccesskeyid");
  if (accessKey === undefined) throw missing("AWSAccessKeyId");
  const signature = fields.get("signature");
  if (signature === undefined) throw missing("signature");
  const { secret, principal } = await secretFor(accessKey);
  const expected = toBase64(await hmac(secret, policy, "SHA-1"));
  if (!timingSafeEqual(expected, signature)) throw new S3Error("SignatureDoesNotMatch");
  return { principal, signatureVersion: "AWS" };
}
