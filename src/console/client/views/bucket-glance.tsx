/** @jsxImportSource hono/jsx/dom */
// A bucket "at a glance" in the bucket list: versioning, anonymous access (mc anonymous get's
// level, from the bucket policy) and the number of event rules — asked for only once its row is
// on screen, three GETs per bucket. A figure the caller may not read shows "—" (AccessDenied),
// another failure its code. The anonymous cell also sets a level, as mc anonymous set does.
import { useEffect, useRef, useState } from "hono/jsx/dom";
import { setAnonymous, type Level } from "../anonymous.ts";
import { type ConsoleError, hintFor, toConsoleError } from "../errors.ts";
import type { BucketGlance, Glanced, S3 } from "../s3.ts";

const LEVELS: Level[] = ["none", "download", "upload", "public"];

/**
 * "Set…": a level for the bucket or one prefix. Reads the policy, replaces only that prefix's
 * canned anonymous statements (anonymous.ts), puts it back — or deletes it when nothing is left.
 */
const AnonymousControl = ({ s3, bucket, current, onSet }: { s3: S3; bucket: string; current: string; onSet: () => void }) => {
  const [error, setError] = useState<ConsoleError | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = (e: Event) => {
    e.preventDefault();
    const data = new FormData(e.target as HTMLFormElement);
    const prefix = String(data.get("prefix") ?? "").replace(/^\/+/, "");
    const level = String(data.get("level")) as Level;
    setError(null);
    setBusy(true);
    (async () => {
      const policy = await s3.getPolicy(bucket);
      await s3.putPolicy(bucket, { Version: policy?.Version ?? "2012-10-17", Statement: setAnonymous(policy?.Statement ?? [], bucket, prefix, level) });
    })().then(onSet, (x) => setError(toConsoleError(x))).finally(() => setBusy(false));
  };
  const id = `anon-${bucket}`;
  return (
    <details class="anon-set">
      <summary aria-label={`Set anonymous access of ${bucket}`}>Set…</summary>
      <form class="inline" onSubmit={submit}>
        <label for={`${id}-prefix`}>Prefix</label>
        <input id={`${id}-prefix`} name="prefix" placeholder="whole bucket" size={12} />
        <label for={`${id}-level`}>Access</label>
        <select id={`${id}-level`} name="level">
          {LEVELS.map((l) => <option value={l} selected={l === current}>{l}</option>)}
        </select>
        <button type="submit" disabled={busy}>Set</button>
        {error ? <span class="error-code" role="alert" title={error.message}>{error.code}</span> : null}
      </form>
    </details>
  );
};

/** A figure's content and, for an error, its readable explanation (the cell's title). */
function shown<T>(g: Glanced<T> | undefined, show: (v: T) => string): { body: unknown; title?: string } {
  if (!g) return { body: <span class="muted">…</span> };
  if ("value" in g) return { body: show(g.value) };
  const hint = hintFor(g.error.code);
  const title = `${g.error.code}: ${g.error.message}${hint ? ` — ${hint}` : ""}`;
  return { title, body: g.error.code === "AccessDenied" ? <span class="muted" aria-label={`Not allowed: ${title}`}>—</span> : <span class="error-code">{g.error.code}</span> };
}

export const GlanceCells = ({ s3, bucket }: { s3: S3; bucket: string }) => {
  const [g, setG] = useState<BucketGlance | null>(null);
  const ref = useRef<HTMLTableCellElement | null>(null);
  useEffect(() => {
    const el = ref.current;
    let live = true;
    const load = () => s3.glance(bucket).then((x) => live && setG(x));
    if (!el || typeof IntersectionObserver === "undefined") { load(); return () => { live = false; }; }
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) { io.disconnect(); load(); }
    });
    io.observe(el);
    return () => { live = false; io.disconnect(); };
  }, [bucket]);
  const v = shown(g?.versioning, String), a = shown(g?.anonymous, String), r = shown(g?.rules, String);
  const anon = g && "value" in g.anonymous ? g.anonymous.value : null;
  return (
    <>
      <td ref={ref} class="hide-narrow bucket-versioning" title={v.title}>{v.body}</td>
      <td class="hide-narrow bucket-anonymous" title={a.title}>
        <span class="anon-level">{a.body}</span>
        {anon ? <AnonymousControl s3={s3} bucket={bucket} current={LEVELS.includes(anon as Level) ? anon : "none"} onSet={() => s3.glance(bucket).then(setG)} /> : null}
      </td>
      <td class="hide-narrow num bucket-rules" title={r.title}>{r.body}</td>
    </>
  );
};
