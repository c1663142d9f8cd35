// Errors of the AWS Query APIs (STS, SNS, IAM): <ErrorResponse><Error><Type/><Code/><Message/>
// </Error><RequestId/></ErrorResponse>, in the namespace of the API that answers.
import { buildXml } from "../xml/xml.ts";
import type { S3Error } from "../xml/errors.ts";

export const QUERY_ERRORS = {
  InvalidAction: [400, "Sender", "The action or operation requested is invalid. Verify that the action is typed correctly."],
  MissingAction: [400, "Sender", "The request must contain the parameter Action."],
  MissingParameter: [400, "Sender", "A required parameter for the specified action is not supplied."],
  InvalidParameterValue: [400, "Sender", "An invalid or out-of-range value was supplied for the input parameter."],
  MalformedQueryString: [400, "Sender", "The query string contains a syntax error."],
  RequestEntityTooLarge: [413, "Sender", "The request body is too large."],
  NotImplemented: [501, "Receiver", "The action is not implemented by this gateway yet."],
  // SNS (Ceph RGW answers these for topic attributes and unknown topics).
  InvalidArgument: [400, "Sender", "An argument is not valid."],
  NotFound: [404, "Sender", "The requested resource does not exist."],
} as const satisfies Record<string, readonly [number, "Sender" | "Receiver", string]>;

export type QueryErrorCode = keyof typeof QUERY_ERRORS;

export class QueryError extends Error {
  readonly code: QueryErrorCode;
  readonly status: number;
  readonly type: "Sender" | "Receiver";
  constructor(code: QueryErrorCode, opts: { message?: string; cause?: unknown } = {}) {
    super(opts.message ?? QUERY_ERRORS[code][2], { cause: opts.cause });
    this.code = code;
    this.status = QUERY_ERRORS[code][0];
    this.type = QUERY_ERRORS[code][1];
  }
}

/** A Query API error, or an S3Error of the shared pipeline (signature, access) in the same envelope. */
export function renderQueryError(e: QueryError | S3Error, requestId: string, ns: string | null, head: boolean): Response {
  const type = e instanceof QueryError ? e.type : e.status >= 500 ? "Receiver" : "Sender";
  const body = buildXml("ErrorResponse", { Error: { Type: type, Code: e.code, Message: e.message }, RequestId: requestId }, ns);
  return new Response(head ? null : body, { status: e.status, headers: { "content-type": "text/xml" } });
}
