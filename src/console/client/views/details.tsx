/** @jsxImportSource hono/jsx/dom */
import { useEffect, useState } from "hono/jsx/dom";
import { ConsoleError, toConsoleError } from "../errors.ts";
import { previewKind } from "../format.ts";
import type { ObjectInfo, S3 } from "../s3.ts";
import { ErrorBanner } from "./error-banner.tsx";

const PREVIEW_BYTES = 256 * 1024;
const EXPIRIES: [string, number][] = [["1 hour", 3600], ["1 day", 86_400], ["7 days", 604_800]];

// PDF, audio and video play from a short-lived presigned URL (same origin, Range requests), so a
// large file streams instead of being fetched whole into a blob.
const MEDIA_SECONDS = 900;
type Media = "pdf" | "audio" | "video";

type Preview = { kind: "image"; url: string } | { kind: "text"; text: string; truncated: boolean } | { kind: Media; url: string } | null;

/** `readOnly` (why, when the caller may not change the bucket) disables Delete. */
export const Details = ({ s3, bucket, objectKey, readOnly, onClose, onDeleted }: { s3: S3; bucket: string; objectKey: string; readOnly?: string; onClose: () => void; onDeleted: () => void }) => {
  const [info, setInfo] = useState<ObjectInfo | null>(null);
  const [preview, setPreview] = useState<Preview>(null);
  const [error, setError] = useState<ConsoleError | null>(null);
  const [share, setShare] = useState("");
  const [copied, setCopied] = useState(false);

  useEffect(() => {
    let live = true;
    let blobUrl = "";
    setInfo(null); setPreview(null); setError(null); setShare(""); setCopied(false);
    (async () => {
      const i = await s3.info(bucket, objectKey);
      if (!live) return;
      setInfo(i);
      const type = i.headers.find(([k]) => k === "content-type")?.[1] ?? "";
      const size = Number(i.headers.find(([k]) => k === "content-length")?.[1] ?? 0);
      const kind = previewKind(objectKey, type);
      if (kind === "image") {
        blobUrl = URL.createObjectURL(await s3.fetchBlob(bucket, objectKey));
        if (live) setPreview({ kind: "image", url: blobUrl });
      } else if (kind === "text" || kind === "json") {
        let text = size === 0 ? "" : await (await s3.fetchBlob(bucket, objectKey, Math.min(size, PREVIEW_BYTES))).text();
        if (kind === "json" && size <= PREVIEW_BYTES) { try { text = JSON.stringify(JSON.parse(text), null, 2); } catch {} }
        if (live) setPreview({ kind: "text", text, truncated: size > PREVIEW_BYTES });
      } else if (kind === "pdf" || kind === "audio" || kind === "video") {
        // A PDF found by its name is shown as one (the viewer needs the type); media players sniff.
        const url = await s3.presign(bucket, objectKey, MEDIA_SECONDS, false, kind === "pdf" && type !== "application/pdf" ? "application/pdf" : "");
        if (live) setPreview({ kind, url });
      }
    })().catch((e) => live && setError(toConsoleError(e)));
    return () => { live = false; if (blobUrl) URL.revokeObjectURL(blobUrl); };
  }, [bucket, objectKey]);

  const makeLink = async (e: Event) => {
    e.preventDefault();
    const seconds = Number(new FormData(e.target as HTMLFormElement).get("expiry"));
    setCopied(false);
    try { setShare(await s3.presign(bucket, objectKey, seconds)); } catch (err) { setError(toConsoleError(err)); }
  };
  const copy = async () => {
    try { await navigator.clipboard.writeText(share); } catch {
      // Clipboard API needs a secure context; plain http on a LAN falls back to a selection.
      const el = document.getElementById("share-url") as HTMLInputElement | null;
      el?.select(); document.execCommand("copy");
    }
    setCopied(true);
  };
  const download = async () => {
    try {
      const a = document.createElement("a");
      a.href = await s3.presign(bucket, objectKey, 300, true);
      a.download = objectKey.split("/").pop() ?? "download";
      document.body.append(a); a.click(); a.remove();
    } catch (err) { setError(toConsoleError(err)); }
  };
  const remove = async () => {
    if (!confirm(`Delete "${objectKey}"?`)) return;
    try {
      const failed = await s3.deleteObjects(bucket, [objectKey]);
      if (failed.length) throw new ConsoleError(failed[0].code, failed[0].message);
      onDeleted();
    } catch (err) { setError(toConsoleError(err)); }
  };

  return (
    <aside class="details" aria-labelledby="details-title">
      <div class="bar">
        <h3 id="details-title">{objectKey.split("/").pop()}</h3>
        <button type="button" class="link" onClick={onClose} aria-label="Close details">Close</button>
      </div>
      <ErrorBanner error={error} />
      <div class="tools">
        <button type="button" onClick={download}>Download</button>
        <button type="button" class="danger" disabled={readOnly !== undefined} title={readOnly} onClick={remove}>Delete</button>
      </div>
      {preview?.kind === "image" ? <img class="preview" src={preview.url} alt={`Preview of ${objectKey}`} /> : null}
      {preview?.kind === "pdf" ? <iframe class="preview preview-pdf" src={preview.url} title={`Preview of ${objectKey}`} /> : null}
      {preview?.kind === "audio" ? <audio class="preview" src={preview.url} controls preload="metadata" aria-label={`Preview of ${objectKey}`} /> : null}
      {preview?.kind === "video" ? <video class="preview" src={preview.url} controls preload="metadata" aria-label={`Preview of ${objectKey}`} /> : null}
      {preview?.kind === "text" ? <pre class="preview" tabIndex={0}>{preview.text}{preview.truncated ? "\n…" : ""}</pre> : null}
      <form class="inline share" onSubmit={makeLink}>
        <label for="expiry">Share link valid for</label>
        <select id="expiry" name="expiry">{EXPIRIES.map(([label, s]) => <option value={String(s)}>{label}</option>)}</select>
        <button type="submit">Create link</button>
      </form>
      {share ? (
        <div class="inline">
          <label for="share-url" class="sr-only">Share link</label>
          <input id="share-url" readOnly value={share} onFocus={(e: Event) => (e.target as HTMLInputElement).select()} />
          <button type="button" onClick={copy}>{copied ? "Copied" : "Copy"}</button>
        </div>
      ) : null}
      {info ? (
        <dl class="meta">
          {info.headers.filter(([k]) => /^(content-type|content-length|etag|last-modified|x-amz-version-id|x-amz-storage-class)$/.test(k)).map(([k, v]) => [<dt>{k}</dt>, <dd>{v}</dd>])}
          {info.meta.map(([k, v]) => [<dt>meta: {k}</dt>, <dd>{v}</dd>])}
          <dt>tags</dt><dd>{info.tags.length ? info.tags.map(([k, v]) => `${k}=${v}`).join(", ") : "none"}</dd>
        </dl>
      ) : <p class="muted">Loading…</p>}
    </aside>
  );
};
