// A real HTTP webhook receiver on 127.0.0.1 for notification tests: records every POST and can
// be told to fail the next N requests (to watch retries).
export interface Received { body: any; headers: Headers; at: number }

export interface Receiver {
  url: string;
  port: number;
  received: Received[];
  /** Answer the next `n` requests with `status`. */
  failNext(n: number, status?: number): void;
  /** Resolves when `pred` holds for the received list, or rejects after `ms`. */
  waitFor(pred: (r: Received[]) => boolean, ms?: number): Promise<Received[]>;
  stop(): Promise<void>;
}

export function startReceiver(port = 0): Receiver {
  const received: Received[] = [];
  let failing = 0;
  let failStatus = 500;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port,
    async fetch(req) {
      if (req.method !== "POST") return new Response(null, { status: 200 });
      const text = await req.text();
      if (failing > 0) {
        failing--;
        return new Response("nope", { status: failStatus });
      }
      let body: unknown = text;
      try { body = JSON.parse(text); } catch {}
      received.push({ body, headers: req.headers, at: Date.now() });
      return new Response(null, { status: 200 });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}/hook`,
    port: server.port!,
    received,
    failNext(n, status = 500) { failing = n; failStatus = status; },
    async waitFor(pred, ms = 15_000) {
      const until = Date.now() + ms;
      while (!pred(received)) {
        if (Date.now() > until) throw new Error(`webhook: condition not met in ${ms} ms; received ${JSON.stringify(received.map((r) => r.body?.EventName ?? r.body))}`);
        await Bun.sleep(25);
      }
      return received;
    },
    async stop() { await server.stop(true); },
  };
}
