// SQS errors in both of SQS's protocols. The JSON protocol (what botocore ≥ 1.31 and aws cli
// send) names the error by its model shape in `__type` and carries the old Query code in the
// `x-amzn-query-error: <code>;<Sender|Receiver>` header, which botocore turns back into the
// code (AWS.SimpleQueueService.NonExistentQueue) and the modeled exception (QueueDoesNotExist).
// The Query protocol answers <ErrorResponse> XML with the Query code.
import { buildXml } from "../xml/xml.ts";
import type { S3Error } from "../xml/errors.ts";

export const SQS_NS = "http://queue.amazonaws.com/doc/2012-11-05/";

/** code → [model shape (JSON __type), Query code, HTTP status, message]. */
export const SQS_ERRORS = {
  QueueDoesNotExist: ["QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue", 400, "The specified queue does not exist."],
  QueueNameExists: ["QueueNameExists", "QueueAlreadyExists", 400, "A queue already exists with the same name and different attributes."],
  InvalidAttributeName: ["InvalidAttributeName", "InvalidAttributeName", 400, "The specified attribute does not exist."],
  InvalidAttributeValue: ["InvalidAttributeValue", "InvalidAttributeValue", 400, "A queue attribute value is invalid."],
  ReceiptHandleIsInvalid: ["ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid", 400, "The specified receipt handle isn't valid."],
  MessageNotInflight: ["MessageNotInflight", "AWS.SimpleQueueService.MessageNotInflight", 400, "The specified message isn't in flight."],
  EmptyBatchRequest: ["EmptyBatchRequest", "AWS.SimpleQueueService.EmptyBatchRequest", 400, "The batch request doesn't contain any entries."],
  TooManyEntriesInBatchRequest: ["TooManyEntriesInBatchRequest", "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", 400, "The batch request contains more entries than permissible (10)."],
  BatchEntryIdsNotDistinct: ["BatchEntryIdsNotDistinct", "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", 400, "Two or more batch entries in the request have the same Id."],
  InvalidBatchEntryId: ["InvalidBatchEntryId", "AWS.SimpleQueueService.InvalidBatchEntryId", 400, "The Id of a batch entry in a batch request doesn't abide by the specification."],
  InvalidMessageContents: ["InvalidMessageContents", "InvalidMessageContents", 400, "The message contains characters outside the allowed set."],
  UnsupportedOperation: ["UnsupportedOperation", "AWS.SimpleQueueService.UnsupportedOperation", 400, "Error code 400. Unsupported operation."],
  InvalidAddress: ["InvalidAddress", "InvalidAddress", 404, "The specified ID is invalid."],
  MissingParameter: ["MissingParameter", "MissingParameter", 400, "A required parameter is missing."],
  InvalidParameterValue: ["InvalidParameterValue", "InvalidParameterValue", 400, "An invalid or out-of-range value was supplied for the input parameter."],
  InvalidAction: ["UnknownOperationException", "InvalidAction", 400, "The action or operation requested is invalid."],
  MalformedInput: ["SerializationException", "MalformedQueryString", 400, "The request body is not valid."],
  RequestEntityTooLarge: ["RequestEntityTooLarge", "RequestEntityTooLarge", 413, "The request body is too large."],
} as const satisfies Record<string, readonly [string, string, number, string]>;

export type SqsErrorCode = keyof typeof SQS_ERRORS;

export class SqsError extends Error {
  readonly code: SqsErrorCode;
  constructor(code: SqsErrorCode, message?: string) {
    super(message ?? SQS_ERRORS[code][3]);
    this.code = code;
  }
}

/** What the two renderers need of an SqsError or of an S3Error from the shared steps (signature, access). */
function parts(e: SqsError | S3Error): { shape: string; code: string; status: number; type: "Sender" | "Receiver" } {
  if (e instanceof SqsError) {
    const [shape, code, status] = SQS_ERRORS[e.code];
    return { shape, code, status, type: status >= 500 ? "Receiver" : "Sender" };
  }
  const code = e.code === "InternalError" ? "InternalFailure" : e.code;
  return { shape: code === "AccessDenied" ? "AccessDeniedException" : code, code, status: e.status, type: e.status >= 500 ? "Receiver" : "Sender" };
}

export function renderSqsJsonError(e: SqsError | S3Error): Response {
  const p = parts(e);
  return new Response(JSON.stringify({ __type: `com.amazonaws.sqs#${p.shape}`, message: e.message }), {
    status: p.status, headers: { "content-type": "application/x-amz-json-1.0", "x-amzn-query-error": `${p.code};${p.type}` },
  });
}

export function renderSqsXmlError(e: SqsError | S3Error, requestId: string): Response {
  const p = parts(e);
  const body = buildXml("ErrorResponse", { Error: { Type: p.type, Code: p.code, Message: e.message, Detail: "" }, RequestId: requestId }, SQS_NS);
  return new Response(body, { status: p.status, headers: { "content-type": "text/xml" } });
}
