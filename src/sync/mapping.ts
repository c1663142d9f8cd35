// Where a key lands locally (the s3sync README): the longest matching prefix wins and is
// stripped; `test-folder/folder-01/` → /srv/html maps `test-folder/folder-01/folder-02/a.html`
// to /srv/html/folder-02/a.html. A key that would leave its directory is refused.
import type { Mapping } from "./config.ts";

/** Temp files of an unfinished download carry this in their name (skipped and swept by resync). */
export const TEMP_MARK = ".s3edge-sync-";

export type Placement =
  | { kind: "file" | "dir"; mapping: Mapping; /** Path segments under mapping.dir ([] = the dir itself). */ parts: string[] }
  | { kind: "unmapped" }
  | { kind: "refused"; reason: string };

export function placeKey(mappings: readonly Mapping[], key: string): Placement {
  const mapping = mappings.find((m) => key.startsWith(m.prefix));
  if (!mapping) return { kind: "unmapped" };
  const rel = key.slice(mapping.prefix.length);
  const dir = rel === "" || rel.endsWith("/");
  if (rel.includes("\0")) return { kind: "refused", reason: "NUL in key" };
  if (rel.startsWith("/")) return { kind: "refused", reason: "absolute path after the prefix" };
  const parts = (dir ? rel.slice(0, -1) : rel).split("/");
  if (rel === "") return { kind: "dir", mapping, parts: [] };
  for (const p of parts) {
    if (p === "..") return { kind: "refused", reason: "'..' in key" };
    if (p === ".") return { kind: "refused", reason: "'.' in key" };
    if (p === "") return { kind: "refused", reason: "empty path segment in key" };
    if (p.includes(TEMP_MARK)) return { kind: "refused", reason: "name used by the daemon's temp files" };
  }
  return { kind: dir ? "dir" : "file", mapping, parts };
}

/** The local path of a placement ('/'-joined; the mapping's dir is absolute). */
export const localPath = (m: Mapping, parts: readonly string[]) => (parts.length ? `${m.dir.replace(/\/+$/, "")}/${parts.join("/")}` : m.dir);
