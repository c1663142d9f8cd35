// A real HTTP webhook receiver on 127.0.0.1 that counts every request (the real sends), can
// refuse all of them (an outage that answers), refuse some (a message it always rejects), or
// go away and come back on the same port (an outage with connections refused).
export interface Hit { eventName: string; key: string; body: any }

export interface CountingReceiver {
  url: string;
  /** Every POST that reached the receiver, accepted or not. */
  requests: number;
  /** Accepted POSTs, in arrival order. */
  received: Hit[];
  /** Answer every request with this status (null: accept). */
  status: number | null;
  /** Refuse (with 400) the events this says no to. */
  reject: ((h: Hit) => boolean) | null;
  /** "Put a" style lines of what was accepted. */
  lines(): string[];
  down(): Promise<void>;
  up(): void;
  waitFor(pred: (r: Hit[]) => boolean, ms?: number): Promise<void>;
  stop(): Promise<void>;
}

export function startCountingReceiver(): CountingReceiver {
  let server: ReturnType<typeof Bun.serve> | null = null;
  let port = 0;
  const rx: CountingReceiver = {
    url: "",
    requests: 0,
    received: [],
    status: null,
    reject: null,
    lines: () => rx.received.map((h) => `${h.eventName.replace(/^s3:Object\w+?:/, "")} ${h.key}`),
    async down() { await server?.stop(true); server = null; },
    up() {
      server = Bun.serve({
        hostname: "127.0.0.1",
        port,
        async fetch(req) {
          rx.requests++;
          const body = JSON.parse(await req.text());
          const hit = { eventName: body.EventName as string, key: body.Key as string, body };
          if (rx.status !== null) return new Response("nope", { status: rx.status });
          if (rx.reject?.(hit)) return new Response("rejected", { status: 400 });
          rx.received.push(hit);
          return new Response(null, { status: 200 });
        },
      });
      port = server.port!;
      rx.url = `http://127.0.0.1:${port}/hook`;
    },
    async waitFor(pred, ms = 10_000) {
      const until = Date.now() + ms;
      while (!pred(rx.received)) {
        if (Date.now() > until) throw new Error(`receiver: condition not met in ${ms} ms; got ${JSON.stringify(rx.lines())}`);
        await Bun.sleep(10);
      }
    },
    async stop() { await rx.down(); },
  };
  rx.up();
  return rx;
}
