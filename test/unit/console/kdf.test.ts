// The console's key-derivation Worker (src/console/client/kdf-worker.ts) as a real Worker: it
// answers the key deriveKey gives and reports failures. Argon2id itself (~1.5 s portable) is
// covered by the browser test; PBKDF2 exercises the same message path here in milliseconds.
import { expect, it } from "bun:test";
import { deriveKey } from "../../../src/admin/crypto/encrypt-data.ts";
import { deriveInWorker } from "../../../src/console/client/kdf.ts";
import type { KdfAnswer } from "../../../src/console/client/kdf-worker.ts";

const WORKER = new URL("../../../src/console/client/kdf-worker.ts", import.meta.url).href;

const ask = (msg: unknown) => new Promise<KdfAnswer>((resolve) => {
  const w = new Worker(WORKER, { type: "module" });
  w.onmessage = (e: MessageEvent<KdfAnswer>) => { w.terminate(); resolve(e.data); };
  w.postMessage(msg);
});

it("the worker answers deriveKey's key, and an error (not a hang) for a bad request", async () => {
  const salt = crypto.getRandomValues(new Uint8Array(32));
  const got = await ask({ kdf: "pbkdf2", password: "pw-secret", salt });
  expect("key" in got && got.key).toEqual(await deriveKey("pbkdf2", "pw-secret", salt));
  const bad = await ask({ kdf: "pbkdf2", password: "pw-secret", salt: "not bytes" });
  expect("error" in bad).toBe(true);
});

it("deriveInWorker keeps PBKDF2 inline (WebCrypto is fast) and reports a worker that cannot start", async () => {
  const salt = new Uint8Array(32).fill(1);
  expect(await deriveInWorker("file:///nonexistent/kdf.js")("pbkdf2", "pw", salt)).toEqual(await deriveKey("pbkdf2", "pw", salt));
  await expect(deriveInWorker("file:///nonexistent/kdf.js")("argon2id", "pw", salt)).rejects.toMatchObject({ code: "KeyDerivationFailed" });
});
