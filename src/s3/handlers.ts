import { S3Error } from "../xml/errors.ts";
import type { Handler } from "./context.ts";
import type { Op } from "./router.ts";
import { createBucket, deleteBucket, getBucketAcl, getBucketLocation, getBucketVersioning, headBucket, listBuckets } from "./bucket.ts";
import { putObject } from "./object-put.ts";
import { getObject, headObject } from "./object-get.ts";
import { deleteObject, deleteObjects } from "./object-delete.ts";
import { copyObject, uploadPartCopy } from "./object-copy.ts";
import { listObjects, listObjectsV2 } from "./list.ts";
import {
  abortMultipartUpload, completeMultipartUpload, createMultipartUpload, listMultipartUploads, listParts, uploadPart,
} from "./multipart.ts";
import { deleteObjectTagging, getObjectAcl, getObjectTagging, putObjectTagging } from "./tagging.ts";
import { getBucketNotification, putBucketNotification } from "./notification.ts";
import { deleteBucketCors, getBucketCors, optionsObject, putBucketCors } from "./cors-handlers.ts";
import { deleteBucketTagging, getBucketTagging, putBucketTagging } from "./bucket-tagging.ts";
import {
  deleteBucketEncryption, deleteBucketOwnershipControls, getBucketAccelerateConfiguration, getBucketEncryption,
  getBucketLifecycleConfiguration, getBucketLogging, getBucketOwnershipControls, getBucketPolicyStatus, getBucketReplication,
  getBucketRequestPayment, getBucketWebsite, getObjectLockConfiguration, getPublicAccessBlock, putBucketEncryption,
  putBucketOwnershipControls,
} from "./bucket-configs.ts";
import { getObjectAttributes } from "./object-attributes.ts";

const notImplemented: Handler = async () => { throw new S3Error("NotImplemented"); };
const methodNotAllowed: Handler = async () => { throw new S3Error("MethodNotAllowed"); };

/** Every op has a handler; the compiler checks the table is complete. */
export const HANDLERS: Record<Op, Handler> = {
  ListBuckets: listBuckets,
  CreateBucket: createBucket, HeadBucket: headBucket, DeleteBucket: deleteBucket,
  GetBucketLocation: getBucketLocation, GetBucketVersioning: getBucketVersioning, GetBucketAcl: getBucketAcl,
  GetBucketNotificationConfiguration: getBucketNotification, PutBucketNotificationConfiguration: putBucketNotification,
  ListObjects: listObjects, ListObjectsV2: listObjectsV2, ListMultipartUploads: listMultipartUploads, DeleteObjects: deleteObjects,
  PutObject: putObject, CopyObject: copyObject, GetObject: getObject, HeadObject: headObject, DeleteObject: deleteObject,
  GetObjectAcl: getObjectAcl,
  GetObjectTagging: getObjectTagging, PutObjectTagging: putObjectTagging, DeleteObjectTagging: deleteObjectTagging,
  CreateMultipartUpload: createMultipartUpload, UploadPart: uploadPart, UploadPartCopy: uploadPartCopy,
  CompleteMultipartUpload: completeMultipartUpload, AbortMultipartUpload: abortMultipartUpload, ListParts: listParts,
  GetBucketCors: getBucketCors, PutBucketCors: putBucketCors, DeleteBucketCors: deleteBucketCors, OptionsObject: optionsObject,
  GetBucketTagging: getBucketTagging, PutBucketTagging: putBucketTagging, DeleteBucketTagging: deleteBucketTagging,
  GetBucketEncryption: getBucketEncryption, PutBucketEncryption: putBucketEncryption, DeleteBucketEncryption: deleteBucketEncryption,
  GetBucketOwnershipControls: getBucketOwnershipControls, PutBucketOwnershipControls: putBucketOwnershipControls,
  DeleteBucketOwnershipControls: deleteBucketOwnershipControls,
  GetBucketWebsite: getBucketWebsite, GetBucketLogging: getBucketLogging, GetBucketRequestPayment: getBucketRequestPayment,
  GetBucketAccelerateConfiguration: getBucketAccelerateConfiguration, GetBucketReplication: getBucketReplication,
  GetObjectLockConfiguration: getObjectLockConfiguration, GetBucketPolicyStatus: getBucketPolicyStatus,
  GetPublicAccessBlock: getPublicAccessBlock, GetBucketLifecycleConfiguration: getBucketLifecycleConfiguration,
  GetObjectAttributes: getObjectAttributes,
  NotImplemented: notImplemented, MethodNotAllowed: methodNotAllowed,
};
