// What the small client commands (share, topic) read alike from their arguments and environment.

/** `--name=value` as [name, value]; anything else as [arg, undefined] (the value is the next argument). */
export function splitFlag(a: string): [string, string | undefined] {
  const eq = a.indexOf("=");
  return a.startsWith("--") && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
}

/** The gateway a command talks to: --endpoint, else S3EDGE_PUBLIC_URL, else http://<S3EDGE_ADDRESS or 127.0.0.1:9000>; no trailing slash. */
export function gatewayBase(endpoint: string | undefined, env: Record<string, string | undefined> = process.env): string {
  return (endpoint ?? env.S3EDGE_PUBLIC_URL ?? `http://${env.S3EDGE_ADDRESS ?? "127.0.0.1:9000"}`).replace(/\/+$/, "");
}
