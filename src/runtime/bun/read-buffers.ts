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
