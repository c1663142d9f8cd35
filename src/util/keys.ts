/**
 * Smallest string greater than every string that starts with `prefix`, in UTF-8 byte order
 * (which equals code-point order); null when there is none (empty prefix or all U+10FFFF).
 */
export function prefixUpperBound(prefix: string): string | null {
  const cps = Array.from(prefix, (c) => c.codePointAt(0)!);
  while (cps.length) {
    let last = cps.pop()! + 1;
    if (last === 0xd800) last = 0xe000; // skip surrogates: not valid in UTF-8
    if (last <= 0x10ffff) return String.fromCodePoint(...cps, last);
  }
  return null;
}

/** Compares two strings in UTF-8 byte order (S3 listing order), not UTF-16 order. */
export function compareKeys(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done) return y.done ? 0 : -1;
    if (y.done) return 1;
    const d = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (d) return d;
  }
}
