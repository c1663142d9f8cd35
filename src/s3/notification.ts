// GetBucketNotificationConfiguration and PutBucketNotificationConfiguration (mc event add/list/remove).
import { parseXml, xmlResponse } from "../xml/xml.ts";
import type { Handler } from "./context.ts";
import { requireBucket } from "./require.ts";
import { smallText } from "./request-body.ts";
import { NOTIFICATION_CONFIG } from "../events/emit.ts";
import { notificationConfig } from "./event-source.ts";
import { arnTargets, notificationXmlBody, parseNotificationConfig } from "../events/notification-config.ts";
import { S3Error } from "../xml/errors.ts";

export const getBucketNotification: Handler = async (ctx) => {
  await requireBucket(ctx);
  // Never 404: mc reads the configuration before every change and expects an empty one.
  const config = (await notificationConfig(ctx)) ?? { queues: [] };
  return xmlResponse("NotificationConfiguration", notificationXmlBody(config));
};

export const putBucketNotification: Handler = async (ctx) => {
  await requireBucket(ctx);
  const doc = parseXml(await smallText(ctx, 256 * 1024));
  // Every target an ARN names, looked up in the registry (a stored target added at run time too).
  const config = parseNotificationConfig(doc, await ctx.deps.targets.resolve(arnTargets(doc)), ctx.deps.config.region);
  const value = config.queues.length || config.topics?.length ? JSON.stringify(config) : null;
  if (!(await ctx.deps.meta.putBucketConfig(ctx.bucket, NOTIFICATION_CONFIG, value)).ok) throw new S3Error("NoSuchBucket", { extra: { BucketName: ctx.bucket } });
  // MinIO answers 200 with no body (minio-go accepts nothing else).
  return new Response(null, { status: 200 });
};
