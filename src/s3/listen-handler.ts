// ListenBucketNotification (`GET /bucket?events=…`) and ListenNotification (`GET /?events=…`),
// MinIO's streaming event APIs that `mc watch` and minio-go's Listen* use (specs/minio-admin.md §11).
// The pipeline has authenticated, resolved the bucket (NoSuchBucket before any byte) and checked
// s3:ListenBucketNotification / s3:ListenNotification; errors before the stream are S3 XML.
import { S3Error } from "../xml/errors.ts";
import { LISTEN_HEADERS, parseListenQuery } from "../events/listen.ts";
import type { Handler } from "./context.ts";

export const listenBucketNotification: Handler = async (ctx) => {
  const listen = ctx.deps.listen;
  if (!listen) throw new S3Error("NotImplemented", { message: "Listening for notifications is not available on this runtime." });
  const filter = parseListenQuery(ctx.query, ctx.op === "ListenNotification" ? "" : ctx.bucket);
  const body = await listen.open(filter, ctx.req.signal);
  return new Response(body, { status: 200, headers: LISTEN_HEADERS });
};
