// Buffers a blob store reads file bytes into, lent out as stream pieces and reused once given
// back (issue 20): a GET of 64 MiB otherwise allocates 64 MiB of fresh memory, and the page
// faults and zeroing of it cost more CPU than the bytes' CRC-32 (~1.8 GB/s here).
//
// Only the last holder of a piece may give it back, once nothing reads it any more: the HTTP/1.1
// server does, after the socket has taken every byte of it (http1-server.ts; Bun's sockets keep no
// reference to what they wrote). A piece never given back (any other reader: a copy, a test's
// arrayBuffer(), node:http) is simply collected, so a reader that keeps pieces is never handed
// one that is being overwritten.

/** The property of a lent buffer's ArrayBuffer that takes it back (a symbol: no state shared between modules). */
const GIVE_BACK = Symbol.for("s3edge.readBuffers.giveBack");

type Lendable = ArrayBuffer & { [GIVE_BACK]?: (b: ArrayBuffer) => void };

export interface ReadBuffers {
  /** A buffer of `size` bytes to read into, not lent to anyone else until given back. */
  take(): Uint8Array<ArrayBuffer>;
  readonly size: number;
}

/** `size`-byte buffers; at most `keep` of them held for reuse (the rest of those given back are dropped). */
export function createReadBuffers(size: number, keep: number): ReadBuffers {
  const free: Lendable[] = [];
  const lent = new WeakSet<ArrayBuffer>();
  const giveBack = (b: ArrayBuffer) => {
    if (!lent.delete(b)) return; // not lent now: given back twice
    if (free.length < keep) free.push(b);
  };
  return {
    size,
    take() {
      let b = free.pop();
      if (!b) {
        b = new ArrayBuffer(size) as Lendable;
        b[GIVE_BACK] = giveBack;
      }
      lent.add(b);
      return new Uint8Array(b);
    },
  };
}

/**
 * Gives a piece's buffer back to the ReadBuffers that lent it, if any: the caller holds no view
 * of it any more, and no one it passed the piece to does either.
 */
export function giveBack(piece: Uint8Array): void {
  const b = piece.buffer as Lendable;
  b[GIVE_BACK]?.(b);
}

/** Whole-chunk buffers lent like read buffers (the same giveBack); `take(n)` answers exactly n bytes. */
export interface LentFrames {
  take(bytes: number): Uint8Array<ArrayBuffer>;
  /**
   * Counts `view`'s buffer as lent by this pool from now on: one taken from it, moved to a worker
   * and back by transfer, arrives as another ArrayBuffer over the same memory.
   */
  lend(view: Uint8Array): void;
}

/**
 * Buffers of any size, for an SSE GET's opened chunk (sse-chunk-ops.ts openInSteps): the HTTP/1.1
 * server gives each back once the socket took it, as it does read buffers, so the next chunk is
 * opened into memory already mapped (a fresh 8 MiB costs 2,048 page faults). A buffer from n to
 * 2n bytes serves a take of n. At most `keepBytes` are kept, the oldest dropped first: objects of
 * other chunk sizes never starve the common one.
 */
export function createLentFrames(keepBytes: number): LentFrames {
  const free: Lendable[] = [];
  let kept = 0;
  const lent = new WeakSet<ArrayBuffer>();
  const giveBack = (b: ArrayBuffer) => {
    if (!lent.delete(b) || b.byteLength > keepBytes) return; // not lent now (given back twice), or too large to keep
    while (kept + b.byteLength > keepBytes) kept -= free.shift()!.byteLength;
    free.push(b);
    kept += b.byteLength;
  };
  const mark = (b: Lendable) => {
    b[GIVE_BACK] = giveBack;
    lent.add(b);
  };
  return {
    take(n) {
      let best = -1;
      for (let i = 0; i < free.length; i++) {
        const len = free[i]!.byteLength;
        if (len >= n && len <= 2 * n && (best < 0 || len < free[best]!.byteLength)) best = i;
      }
      let b: Lendable;
      if (best >= 0) {
        b = free.splice(best, 1)[0]!;
        kept -= b.byteLength;
      } else {
        b = new ArrayBuffer(n) as Lendable;
      }
      mark(b);
      return new Uint8Array(b, 0, n);
    },
    lend(view) {
      if (view.buffer instanceof ArrayBuffer && view.buffer.byteLength) mark(view.buffer as Lendable);
    },
  };
}
