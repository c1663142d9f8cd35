// The console's key-derivation Worker: Argon2id (t=1, 64 MiB) of an encrypted admin answer takes
// ~2–3 s of portable TypeScript, so it runs here, off the page's thread (src/console/client/kdf.ts
// starts one per derivation). Built as its own hashed asset by scripts/build-console.ts.
import { deriveKey, type Kdf } from "../../admin/crypto/encrypt-data.ts";

export interface KdfRequest { kdf: Kdf; password: string; salt: Uint8Array }
export type KdfAnswer = { key: Uint8Array } | { error: string };

const scope = self as unknown as { onmessage: ((e: MessageEvent<KdfRequest>) => void) | null; postMessage(m: KdfAnswer, transfer?: Transferable[]): void };

scope.onmessage = async (e) => {
  try {
    const key = await deriveKey(e.data.kdf, e.data.password, e.data.salt);
    scope.postMessage({ key }, [key.buffer]);
  } catch (err) {
    scope.postMessage({ error: err instanceof Error ? err.message : String(err) });
  }
};
