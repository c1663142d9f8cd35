// BlobStore on the local filesystem: temp file + rename, so a blob is whole or absent.
// Durability (fsync on, the default): the file's bytes are fsync'd before the rename and the
// directory after it, so when put() resolves the blob survives a power cut under its name —
// before any commit names it. ext4 (data=ordered, delayed allocation) otherwise may persist
// the rename before the data: a 0-byte file under a committed name.
import { mkdir, open, readdir, rename, rm, stat, unlink, type FileHandle } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { BlobStore } from "../../store/types.ts";
import { createDirSyncs } from "./group-sync.ts";
import { createReadBuffers, giveBack, type ReadBuffers } from "./read-buffers.ts";

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

/**
 * Each blob's CRC-32 (zlib's, Bun.hash.crc32) is recorded at put in a 20-byte sidecar under
 * `.sum/` (a dot directory: no listing or sweep looks inside), so a GET can check a whole chunk
 * at ~40 GB/s instead of SHA-256's ~1.7 (object-body.ts; issue 20). Layout, little-endian:
 * magic "s3c1", size (u64), the blob's CRC-32, then the CRC-32 of those 16 bytes seeded with the
 * key's, so a torn, rotten or misplaced sidecar reads as none. It is not fsync'd: one lost to a
 * power cut (or a blob written before it existed) only means the SHA-256 check, as before.
 */
const SUM_MAGIC = 0x31633373; // "s3c1"
const SUM_BYTES = 20;
const enc = new TextEncoder();

function encodeSum(key: string, size: number, crc: number): Uint8Array {
  const b = new Uint8Array(SUM_BYTES);
  const v = new DataView(b.buffer);
  v.setUint32(0, SUM_MAGIC, true);
  v.setUint32(4, size % 2 ** 32, true);
  v.setUint32(8, Math.floor(size / 2 ** 32), true);
  v.setUint32(12, crc >>> 0, true);
  v.setUint32(16, Bun.hash.crc32(b.subarray(0, 16), Bun.hash.crc32(enc.encode(key))) >>> 0, true);
  return b;
}

function decodeSum(key: string, b: Uint8Array): { size: number; crc: number } | null {
  if (b.length !== SUM_BYTES) return null;
  const v = new DataView(b.buffer, b.byteOffset, b.length);
  if (v.getUint32(0, true) !== SUM_MAGIC) return null;
  if (v.getUint32(16, true) !== Bun.hash.crc32(b.subarray(0, 16), Bun.hash.crc32(enc.encode(key))) >>> 0) return null;
  return { size: v.getUint32(4, true) + v.getUint32(8, true) * 2 ** 32, crc: v.getUint32(12, true) };
}

/** `body` passed on unchanged, its bytes fed to `see` as they go. */
function watched(body: ReadableStream<Uint8Array>, see: (v: Uint8Array) => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(c) {
      const r = await reader.read();
      if (r.done) { c.close(); return; }
      see(r.value);
      c.enqueue(r.value);
    },
    cancel(why) { return reader.cancel(why); },
  }, { highWaterMark: 0 });
}

/** Pieces a read yields: large enough for few reads and writes, small enough to stay in cache between them. */
const READ_PIECE = 256 * 1024;
/** Read buffers kept for reuse: a few per GET in flight (one being read, one per holder: object-body, the socket). */
const READ_KEEP = 64;

/**
 * Reads `length` bytes of the file from `offset` (fewer when it ends first) into lent buffers
 * (read-buffers.ts): no fresh memory per read, as Bun.file().stream() takes. Opened at the first
 * read, closed at the end, on an error or when cancelled.
 */
function fileStream(path: string, offset: number, length: number, bufs: ReadBuffers): ReadableStream<Uint8Array> {
  let fh: FileHandle | null = null;
  let done = false;
  let pos = offset;
  const end = offset + length;
  const finish = async () => {
    done = true;
    const h = fh;
    fh = null;
    await h?.close().catch(() => {});
  };
  return new ReadableStream<Uint8Array>({
    async pull(c) {
      try {
        if (pos >= end) { await finish(); c.close(); return; }
        if (!fh) {
          const h = await open(path, "r");
          if (done) { await h.close().catch(() => {}); return; } // cancelled meanwhile
          fh = h;
        }
        const buf = bufs.take();
        const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, end - pos), pos);
        if (done) return;
        if (bytesRead === 0) { giveBack(buf); await finish(); c.close(); return; } // ends short: the reader sees it
        pos += bytesRead;
        c.enqueue(buf.subarray(0, bytesRead));
        if (pos >= end) { await finish(); c.close(); }
      } catch (e) {
        await finish();
        throw e;
      }
    },
    cancel: finish,
  }, { highWaterMark: 0 });
}

/**
 * The same, read straight into the caller's buffer (BlobStore.get's `into`) in as few reads as the
 * kernel takes, answered as one view of it: no copy out of lent pieces, and no read per 256 KiB
 * (bench/sse.ts GET: ~0.2 against ~0.55 ms/MiB for fileStream plus a copy).
 */
