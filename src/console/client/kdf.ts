// Key derivation for the admin API's encrypted answers. Argon2id runs in a dedicated Worker
// (kdf-worker.ts, its URL in the shell's data-kdf-worker) so the page stays responsive; PBKDF2
// (WebCrypto, milliseconds) and runtimes without Workers or the shell (unit tests) derive inline.
import { deriveKey, type Kdf } from "../../admin/crypto/encrypt-data.ts";
import { ConsoleError } from "./errors.ts";
import type { KdfAnswer, KdfRequest } from "./kdf-worker.ts";

export type Derive = (kdf: Kdf, password: string, salt: Uint8Array) => Promise<Uint8Array>;

/** Derives in a fresh Worker from `url`, ended once it answers (it holds 64 MiB while it works). */
export const deriveInWorker = (url: string): Derive => (kdf, password, salt) => {
  if (kdf !== "argon2id") return deriveKey(kdf, password, salt);
  return new Promise((resolve, reject) => {
    const w = new Worker(url, { type: "module", name: "s3edge-kdf" });
    const done = () => w.terminate();
    w.onmessage = (e: MessageEvent<KdfAnswer>) => {
      done();
      "key" in e.data ? resolve(e.data.key) : reject(new ConsoleError("KeyDerivationFailed", e.data.error));
    };
    w.onerror = (e) => { done(); reject(new ConsoleError("KeyDerivationFailed", e.message || "The key-derivation worker failed to start.")); };
    w.postMessage({ kdf, password, salt } satisfies KdfRequest);
  });
};

/** The page's derivation: in the shell's Worker when there is one, else inline. */
export function defaultDerive(): Derive {
  const url = typeof document !== "undefined" ? document.body?.dataset.kdfWorker : undefined;
  return url && typeof Worker !== "undefined" ? deriveInWorker(url) : deriveKey;
}
