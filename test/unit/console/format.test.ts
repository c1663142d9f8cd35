// The console's preview choice (src/console/client/format.ts) and upload part size (upload.ts).
import { describe, expect, it } from "bun:test";
import { type PreviewKind, previewKind } from "../../../src/console/client/format.ts";
import { partSizeFor } from "../../../src/console/client/upload.ts";

describe("console previews and parts", () => {
  it.each([
    ["a.png", "", "image"], ["a.json", "", "json"], ["notes.txt", "", "text"],
    ["paper.pdf", "application/octet-stream", "pdf"], ["x", "application/pdf", "pdf"],
    ["song.mp3", "", "audio"], ["x", "audio/wav", "audio"], ["clip.webm", "", "video"], ["x", "video/mp4", "video"],
    ["blob.bin", "application/octet-stream", "none"],
  ] as [string, string, PreviewKind][])("%s (%s) previews as %s", (key, type, kind) => {
    expect(previewKind(key, type)).toBe(kind);
  });

  it("parts are 8 MiB, larger only when 10,000 would not hold the file (a resume recomputes the same size)", () => {
    expect(partSizeFor(24 * 1024 * 1024)).toBe(8 * 1024 * 1024);
    expect(partSizeFor(200 * 1024 ** 3)).toBe(Math.ceil((200 * 1024 ** 3) / 10_000));
  });
});
