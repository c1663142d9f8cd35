// Workers entry: the same gateway as on Bun (createApp), with Deps from bindings. No S3 logic here.
import type { Hono } from "hono";
import { createApp } from "../src/app.ts";
import { createWorkersDeps, withExecutionContext } from "../src/runtime/workers/deps.ts";
import { jsonLogger } from "../src/runtime/workers/logger.ts";
import type { WorkersEnv } from "../src/runtime/workers/env.ts";
import { ConfigError } from "../src/config.ts";
import { withRequestInfo } from "../src/http/request-info.ts";
import type { EventMessage } from "../src/store/types.ts";
import { consumeEvents } from "./notify.ts";
import { asStored } from "../src/runtime/workers/response.ts";
import { drainUnreadBody, withByteStringHeaders, withGatheredBody, withInertBodyCancel } from "../src/runtime/workers/request.ts";

export { MetaShard } from "../src/runtime/workers/meta-shard.ts";
export { IamShard } from "../src/runtime/workers/iam-shard.ts";
export { ListenHub } from "../src/runtime/workers/listen-hub.ts";

// Built once per isolate (bindings do not change under it); nothing here holds request state.
const apps = new WeakMap<WorkersEnv, Hono>();

function appFor(env: WorkersEnv): Hono {
  let app = apps.get(env);
  if (!app) {
    app = createApp(createWorkersDeps(env));
    apps.set(env, app);
  }
  return app;
}

export default {
  async fetch(request, env, ctx) {
    let app: Hono;
    try {
      app = appFor(env);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      jsonLogger.error("not configured", { error: e.message });
      return new Response(`s3edge is not configured:\n${e.message}\n`, { status: 503, headers: { "content-type": "text/plain" } });
    }
    const req = withInertBodyCancel(withGatheredBody(withByteStringHeaders(request), ctx));
    // What the core may know of the connection comes beside the request, as on Bun; the core
    // never reads bindings from it (Deps are built from them once per isolate).
    const info = withRequestInfo({ remoteAddress: request.headers.get("cf-connecting-ip") ?? undefined });
    const res = await withExecutionContext(ctx, () => app.fetch(req, info, ctx));
    await drainUnreadBody(req, ctx);
    return asStored(res);
  },
  // The Queue consumer of event notifications (wrangler.toml [[queues.consumers]]).
  async queue(batch, env) {
    await consumeEvents(batch, env);
  },
} satisfies ExportedHandler<WorkersEnv, EventMessage>;
