// "The limit" on workerd: the least a Worker must do to keep objects in R2. PUT streams the body
// into R2 (known length, as s3edge's chunk puts), GET answers with the R2 object's body. No auth,
// no hashing, no metadata (no Durable Object). bench/run.ts runs it under wrangler dev next to
// s3edge's Worker, so workerd/workerd-bare tells s3edge's own cost on workerd apart from what
// wrangler dev and Miniflare's local R2 cost any Worker.
interface Env { BLOBS: R2Bucket }

const SAFE = /^[A-Za-z0-9._-]{1,200}$/;

export default {
  async fetch(req: Request, env: Env): Promise<Response> {
    const name = new URL(req.url).pathname.slice(1);
    if (name === "health") return new Response("ok");
    if (!SAFE.test(name)) return new Response("bad key", { status: 400 });
    if (req.method === "PUT") {
      const size = Number(req.headers.get("content-length"));
      if (!Number.isSafeInteger(size) || !req.body) return new Response("length required", { status: 411 });
      const fixed = new FixedLengthStream(size);
      const [, put] = await Promise.all([req.body.pipeTo(fixed.writable), env.BLOBS.put(name, fixed.readable)]);
      return new Response(null, { status: put ? 200 : 500 });
    }
    if (req.method === "GET") {
      const obj = await env.BLOBS.get(name);
      if (!obj) return new Response("not found", { status: 404 });
      return new Response(obj.body, { headers: { "content-length": String(obj.size) } });
    }
    return new Response("method not allowed", { status: 405 });
  },
};
