// Where the console is: `#/` (buckets), `#/b/<bucket>/<prefix>`, or an admin screen (`#/users`,
// `#/policies`), in the hash so the shell needs no server-side routes and Back/Forward work.
export type AdminScreen = "users" | "policies";
export interface Route { bucket: string; prefix: string; admin?: AdminScreen }

export function parseHash(hash = location.hash): Route {
  if (hash === "#/users" || hash === "#/policies") return { bucket: "", prefix: "", admin: hash.slice(2) as AdminScreen };
  const m = /^#\/b\/([^/]+)\/?(.*)$/.exec(hash);
  if (!m) return { bucket: "", prefix: "" };
  const dec = (s: string) => { try { return decodeURIComponent(s); } catch { return s; } };
  return { bucket: dec(m[1]), prefix: m[2].split("/").map(dec).join("/") };
}

export const hrefFor = (bucket: string, prefix = ""): string =>
  bucket ? `#/b/${encodeURIComponent(bucket)}/${prefix.split("/").map(encodeURIComponent).join("/")}` : "#/";
