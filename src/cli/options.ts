// The serve options every CLI entry reads (flags + environment), or exit 2 with one line per problem.
import { parseServeOptions } from "../runtime/bun/env.ts";
import { createS3BlobStore, type S3BlobStore } from "../store/s3/blob-store.ts";
import type { BlobTarget } from "../store/s3/url.ts";

export function serveOptionsOrExit(argv: string[], env: Record<string, string | undefined>): ReturnType<typeof parseServeOptions> {
  try {
    return parseServeOptions(argv, env);
  } catch (e) {
    // A bad flag or target is the operator's to fix: say what, without a stack trace.
    for (const line of (e instanceof Error ? e.message : String(e)).split("\n")) console.error(`s3edge: ${line}`);
    process.exit(2);
  }
}

/**
 * The S3 blob store of `target` once it answered a probe (undefined: files under --data), or
 * exit 2 with one line naming it: a gateway that cannot reach its chunks must not start.
 */
export async function blobStoreOrExit(target: BlobTarget): Promise<S3BlobStore | undefined> {
  if (target.kind === "fs") return undefined;
  const store = createS3BlobStore({ ...target.options, md5: (d) => new Bun.CryptoHasher("md5").update(d).digest() as Uint8Array });
  try {
    await store.probe();
    return store;
  } catch (e) {
    const cause = e instanceof Error && e.cause instanceof Error ? `: ${e.cause.message}` : "";
    console.error(`s3edge: blob store ${target.display} is unreachable (${e instanceof Error ? e.message : String(e)}${cause})`);
    process.exit(2);
  }
}
