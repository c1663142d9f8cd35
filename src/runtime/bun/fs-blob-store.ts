// BlobStore on the local filesystem: temp file + rename, so a blob is whole or absent.
import { mkdir, readdir, rename, rm, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { BlobStore } from "../../store/types.ts";

const SAFE_KEY = /^[A-Za-z0-9._-]{1,200}$/;

export interface FsBlobStore extends BlobStore {
  /**
   * Deletes temp files last written before `before` (ms): puts cut off by a crash. A live put
   * writes its temp file as bytes arrive, so only one stalled that long is cut off.
   */
  sweepTemp(before: number): Promise<number>;
}

export function createFsBlobStore(root: string): FsBlobStore {
  const dirFor = (key: string) => join(root, key.slice(0, 2));
  const pathFor = (key: string) => {
    // Keys are generated ids; refuse anything that could walk out of the root.
    if (!SAFE_KEY.test(key) || key.startsWith(".")) throw new Error(`invalid blob key`);
    return join(dirFor(key), key);
  };
  const made = new Set<string>();

  return {
    async sweepTemp(before) {
      const tmpDir = join(root, ".tmp");
      let names: string[];
      try { names = await readdir(tmpDir); } catch { return 0; }
      let n = 0;
      for (const name of names) {
        const p = join(tmpDir, name);
        try {
          if ((await stat(p)).mtimeMs < before) { await unlink(p); n++; }
        } catch {} // finished (renamed) or removed meanwhile
      }
      return n;
    },
    async put(key, body, { size }) {
      const path = pathFor(key);
      const dir = dirFor(key);
      if (!made.has(dir)) { await mkdir(dir, { recursive: true }); made.add(dir); }
      const tmp = join(root, ".tmp", `${key}.${crypto.randomUUID()}`);
      await mkdir(join(root, ".tmp"), { recursive: true });
      try {
        const written = body instanceof Uint8Array ? await Bun.write(tmp, body as Uint8Array<ArrayBuffer>) : await Bun.write(tmp, new Response(body));
        if (written !== size) throw new Error(`short blob write: ${written} of ${size}`);
        await rename(tmp, path);
      } catch (e) {
        await unlink(tmp).catch(() => {});
        throw e;
      }
    },
    async get(key, opts) {
      const f = Bun.file(pathFor(key));
      if (!(await f.exists())) return null;
      const size = f.size;
      const r = opts?.range;
      const body = r ? f.slice(r.offset, r.offset + r.length).stream() : f.stream();
      return { body, size };
    },
    async head(key) {
      try {
        return { size: (await stat(pathFor(key))).size };
      } catch {
        return null;
      }
    },
    async delete(keys) {
      await Promise.all(keys.map((k) => unlink(pathFor(k)).catch((e) => { if (e?.code !== "ENOENT") throw e; })));
    },
    async list(opts) {
      const keys: string[] = [];
      let dirs: string[] = [];
      try { dirs = (await readdir(root)).filter((d) => !d.startsWith(".")).sort(); } catch { return { keys }; }
      for (const d of dirs) for (const k of (await readdir(join(root, d))).sort()) if (k.startsWith(opts?.prefix ?? "")) keys.push(k);
      keys.sort();
      const after = opts?.cursor ? keys.filter((k) => k > opts.cursor!) : keys;
      const limit = opts?.limit ?? 1000;
      const page = after.slice(0, limit);
      return { keys: page, cursor: after.length > limit ? page[page.length - 1] : undefined };
    },
  };
}

export async function removeTree(path: string) {
  await rm(path, { recursive: true, force: true });
}
