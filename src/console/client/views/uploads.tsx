/** @jsxImportSource hono/jsx/dom */
import { formatBytes } from "../format.ts";
import type { UploadState } from "../upload.ts";
import { ErrorBanner } from "./error-banner.tsx";

export const Uploads = ({ uploads, onCancel, onResume, onClear }: { uploads: UploadState[]; onCancel: (id: number) => void; onResume: (id: number) => void; onClear: () => void }) =>
  uploads.length === 0 ? null : (
    <section class="uploads" aria-label="Uploads">
      <div class="bar"><h3>Uploads</h3><button type="button" class="link" onClick={onClear}>Clear finished</button></div>
      <ul>
        {uploads.map((u) => (
          <li key={String(u.id)} class={`upload ${u.status}`} data-key={u.key}>
            <span class="upload-name">{u.key}</span>
            <progress max={u.size || 1} value={u.loaded} aria-label={`Upload of ${u.key}`} />
            <span class="muted">{u.status === "uploading" ? `${formatBytes(u.loaded)} / ${formatBytes(u.size)}` : u.status}</span>
            {u.status === "uploading" ? <button type="button" onClick={() => onCancel(u.id)} aria-label={`Cancel upload of ${u.key}`}>Cancel</button> : null}
            {u.status === "failed" && u.uploadId ? <button type="button" onClick={() => onResume(u.id)} aria-label={`Resume upload of ${u.key}`}>Resume</button> : null}
            {u.error ? <ErrorBanner error={u.error} /> : null}
          </li>
        ))}
      </ul>
    </section>
  );
