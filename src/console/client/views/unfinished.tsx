/** @jsxImportSource hono/jsx/dom */
// Unfinished multipart uploads under this prefix (ListMultipartUploads): a failed upload, here or
// before a reload, resumes once the same file is chosen again (the browser cannot reopen it by
// itself); Discard aborts it and frees its parts.
import { formatDate } from "../format.ts";
import type { Unfinished } from "../upload.ts";

export const UnfinishedUploads = ({ items, onResume, onDiscard }: { items: Unfinished[]; onResume: (u: Unfinished, f: File) => void; onDiscard: (u: Unfinished) => void }) =>
  items.length === 0 ? null : (
    <section class="uploads unfinished" aria-label="Unfinished uploads">
      <div class="bar"><h3>Unfinished uploads</h3><span class="muted">choose the same file again to send only the missing parts</span></div>
      <ul>
        {items.map((u) => (
          <li key={u.uploadId} class="upload" data-key={u.key}>
            <span class="upload-name">{u.key}</span>
            <span class="muted hide-narrow">started {formatDate(u.initiated)}</span>
            {/* A real button (keyboard reachable) opens the hidden chooser next to it. */}
            <button type="button" onClick={(e: Event) => ((e.currentTarget as HTMLElement).nextElementSibling as HTMLInputElement | null)?.click()}>Resume…</button>
            <input type="file" hidden aria-label={`Resume upload of ${u.key}`} onChange={(e: Event) => { const t = e.target as HTMLInputElement; const f = t.files?.[0]; t.value = ""; if (f) onResume(u, f); }} />
            <button type="button" class="danger" onClick={() => onDiscard(u)} aria-label={`Discard upload of ${u.key}`}>Discard</button>
          </li>
        ))}
      </ul>
    </section>
  );
