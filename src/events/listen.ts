// ListenBucketNotification (`mc watch`, specs/minio-admin.md §11): the filter a listen request
// names, the stream's framing, and an in-memory hub that fans events out to open streams. Bun
// uses the hub in-process; on Workers it runs inside the ListenHub Durable Object
// (src/runtime/workers/listen-hub.ts, docs/listen.md). Nothing here is stored: a listener sees
// what happens while it is connected, as on MinIO.
import { S3Error } from "../xml/errors.ts";
import { eventMatches, isKnownEventName } from "./names.ts";

export interface ListenFilter {
  /** "" = every bucket (`GET /?events=…`, MinIO's ListenNotification). */
  bucket: string;
  /** Configured names, wildcards allowed; none matches nothing (MinIO's rule). */
  events: string[];
  prefix: string;
  suffix: string;
  /** minio-go ≥ 7.0.5x's `ping=N`: `{"Records":null}` every N s; absent: a space every KEEPALIVE_MS. */
  pingMs?: number;
}

/** One event as listeners get it: the record (MinIO's shape) and what filters look at. */
export interface ListenEvent {
  bucket: string;
  eventName: string;
  /** The object key, unescaped ("" for bucket events). */
  key: string;
  record: Record<string, unknown>;
}

/** The runtime seam (Deps.listen): where events are published and streams opened. */
export interface ListenSeam {
  /**
   * Whether anyone may listen to events of this bucket (false lets the request path skip
   * building records). `configs`: the bucket's configurations as the pipeline read them.
   */
  wanted(bucket: string, configs?: Record<string, string>): boolean | Promise<boolean>;
  publish(events: ListenEvent[]): Promise<void>;
  /** The stream's bytes; it ends when `signal` aborts or the reader cancels. */
  open(filter: ListenFilter, signal?: AbortSignal): Promise<ReadableStream<Uint8Array>>;
}

/** MinIO's keep-alive for clients that send no `ping` (it writes one space every 500 ms). */
export const KEEPALIVE_MS = 500;
const MAX_FILTER_VALUE = 1024;

const invalid = (message: string) => new S3Error("InvalidArgument", { message });

/** The listen query (`events` repeated, `prefix`, `suffix`, `ping`), validated as MinIO does. */
export function parseListenQuery(query: URLSearchParams, bucket: string): ListenFilter {
  const events = query.getAll("events").filter((e) => e !== "");
  for (const e of events) {
    if (!isKnownEventName(e)) throw invalid(`A specified event is not supported for notifications: ${e}`);
  }
  const one = (name: "prefix" | "suffix") => {
    const all = query.getAll(name);
    if (all.length > 1) throw invalid(`Only one ${name} is allowed`);
    const v = all[0] ?? "";
    // MinIO's ValidateFilterRuleValue: no path tricks, at most 1024 bytes.
    if (v.length > MAX_FILTER_VALUE || v.split("/").some((s) => s === "." || s === "..")) throw invalid(`Invalid ${name} value`);
    return v;
  };
  const filter: ListenFilter = { bucket, events, prefix: one("prefix"), suffix: one("suffix") };
  const ping = query.get("ping");
  if (ping !== null && ping !== "") {
    const n = Number(ping);
    if (!/^\d+$/.test(ping) || !Number.isSafeInteger(n) || n < 1) throw invalid("ping must be a whole number of seconds above 0");
    filter.pingMs = n * 1000;
  }
  return filter;
}

/** MinIO's rule: the event name is covered, the key matches the glob `prefix*suffix`, and the bucket is the listen's (or any). */
export function listenMatches(f: ListenFilter, e: Pick<ListenEvent, "bucket" | "eventName" | "key">): boolean {
  if (f.bucket !== "" && f.bucket !== e.bucket) return false;
  if (!f.events.some((c) => eventMatches(c, e.eventName))) return false;
  return e.key.length >= f.prefix.length + f.suffix.length && e.key.startsWith(f.prefix) && e.key.endsWith(f.suffix);
}

const enc = new TextEncoder();
/** One record per line, as minio-go's scanner reads it. */
export const recordLine = (record: Record<string, unknown>) => enc.encode(`${JSON.stringify({ Records: [record] })}\n`);
export const PING_LINE = enc.encode(`{"Records":null}\n`);
export const SPACE = enc.encode(" ");

