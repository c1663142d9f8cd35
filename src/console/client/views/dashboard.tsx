/** @jsxImportSource hono/jsx/dom */
// The admin's dashboard card over the bucket list: buckets, objects and bytes (datausageinfo)
// and the notification backlog and losses (/metrics, see metrics.ts).
import { useEffect, useState } from "hono/jsx/dom";
import type { DataUsage } from "../admin.ts";
import { toConsoleError } from "../errors.ts";
import { formatBytes } from "../format.ts";
import { eventFigures, type EventFigures } from "../metrics.ts";
import type { Session } from "../session.ts";

export const Dashboard = ({ usage, session, reload }: { usage: DataUsage | null; session: Session; reload: number }) => {
  const [events, setEvents] = useState<EventFigures | null>(null);
  const [why, setWhy] = useState("");
  useEffect(() => {
    eventFigures(session).then(setEvents, (e) => {
      const err = toConsoleError(e);
      setWhy(err.code === "AccessDenied" && session.kind === "sts"
        ? "/metrics takes long-term admin keys (or S3EDGE_PROMETHEUS_AUTH_TYPE=public)" : `${err.code}: ${err.message}`);
    });
  }, [reload]);
  const card = (label: string, value: string, title = "") => (
    <div class="card" title={title}><span class="muted">{label}</span><strong data-figure={label}>{value}</strong></div>
  );
  const n = (v: number | undefined) => (v === undefined ? "…" : v.toLocaleString("en"));
  return (
    <div class="cards" role="group" aria-label="Dashboard">
      {card("Buckets", n(usage?.bucketsCount))}
      {card("Objects", n(usage?.objectsCount))}
      {card("Size", usage ? formatBytes(usage.objectsTotalSize) : "…")}
      {card("Events pending", events ? n(events.pending) : why ? "—" : "…", why)}
      {card("Events lost", events ? n(events.lost) : why ? "—" : "…", why || (events ? `${n(events.failed)} failed attempts` : ""))}
    </div>
  );
};
