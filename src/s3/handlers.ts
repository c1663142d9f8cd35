import { S3Error } from "../xml/errors.ts";
import type { Handler } from "./context.ts";
import type { Op } from "./router.ts";
import { createBucket, deleteBucket, getBucketLocation, headBucket, listBuckets } from "./bucket.ts";
import { getBucketVersioning, putBucketVersioning } from "./versioning.ts";
import { listObjectVersions } from "./list-versions.ts";
import { putObject } from "./object-put.ts";
import { postObject } from "./post-object.ts";
import { getObject, headObject } from "./object-get.ts";
import { deleteObject, deleteObjects } from "./object-delete.ts";
import { copyObject, uploadPartCopy } from "./object-copy.ts";
import { listObjects, listObjectsV2 } from "./list.ts";
import {
  abortMultipartUpload, completeMultipartUpload, createMultipartUpload, listMultipartUploads, listParts, uploadPart,
} from "./multipart.ts";
import { deleteObjectTagging, getObjectTagging, putObjectTagging } from "./tagging.ts";
import { getBucketAcl, getObjectAcl, putBucketAcl, putObjectAcl } from "./acl-handlers.ts";
import { deletePublicAccessBlock, getPublicAccessBlock, putPublicAccessBlock } from "./public-access-block.ts";
import { getBucketNotification, putBucketNotification } from "./notification.ts";
import { deleteBucketCors, getBucketCors, optionsObject, putBucketCors } from "./cors-handlers.ts";
import { deleteBucketTagging, getBucketTagging, putBucketTagging } from "./bucket-tagging.ts";
import {
  deleteBucketEncryption, deleteBucketOwnershipControls, getBucketAccelerateConfiguration, getBucketEncryption,
  getBucketLogging, getBucketOwnershipControls, getBucketReplication,
  getBucketRequestPayment, getBucketWebsite, putBucketEncryption,
  putBucketOwnershipControls, deleteUnstoredConfig,
} from "./bucket-configs.ts";
import { getObjectAttributes } from "./object-attributes.ts";
import { deleteBucketLifecycle, getBucketLifecycleConfiguration, putBucketLifecycleConfiguration } from "./lifecycle-handlers.ts";
import { listenBucketNotification } from "./listen-handler.ts";
import {
  getObjectLegalHold, getObjectLockConfiguration, getObjectRetention, putObjectLegalHold,
  putObjectLockConfiguration, putObjectRetention,
} from "./object-lock.ts";
import { deleteBucketPolicy, getBucketPolicy, getBucketPolicyStatus, putBucketPolicy } from "./bucket-policy.ts";

const notImplemented: Handler = async () => { throw new S3Error("NotImplemented"); };
const methodNotAllowed: Handler = async () => { throw new S3Error("MethodNotAllowed"); };

/** Every op has a handler; the compiler checks the table is complete. */
export const HANDLERS: Record<Op, Handler> = {
  ListBuckets: listBuckets,
  CreateBucket: createBucket, HeadBucket: headBucket, DeleteBucket: deleteBucket,
  GetBucketLocation: getBucketLocation, GetBucketVersioning: getBucketVersioning, GetBucketAcl: getBucketAcl,
  PutBucketVersioning: putBucketVersioning, ListObjectVersions: listObjectVersions,
  GetBucketNotificationConfiguration: getBucketNotification, PutBucketNotificationConfiguration: putBucketNotification,
  ListObjects: listObjects, ListObjectsV2: listObjectsV2, ListMultipartUploads: listMultipartUploads, DeleteObjects: deleteObjects,
  PutObject: putObject, PostObject: postObject, CopyObject: copyObject, GetObject: getObject, HeadObject: headObject, DeleteObject: deleteObject,
  GetObjectAcl: getObjectAcl, PutObjectAcl: putObjectAcl, PutBucketAcl: putBucketAcl,
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
  GetBucketPolicy: getBucketPolicy, PutBucketPolicy: putBucketPolicy, DeleteBucketPolicy: deleteBucketPolicy,
  GetPublicAccessBlock: getPublicAccessBlock, GetBucketLifecycleConfiguration: getBucketLifecycleConfiguration,
  PutBucketLifecycleConfiguration: putBucketLifecycleConfiguration,
  GetObjectAttributes: getObjectAttributes,
  DeleteBucketWebsite: deleteUnstoredConfig, DeleteBucketLifecycle: deleteBucketLifecycle,
  DeleteBucketReplication: deleteUnstoredConfig, DeletePublicAccessBlock: deletePublicAccessBlock,
  PutPublicAccessBlock: putPublicAccessBlock,
  ListenBucketNotification: listenBucketNotification, ListenNotification: listenBucketNotification,
  PutObjectLockConfiguration: putObjectLockConfiguration, GetObjectRetention: getObjectRetention, PutObjectRetention: putObjectRetention,
  GetObjectLegalHold: getObjectLegalHold, PutObjectLegalHold: putObjectLegalHold,
  NotImplemented: notImplemented, MethodNotAllowed: methodNotAllowed,
};
