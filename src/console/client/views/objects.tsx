/** @jsxImportSource hono/jsx/dom */
import { useEffect, useRef, useState } from "hono/jsx/dom";
import { ConsoleError, toConsoleError } from "../errors.ts";
import type { AccountBucket, Admin } from "../admin.ts";
import { baseName, formatBytes, formatDate } from "../format.ts";
import { hrefFor } from "../route.ts";
import type { Listing, S3 } from "../s3.ts";
import { listUnfinished, startUpload, type Unfinished, type Upload, type UploadState } from "../upload.ts";
import { Details } from "./details.tsx";
import { ErrorBanner } from "./error-banner.tsx";
import { UnfinishedUploads } from "./unfinished.tsx";
import { Uploads } from "./uploads.tsx";

const Breadcrumbs = ({ bucket, prefix }: { bucket: string; prefix: string }) => {
  const parts = prefix.split("/").filter(Boolean);
  return (
    <nav aria-label="Breadcrumbs" class="crumbs">
      <a href={hrefFor("")}>Buckets</a> / <a href={hrefFor(bucket)}>{bucket}</a>
      {parts.map((p, i) => <span key={String(i)}> / <a href={hrefFor(bucket, parts.slice(0, i + 1).join("/") + "/")}>{p}</a></span>)}
    </nav>
  );
};

/**
 * accountinfo sizes up every bucket the caller may read; this view needs only the access flags,
 * so one answer serves a minute of browsing from bucket to bucket.
 */
const ACCESS_FOR_MS = 60_000;
const accessCache = new WeakMap<Admin, { at: number; buckets: Promise<AccountBucket[]> }>();
function accessOf(account: Admin): Promise<AccountBucket[]> {
  const hit = accessCache.get(account);
  if (hit && Date.now() - hit.at < ACCESS_FOR_MS) return hit.buckets;
  const buckets = account.accountBuckets();
  accessCache.set(account, { at: Date.now(), buckets });
  buckets.catch(() => accessCache.delete(account));
  return buckets;
}

/**
 * `account` (non-admins, once the admin probe has answered) tells, from accountinfo, whether the caller may
 * put objects here; where it may not, the buttons that change the bucket are disabled (the
 * server refuses them anyway). Unknown (no answer yet, or accountinfo failed) leaves them on.
 */
