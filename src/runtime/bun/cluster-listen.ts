// `mc watch` under --workers: a listen stream is open in one child, the request whose event it
// wants may be served by another. Each child keeps its own hub (events/listen.ts) and tells the
// supervisor which buckets its streams watch; the supervisor tells each child the buckets the
// *other* children watch, and relays an event published in one child to the others (IPC, JSON).
// A stream opened a moment ago may miss an event of another child for the few milliseconds the
// message takes, as a MinIO peer's listen does; nothing is stored (as on MinIO).
import { createListenHub, type ListenEvent, type ListenSeam, type ListenHub } from "../../events/listen.ts";

/** Child → supervisor: the buckets this child's streams watch ("" = all). */
export interface ListenSetMessage { s3edge: "listen-set"; buckets: string[] }
/** Supervisor → child: what the others watch. Child → supervisor → the others: events to fan out. */
export interface ListenRemoteMessage { s3edge: "listen-remote"; buckets: string[] }
export interface ListenEventsMessage { s3edge: "listen-events"; events: ListenEvent[] }

export function createClusterListen(send: (m: ListenSetMessage | ListenEventsMessage) => void): ListenSeam & { hub: ListenHub; receive(m: unknown): void } {
  const hub = createListenHub();
  const mine = new Set<string>();
  let remote = new Set<string>();
  const report = () => send({ s3edge: "listen-set", buckets: [...mine] });
  hub.onIdle = (bucket) => { mine.delete(bucket); report(); };
  const remoteWants = (bucket: string) => remote.has(bucket) || remote.has("");
  return {
    hub,
    wanted: (bucket) => hub.count(bucket) > 0 || hub.count("") > 0 || remoteWants(bucket),
    async publish(events) {
      hub.publish(events);
      const theirs = events.filter((e) => remoteWants(e.bucket));
      if (theirs.length) send({ s3edge: "listen-events", events: theirs });
    },
    async open(filter, signal) {
      const stream = hub.subscribe(filter, signal);
      if (!mine.has(filter.bucket)) { mine.add(filter.bucket); report(); }
      return stream;
    },
    receive(m) {
      const msg = m as ListenRemoteMessage | ListenEventsMessage | null;
      if (msg?.s3edge === "listen-remote") remote = new Set(msg.buckets);
      else if (msg?.s3edge === "listen-events") hub.publish(msg.events);
    },
  };
}
