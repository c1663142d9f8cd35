// The progress line of `s3edge put` on a terminal: phase, a bar, bytes, rate. Pure: the CLI
// writes it with a carriage return, at most every 100 ms.

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

export function formatBytes(n: number): string {
  let i = 0;
  while (n >= 1024 && i < UNITS.length - 1) { n /= 1024; i++; }
  return `${i === 0 ? n : n.toFixed(1)} ${UNITS[i]}`;
}

/** One line, `width` columns of bar: "upload  [#####.....]  50%  512.0 MiB / 1.0 GiB  210.3 MiB/s". */
export function progressLine(phase: string, done: number, total: number, elapsedMs: number, width = 30): string {
  const frac = total > 0 ? Math.min(1, done / total) : 1;
  const fill = Math.round(frac * width);
  const rate = elapsedMs > 0 ? (done / elapsedMs) * 1000 : 0;
  const pct = `${Math.floor(frac * 100)}%`.padStart(4);
  return `${phase.padEnd(6)} [${"#".repeat(fill)}${".".repeat(width - fill)}] ${pct}  ${formatBytes(done)} / ${formatBytes(total)}  ${formatBytes(rate)}/s`;
}

/** Parses a size: 1048576, 64k, 16MiB, 1G (binary multiples). */
export function parseSize(v: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(v.trim());
  if (!m) return undefined;
  const mult = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2].toLowerCase() as "" | "k" | "m" | "g" | "t"];
  const n = Math.floor(Number(m[1]) * mult);
  return Number.isFinite(n) ? n : undefined;
}
