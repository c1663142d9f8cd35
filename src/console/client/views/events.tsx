/** @jsxImportSource hono/jsx/dom */
// Notification targets and bucket event rules (admin sessions only). Targets are the server
// config KV of `mc admin config get|set|reset ALIAS notify_*` (get/set/del-config-kv,
// encrypted); a bucket's rules are its S3 notification configuration (GET/PUT ?notification),
// each rule sending some events of some keys to one target's ARN.
import { useEffect, useState } from "hono/jsx/dom";
import type { Admin, NotifyTarget } from "../admin.ts";
import { type ConsoleError, toConsoleError } from "../errors.ts";
import type { EventRule, S3 } from "../s3.ts";
import { ErrorBanner } from "./error-banner.tsx";

// What each sub-system needs, as an example line (the gateway checks the keys again).
const EXAMPLES: Record<string, string> = {
  notify_webhook: "endpoint=https://example.com/hook auth_token=",
  notify_redis: "address=127.0.0.1:6379 key=bucketevents format=namespace",
  notify_postgres: "connection_string=postgres://user:pass@host/db table=events format=namespace",
  notify_mysql: "dsn_string=user:pass@tcp(host:3306)/db table=events format=namespace",
  notify_amqp: "url=amqp://user:pass@host:5672 exchange=events exchange_type=fanout",
};
const EVENTS: [string, string][] = [["s3:ObjectCreated:*", "Created"], ["s3:ObjectRemoved:*", "Removed"], ["s3:ObjectAccessed:*", "Accessed"]];
// Settings that carry credentials are not shown back.
const SECRET = /token|password|client_key|connection_string|dsn_string/;
const shown = ([k, v]: [string, string]) => `${k}=${SECRET.test(k) ? "••••" : v.replace(/\/\/[^/@]*@/, "//••••@")}`;