/** Response headers of a listen stream (MinIO's). */
export const LISTEN_HEADERS: Readonly<Record<string, string>> = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache",
  "x-accel-buffering": "no",
};

interface Subscriber {
  filter: ListenFilter;
  controller: ReadableStreamDefaultController<Uint8Array>;
  nextPing: number;
  closed: boolean;
}

export interface ListenHub {
  /** A stream of this filter's events, with keep-alives, until cancelled or `signal` aborts. */
  subscribe(filter: ListenFilter, signal?: AbortSignal): ReadableStream<Uint8Array>;
  publish(events: ListenEvent[]): void;
  /** Open streams of this bucket ("" = the all-bucket ones; undefined = all). */
  count(bucket?: string): number;
  /** Called when a bucket's last stream closes (the Workers hub clears its marker then). */
  onIdle?: (bucket: string) => void;
  close(): void;
}

/**
 * The fan-out: each subscriber is a ReadableStream fed by publish(). A subscriber whose reader
 * does not keep up (more than `maxQueued` bytes waiting) is closed rather than buffered without
 * bound; its client reconnects, as minio-go does on EOF.
 */
export function createListenHub(opts: { now?: () => number; keepaliveMs?: number; maxQueued?: number } = {}): ListenHub {
  const now = opts.now ?? (() => Date.now());
  const keepaliveMs = opts.keepaliveMs ?? KEEPALIVE_MS;
  const maxQueued = opts.maxQueued ?? 8 * 1024 * 1024;
  const subs = new Set<Subscriber>();
  let timer: ReturnType<typeof setInterval> | undefined;

  const drop = (s: Subscriber) => {
    if (s.closed) return;
    s.closed = true;
    subs.delete(s);
    try { s.controller.close(); } catch {}
    if (subs.size === 0 && timer !== undefined) { clearInterval(timer); timer = undefined; }
    if (hub.onIdle && ![...subs].some((o) => o.filter.bucket === s.filter.bucket)) hub.onIdle(s.filter.bucket);
  };
  const write = (s: Subscriber, bytes: Uint8Array) => {
    if (s.closed) return;
    if ((s.controller.desiredSize ?? 0) < -maxQueued) { drop(s); return; }
    try { s.controller.enqueue(bytes); } catch { drop(s); }
  };
  const tick = () => {
    const t = now();
    for (const s of subs) {
      if (s.filter.pingMs === undefined) write(s, SPACE);
      else if (t >= s.nextPing) { s.nextPing = t + s.filter.pingMs; write(s, PING_LINE); }
    }
  };

  const hub: ListenHub = {
    subscribe(filter, signal) {
      let sub: Subscriber;
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          sub = { filter, controller, nextPing: now() + (filter.pingMs ?? 0), closed: false };
          subs.add(sub);
          // A first byte at once: proxies and clients see the stream open before any event.
          controller.enqueue(SPACE);
          timer ??= setInterval(tick, keepaliveMs);
          (timer as { unref?: () => void }).unref?.();
        },
        cancel() { drop(sub); },
      }, { highWaterMark: 0, size: (c) => c?.byteLength ?? 0 });
      if (signal) {
        if (signal.aborted) drop(sub!);
        else signal.addEventListener("abort", () => drop(sub), { once: true });
      }
      return stream;
    },
    publish(events) {
      for (const e of events) {
        let line: Uint8Array | undefined;
        for (const s of subs) {
          if (!listenMatches(s.filter, e)) continue;
          line ??= recordLine(e.record);
          write(s, line);
          // A space after the line: a server that holds the last chunk back until the next one
          // (Bun's writer here) sends the line now; the space only prefixes the next line.
          write(s, SPACE);
        }
      }
    },
    count(bucket) {
      let n = 0;
      for (const s of subs) if (bucket === undefined || s.filter.bucket === bucket) n++;
      return n;
    },
    close() {
      for (const s of [...subs]) drop(s);
    },
  };
  return hub;
}

/** The seam over a hub in this process (Bun: one process serves every request). */
export function createLocalListen(hub: ListenHub = createListenHub()): ListenSeam & { hub: ListenHub } {
  return {
    hub,
    wanted: (bucket) => hub.count(bucket) > 0 || hub.count("") > 0,
    async publish(events) { hub.publish(events); },
    async open(filter, signal) { return hub.subscribe(filter, signal); },
  };
}
