/** @jsxImportSource hono/jsx/dom */
import { useEffect, useState } from "hono/jsx/dom";
import { type ConsoleError, toConsoleError } from "../errors.ts";
import { formatDate } from "../format.ts";
import { hrefFor } from "../route.ts";
import type { Bucket, S3 } from "../s3.ts";
import { ErrorBanner } from "./error-banner.tsx";

export const Buckets = ({ s3 }: { s3: S3 }) => {
  const [buckets, setBuckets] = useState<Bucket[] | null>(null);
  const [error, setError] = useState<ConsoleError | null>(null);
  const [reload, setReload] = useState(0);
  const run = (f: () => Promise<unknown>) => f().then(() => setReload((n) => n + 1), (e) => setError(toConsoleError(e)));
  useEffect(() => {
    s3.listBuckets().then(setBuckets, (e) => setError(toConsoleError(e)));
  }, [reload]);
  const create = (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const name = String(new FormData(form).get("bucket") ?? "").trim();
    setError(null);
    run(async () => {
      await s3.createBucket(name);
      form.reset();
    });
  };
  const remove = (name: string) => {
    if (!confirm(`Delete the bucket "${name}"? Only an empty bucket can be deleted.`)) return;
    setError(null);
    run(() => s3.deleteBucket(name));
  };
  return (
    <section aria-labelledby="buckets-title">
      <div class="bar">
        <h2 id="buckets-title">Buckets</h2>
        <form class="inline" onSubmit={create}>
          <label for="new-bucket" class="sr-only">New bucket name</label>
          <input id="new-bucket" name="bucket" placeholder="new-bucket-name" required pattern="[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]" />
          <button type="submit">Create bucket</button>
        </form>
      </div>
      <ErrorBanner error={error} onClose={() => setError(null)} />
      {buckets === null ? <p class="muted">Loading…</p> : buckets.length === 0 ? <p class="muted">No buckets yet: create one above.</p> : (
        <table class="list">
          <thead><tr><th>Name</th><th class="hide-narrow">Created</th><th><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {buckets.map((b) => (
              <tr key={b.name}>
                <td><a href={hrefFor(b.name)} class="bucket-link">{b.name}</a></td>
                <td class="hide-narrow">{formatDate(b.created)}</td>
                <td class="actions"><button type="button" class="danger" onClick={() => remove(b.name)} aria-label={`Delete bucket ${b.name}`}>Delete</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
};
