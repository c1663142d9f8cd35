// `mc watch` on Workers (docs/listen.md): one ListenHub Durable Object per bucket (name
// `listen:<bucket>`) and one for listens to every bucket (`listen:`) hold the open streams,
// fed by the isolates that serve the changes. A bucket's hub marks the bucket while it has
// listeners (the bucket config LISTEN_CONFIG, set before the stream answers), and the request
// pipeline reads bucket configs anyway: a request in a bucket nobody watches costs nothing
// extra. The marker is cleared when the last stream has been gone for IDLE_MS, or when an
// event reaches a hub with no stream (a hub evicted or restarted with the marker still set).
import { DurableObject } from "cloudflare:workers";
import { createListenHub, LISTEN_HEADERS, type ListenEvent, type ListenFilter } from "../../events/listen.ts";
import { createDoMetaStore } from "./do-meta-store.ts";
import type { WorkersEnv } from "./env.ts";
import { jsonLogger } from "./logger.ts";
import { LISTEN_CONFIG } from "./do-listen.ts";

/** A reconnecting `mc watch` (backoff 1–30 s) keeps its bucket marked in between. */
const IDLE_MS = 30_000;

export class ListenHub extends DurableObject<WorkersEnv> {
  private readonly hub = createListenHub();
  private bucket: string | undefined;
  private marked = false;
  /** Marker writes, one at a time and in order. */
  private writes: Promise<void> = Promise.resolve();
  private idleTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(ctx: DurableObjectState, env: WorkersEnv) {
    super(ctx, env);
    this.hub.onIdle = (bucket) => {
      if (!bucket) return;
      this.stopIdleTimer();
      this.idleTimer = setTimeout(() => {
        this.idleTimer = undefined;
        if (this.hub.count(bucket) === 0) void this.mark(bucket, false);
      }, IDLE_MS);
    };
  }

  private stopIdleTimer() {
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  private mark(bucket: string, on: boolean): Promise<void> {
    this.writes = this.writes.then(async () => {
      // Decided when the write runs, not when it was asked for: the last word is the current state.
      const want = on || this.hub.count(bucket) > 0;
      if (want === this.marked && this.bucket === bucket) return;
      await createDoMetaStore(this.env.META).putBucketConfig(bucket, LISTEN_CONFIG, want ? "1" : null);
      this.bucket = bucket;
      this.marked = want;
    }).catch((e) => jsonLogger.warn("listen marker not written", { bucket, error: String(e) }));
    return this.writes;
  }

  /** POST a ListenFilter as JSON: the stream (the request's own lifetime holds it open). */
  override async fetch(req: Request): Promise<Response> {
    const filter = (await req.json()) as ListenFilter;
    const stream = this.hub.subscribe(filter, req.signal);
    if (filter.bucket) {
      this.stopIdleTimer();
      // Marked before the answer: a change that starts after the client sees 200 is published.
      this.marked = false; // written again whatever an earlier life of this object left
      await this.mark(filter.bucket, true);
    }
    return new Response(stream, { headers: LISTEN_HEADERS });
  }

  /** Fans the events out; returns how many streams are open here. */
  async publish(events: ListenEvent[]): Promise<number> {
    this.hub.publish(events);
    const n = this.hub.count();
    const bucket = events[0]?.bucket;
    // An event for a bucket marked by an earlier life of this hub: nobody listens, unmark it.
    if (n === 0 && bucket && this.hub.count("") === 0 && this.idleTimer === undefined) void this.mark(bucket, false);
    return n;
  }

  async listeners(): Promise<number> {
    return this.hub.count();
  }
}
