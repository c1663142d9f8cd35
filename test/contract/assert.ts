// A tiny assertion kit for contract suites: no bun:test import, so the same cases run under
// `bun test` and inside a Worker on workerd. Deep equality treats a property holding
// `undefined` as absent (as `toEqual` does) and compares bytes of typed arrays.

export class ContractFailure extends Error {
  override name = "ContractFailure";
}

/** JSON with bytes shown as such, for failure messages. */
export function show(v: unknown): string {
  return JSON.stringify(v, (_k, x) =>
    x instanceof Uint8Array ? `<bytes ${Array.from(x.subarray(0, 32)).join(",")}${x.length > 32 ? ",…" : ""} (${x.length})>`
      : typeof x === "bigint" ? `${x}n` : x === undefined ? "<undefined>" : x);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array && b instanceof Uint8Array) || a.length !== b.length) return false;
    return a.every((x, i) => x === b[i]);
  }
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ra), ...Object.keys(rb)]);
  for (const k of keys) if (!deepEqual(ra[k], rb[k])) return false;
  return true;
}

export function eq<T>(actual: T, expected: T, what = "value"): void {
  if (!deepEqual(actual, expected)) throw new ContractFailure(`${what}: expected ${show(expected)}, got ${show(actual)}`);
}

export function ok(cond: unknown, what = "condition"): asserts cond {
  if (!cond) throw new ContractFailure(`${what}: expected true`);
}

/** Awaits `p` (or calls it) and returns what it threw; fails if it resolved. */
export async function rejects(p: Promise<unknown> | (() => Promise<unknown>), what = "call"): Promise<unknown> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    return e;
  }
  throw new ContractFailure(`${what}: expected a rejection, it resolved`);
}
