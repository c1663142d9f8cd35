import { describe, expect, it } from "bun:test";
import { localPath, placeKey } from "../../../src/sync/mapping.ts";
import { parseSyncConfig } from "../../../src/sync/config.ts";

const { mappings } = parseSyncConfig({
  endpoint: "http://h:1", accessKey: "a", secretKey: "s", bucket: "b",
  sync: { "test-folder/": "/srv/a", "test-folder/folder-01/": "/srv/web-pages/html/", "domain.com/path1/path2/": "/srv/web-pages/html/recharge" },
});
const where = (key: string) => {
  const p = placeKey(mappings, key);
  return p.kind === "file" || p.kind === "dir" ? `${p.kind} ${localPath(p.mapping, p.parts)}` : p.kind === "refused" ? `refused: ${p.reason}` : p.kind;
};

describe("placeKey", () => {
  it.each([
    ["test-folder/folder-01/folder-02/peccancy.html", "file /srv/web-pages/html/folder-02/peccancy.html"],
    ["test-folder/folder-01/folder-02/left.png", "file /srv/web-pages/html/folder-02/left.png"],
    ["test-folder/x.txt", "file /srv/a/x.txt"],
    ["test-folder/folder-011/x.txt", "file /srv/a/folder-011/x.txt"],
    ["domain.com/path1/path2/index.html", "file /srv/web-pages/html/recharge/index.html"],
    ["test-folder/", "dir /srv/a"],
    ["test-folder/sub/", "dir /srv/a/sub"],
    ["plink.exe", "unmapped"],
    ["test-folder/../etc/passwd", "refused: '..' in key"],
    ["test-folder/a/../../x", "refused: '..' in key"],
    ["test-folder//etc/passwd", "refused: absolute path after the prefix"],
    ["test-folder/a//b", "refused: empty path segment in key"],
    ["test-folder/./b", "refused: '.' in key"],
    ["test-folder/a\0b", "refused: NUL in key"],
    ["test-folder/.s3edge-sync-x", "refused: name used by the daemon's temp files"],
  ])("%j → %s", (key, want) => expect(where(key)).toBe(want));
});
