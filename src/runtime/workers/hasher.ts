// Hashing on workerd: crypto.DigestStream (native, streaming) for MD5/SHA, portable CRCs.
import type { DigestAlgorithm, Hasher } from "../../deps.ts";
import { portableCrcHasher } from "../../util/hash.ts";

const DIGEST_NAMES = { md5: "MD5", sha1: "SHA-1", sha256: "SHA-256" } as const;

export function workersHasher(alg: DigestAlgorithm): Hasher {
  if (alg === "crc32" || alg === "crc32c" || alg === "crc64nvme") return portableCrcHasher(alg);
  const stream = new crypto.DigestStream(DIGEST_NAMES[alg]);
  const writer = stream.getWriter();
  return {
    // Writes queue in order; some callers don't await update() (digest() waits for all of
    // them), so a rejection is observed here and surfaces again from close() in digest().
    update(data) {
      const p = writer.write(data);
      p.catch(() => {});
      return p;
    },
    async digest() {
      await writer.close();
      return new Uint8Array(await stream.digest);
    },
    dispose() { writer.abort().catch(() => {}); },
  };
}
