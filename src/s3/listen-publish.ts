// The request path's side of `mc watch`: every change or access a handler records (and bucket
// creation and removal) goes to the listen streams open at the time, whatever the bucket's
// notification configuration says, once the handler has answered (ctx.after).
import { eventRecord, type EventSource, type ObjectChange } from "../events/record.ts";
import type { EventName } from "../events/names.ts";
import type { ReqCtx } from "./context.ts";
import { eventSource } from "./event-source.ts";

/**
 * Publishes `eventName` on `key` to the listeners of the request's bucket, if there are any.
 * `source`: the request's event source when the caller builds it too (requestEvents), built once.
 */
export async function publishToListeners(
  ctx: ReqCtx, eventName: EventName, key: string, object?: ObjectChange["object"], source: () => EventSource = () => eventSource(ctx),
): Promise<void> {
  const listen = ctx.deps.listen;
  if (!listen || !(await listen.wanted(ctx.bucket, ctx.bucketState?.configs))) return;
  const { clock, ...from } = source();
  // MinIO's listen records carry configurationId "Config", as its target records do without an Id.
  const record = eventRecord({ ...from, eventName, bucket: ctx.bucket, key, object, time: clock.now(), configurationId: "Config" });
  ctx.after(() => listen.publish([{ bucket: ctx.bucket, eventName, key, record }]));
}
