// Worker thread that keeps MD5 states for large uploads, so hashing runs beside the event loop.
const port = globalThis as unknown as { onmessage: unknown; postMessage(m: unknown): void };

const states = new Map<number, Bun.CryptoHasher>();

port.onmessage = (e: MessageEvent<{ id: number; seq: number; op: "u" | "d" | "x"; data?: Uint8Array }>) => {
  const { id, seq, op, data } = e.data;
  if (op === "u") {
    let h = states.get(id);
    if (!h) states.set(id, (h = new Bun.CryptoHasher("md5")));
    h.update(data!);
    port.postMessage({ id, seq });
  } else if (op === "d") {
    const h = states.get(id) ?? new Bun.CryptoHasher("md5");
    states.delete(id);
    port.postMessage({ id, seq, digest: new Uint8Array(h.digest()) });
  } else {
    states.delete(id);
  }
};
