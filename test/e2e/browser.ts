// A real browser for e2e tests: Debian's /usr/bin/chromium driven by playwright-core, loading a
// page from a second local origin (a Bun static server on its own port), so what the page
// fetches from the gateway is cross-origin and CORS is enforced by the browser itself.
import { chromium } from "playwright-core";
import { rmSync } from "node:fs";
import { tempDir } from "./harness.ts";

// Headless and offline: without the background-networking flags Chromium dials Google's hosts
// at start and this machine's closed network refuses them (.library/env/machines/node.md).
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"];

export interface FetchOutcome { ok: boolean; status?: number; etag?: string | null; text?: string; error?: string }

/**
 * From a page on http://127.0.0.1:<other port>: `fetch(put, {method: "PUT", body})`, reading
 * the ETag (visible only if exposed), then `fetch(get)`. A CORS refusal is a rejected fetch.
 */
export async function browserFetchFromOrigin(o: { put: string; get: string; body: string }): Promise<{ put: FetchOutcome; get: FetchOutcome }> {
  const site = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("<!doctype html><title>app</title>", { headers: { "content-type": "text/html" } }) });
  const profile = tempDir("s3edge-chromium-");
  const ctx = await chromium.launchPersistentContext(profile, { executablePath: "/usr/bin/chromium", headless: true, args: FLAGS });
  try {
    const page = await ctx.newPage();
    await page.goto(`http://127.0.0.1:${site.port}/`);
    return await page.evaluate(async ({ put, get, body }) => {
      const attempt = async (f: () => Promise<Response>, read: (r: Response) => Promise<Record<string, unknown>>) => {
        try {
          const r = await f();
          return { ok: r.ok, status: r.status, ...(await read(r)) };
        } catch (e) {
          return { ok: false, error: String(e) };
        }
      };
      return {
        put: await attempt(() => fetch(put, { method: "PUT", body }), async (r) => ({ etag: r.headers.get("etag") })),
        get: await attempt(() => fetch(get), async (r) => ({ text: await r.text() })),
      };
    }, o);
  } finally {
    await ctx.close();
    site.stop(true);
    rmSync(profile, { recursive: true, force: true });
  }
}