export const Objects = ({ s3, bucket, prefix, account }: { s3: S3; bucket: string; prefix: string; account: Admin | null }) => {
  const [filter, setFilter] = useState("");
  const [applied, setApplied] = useState("");
  // Continuation tokens of the pages before this one: one page (1,000 keys) is rendered at a time.
  const [tokens, setTokens] = useState<string[]>([]);
  const [listing, setListing] = useState<Listing | null>(null);
  const [error, setError] = useState<ConsoleError | null>(null);
  const [selected, setSelected] = useState<string[]>([]);
  const [detail, setDetail] = useState<string | null>(null);
  const [uploads, setUploads] = useState<UploadState[]>([]);
  const [reload, setReload] = useState(0);
  const [dragging, setDragging] = useState(false);
  const active = useRef(new Map<number, Upload>());
  // The files of this page's uploads, so a failed one resumes without choosing it again.
  const files = useRef(new Map<number, File>());
  const [unfinished, setUnfinished] = useState<Unfinished[]>([]);
  const fileInput = useRef<HTMLInputElement | null>(null);
  const folderInput = useRef<HTMLInputElement | null>(null);
  const [writable, setWritable] = useState(true);
  useEffect(() => {
    setWritable(true);
    if (!account) return;
    let live = true;
    accessOf(account).then((bs) => live && setWritable(bs.find((b) => b.name === bucket)?.access.write ?? true), () => {});
    return () => { live = false; };
  }, [bucket, account]);
  const readOnly = writable ? undefined : `Read-only: this account may not change the objects of ${bucket}`;

  // Back to page 1 — keeping the same empty array when already there, so no listing is refetched.
  const firstPage = () => setTokens((t) => (t.length ? [] : t));
  useEffect(() => { firstPage(); setSelected([]); setDetail(null); setFilter(""); setApplied(""); }, [bucket, prefix]);
  useEffect(() => { const t = setTimeout(() => { setApplied(filter); firstPage(); }, 250); return () => clearTimeout(t); }, [filter]);
  useEffect(() => { folderInput.current?.setAttribute("webkitdirectory", ""); }, []);
  useEffect(() => {
    let live = true;
    setListing(null);
    s3.list(bucket, prefix + applied, tokens[tokens.length - 1]).then((l) => live && setListing(l), (e) => live && setError(toConsoleError(e)));
    return () => { live = false; };
  }, [bucket, prefix, applied, tokens, reload]);
  // Someone who may not list uploads just does not see any.
  useEffect(() => {
    let live = true;
    listUnfinished(s3, bucket, prefix).then((u) => live && setUnfinished(u), () => live && setUnfinished([]));
    return () => { live = false; };
  }, [bucket, prefix, reload]);

  const refresh = () => setReload((n) => n + 1);
  const track = (key: string, f: File, resumeId?: string, replaces?: number) => {
    const u = startUpload(s3, bucket, key, f, (s) => {
      setUploads((all) => all.map((x) => (x.id === s.id ? s : x)));
      if (s.status !== "uploading") { active.current.delete(s.id); refresh(); }
    }, resumeId);
    active.current.set(u.state.id, u);
    files.current.set(u.state.id, f);
    if (replaces !== undefined) files.current.delete(replaces);
    setUploads((all) => [...all.filter((x) => x.id !== replaces), { ...u.state }]);
  };
  const upload = (list: FileList | File[]) => {
    for (const f of Array.from(list)) track(prefix + ((f as File & { webkitRelativePath?: string }).webkitRelativePath || f.name), f);
  };
  const resumeFailed = (id: number) => {
    const u = uploads.find((x) => x.id === id), f = files.current.get(id);
    if (u?.uploadId && f) track(u.key, f, u.uploadId, id);
  };
  const discard = (u: Unfinished) => {
    if (!confirm(`Discard the unfinished upload of "${u.key}"? Its parts are deleted.`)) return;
    s3.call("DELETE", s3.url(bucket, u.key, { uploadId: u.uploadId })).then(refresh, (e) => setError(toConsoleError(e)));
  };
  // This page's own uploads show in their list (a failed one with its Resume button).
  const known = new Set(uploads.map((u) => u.uploadId).filter(Boolean));
  const removeSelected = async () => {
    if (!confirm(`Delete ${selected.length} object(s)? This cannot be undone.`)) return;
    setError(null);
    try {
      const failed = await s3.deleteObjects(bucket, selected);
      if (failed.length) setError(new ConsoleError(failed[0].code, `${failed.length} object(s) not deleted; first: ${failed[0].key}: ${failed[0].message}`));
      setSelected([]);
      setDetail(null);
      refresh();
    } catch (e) {
      setError(toConsoleError(e));
    }
  };
  const newFolder = async (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const name = String(new FormData(form).get("folder") ?? "").trim().replace(/^\/+|\/+$/g, "");
    if (!name) return;
    try {
      await s3.createFolder(bucket, `${prefix}${name}/`);
      form.reset();
      refresh();
    } catch (err) {
      setError(toConsoleError(err));
    }
  };
  const toggle = (key: string) => setSelected((s) => (s.includes(key) ? s.filter((k) => k !== key) : [...s, key]));
  const keys = listing?.objects.map((o) => o.key).filter((k) => k !== prefix) ?? [];
  const allSelected = keys.length > 0 && keys.every((k) => selected.includes(k));

  return (
    <section
      class={`objects${dragging ? " dragging" : ""}`}
      aria-labelledby="objects-title"
      onDragOver={(e: DragEvent) => { e.preventDefault(); setDragging(true); }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e: DragEvent) => { e.preventDefault(); setDragging(false); if (writable && e.dataTransfer?.files.length) upload(e.dataTransfer.files); }}
    >
      <Breadcrumbs bucket={bucket} prefix={prefix} />
      <div class="bar">
        <h2 id="objects-title">{prefix ? prefix : bucket}</h2>
        <div class="tools">
          <label for="filter" class="sr-only">Filter by prefix</label>
          <input id="filter" type="search" placeholder="Filter by prefix" value={filter} onInput={(e: Event) => setFilter((e.target as HTMLInputElement).value)} />
          <button type="button" disabled={!writable} title={readOnly} onClick={() => fileInput.current?.click()}>Upload files</button>
          <button type="button" disabled={!writable} title={readOnly} onClick={() => folderInput.current?.click()} class="hide-narrow">Upload folder</button>
          <input ref={fileInput} id="upload-input" type="file" multiple hidden onChange={(e: Event) => { const t = e.target as HTMLInputElement; if (t.files) upload(t.files); t.value = ""; }} />
          <input ref={folderInput} type="file" multiple hidden onChange={(e: Event) => { const t = e.target as HTMLInputElement; if (t.files) upload(t.files); t.value = ""; }} />
          <button type="button" class="danger" disabled={selected.length === 0 || !writable} title={readOnly} onClick={removeSelected}>Delete selected{selected.length ? ` (${selected.length})` : ""}</button>
        </div>
      </div>
      <form class="inline" onSubmit={newFolder}>
        <label for="new-folder" class="sr-only">New folder name</label>
        <input id="new-folder" name="folder" placeholder="new folder name" required disabled={!writable} />
        <button type="submit" disabled={!writable} title={readOnly}>Create folder</button>
        <span class="muted hide-narrow">{writable ? "or drop files anywhere here" : "read-only: this account may look, not change"}</span>
      </form>
      <ErrorBanner error={error} onClose={() => setError(null)} />
      <Uploads uploads={uploads} onCancel={(id) => active.current.get(id)?.cancel()} onResume={resumeFailed} onClear={() => setUploads((all) => all.filter((u) => u.status === "uploading"))} />
      <UnfinishedUploads items={unfinished.filter((u) => !known.has(u.uploadId))} onResume={(u, f) => track(u.key, f, u.uploadId)} onDiscard={discard} />
      <div class="split">
        <div class="listing">
          {listing === null ? <p class="muted">Loading…</p> : (
            <table class="list">
              <thead>
                <tr>
                  <th class="check"><input type="checkbox" aria-label="Select all on this page" checked={allSelected} onChange={() => setSelected(allSelected ? [] : keys)} /></th>
                  <th>Name</th><th class="num">Size</th><th class="hide-narrow">Modified</th>
                </tr>
              </thead>
              <tbody>
                {listing.folders.map((f) => (
                  <tr key={f} class="folder">
                    <td class="check" />
                    <td colSpan={3}><a href={hrefFor(bucket, f)} class="folder-link">{baseName(f, prefix)}</a></td>
                  </tr>
                ))}
                {listing.objects.filter((o) => o.key !== prefix).map((o) => (
                  <tr key={o.key} class={detail === o.key ? "current" : ""}>
                    <td class="check"><input type="checkbox" aria-label={`Select ${o.key}`} checked={selected.includes(o.key)} onChange={() => toggle(o.key)} /></td>
                    <td><button type="button" class="link object-link" onClick={() => setDetail(o.key)}>{baseName(o.key, prefix)}</button></td>
                    <td class="num">{formatBytes(o.size)}</td>
                    <td class="hide-narrow">{formatDate(o.modified)}</td>
                  </tr>
                ))}
                {listing.folders.length + keys.length === 0 ? <tr><td /><td colSpan={3} class="muted">Empty{applied ? ` (no keys start with "${prefix + applied}")` : ""}: {writable ? "upload files or drop them here." : "nothing to show."}</td></tr> : null}
              </tbody>
            </table>
          )}
          <nav class="pager" aria-label="Pages">
            <button type="button" disabled={tokens.length === 0} onClick={() => setTokens((t) => t.slice(0, -1))}>Previous page</button>
            <span class="muted">Page {tokens.length + 1}</span>
            <button type="button" disabled={!listing?.next} onClick={() => listing?.next && setTokens((t) => [...t, listing.next as string])}>Next page</button>
          </nav>
        </div>
        {detail ? <Details s3={s3} bucket={bucket} objectKey={detail} readOnly={readOnly} onClose={() => setDetail(null)} onDeleted={() => { setDetail(null); refresh(); }} /> : null}
      </div>
    </section>
  );
};
