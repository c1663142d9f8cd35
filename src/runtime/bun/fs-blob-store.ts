// BlobStore on the local filesystem: temp file + rename, so a blob is whole or absent.
// Durability (fsync on, the default): the file's bytes are fsync'd before the rename and the
// directory after it, so when put() resolves the blob survives a power cut under its name —
// before any commit names it. ext4 (data=ordered, delayed allocation) otherwise may persist
// the rename before the data: a 0-byte file under a committed name.
import { mkdir, open, readdir, rename, rm, stat, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { BlobStore } from "../../store/types.ts";
import { createDirSyncs } from "./group-sync.ts";

const SAFE_KEY = /^[A-Za-z0-9._-]{1,200}$/;

/**
 * A buffer from this size on is written as a stream of views of it: Bun.write of a large
 * Uint8Array copies it into a memfd first and writes from there on its thread pool, ~0.9 ms/MiB
 * more CPU (an 8 MiB sealed chunk of bench/sse.ts: ~2.8 vs ~1.9 ms/MiB to seal and write it).
 */
const VIEWS_MIN = 1024 * 1024;
const views = (b: Uint8Array) => new ReadableStream<Uint8Array>({
  start(c) {
    for (let o = 0; o < b.length; o += VIEWS_MIN) c.enqueue(b.subarray(o, o + VIEWS_MIN));
    c.close();
  },
});

export interface FsBlobStore extends BlobStore {
  /**
   * Deletes temp files last written before `before` (ms) that no put of this process is
   * writing: puts cut off by a crash (or one stalled that long).
   */
  sweepTemp(before: number): Promise<number>;
  /** Moves a blob into `.quarantine/` under the root (scrub --quarantine): kept, but gone for reads. */
  quarantine(key: string): Promise<void>;
  /**
   * Deletes blob files last written before `before` (ms) that `unnamed` reports no record names
   * (a blob whose delete a crash or power cut undid, or one written before its record): returns
   * how many. `unnamed` gets batches of keys and answers the subset to delete.
   */
  sweepOrphans(before: number, unnamed: (keys: string[]) => Promise<string[]>): Promise<number>;
}

export function createFsBlobStore(root: string, opts: { fsync?: boolean } = {}): FsBlobStore {
  const fsync = opts.fsync !== false;
  const dirFor = (key: string) => join(root, key.slice(0, 2));
  const pathFor = (key: string) => {
    // Keys are generated ids; refuse anything that could walk out of the root.
    if (!SAFE_KEY.test(key) || key.startsWith(".")) throw new Error(`invalid blob key`);
    return join(dirFor(key), key);
  };
  const live = new Set<string>(); // temp files being written now
  const syncDir = createDirSyncs();
  const made = new Map<string, Promise<void>>();
  /**
   * mkdir -p, once per directory and process; with fsync, its name and the root's are made
   * durable in their parents (also when an earlier process made them and died before its sync).
   */
  const makeDir = (dir: string) => {
    let p = made.get(dir);
    if (!p) {
      p = (async () => {
        await mkdir(dir, { recursive: true });
        if (fsync) await Promise.all([syncDir(dirname(dir)), syncDir(dirname(root))]);
      })();
      made.set(dir, p);
      p.catch(() => made.delete(dir));
    }
    return p;
  };

  return {
    async sweepTemp(before) {
      const tmpDir = join(root, ".tmp");
      let names: string[];
      try { names = await readdir(tmpDir); } catch { return 0; }
      let n = 0;
      for (const name of names) {
        const p = join(tmpDir, name);
        if (live.has(p)) continue;
        try {
          if ((await stat(p)).mtimeMs < before) { await unlink(p); n++; }
        } catch {} // finished (renamed) or removed meanwhile
      }
      return n;
    },
    async sweepOrphans(before, unnamed) {
      let dirs: string[];
      try { dirs = (await readdir(root)).filter((d) => !d.startsWith(".")).sort(); } catch { return 0; }
      let n = 0;
      for (const d of dirs) {
        let names: string[];
        try { names = (await readdir(join(root, d))).filter((k) => SAFE_KEY.test(k) && !k.startsWith(".")); } catch { continue; }
        for (let i = 0; i < names.length; i += 500) {
          const old: string[] = [];
          for (const k of names.slice(i, i + 500)) {
            try { if ((await stat(join(root, d, k))).mtimeMs < before) old.push(k); } catch {} // deleted meanwhile
          }
          if (!old.length) continue;
          for (const k of await unnamed(old)) {
            try { await unlink(join(root, d, k)); n++; } catch (e) { if ((e as { code?: string })?.code !== "ENOENT") throw e; }
          }
        }
      }
      return n;
    },
    async quarantine(key) {
      const dir = join(root, ".quarantine"); // a dot directory: no listing or sweep looks inside
      await mkdir(dir, { recursive: true });
      await rename(pathFor(key), join(dir, key));
    },
    async put(key, body, { size }) {
      const path = pathFor(key);
      const dir = dirFor(key);
      await makeDir(dir);
      await makeDir(join(root, ".tmp"));
      const tmp = join(root, ".tmp", `${key}.${crypto.randomUUID()}`);
      live.add(tmp);
      try {
        const written = body instanceof Uint8Array && body.length < VIEWS_MIN ? await Bun.write(tmp, body as Uint8Array<ArrayBuffer>)
          : await Bun.write(tmp, new Response(body instanceof Uint8Array ? views(body) : body));
        if (written !== size) throw new Error(`short blob write: ${written} of ${size}`);
        // fdatasync through a second descriptor: it flushes the inode's dirty pages, whoever wrote them.
        if (fsync) {
          const fh = await open(tmp, "r");
          try { await fh.datasync(); } finally { await fh.close(); }
        }
        await rename(tmp, path);
      } catch (e) {
        await unlink(tmp).catch(() => {});
        throw e;
      } finally {
        live.delete(tmp);
      }
      // Renames into one directory share one directory fsync (group commit).
      if (fsync) await syncDir(dir);
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
