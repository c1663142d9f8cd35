/** @jsxImportSource hono/jsx/dom */
import { useEffect, useState } from "hono/jsx/dom";
import { type ConsoleError, toConsoleError } from "../errors.ts";
import type { Admin, DataUsage } from "../admin.ts";
import { GlanceCells } from "./bucket-glance.tsx";
import { formatBytes, formatDate } from "../format.ts";
import { hrefFor } from "../route.ts";
import type { Bucket, S3 } from "../s3.ts";
import type { Session } from "../session.ts";
import { Dashboard } from "./dashboard.tsx";
import { ErrorBanner } from "./error-banner.tsx";

/** Objects and bytes of a bucket, or null where the caller may not read it. */
type Count = { objects: number; size: number } | null;

/**
 * `admin` (admin sessions only) adds the dashboard, and the counts come from datausageinfo;
 * anyone else's from accountinfo (`account`: the buckets it may read; null until the admin
 * probe has answered, so an admin's buckets are not counted twice). Each row also shows the
 * bucket at a glance (bucket-glance.tsx).
 */
export const Buckets = ({ s3, admin, account, session }: { s3: S3; admin: Admin | null; account: Admin | null; session: Session }) => {
  const [buckets, setBuckets] = useState<Bucket[] | null>(null);
  const [error, setError] = useState<ConsoleError | null>(null);
  const [reload, setReload] = useState(0);
  const run = (f: () => Promise<unknown>) => f().then(() => setReload((n) => n + 1), (e) => setError(toConsoleError(e)));
  const [usage, setUsage] = useState<DataUsage | null>(null);
  const [counts, setCounts] = useState<Record<string, Count> | null>(null);
  const [countsError, setCountsError] = useState<ConsoleError | null>(null);
  useEffect(() => {
    s3.listBuckets().then(setBuckets, (e) => setError(toConsoleError(e)));
  }, [reload]);
  useEffect(() => {
    setCountsError(null);
    if (!account) return; // the admin probe has not answered yet
    let live = true;
    if (admin) {
      admin.dataUsage().then((u) => {
        if (!live) return;
        setUsage(u);
        setCounts(Object.fromEntries(Object.entries(u.bucketsUsageInfo).map(([n, b]) => [n, { objects: b.objectsCount, size: b.size }])));
      }, (e) => setError(toConsoleError(e)));
    } else {
      account.accountBuckets().then((bs) => live && setCounts(Object.fromEntries(bs.map((b) => [b.name, b.access.read ? { objects: b.objects, size: b.size } : null]))),
        (e) => live && setCountsError(toConsoleError(e)));
    }
    return () => { live = false; };
  }, [reload, admin, account]);
  // "…" while counting, "—" where the caller may not read the bucket (or could not be told).
  const usageOf = (name: string, f: (u: NonNullable<Count>) => string) => {
    if (countsError) return "—";
    if (!counts) return "…";
    const u = counts[name];
    return u === null ? "—" : f(u ?? { objects: 0, size: 0 });
  };
  const countsTitle = countsError ? `${countsError.code}: ${countsError.message}` : undefined;
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
      {admin ? <Dashboard usage={usage} session={session} reload={reload} /> : null}
      <ErrorBanner error={error} onClose={() => setError(null)} />
      {buckets === null ? <p class="muted">Loading…</p> : buckets.length === 0 ? <p class="muted">No buckets yet: create one above.</p> : (
        <table class="list">
          <thead><tr><th>Name</th><th class="num">Objects</th><th class="num">Size</th><th class="hide-narrow">Versioning</th><th class="hide-narrow">Anonymous</th><th class="hide-narrow num">Event rules</th><th class="hide-narrow">Created</th><th><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {buckets.map((b) => (
              <tr key={b.name} data-bucket={b.name}>
                <td><a href={hrefFor(b.name)} class="bucket-link">{b.name}</a></td>
                <td class="num bucket-objects" title={countsTitle}>{usageOf(b.name, (u) => u.objects.toLocaleString("en"))}</td>
                <td class="num bucket-size" title={countsTitle}>{usageOf(b.name, (u) => formatBytes(u.size))}</td>
                <GlanceCells s3={s3} bucket={b.name} />
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
