// Argon2id for madmin bodies from Bun's native node:crypto, off the event loop: ~5× faster
// than the portable TypeScript one (src/admin/crypto/argon2id.ts), which Workers use.
import { argon2 } from "node:crypto";
import type { Argon2id } from "../../deps.ts";

export const bunArgon2id: Argon2id = (password, salt, p) =>
  new Promise((resolve, reject) => {
    argon2("argon2id", { message: password, nonce: salt, parallelism: p.lanes, tagLength: p.tagLength, memory: p.memoryKiB, passes: p.passes }, (err, key) => {
      if (err) reject(err);
      else resolve(new Uint8Array(key.buffer, key.byteOffset, key.byteLength));
    });
  });
