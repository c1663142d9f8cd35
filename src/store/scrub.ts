// Scrub: reads every chunk the MetaStore knows from its blob and checks its size and SHA-256
// (issue 10, D9), so rot and lost blobs are found before a GET streams them. Runtime-free: the
// Bun command is src/cli/scrub.ts; quarantining a blob is the caller's (a BlobStore has no move).
//
// A chunk sealed by server-side encryption is addressed by its prefix ‖ tag instead (its first
// and last 16 bytes, src/sse/crypto.ts sealedAddress): one whose SHA-256 is not its address but
// whose ends are passes. That checks it is there, whole (size) and the blob its address names
// (not swapped); it does not check its ciphertext, which only the bucket's key can (the GCM
// tag): rot inside a sealed chunk is found by the GET that opens it ("not decryptable").
//
// A blob whose store recorded its CRC-32 (BlobStore.get's crc32: the filesystem's) is checked
// against that too, which is what a GET checks it by: a mismatch is corrupt even when the
// SHA-256 (or a sealed chunk's ends) passes, as every GET of it would fail.
import type { Deps } from "../deps.ts";
import type { ChunkRecord, ChunkRef, MetaStore } from "./types.ts";
import { toHex } from "../util/hash.ts";
import { PREFIX, sealedAddressOf, TAG } from "../sse/crypto.ts";

export type ScrubDeps = Pick<Deps, "meta" | "blobs" | "hasher" | "log">;

export interface BadChunk extends ChunkRecord {
  problem: "missing" | "truncated" | "too long" | "corrupt" | "unreadable";
  /** Bytes found, SHA-256 found, or the read error. */
  detail: string;
  /** Objects (`bucket/key`) and upload parts (`bucket/key (upload ID part N)`) naming the chunk. */
  refs: string[];
  quarantined?: boolean;
}

export interface ScrubReport { chunks: number; bytes: number; bad: BadChunk[] }

export interface ScrubOptions {
  /** Moves a bad blob aside (not deleted), so GET of its objects fails at once. */
  quarantine?: (blob: string) => Promise<void>;
  /** Chunks read at a time. */
  concurrency?: number;
  pageSize?: number;
  /** Stop listing references of a chunk after this many. */
  maxRefs?: number;
}

