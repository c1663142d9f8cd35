// The filesystem the daemon writes, as a seam: the engine stays runtime-neutral (src/sync/),
// the CLI hands it node:fs (src/cli/sync-fs.ts).

export interface LocalEntry { path: string; size: number; mtimeMs: number }

export interface LocalFs {
  /** Streams into a temp file beside `path` (parents created), sets its mtime, renames it over `path`. */
  writeAtomic(path: string, body: ReadableStream<Uint8Array>, mtimeMs: number): Promise<number>;
  /** Removes the file (absent is fine), then its parents while empty, up to but not including `root`. */
  remove(path: string, root: string): Promise<void>;
  mkdirs(path: string): Promise<void>;
  stat(path: string): Promise<LocalEntry | null>;
  /** Every regular file under root (recursively); absent root: none. */
  walk(root: string): AsyncIterable<LocalEntry>;
  /** Hex MD5 of the file (the ETag of a single-part upload). */
  md5(path: string): Promise<string>;
  setMtime(path: string, mtimeMs: number): Promise<void>;
}
