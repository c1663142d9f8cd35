// Delimiter folding, the same for ListObjects (v1, v2) and ListMultipartUploads.

/** The common prefix `key` folds into: up to and including the first delimiter after `prefix`; null if none. */
export function commonPrefixOf(key: string, prefix: string, delimiter: string): string | null {
  if (!delimiter) return null;
  const i = key.indexOf(delimiter, prefix.length);
  return i >= 0 ? key.slice(0, i + delimiter.length) : null;
}

/** A marker that is itself a common prefix (one we returned): the listing resumes after everything under it. */
export const isCommonPrefixMarker = (marker: string, prefix: string, delimiter: string): boolean =>
  !!delimiter && marker.startsWith(prefix) && commonPrefixOf(marker, prefix, delimiter) === marker;
