// Worker thread that keeps MD5 states for large uploads, so hashing runs beside the event loop.
// Staging buffers arrive by transfer and go back the same way (md5-pool.ts).
const port = globalThis as unknown as { onmessage: unknown; postMessage(m: unknown, transfer?: ArrayBuffer[]): void };

const states = new Map<number, Bun.CryptoHasher>();

port.onmessage = (e: MessageEvent<{ id: number; op: "u" | "d" | "x"; data?: Uint8Array; n?: number }>) => {
  const { id, op, data, n } = e.data;
  if (op === "u") {
    let h = states.get(id);
    if (!h) states.set(id, (h = new Bun.CryptoHasher("md5")));
    h.update(data!.subarray(0, n));
    port.postMessage({ id, buf: data }, [data!.buffer as ArrayBuffer]);
  } else if (op === "d") {
    const h = states.get(id) ?? new Bun.CryptoHasher("md5");
    states.delete(id);
    port.postMessage({ id, digest: new Uint8Array(h.digest()) });
  } else {
    states.delete(id);
  }
};
