// "The limit": the least a Bun server must do to store and serve an object on the local disk.
// PUT streams the request body into a temp file (FileSink; bodies up to 1 MiB in one write) and
// renames it into place; GET answers with Bun.file (sendfile). No auth, no hashing, no metadata.
// Used by bench/run.ts as the baseline.
//
//   bun bench/bare-server.ts --port 9100 --dir /tmp/bare   (prints "bare listening on http://…")
//
// --http node serves the same over node:http instead (fs streams, pipeline; GET with
// Content-Length), for telling the cost of Bun's node:http layer apart from s3edge's own work.
//
// The references of issue 20's goals (Bun.serve only):
//   --md5    hashes every PUT body with MD5 in line (on the event loop, as it streams) and answers
//            it as the ETag: what any S3 server must do at least, against s3edge's large PUTs;
//   --fsync  makes each PUT durable before answering: fdatasync of the file before the rename,
//            fsync of the directory after it (one object, one pair of syncs; no group commit).
import { createReadStream, createWriteStream, mkdirSync } from "node:fs";
import { createServer } from "node:http";
import { pipeline } from "node:stream/promises";
import { open, rename, unlink } from "node:fs/promises";
import { join } from "node:path";

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const dir = flag("--dir") ?? "./bare-data";
const port = Number(flag("--port") ?? 0);
const md5 = process.argv.includes("--md5");
const fsync = process.argv.includes("--fsync");
mkdirSync(join(dir, ".tmp"), { recursive: true });

// Object keys become flat file names; anything outside this alphabet is refused.
const SAFE = /^[A-Za-z0-9._-]{1,200}$/;
let seq = 0;

function serveNode() {
  const srv = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, async (req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname === "/health") { res.end("ok"); return; }
    const name = url.pathname.slice(1).replaceAll("/", "_");
    if (!SAFE.test(name) || name.startsWith(".")) { res.writeHead(400).end("bad key"); return; }
    const path = join(dir, name);
    try {
      if (req.method === "PUT") {
        const tmp = join(dir, ".tmp", `${name}.${process.pid}.${seq++}`);
        try {
          await pipeline(req, createWriteStream(tmp));
          await rename(tmp, path);
        } catch (e) {
          await unlink(tmp).catch(() => {});
          throw e;
        }
        res.writeHead(200).end();
      } else if (req.method === "GET") {
        const f = Bun.file(path);
        if (!(await f.exists())) { res.writeHead(404).end("not found"); return; }
        res.writeHead(200, { "content-length": String(f.size) });
        await pipeline(createReadStream(path), res);
      } else res.writeHead(405).end();
    } catch (e) {
      if (!res.headersSent) res.writeHead(500).end(String(e));
      else res.destroy();
    }
  });
  return new Promise<{ hostname: string; port: number; stop(): void }>((resolve) => {
    srv.listen(port, "127.0.0.1", () => {
      const a = srv.address() as { port: number };
      resolve({ hostname: "127.0.0.1", port: a.port, stop: () => { srv.close(); srv.closeAllConnections(); } });
    });
  });
}

/** --fsync: the file's data, then (after the rename) its directory entry, on disk. */
async function syncFile(path: string) {
  const fh = await open(path, "r");
  try { await fh.datasync(); } finally { await fh.close(); }
}
async function syncDir(path: string) {
  const fh = await open(path, "r");
  try { await fh.sync(); } finally { await fh.close(); }
}

function serveBun() {
  const server = Bun.serve({
  hostname: "127.0.0.1",
  port,
  maxRequestBodySize: 8 * 1024 ** 3,
  idleTimeout: 255,
  async fetch(req) {
    const url = new URL(req.url);
    if (url.pathname === "/health") return new Response("ok");
    const name = url.pathname.slice(1).replaceAll("/", "_");
    if (!SAFE.test(name) || name.startsWith(".")) return new Response("bad key", { status: 400 });
    const path = join(dir, name);
    if (req.method === "PUT") {
      const tmp = join(dir, ".tmp", `${name}.${process.pid}.${seq++}`);
      const declared = Number(req.headers.get("content-length") ?? NaN);
      if (declared <= 1024 * 1024) { // small bodies: one read, one write (no FileSink per object)
        try {
          const data = await req.arrayBuffer();
          const n = await Bun.write(tmp, data);
          if (fsync) await syncFile(tmp);
          await rename(tmp, path);
          if (fsync) await syncDir(dir);
          const etag = md5 ? { etag: `"${new Bun.CryptoHasher("md5").update(data).digest("hex")}"` } : undefined;
          return new Response(null, { status: 200, headers: { "x-bytes": String(n), ...etag } });
        } catch (e) {
          await unlink(tmp).catch(() => {});
          return new Response(String(e), { status: 500 });
        }
      }
      const sink = Bun.file(tmp).writer({ highWaterMark: 1024 * 1024 });
      const hash = md5 ? new Bun.CryptoHasher("md5") : null;
      let n = 0;
      try {
        if (req.body) {
          for await (const chunk of req.body as unknown as AsyncIterable<Uint8Array>) {
            n += chunk.length;
            hash?.update(chunk);
            const r = sink.write(chunk);
            if (r instanceof Promise) await r;
          }
        }
        await sink.end();
        if (fsync) await syncFile(tmp);
        await rename(tmp, path);
        if (fsync) await syncDir(dir);
      } catch (e) {
        try { await sink.end(); } catch {}
        await unlink(tmp).catch(() => {});
        return new Response(String(e), { status: 500 });
      }
      return new Response(null, { status: 200, headers: { "x-bytes": String(n), ...(hash ? { etag: `"${hash.digest("hex")}"` } : undefined) } });
    }
    if (req.method === "GET") {
      const f = Bun.file(path);
      if (!(await f.exists())) return new Response("not found", { status: 404 });
      return new Response(f);
    }
    return new Response("method not allowed", { status: 405 });
  },
});
  return { hostname: server.hostname!, port: server.port!, stop: () => { server.stop(true); } };
}

const server = flag("--http") === "node" ? await serveNode() : serveBun();
if ((md5 || fsync) && flag("--http") === "node") throw new Error("--md5 and --fsync are Bun.serve modes");
console.log(`bare (${flag("--http") === "node" ? "node:http" : "Bun.serve"}${md5 ? ", md5" : ""}${fsync ? ", fsync" : ""}) listening on http://${server.hostname}:${server.port} (data: ${dir})`);
const stop = () => { server.stop(); process.exit(0); };
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