function fileInto(path: string, offset: number, length: number, into: Uint8Array): ReadableStream<Uint8Array> {
  let cancelled = false;
  return new ReadableStream<Uint8Array>({
    async pull(c) {
      const fh = await open(path, "r");
      let at = 0;
      try {
        while (at < length && !cancelled) {
          const { bytesRead } = await fh.read(into, at, length - at, offset + at);
          if (bytesRead === 0) break; // ends short: the reader sees it
          at += bytesRead;
        }
      } finally {
        await fh.close().catch(() => {});
      }
      if (cancelled) return;
      if (at) c.enqueue(into.subarray(0, at));
      c.close();
    },
    cancel() { cancelled = true; },
  }, { highWaterMark: 0 });
}

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
  const sumPathFor = (key: string) => { pathFor(key); return join(root, ".sum", key.slice(0, 2), key); };
  /** The recorded checksum, or null (none, unreadable or not valid: the reader falls back to SHA-256). */
  const readSum = (key: string) => Bun.file(sumPathFor(key)).bytes().then((b) => decodeSum(key, b), () => null);
  const dropSum = (key: string) => unlink(sumPathFor(key)).catch(() => {}); // none is fine; a stray one is 20 bytes
  const live = new Set<string>(); // temp files being written now
  const readBufs = createReadBuffers(READ_PIECE, READ_KEEP);
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
            await dropSum(k);
            try { await unlink(join(root, d, k)); n++; } catch (e) { if ((e as { code?: string })?.code !== "ENOENT") throw e; }
          }
        }
      }
      return n;
    },
    async quarantine(key) {
      const dir = join(root, ".quarantine"); // a dot directory: no listing or sweep looks inside
      await mkdir(dir, { recursive: true });
      await dropSum(key);
      await rename(pathFor(key), join(dir, key));
    },
    async put(key, body, { size }) {
      const path = pathFor(key);
      const dir = dirFor(key);
      await makeDir(dir);
      await makeDir(join(root, ".tmp"));
      const tmp = join(root, ".tmp", `${key}.${crypto.randomUUID()}`);
      live.add(tmp);
      let crc = 0;
      try {
        if (body instanceof Uint8Array) crc = Bun.hash.crc32(body);
        const written = body instanceof Uint8Array && body.length < VIEWS_MIN ? await Bun.write(tmp, body as Uint8Array<ArrayBuffer>)
          : await Bun.write(tmp, new Response(body instanceof Uint8Array ? views(body) : watched(body, (v) => { crc = Bun.hash.crc32(v, crc); })));
        if (written !== size) throw new Error(`short blob write: ${written} of ${size}`);
        // fdatasync through a second descriptor: it flushes the inode's dirty pages, whoever wrote them.
        if (fsync) {
          const fh = await open(tmp, "r");
          try { await fh.datasync(); } finally { await fh.close(); }
        }
        await dropSum(key); // a key put again (the gateway's are fresh ids; tests do) must not keep the old bytes' sidecar
        await rename(tmp, path);
      } catch (e) {
        await unlink(tmp).catch(() => {});
        throw e;
      } finally {
        live.delete(tmp);
      }
      // After the rename: a sidecar never names bytes that are not there. Best effort (see SUM_BYTES).
      const sumPath = sumPathFor(key);
      const sum = makeDir(dirname(sumPath)).then(() => Bun.write(sumPath, encodeSum(key, size, crc))).catch(() => {});
      // Renames into one directory share one directory fsync (group commit).
      const [synced] = await Promise.allSettled([fsync ? syncDir(dir) : undefined, sum]);
      if (synced.status === "rejected") throw synced.reason;
    },
    async get(key, opts) {
      const path = pathFor(key);
      const f = Bun.file(path);
      const r = opts?.range;
      // The checksum serves only a read of the whole blob, which starts at 0.
      const [exists, sum] = await Promise.all([f.exists(), !r || r.offset === 0 ? readSum(key) : null]);
      if (!exists) return null;
      const size = f.size;
      // A ranged read (object-body's GET, which names every slice it reads, whole chunks too) comes
      // in lent buffers the HTTP server gives back; one without (SSE's arrayBuffer(), scrub, copies)
      // keeps Bun's file stream, which Response.arrayBuffer() reads natively at half the CPU.
      const into = r && opts?.into && opts.into.length >= r.length ? opts.into : undefined;
      const body = into ? fileInto(path, r!.offset, r!.length, into) : r ? fileStream(path, r.offset, r.length, readBufs) : f.stream();
      const whole = !r || r.length >= size;
      return whole && sum && sum.size === size ? { body, size, crc32: sum.crc } : { body, size };
    },
    async head(key) {
      try {
        return { size: (await stat(pathFor(key))).size };
      } catch {
        return null;
      }
    },
    async delete(keys) {
      // The sidecar first: a crash between the two leaves a blob without one (read as before), not a stray sidecar.
      await Promise.all(keys.map(async (k) => { const p = pathFor(k); await dropSum(k); await unlink(p).catch((e) => { if (e?.code !== "ENOENT") throw e; }); }));
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
