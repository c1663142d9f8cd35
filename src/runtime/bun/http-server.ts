// Serves a fetch handler over Bun's node:http. Bun.serve (1.4.5) drops a handler-set
// Content-Length for ReadableStream bodies and sends them chunked (oven-sh/bun#10507), but S3
// clients need Content-Length on GET (s3cmd fails without it, SDKs report no ContentLength).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { once } from "node:events";
import { RequestAborted } from "../../http/request-aborted.ts";
import { rawPathOf, type RequestInfo } from "../../http/request-info.ts";

export interface HttpServer { hostname: string; port: number; stop(): Promise<void> }

type FetchHandler = (req: Request, info: RequestInfo) => Response | Promise<Response>;

// Request bodies are queued up to this many bytes before the socket is paused.
const BODY_HIGH_WATER = 1024 * 1024;

/**
 * The request body as a web stream. Readable.toWeb copies every chunk (`new Uint8Array(buf)`) and
 * runs Node's stream machinery per chunk: a third of a large PUT's CPU. Bun hands each 'data'
 * event a Buffer of its own (never reused or pooled), so it is enqueued as is.
 */
export function bodyStream(req: IncomingMessage): ReadableStream<Uint8Array> {
  let done = false;
  return new ReadableStream<Uint8Array>({
    start(ctrl) {
      const finish = (e?: Error) => {
        if (done) return;
        done = true;
        if (e) ctrl.error(e);
        else ctrl.close();
      };
      req.on("data", (chunk: Uint8Array) => {
        if (done) return;
        ctrl.enqueue(chunk);
        if ((ctrl.desiredSize ?? 0) <= 0) req.pause();
      });
      req.once("end", () => finish());
      req.once("error", (e) => finish(e));
      // A client that goes away mid-body: 'close' without 'end' must not look like a complete body.
      // (When complete, the rest is still queued in req and 'end' follows once it is read.)
      req.once("close", () => { if (!req.complete) finish(new RequestAborted()); });
    },
    pull() {
      if (!done) req.resume();
    },
    // The app answers without reading on (an error): discard the rest. Destroying req would
    // close the connection before that answer is sent.
    cancel() {
      done = true;
      req.resume();
    },
  }, new ByteLengthQueuingStrategy({ highWaterMark: BODY_HIGH_WATER }));
}

function toRequest(req: IncomingMessage, hostname: string, port: number): Request {
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) headers.append(raw[i], raw[i + 1]);
  const host = req.headers.host ?? `${hostname}:${port}`;
  const method = req.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD";
  return new Request(`http://${host}${req.url ?? "/"}`, {
    method,
    headers,
    body: hasBody ? bodyStream(req) : null,
    // @ts-expect-error: duplex is required for streamed request bodies
    duplex: "half",
  });
}

/** Resolves on 'drain', or on 'close': a client that went away must not leave the body stream open. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => { res.off("drain", done); res.off("close", done); resolve(); };
    res.on("drain", done);
    res.on("close", done);
  });
}

async function writeResponse(res: ServerResponse, response: Response) {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((v, k) => {
    if (k === "set-cookie") headers[k] = [...((headers[k] as string[]) ?? []), v];
    else headers[k] = v;
  });
  res.writeHead(response.status, headers);
  if (response.body) {
    const reader = response.body.getReader();
    // Each read is written once the next one arrives, so the last goes out with end(): a body
    // of one read (small objects, errors) leaves with its headers in a single write.
    let held: Uint8Array | undefined;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (!value.length) continue;
        if (held && !res.write(held)) await drained(res);
        if (res.destroyed) { await reader.cancel(); return; }
        held = value;
      }
    } catch (e) {
      res.destroy(e as Error); // a body that fails midway must not look complete
      reader.cancel().catch(() => {});
      return;
    }
    res.end(held);
    return;
  }
  res.end();
}

export async function serveHttp(fetch: FetchHandler, opts: { hostname: string; port: number }): Promise<HttpServer> {
  const server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, (req, res) => {
    let request: Request;
    try {
      request = toRequest(req, opts.hostname, opts.port);
    } catch {
      res.writeHead(400).end();
      return;
    }
    Promise.resolve()
      .then(() => fetch(request, { rawPath: rawPathOf(req.url), remoteAddress: req.socket.remoteAddress }))
      .then((response) => writeResponse(res, response))
      .catch((e) => {
        if (!res.headersSent) res.writeHead(500).end();
        else res.destroy(e);
      });
  });
  server.listen(opts.port, opts.hostname);
  await once(server, "listening");
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : opts.port;
  return {
    hostname: opts.hostname,
    port,
    stop: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections?.(); }),
  };
}
