// Go's time.ParseDuration syntax ("5m", "1h30m", "1.5s", "300ms"), as MinIO and JuiceFS flags
// take it: a sequence of decimal numbers each with a unit (ns, us, µs, ms, s, m, h); "0" alone.
const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, "μs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds, or NaN when `s` is not a Go duration. Negative durations are refused. */
export function parseGoDuration(s: string): number {
  if (s === "0" || s === "+0") return 0;
  const body = s.startsWith("+") ? s.slice(1) : s;
  if (!body) return NaN;
  let total = 0;
  let rest = body;
  while (rest) {
    const m = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/.exec(rest);
    if (!m) return NaN;
    total += Number(m[1]) * UNIT_MS[m[2]];
    rest = rest.slice(m[0].length);
  }
  return total;
}
