// Where the console is: `#/` (buckets), `#/b/<bucket>/<prefix>`, or an admin screen (`#/users`,
// `#/groups`, `#/policies`, `#/keys`, `#/events`), in the hash so the shell needs no server-side routes and Back/Forward work.
export const ADMIN_SCREENS = ["users", "groups", "policies", "keys", "events"] as const;
export type AdminScreen = (typeof ADMIN_SCREENS)[number];
export interface Route { bucket: string; prefix: string; admin?: AdminScreen }

export function parseHash(hash = location.hash): Route {
  const screen = ADMIN_SCREENS.find((s) => hash === `#/${s}`);
  if (screen) return { bucket: "", prefix: "", admin: screen };
  const m = /^#\/b\/([^/]+)\/?(.*)$/.exec(hash);
  if (!m) return { bucket: "", prefix: "" };
  const dec = (s: string) => { try { return decodeURIComponent(s); } catch { return s; } };
  return { bucket: dec(m[1]), prefix: m[2].split("/").map(dec).join("/") };
}

export const hrefFor = (bucket: string, prefix = ""): string =>
  bucket ? `#/b/${encodeURIComponent(bucket)}/${prefix.split("/").map(encodeURIComponent).join("/")}` : "#/";
