// One table of S3 error codes (versitygw s3err.go): status and message come from here only.
export const S3_ERRORS = {
  AccessControlListNotSupported: [400, "The bucket does not allow ACLs"],
  AccessDenied: [403, "Access Denied."],
  AccessForbidden: [403, "Access Forbidden."],
  AuthorizationHeaderMalformed: [400, "The authorization header is malformed."],
  AuthorizationQueryParametersError: [400, "Error parsing the X-Amz-Credential parameter."],
  BadDigest: [400, "The Content-MD5 you specified did not match what we received."],
  BadRequest: [400, "Bad Request."],
  BucketAlreadyExists: [409, "The requested bucket name is not available."],
  BucketAlreadyOwnedByYou: [409, "Your previous request to create the named bucket succeeded and you already own it."],
  BucketNotEmpty: [409, "The bucket you tried to delete is not empty."],
  EntityTooLarge: [400, "Your proposed upload exceeds the maximum allowed object size."],
  EntityTooSmall: [400, "Your proposed upload is smaller than the minimum allowed object size."],
  // RFC 9110 §10.1.1: an expectation other than 100-continue (S3 documents no code of its own).
  ExpectationFailed: [417, "The expectation given in the Expect header could not be met."],
  ExpiredToken: [400, "The provided token has expired."],
  InvalidToken: [400, "The provided token is malformed or otherwise invalid."],
  IllegalLocationConstraintException: [400, "The specified location-constraint is not valid."],
  IncorrectNumberOfFilesInPostRequest: [400, "POST requires exactly one file upload per request."],
  IncompleteBody: [400, "You did not provide the number of bytes specified by the Content-Length HTTP header."],
  InternalError: [500, "We encountered an internal error, please try again."],
  InvalidAccessKeyId: [403, "The Access Key Id you provided does not exist in our records."],
  InvalidArgument: [400, "Invalid Argument."],
  MalformedACLError: [400, "The XML you provided was not well-formed or did not validate against our published schema."],
  InvalidBucketName: [400, "The specified bucket is not valid."],
  InvalidDigest: [400, "The Content-MD5 you specified is not valid."],
  InvalidEncodingType: [400, "Invalid Encoding Method specified in Request."],
  InvalidPolicyDocument: [400, "The content of the form does not meet the conditions specified in the policy document."],
  InvalidPart: [400, "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag."],
  InvalidPartOrder: [400, "The list of parts was not in ascending order. The parts list must be specified in order by part number."],
  InvalidPartNumber: [416, "The requested partnumber is not satisfiable."],
  InvalidRange: [416, "The requested range is not satisfiable."],
  InvalidRequest: [400, "Invalid Request."],
  InvalidStorageClass: [400, "The storage class you specified is not valid."],
  InvalidTag: [400, "The tag provided was not a valid tag."],
  InvalidURI: [400, "Couldn't parse the specified URI."],
  KeyTooLongError: [400, "Your key is too long."],
  // SSE-KMS naming a key the gateway does not have (MinIO's ErrKMSKeyNotFoundException; AWS's KMS.NotFoundException).
  "KMS.NotFoundException": [400, "Invalid keyId"],
  MalformedXML: [400, "The XML you provided was not well-formed or did not validate against our published schema."],
  MalformedPolicy: [400, "The policy is not valid."],
  MalformedPOSTRequest: [400, "The body of your POST request is not well-formed multipart/form-data."],
  MaxPostPreDataLengthExceeded: [400, "Your POST request fields preceding the upload file were too large."],
  MetadataTooLarge: [400, "Your metadata headers exceed the maximum allowed metadata size."],
  MethodNotAllowed: [405, "The specified method is not allowed against this resource."],
  MissingContentLength: [411, "You must provide the Content-Length HTTP header."],
  MissingSecurityHeader: [400, "Your request was missing a required header."],
  NoSuchBucket: [404, "The specified bucket does not exist."],
  NoSuchBucketPolicy: [404, "The bucket policy does not exist."],
  NoSuchCORSConfiguration: [404, "The CORS configuration does not exist"],
  NoSuchKey: [404, "The specified key does not exist."],
  NoSuchTagSet: [404, "The TagSet does not exist."],
  NoSuchVersion: [404, "The specified version does not exist."],
  IllegalVersioningConfigurationException: [400, "The versioning configuration specified in the request is invalid."],
  // "Not configured" answers of the bucket configurations tools probe (bucket-configs.ts).
  NoSuchWebsiteConfiguration: [404, "The specified bucket does not have a website configuration"],
  NoSuchLifecycleConfiguration: [404, "The lifecycle configuration does not exist"],
  NoSuchPublicAccessBlockConfiguration: [404, "The public access block configuration was not found"],
  ObjectLockConfigurationNotFoundError: [404, "Object Lock configuration does not exist for this bucket"],
  // Object Lock (object-lock.ts): a version without retention / legal hold; a change the bucket's state forbids.
  NoSuchObjectLockConfiguration: [404, "The specified object does not have a ObjectLock configuration"],
  InvalidBucketState: [409, "The request is not valid with the current state of the bucket."],
  OwnershipControlsNotFoundError: [404, "The bucket ownership controls were not found"],
  ReplicationConfigurationNotFoundError: [404, "The replication configuration was not found"],
  ServerSideEncryptionConfigurationNotFoundError: [404, "The server side encryption configuration was not found"],
  NoSuchUpload: [404, "The specified multipart upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed."],
  NotImplemented: [501, "A header you provided implies functionality that is not implemented."],
  NotModified: [304, "Not Modified."],
  PreconditionFailed: [412, "At least one of the pre-conditions you specified did not hold."],
  // s3edge's instant upload (s3/instant-upload.ts): the bytes are needed, send them in a normal PUT.
  ContentNotStored: [412, "No object you may read in this bucket has this SHA-256 and size: send the bytes."],
  RequestTimeTooSkewed: [403, "The difference between the request time and the server's time is too large."],
  SignatureDoesNotMatch: [403, "The request signature we calculated does not match the signature you provided. Check your key and signing method."],
  SlowDown: [503, "Please reduce your request rate."],
  // A store the gateway depends on is unreachable (an S3 blob upstream down): retryable, as S3's own.
  ServiceUnavailable: [503, "Service is unable to handle request."],
  XAmzContentSHA256Mismatch: [400, "The provided 'x-amz-content-sha256' header does not match what was computed."],
  XAmzContentChecksumMismatch: [400, "The provided checksum does not match what was computed."],
  InvalidChunkSizeError: [403, "Only the last chunk is allowed to have a size less than 8192 bytes."],
  TooManyParts: [400, "You have attempted to upload more than 10000 parts."],
} as const satisfies Record<string, readonly [number, string]>;

export type S3ErrorCode = keyof typeof S3_ERRORS;

export class S3Error extends Error {
  readonly code: S3ErrorCode;
  readonly status: number;
  readonly resource?: string;
  /** Extra elements (e.g. ArgumentName, BucketName) copied into the XML body. */
  readonly extra: Record<string, string>;
  readonly headers: Record<string, string>;

  constructor(
    code: S3ErrorCode,
    opts: { message?: string; resource?: string; cause?: unknown; extra?: Record<string, string>; headers?: Record<string, string> } = {},
  ) {
    super(opts.message ?? S3_ERRORS[code][1], { cause: opts.cause });
    this.code = code;
    this.status = S3_ERRORS[code][0];
    this.resource = opts.resource;
    this.extra = opts.extra ?? {};
    this.headers = opts.headers ?? {};
  }
}

export const isS3Error = (e: unknown): e is S3Error => e instanceof S3Error;
