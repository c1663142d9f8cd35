// Upload sessions pin the chunks an upload writes until its commit (or GC of a stale session).

/**
 * Session ids name their bucket (`<bucket>/<random>`; bucket names never hold "/"), so a
 * store sharded by bucket routes chunk calls without a lookup. Other stores treat them as opaque.
 */
export function newSession(bucket: string): string {
  return `${bucket}/${crypto.randomUUID()}`;
}

/** The bucket a session id was opened for. */
export function sessionBucket(session: string): string {
  const i = session.indexOf("/");
  return i < 0 ? "" : session.slice(0, i);
}
