// The serve options every CLI entry reads (flags + environment), or exit 2 with one line per problem.
import { parseServeOptions } from "../runtime/bun/env.ts";

export function serveOptionsOrExit(argv: string[], env: Record<string, string | undefined>): ReturnType<typeof parseServeOptions> {
  try {
    return parseServeOptions(argv, env);
  } catch (e) {
    // A bad flag or target is the operator's to fix: say what, without a stack trace.
    for (const line of (e instanceof Error ? e.message : String(e)).split("\n")) console.error(`s3edge: ${line}`);
    process.exit(2);
  }
}
