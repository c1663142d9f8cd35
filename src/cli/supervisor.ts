// `--workers N`: the parent process of N gateway processes on one port (docs/workers.md).
// Each child binds the port with SO_REUSEPORT (Bun.listen's reusePort; under S3EDGE_HTTP=node,
// node:cluster binds children that way, as Bun's node:http ignores `reusePort`), so the kernel
// spreads connections over them; the parent itself serves nothing. It restarts a child that dies (with a
// growing pause if children die right after starting), forwards SIGTERM/SIGINT (each child drains
// as a single process does) and exits once all children are gone.
import cluster, { type Worker } from "node:cluster";
import { createServer } from "node:net";
import type { ListenEventsMessage, ListenSetMessage } from "../runtime/bun/cluster-listen.ts";

/** What a child sends once it listens. */
export interface ListeningMessage { s3edge: "listening"; id: string; pid: number }

const isListening = (m: unknown): m is ListeningMessage => (m as ListeningMessage | null)?.s3edge === "listening";

/** A free port on `hostname` (port 0 means one port for all children, chosen here). */
async function freePort(hostname: string): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve, reject) => { s.once("error", reject); s.listen(0, hostname, resolve); });
  const addr = s.address();
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return typeof addr === "object" && addr ? addr.port : 0;
}

export async function superviseWorkers(opts: { hostname: string; port: number; workers: number; onReady(port: number): void }): Promise<void> {
  const port = opts.port || await freePort(opts.hostname);
  const bootedAt = Date.now();
  const byId = new Map<string, Worker>();
  const started = new Map<string, number>();
  let stopping = false;
  let ready = false;
  let pause = 100;
  const up = new Set<string>();
  // `mc watch` across children (cluster-listen.ts): the buckets each one's streams watch.
  const watching = new Map<string, string[]>();
  const tellWatching = () => {
    for (const [id, w] of byId) {
      const others = new Set<string>();
      for (const [other, buckets] of watching) if (other !== id) for (const b of buckets) others.add(b);
      if (w.isConnected()) w.send({ s3edge: "listen-remote", buckets: [...others] });
    }
  };

  const fork = (id: string) => {
    const w = cluster.fork({ S3EDGE_WORKER_ID: id, S3EDGE_WORKER_PORT: String(port), S3EDGE_BOOTED_AT: String(bootedAt) });
    byId.set(id, w);
    started.set(id, Date.now());
    w.on("message", (m: unknown) => {
      const msg = m as ListenSetMessage | ListenEventsMessage | null;
      if (msg?.s3edge === "listen-set") { watching.set(id, msg.buckets); tellWatching(); return; }
      if (msg?.s3edge === "listen-events") {
        for (const [other, o] of byId) if (other !== id && o.isConnected()) o.send(msg);
        return;
      }
      if (!isListening(m)) return;
      tellWatching(); // a new (or restarted) child learns what the others watch
      up.add(id);
      // The first child has created (or migrated) the store's schema: the others start now, so no
      // two processes run a migration at once.
      if (id === "1" && !ready) for (let i = 2; i <= opts.workers; i++) if (!byId.has(String(i))) fork(String(i));
      if (!ready && up.size === opts.workers) { ready = true; opts.onReady(port); }
    });
    w.on("exit", (code: number | null, signal: string | null) => {
      if (byId.get(id) === w) { byId.delete(id); watching.delete(id); tellWatching(); }
      if (stopping) {
        if (byId.size === 0) process.exit(0);
        return;
      }
      // A child that dies soon after its start (a bad disk, a port taken) must not restart in a tight loop.
      pause = Date.now() - (started.get(id) ?? 0) < 2_000 ? Math.min(pause * 2, 5_000) : 100;
      console.error(`s3edge: worker ${id} (pid ${w.process.pid}) exited (${signal ?? `code ${code}`}); restarting in ${pause} ms`);
      setTimeout(() => { if (!stopping) fork(id); }, pause);
    });
  };
  fork("1");

  const stop = (signal: NodeJS.Signals) => {
    // A second signal reaches each child again: it stops waiting for its requests (as serve.ts does).
    stopping = true;
    if (byId.size === 0) process.exit(0);
    for (const w of byId.values()) w.process.kill(signal);
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}
