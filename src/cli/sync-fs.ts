// node:fs for the sync engine's LocalFs seam (src/sync/local-fs.ts).
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readdir, rename, rm, rmdir, stat, unlink, utimes } from "node:fs/promises";
import { createHash, randomBytes } from "node:crypto";
import { basename, dirname, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { LocalEntry, LocalFs } from "../sync/local-fs.ts";
import { TEMP_MARK } from "../sync/mapping.ts";

export function createNodeFs(): LocalFs {
  return {
    async writeAtomic(path, body, mtimeMs) {
      const dir = dirname(path);
      await mkdir(dir, { recursive: true });
      // A directory where the file should go (an earlier `key/` marker) is replaced only if empty.
      const tmp = join(dir, `${TEMP_MARK}${randomBytes(6).toString("hex")}-${basename(path)}`);
      let bytes = 0;
      try {
        const counted = Readable.fromWeb(body as unknown as import("node:stream/web").ReadableStream<Uint8Array>);
        counted.on("data", (c: Buffer) => { bytes += c.length; });
        await pipeline(counted, createWriteStream(tmp));
        const t = new Date(mtimeMs || Date.now());
        await utimes(tmp, t, t);
        await rename(tmp, path);
      } catch (e) {
        await unlink(tmp).catch(() => {});
        throw e;
      }
      return bytes;
    },
    async remove(path, root) {
      const s = await stat(path).catch(() => null);
      if (s?.isDirectory()) await rmdir(path).catch(() => {});
      else if (s) await rm(path, { force: true });
      // Empty parents up to (not including) the mapped root.
      const top = root.replace(/\/+$/, "");
      for (let d = dirname(path); d.startsWith(`${top}/`); d = dirname(d)) {
        try { await rmdir(d); } catch { break; }
      }
    },
    async mkdirs(path) { await mkdir(path, { recursive: true }); },
    async stat(path) {
      const s = await stat(path).catch(() => null);
      return s?.isFile() ? { path, size: s.size, mtimeMs: s.mtimeMs } : null;
    },
    async *walk(root) {
      const stack = [root.replace(/\/+$/, "")];
      while (stack.length) {
        const d = stack.pop()!;
        const entries = await readdir(d, { withFileTypes: true }).catch(() => []);
        for (const e of entries) {
          const p = join(d, e.name);
          if (e.isDirectory()) stack.push(p);
          else if (e.isFile()) {
            const s = await stat(p).catch(() => null);
            if (s) yield { path: p, size: s.size, mtimeMs: s.mtimeMs } satisfies LocalEntry;
          }
        }
      }
    },
    async md5(path) {
      const h = createHash("md5");
      await pipeline(createReadStream(path), h);
      return h.digest("hex");
    },
    async setMtime(path, mtimeMs) {
      const t = new Date(mtimeMs);
      await utimes(path, t, t);
    },
  };
}
