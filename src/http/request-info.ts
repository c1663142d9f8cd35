// What only the runtime adapter knows about a request, handed to the app beside it in Hono's
// `env` argument (as Hono's Bun adapter passes its server for conninfo). Workers pass their
// bindings there, which never carry this key.
export interface RequestInfo {
  /** The path as sent. WHATWG URL parsing (Bun's and workerd's Request) drops "." and ".." segments. */
  rawPath?: string;
  /** The client's address as the socket saw it. */
  remoteAddress?: string;
}

const KEY = "s3edgeRequestInfo";

export const withRequestInfo = (info: RequestInfo): Record<string, RequestInfo> => ({ [KEY]: info });

export function requestInfo(env: unknown): RequestInfo {
  const v = env && typeof env === "object" ? (env as Record<string, unknown>)[KEY] : undefined;
  return v && typeof v === "object" ? (v as RequestInfo) : {};
}

/** The path of a request target in origin form ("/a/../b?x" → "/a/../b"); undefined for any other form. */
export function rawPathOf(target: string | undefined): string | undefined {
  if (!target?.startsWith("/")) return undefined;
  const q = target.indexOf("?");
  return q < 0 ? target : target.slice(0, q);
}
