// The web console at /console (issue 18): an HTML shell and the hashed client bundle, both from
// memory (assets.gen.ts, written by scripts/build-console.ts), so Bun and Workers serve it alike
// without a filesystem or an assets binding. The console has no API of its own: the browser
// signs S3, STS and admin requests itself against the gateway's public endpoints.
import { Hono } from "hono";
import type { Deps } from "../deps.ts";
import { Shell } from "./shell.tsx";
import { CONSOLE_ASSETS, CONSOLE_ENTRY } from "./assets.gen.ts";
import { isBrowserVisit } from "./browser-visit.ts";

export const CONSOLE_PATH = "/console";
// Asset names carry their content hash, so a browser may keep them for good; the shell names
// the current hashes and must be revalidated every time.
const IMMUTABLE = "public, max-age=31536000, immutable";
const SHELL_CACHE = "no-cache";
// The shell runs only our own bundle (and its own Argon2id Worker); the console signs with
// fetch/XHR against this origin and previews objects through blob: URLs.
const CSP = "default-src 'self'; worker-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; frame-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

export function consoleApi(deps: Pick<Deps, "config">): Hono {
  const app = new Hono();
  app.get("/assets/:name", (c) => {
    const a = CONSOLE_ASSETS[c.req.param("name")];
    if (!a) return c.text("Not Found", 404, { "cache-control": "no-store" });
    return c.body(a.body, 200, { "content-type": a.type, "cache-control": IMMUTABLE, "x-content-type-options": "nosniff" });
  });
  app.get("*", (c) => {
    if (c.req.path === CONSOLE_PATH) return c.redirect(`${CONSOLE_PATH}/`, 302);
    const html = "<!doctype html>" + String(Shell({ region: deps.config.region, script: CONSOLE_ENTRY.script, style: CONSOLE_ENTRY.style, kdfWorker: CONSOLE_ENTRY.kdfWorker }));
    return c.html(html, 200, { "cache-control": SHELL_CACHE, "content-security-policy": CSP, "x-content-type-options": "nosniff" });
  });
  // /console is the console's, for every method: a bucket named "console" would be shadowed
  // for browsers anyway, so it is not half-created through PUT (MinIO reserves "minio" alike).
  app.all("*", (c) => c.text("Method Not Allowed", 405, { allow: "GET, HEAD" }));
  return app;
}

/** Mounts the console, and the browser's `GET /` redirect in front of S3 ListBuckets. */
export function mountConsole(app: Hono, deps: Pick<Deps, "config">): void {
  const ui = consoleApi(deps);
  app.get("/", async (c, next) => {
    if (isBrowserVisit(c.req.raw, deps.config.domains)) return c.redirect(`${CONSOLE_PATH}/`, 302);
    await next();
  });
  app.route(CONSOLE_PATH, ui);
}