export const Events = ({ admin, s3 }: { admin: Admin; s3: S3 }) => {
  const [targets, setTargets] = useState<NotifyTarget[] | null>(null);
  const [buckets, setBuckets] = useState<string[]>([]);
  const [bucket, setBucket] = useState("");
  const [rules, setRules] = useState<EventRule[] | null>(null);
  const [subsys, setSubsys] = useState("notify_webhook");
  const [error, setError] = useState<ConsoleError | null>(null);
  const [reload, setReload] = useState(0);
  const run = (f: () => Promise<unknown>) => { setError(null); return f().then(() => setReload((n) => n + 1), (e) => setError(toConsoleError(e))); };
  useEffect(() => {
    admin.listTargets().then(setTargets, (e) => setError(toConsoleError(e)));
  }, [reload]);
  useEffect(() => {
    s3.listBuckets().then((b) => { setBuckets(b.map((x) => x.name)); setBucket((cur) => cur || b[0]?.name || ""); }, (e) => setError(toConsoleError(e)));
  }, []);
  useEffect(() => {
    setRules(null);
    if (bucket) s3.getEventRules(bucket).then(setRules, (e) => setError(toConsoleError(e)));
  }, [bucket, reload]);

  const addTarget = (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const data = new FormData(form);
    const id = String(data.get("id") ?? "").trim();
    run(async () => {
      await admin.setTarget(`${subsys}:${id} ${String(data.get("settings") ?? "").trim()}`);
      form.reset();
    });
  };
  const removeTarget = (t: NotifyTarget) => {
    if (confirm(`Remove the target ${t.subsys}:${t.id}? Bucket rules that name it stop delivering.`)) run(() => admin.removeTarget(t));
  };
  const addRule = (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const data = new FormData(form);
    const prefix = String(data.get("prefix") ?? ""), suffix = String(data.get("suffix") ?? "");
    const rule: EventRule = { arn: String(data.get("arn") ?? ""), events: data.getAll("events").map(String), ...(prefix ? { prefix } : {}), ...(suffix ? { suffix } : {}) };
    run(async () => {
      await s3.putEventRules(bucket, [...(rules ?? []), rule]);
      // Not form.reset(): the event boxes keep what was ticked.
      for (const n of ["prefix", "suffix"]) (form.elements.namedItem(n) as HTMLInputElement).value = "";
    });
  };
  const removeRule = (i: number) => run(() => s3.putEventRules(bucket, (rules ?? []).filter((_, j) => j !== i)));

  return (
    <section aria-labelledby="events-title">
      <div class="bar"><h2 id="events-title">Events</h2></div>
      <ErrorBanner error={error} onClose={() => setError(null)} />
      <h3>Notification targets</h3>
      {targets === null ? <p class="muted">Loading (the answer is encrypted)…</p> : targets.length === 0 ? <p class="muted">No targets yet: add one below.</p> : (
        <table class="list">
          <thead><tr><th>Target</th><th>ARN</th><th class="hide-narrow">Settings</th><th><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {targets.map((t) => (
              <tr key={t.arn} data-target={`${t.subsys}:${t.id}`}>
                <td>{t.subsys}:{t.id}</td>
                <td><code>{t.arn}</code></td>
                <td class="hide-narrow muted">{t.kv.map(shown).join(" ")}</td>
                <td class="actions">
                  {t.env ? <span class="muted">set by the environment</span>
                    : <button type="button" class="danger" onClick={() => removeTarget(t)} aria-label={`Remove target ${t.subsys}:${t.id}`}>Remove</button>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form class="inline" onSubmit={addTarget} aria-label="Add a target">
        <label for="target-type">Type</label>
        <select id="target-type" value={subsys} onChange={(e: Event) => setSubsys((e.target as HTMLSelectElement).value)}>
          {Object.keys(EXAMPLES).map((k) => <option key={k} value={k} selected={k === subsys}>{k.slice(7)}</option>)}
        </select>
        <label for="target-id">Target name</label>
        <input id="target-id" name="id" required pattern="[A-Za-z0-9_\-]{1,64}" size={8} autocomplete="off" />
        <label for="target-settings">Settings</label>
        <input id="target-settings" name="settings" required size={40} placeholder={EXAMPLES[subsys]} autocomplete="off" />
        <button type="submit">Add target</button>
      </form>

      <div class="bar">
        <h3>Bucket event rules</h3>
        <div class="inline">
          <label for="rules-bucket">Bucket</label>
          <select id="rules-bucket" value={bucket} onChange={(e: Event) => setBucket((e.target as HTMLSelectElement).value)}>
            {buckets.map((b) => <option key={b} value={b} selected={b === bucket}>{b}</option>)}
          </select>
        </div>
      </div>
      {!bucket ? <p class="muted">No buckets yet.</p> : rules === null ? <p class="muted">Loading…</p> : (
        <table class="list">
          <thead><tr><th>Target</th><th>Events</th><th>Prefix</th><th>Suffix</th><th><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {rules.length === 0 ? <tr><td colSpan={5} class="muted">No rules: this bucket sends no notifications.</td></tr> : null}
            {rules.map((r, i) => (
              <tr key={`${i}`} class="event-rule">
                <td><code>{r.arn}</code></td>
                <td>{r.events.join(", ")}</td>
                <td>{r.prefix ?? ""}</td>
                <td>{r.suffix ?? ""}</td>
                <td class="actions"><button type="button" class="danger" onClick={() => removeRule(i)} aria-label={`Remove rule ${i + 1}`}>Remove</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {bucket && targets?.length ? (
        <form class="inline" onSubmit={addRule} aria-label="Add an event rule">
          <label for="rule-arn">Send to</label>
          <select id="rule-arn" name="arn">{targets.map((t) => <option key={t.arn} value={t.arn}>{t.subsys.slice(7)}:{t.id}</option>)}</select>
          {EVENTS.map(([v, l]) => <label key={v}><input type="checkbox" name="events" value={v} checked={v !== "s3:ObjectAccessed:*"} /> {l}</label>)}
          <label for="rule-prefix">Prefix</label>
          <input id="rule-prefix" name="prefix" size={10} autocomplete="off" />
          <label for="rule-suffix">Suffix</label>
          <input id="rule-suffix" name="suffix" size={8} autocomplete="off" />
          <button type="submit">Add rule</button>
        </form>
      ) : null}
    </section>
  );
};
