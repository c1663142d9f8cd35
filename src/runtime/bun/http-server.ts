// Serves a fetch handler over Bun's node:http. Bun.serve (1.4.5) drops a handler-set
// Content-Length for ReadableStream bodies and sends them chunked (oven-sh/bun#10507), but S3
// clients need Content-Length on GET (s3cmd fails without it, SDKs report no ContentLength).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { once } from "node:events";

export interface HttpServer { hostname: string; port: number; stop(): Promise<void> }

type FetchHandler = (req: Request) => Response | Promise<Response>;

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
    body: hasBody ? (Readable.toWeb(req) as unknown as ReadableStream<Uint8Array>) : null,
    // @ts-expect-error: duplex is required for streamed request bodies
    duplex: "half",
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
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (!res.write(value)) await once(res, "drain");
        if (res.destroyed) { await reader.cancel(); break; }
      }
    } catch (e) {
      res.destroy(e as Error); // a body that fails midway must not look complete
      return;
    }
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
      .then(() => fetch(request))
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
