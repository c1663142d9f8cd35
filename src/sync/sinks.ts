// Where synced objects go: local directories by longest prefix (the s3sync job), or another
// S3 endpoint (replication). The engine asks a sink where a key belongs, writes and removes
// through it, and on resync compares what the sink holds with the bucket's listing.
import type { Mapping } from "./config.ts";
import type { LocalEntry, LocalFs } from "./local-fs.ts";
import { localPath, placeKey, TEMP_MARK } from "./mapping.ts";
import type { RemoteObject, S3Client } from "./s3-client.ts";

export type SinkPlace = { kind: "file" | "dir"; id: string } | { kind: "unmapped" } | { kind: "refused"; reason: string };

export interface HeldEntry { id: string; size: number; mtimeMs?: number; etag?: string }

export interface Sink {
  name: string;
  place(key: string): SinkPlace;
  write(id: string, obj: { body: ReadableStream<Uint8Array>; size: number; lastModified: number }): Promise<number>;
  mkdir(id: string): Promise<void>;
  remove(id: string): Promise<void>;
  /** The bucket prefixes a resync lists (none nested in another). */
  prefixes(): string[];
  /** What the sink holds that belongs to it (its own entries only). */
  inventory(): AsyncIterable<HeldEntry>;
  /** Whether the held entry already has the remote object's content (and fixes its metadata if only that differs). */
  same(entry: HeldEntry, remote: RemoteObject): Promise<boolean>;
}

/** Prefixes without those another one covers (a listing of "a/" includes "a/b/"). */
export function outerPrefixes(prefixes: string[]): string[] {
  const sorted = [...new Set(prefixes)].sort((a, b) => a.length - b.length);
  const out: string[] = [];
  for (const p of sorted) if (!out.some((o) => p.startsWith(o))) out.push(p);
  return out;
}

const under = (path: string, dir: string) => path.startsWith(`${dir.replace(/\/+$/, "")}/`);

export function createLocalSink(mappings: readonly Mapping[], fs: LocalFs, log: (msg: string) => void = () => {}): Sink {
  const rootOf = new Map<string, string>();
  return {
    name: "local",
    place(key) {
      const p = placeKey(mappings, key);
      if (p.kind === "unmapped" || p.kind === "refused") return p;
      const id = localPath(p.mapping, p.parts);
      rootOf.set(id, p.mapping.dir);
      return { kind: p.kind, id };
    },
    write(id, obj) { return fs.writeAtomic(id, obj.body, obj.lastModified); },
    mkdir(id) { return fs.mkdirs(id); },
    async remove(id) {
      const root = rootOf.get(id) ?? mappings.find((m) => id === m.dir || under(id, m.dir))?.dir ?? id;
      if (id === root) return; // the mapped directory itself stays
      await fs.remove(id, root);
    },
    prefixes: () => outerPrefixes(mappings.map((m) => m.prefix)),
    async *inventory() {
      const walked = new Set<string>();
      for (const m of mappings) {
        // Directories of other mappings inside this one are theirs.
        const others = mappings.filter((o) => o !== m && under(o.dir, m.dir)).map((o) => o.dir);
        for await (const e of fs.walk(m.dir)) {
          if (walked.has(e.path) || others.some((d) => under(e.path, d))) continue;
          walked.add(e.path);
          if (e.path.includes(TEMP_MARK)) {
            // A download a kill interrupted.
            log(`removing stale temp file ${e.path}`);
            await fs.remove(e.path, m.dir).catch(() => {});
            continue;
          }
          const rel = e.path.slice(m.dir.replace(/\/+$/, "").length + 1);
          const back = placeKey(mappings, m.prefix + rel);
          // Only a file this mapping would have written there is ours to delete.
          if (back.kind !== "file" || back.mapping !== m || localPath(m, back.parts) !== e.path) continue;
          rootOf.set(e.path, m.dir);
          yield { id: e.path, size: e.size, mtimeMs: e.mtimeMs };
        }
      }
    },
    async same(entry, remote) {
      if (entry.size !== remote.size) return false;
      if (entry.mtimeMs !== undefined && Math.abs(entry.mtimeMs - remote.lastModified) < 1000) return true;
      // Same size, other time: the content decides, where the ETag is the MD5 (not a multipart one).
      if (remote.etag.includes("-") || !/^[0-9a-f]{32}$/.test(remote.etag)) return false;
      if ((await fs.md5(entry.id)) !== remote.etag) return false;
      await fs.setMtime(entry.id, remote.lastModified);
      return true;
    },
  };
}

/** Replication: the keys under `prefixes` to the target bucket, under the target's prefix. */
export function createS3Sink(target: S3Client, opts: { prefixes: string[]; targetPrefix: string }): Sink {
  const prefixes = outerPrefixes(opts.prefixes.length ? opts.prefixes : [""]);
  const tp = opts.targetPrefix;
  return {
    name: "target",
    place(key) {
      if (!prefixes.some((p) => key.startsWith(p))) return { kind: "unmapped" };
      // A directory marker is an object like any other there.
      return { kind: "file", id: tp + key };
    },
    async write(id, obj) {
      await target.put(id, obj.body, obj.size);
      return obj.size;
    },
    async mkdir() {},
    remove: (id) => target.remove(id),
    prefixes: () => prefixes,
    async *inventory() {
      for (const p of prefixes) for await (const o of target.list(tp + p)) yield { id: o.key, size: o.size, etag: o.etag };
    },
    async same(entry, remote) {
      if (entry.size !== remote.size) return false;
      // A multipart source's ETag is not the content's MD5: size is all there is to compare.
      return remote.etag.includes("-") || entry.etag === remote.etag;
    },
  };
}

export type { LocalEntry };
