// What the small commands (share, topic; kms-rotate, upgrade-store) read alike from their arguments and environment.

/** `--name=value` as [name, value]; anything else as [arg, undefined] (the value is the next argument). */
export function splitFlag(a: string): [string, string | undefined] {
  const eq = a.indexOf("=");
  return a.startsWith("--") && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
}

/** The gateway a command talks to: --endpoint, else S3EDGE_PUBLIC_URL, else http://<S3EDGE_ADDRESS or 127.0.0.1:9000>; no trailing slash. */
export function gatewayBase(endpoint: string | undefined, env: Record<string, string | undefined> = process.env): string {
  return (endpoint ?? env.S3EDGE_PUBLIC_URL ?? `http://${env.S3EDGE_ADDRESS ?? "127.0.0.1:9000"}`).replace(/\/+$/, "");
}

/**
 * The embedded-store commands' arguments (kms-rotate, upgrade-store): --help prints `usage` and
 * exits 0; --data DIR (default S3EDGE_DATA_DIR, else ./data); anything else, or a missing value,
 * is `s3edge <command>: …` on stderr and exit 2. Returns the data directory and the refusal.
 */
export function dataDirArgs(command: string, usage: string, argv = process.argv.slice(2)): { dataDir: string; fail(msg: string): never } {
  const fail = (msg: string): never => {
    console.error(`s3edge ${command}: ${msg}`);
    process.exit(2);
  };
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(usage);
    process.exit(0);
  }
  let dataDir = process.env.S3EDGE_DATA_DIR ?? "./data";
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = splitFlag(argv[i]!);
    if (name === "--data") dataDir = inline ?? argv[++i] ?? fail("--data needs a value");
    else fail(`unknown argument ${argv[i]}\n${usage}`);
  }
  return { dataDir, fail };
}