/** Reads a chunk's blob whole; null when it is as the MetaStore says. */
export async function checkChunk(deps: Pick<Deps, "blobs" | "hasher">, c: ChunkRecord): Promise<Pick<BadChunk, "problem" | "detail"> | null> {
  let got;
  try {
    got = await deps.blobs.get(c.blob);
  } catch (e) {
    return { problem: "unreadable", detail: e instanceof Error ? e.message : String(e) };
  }
  if (!got) return { problem: "missing", detail: "no blob" };
  const sha = deps.hasher("sha256");
  const crc = got.crc32 !== undefined ? deps.hasher("crc32") : null;
  let n = 0;
  // The first PREFIX and last TAG bytes, for the address of a sealed chunk.
  const head = new Uint8Array(PREFIX), tail = new Uint8Array(TAG);
  try {
    for await (const v of got.body as unknown as AsyncIterable<Uint8Array>) {
      if (n < PREFIX) head.set(v.subarray(0, PREFIX - n), n);
      if (v.length >= TAG) tail.set(v.subarray(v.length - TAG));
      else { tail.copyWithin(0, v.length); tail.set(v, TAG - v.length); }
      n += v.length;
      const p = sha.update(v);
      if (p) await p;
      const q = crc?.update(v);
      if (q) await q;
    }
  } catch (e) {
    sha.dispose?.();
    crc?.dispose?.();
    return { problem: "unreadable", detail: `after ${n} bytes: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (n !== c.size) {
    sha.dispose?.();
    crc?.dispose?.();
    return { problem: n < c.size ? "truncated" : "too long", detail: `${n} of ${c.size} bytes` };
  }
  const hash = toHex(await sha.digest());
  const crcHex = crc ? toHex(await crc.digest()) : null;
  if (hash !== c.hash && !(n >= PREFIX + TAG && sealedAddressOf(head, tail) === c.hash)) { // not a sealed chunk either (see the header)
    return { problem: "corrupt", detail: `sha256 ${hash}` };
  }
  const recorded = (got.crc32 ?? 0).toString(16).padStart(8, "0");
  if (crcHex !== null && crcHex !== recorded) return { problem: "corrupt", detail: `crc32 ${crcHex}, recorded ${recorded}` };
  return null;
}

/** Walks every chunk row in hash order; reports (and optionally quarantines) the bad ones. */
export async function scrubStore(deps: ScrubDeps, opts: ScrubOptions = {}): Promise<ScrubReport> {
  const limit = opts.pageSize ?? 500;
  const concurrency = Math.max(1, opts.concurrency ?? 2);
  const report: ScrubReport = { chunks: 0, bytes: 0, bad: [] };
  let after = "";
  for (;;) {
    const page = await deps.meta.listChunks({ after, limit });
    if (!page.length) break;
    const found: BadChunk[] = [];
    let next = 0;
    const worker = async () => {
      while (next < page.length) {
        const c = page[next++];
        const bad = await checkChunk(deps, c);
        report.chunks++;
        report.bytes += c.size;
        if (bad) found.push({ ...c, ...bad, refs: [] });
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, page.length) }, worker));
    for (const b of found) {
      // Garbage collection deletes a chunk's row before its blob: a chunk still listed after its
      // read failed is damaged, not collected meanwhile.
      if (!(await stillListed(deps.meta, b))) continue;
      if (opts.quarantine && b.problem !== "missing") {
        try {
          await opts.quarantine(b.blob);
          b.quarantined = true;
        } catch (e) {
          deps.log.error("quarantine failed", { blob: b.blob, error: e instanceof Error ? e.message : String(e) });
        }
      }
      report.bad.push(b);
    }
    after = page[page.length - 1].hash;
    if (page.length < limit) break;
  }
  if (report.bad.length) await findReferences(deps.meta, report.bad, opts.maxRefs ?? 100);
  report.bad.sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
  return report;
}

/**
 * Whether the chunk row is still there. Hashes are fixed-length hex: only rows that share all
 * but the last digit sort between the shortened hash and the hash itself.
 */
async function stillListed(meta: MetaStore, c: ChunkRecord): Promise<boolean> {
  const rows = await meta.listChunks({ after: c.hash.slice(0, -1), limit: 64 });
  return rows.some((r) => r.hash === c.hash && r.blob === c.blob);
}

/**
 * Fills in which objects and upload parts name the bad chunks (hash and blob both, as a
 * manifest reference matches). One pass over the metadata, only when something is bad: far
 * less than reading every blob, which the scrub has just done.
 */
async function findReferences(meta: MetaStore, bad: BadChunk[], maxRefs: number): Promise<void> {
  const byRef = new Map(bad.map((b) => [`${b.hash}/${b.blob}`, b]));
  const note = (manifest: ChunkRef[] | undefined, name: string) => {
    const seen = new Set<BadChunk>();
    for (const c of manifest ?? []) {
      const b = byRef.get(`${c.hash}/${c.blob}`);
      if (!b || seen.has(b)) continue;
      seen.add(b);
      if (b.refs.length < maxRefs) b.refs.push(name);
      else if (b.refs.length === maxRefs) b.refs.push("…");
    }
  };
  const PAGE = 1000;
  for (const { name: bucket } of await meta.listBuckets()) {
    // Every version names its chunks (noncurrent ones too); delete markers name none.
    let start = "";
    let versionIdMarker: string | undefined;
    for (;;) {
      const page = await meta.listObjectVersions(bucket, { prefix: "", start, inclusive: false, versionIdMarker, limit: PAGE });
      for (const v of page) {
        if (v.deleteMarker) continue;
        const name = v.isLatest ? `${bucket}/${v.key}` : `${bucket}/${v.key} (version ${v.versionId})`;
        note((await meta.getObject(bucket, v.key, v.versionId))?.manifest, name);
      }
      if (page.length < PAGE) break;
      start = page[page.length - 1].key;
      versionIdMarker = page[page.length - 1].versionId;
    }
    let keyMarker = "", uploadIdMarker = "";
    for (;;) {
      const uploads = await meta.listUploads(bucket, { prefix: "", keyMarker, uploadIdMarker, limit: PAGE });
      for (const u of uploads) {
        let after = 0;
        for (;;) {
          const parts = await meta.listParts(bucket, u.uploadId, { after, limit: PAGE });
          for (const p of parts) note(p.manifest, `${bucket}/${u.key} (upload ${u.uploadId} part ${p.number})`);
          if (parts.length < PAGE) break;
          after = parts[parts.length - 1].number;
        }
      }
      if (uploads.length < PAGE) break;
      keyMarker = uploads[uploads.length - 1].key;
      uploadIdMarker = uploads[uploads.length - 1].uploadId;
    }
  }
}
