// The MinIO admin API's errors: JSON, never XML — madmin JSON-decodes every non-success body
// (specs/minio-admin.md §2.5). One table, one class, rendered by renderAdminError.
import { S3Error } from "../xml/errors.ts";

export const ADMIN_ERRORS = {
  XMinioAdminInvalidArgument: [400, "Invalid arguments specified."],
  XMinioAdminConfigBadJSON: [400, "JSON configuration provided is of incorrect format"],
  XMinioInvalidIAMCredentials: [403, "The security token included in the request is invalid"],
  XMinioAdminNoSuchUser: [404, "The specified user does not exist."],
  XMinioAdminNoSuchGroup: [404, "The specified group does not exist."],
  XMinioAdminNoSuchPolicy: [404, "The canned policy does not exist."],
  XMinioAdminGroupNotEmpty: [400, "The specified group is not empty - cannot remove it."],
  XMinioMalformedIAMPolicy: [400, "Policy has invalid resource."],
  MalformedPolicy: [400, "Policy has invalid resource."],
  XMinioMalformedJSON: [400, "The JSON you provided was not well-formed or did not validate against our published format."],
  XMinioAdminInvalidAccessKey: [400, "The access key is invalid."],
  XMinioAdminInvalidSecretKey: [400, "The secret key is invalid."],
  XMinioAdminServiceAccountNotFound: [404, "The specified service account is not found"],
  XMinioAdminNoSuchTarget: [404, "The specified notification target or topic does not exist."],
  XMinioIAMActionNotAllowed: [403, "Specified IAM action is not allowed"],
  InvalidRequest: [400, "Invalid Request"],
  MissingContentLength: [411, "You must provide the Content-Length HTTP header."],
  XMinioConfigError: [400, "Error in the configuration."],
  XMinioAdminRequestTooLarge: [413, "The request body is larger than the admin API accepts."],
  XMinioAdminUnknownOperation: [400, "The admin API has no such operation."],
  // An admin call the gateway does not have: 501, never 500 (madmin retries 500 up to 10 times).
  NotImplemented: [501, "A header you provided implies functionality that is not implemented"],
} as const satisfies Record<string, readonly [number, string]>;

export type AdminErrorCode = keyof typeof ADMIN_ERRORS;

export class AdminError extends Error {
  readonly code: AdminErrorCode;
  readonly status: number;
  constructor(code: AdminErrorCode, opts: { message?: string; cause?: unknown } = {}) {
    super(opts.message ?? ADMIN_ERRORS[code][1], { cause: opts.cause });
    this.code = code;
    this.status = ADMIN_ERRORS[code][0];
  }
}

/** An admin error, or an S3Error from the shared pipeline (signature, access), as madmin reads it. */
export function renderAdminError(e: AdminError | S3Error, resource: string, requestId: string, region: string): Response {
  const body = { Code: e.code, Message: e.message, Resource: resource, RequestId: requestId, HostId: requestId, Region: region };
  return new Response(JSON.stringify(body), { status: e.status, headers: { "content-type": "application/json" } });
}
