// A send that hangs (a stopped server, a full socket) must fail, so the queue retries it later.
export const SEND_TIMEOUT_MS = 10_000;

export function withTimeout<T>(p: Promise<T>, what: string, ms = SEND_TIMEOUT_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<never>((_, rej) => { timer = setTimeout(() => rej(new Error(`${what}: no answer in ${ms} ms`)), ms); });
  return Promise.race([p, t]).finally(() => { if (timer !== undefined) clearTimeout(timer); });
}
