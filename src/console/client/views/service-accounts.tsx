/** @jsxImportSource hono/jsx/dom */
// Service accounts (access keys) of a user (admin sessions only): list, create — with an
// optional inline policy narrowing the user's rights and an optional expiry; the secret is
// shown this once —, enable/disable, delete: list-service-accounts, add-service-account,
// update-service-account and delete-service-account, encrypted both ways.
import { useEffect, useState } from "hono/jsx/dom";
import { type Admin, policyProblem, type ServiceAccount } from "../admin.ts";
import { ConsoleError, toConsoleError } from "../errors.ts";
import { formatDate } from "../format.ts";
import { ErrorBanner } from "./error-banner.tsx";

const EXPIRY: [string, number][] = [["Never", 0], ["1 day", 1], ["7 days", 7], ["30 days", 30], ["1 year", 365]];

export const ServiceAccounts = ({ admin }: { admin: Admin }) => {
  const [users, setUsers] = useState<string[] | null>(null);
  const [user, setUser] = useState("");
  const [accounts, setAccounts] = useState<ServiceAccount[] | null>(null);
  const [created, setCreated] = useState<{ accessKey: string; secretKey: string } | null>(null);
  const [error, setError] = useState<ConsoleError | null>(null);
  const [reload, setReload] = useState(0);
  const run = (f: () => Promise<unknown>) => { setError(null); return f().then(() => setReload((n) => n + 1), (e) => setError(toConsoleError(e))); };
  useEffect(() => {
    admin.listUsers().then((u) => {
      setUsers(u.map((x) => x.accessKey));
      setUser((cur) => cur || u[0]?.accessKey || "");
    }, (e) => setError(toConsoleError(e)));
  }, []);
  useEffect(() => {
    setAccounts(null);
    if (user) admin.listServiceAccounts(user).then(setAccounts, (e) => setError(toConsoleError(e)));
  }, [user, reload]);

  const create = (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const data = new FormData(form);
    const policyText = String(data.get("policy") ?? "").trim();
    const problem = policyText ? policyProblem(policyText) : "";
    if (problem) return setError(new ConsoleError("MalformedPolicy", problem));
    const days = Number(data.get("expiry") ?? 0);
    const name = String(data.get("name") ?? "").trim();
    setCreated(null);
    run(async () => {
      setCreated(await admin.addServiceAccount({
        targetUser: user,
        ...(policyText ? { policy: JSON.parse(policyText) } : {}),
        ...(days ? { expiration: new Date(Date.now() + days * 86_400_000).toISOString() } : {}),
        ...(name ? { name } : {}),
      }));
      form.reset();
    });
  };
  const remove = (ak: string) => {
    if (confirm(`Delete the access key "${ak}"? Programs using it stop working.`)) run(() => admin.removeServiceAccount(ak));
  };

  return (
    <section aria-labelledby="keys-title">
      <div class="bar">
        <h2 id="keys-title">Service accounts</h2>
        <div class="inline">
          <label for="keys-user">User</label>
          <select id="keys-user" value={user} onChange={(e: Event) => { setCreated(null); setUser((e.target as HTMLSelectElement).value); }}>
            {(users ?? []).map((u) => <option key={u} value={u} selected={u === user}>{u}</option>)}
          </select>
        </div>
      </div>
      <ErrorBanner error={error} onClose={() => setError(null)} />
      {created ? (
        <div class="details secret" role="status" aria-label="New access key">
          <strong>Copy the secret key now: it is not shown again.</strong>
          <dl class="meta">
            <dt>Access key</dt><dd class="new-access-key">{created.accessKey}</dd>
            <dt>Secret key</dt><dd class="new-secret-key">{created.secretKey}</dd>
          </dl>
          <button type="button" onClick={() => navigator.clipboard.writeText(created.secretKey).catch(() => {})}>Copy secret</button>{" "}
          <button type="button" class="link" onClick={() => setCreated(null)}>Done</button>
        </div>
      ) : null}
      {users !== null && users.length === 0 ? <p class="muted">Service accounts belong to a user: add a user first.</p> : (
        <div class="split">
          <div>
            {accounts === null ? <p class="muted">Loading…</p> : accounts.length === 0 ? <p class="muted">No service accounts for {user} yet.</p> : (
              <table class="list">
                <thead><tr><th>Access key</th><th>Status</th><th class="hide-narrow">Policy</th><th class="hide-narrow">Expires</th><th><span class="sr-only">Actions</span></th></tr></thead>
                <tbody>
                  {accounts.map((a) => (
                    <tr key={a.accessKey} data-key={a.accessKey}>
                      <td>{a.accessKey}{a.name ? <span class="muted"> {a.name}</span> : null}</td>
                      <td class="key-status">{a.accountStatus === "on" ? "enabled" : "disabled"}</td>
                      <td class="hide-narrow">{a.impliedPolicy ? "the user's" : "its own"}</td>
                      <td class="hide-narrow">{a.expiration && Date.parse(a.expiration) > 0 ? formatDate(a.expiration) : "never"}</td>
                      <td class="actions">
                        <button type="button" onClick={() => run(() => admin.setServiceAccountStatus(a.accessKey, a.accountStatus !== "on"))}
                          aria-label={`${a.accountStatus === "on" ? "Disable" : "Enable"} key ${a.accessKey}`}>{a.accountStatus === "on" ? "Disable" : "Enable"}</button>{" "}
                        <button type="button" class="danger" onClick={() => remove(a.accessKey)} aria-label={`Delete key ${a.accessKey}`}>Delete</button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </div>
          <form class="details policy-form" onSubmit={create} aria-label="Create an access key">
            <h3>New access key for {user}</h3>
            <label for="key-name">Name (optional)</label>
            <input id="key-name" name="name" maxLength={32} autocomplete="off" />
            <label for="key-expiry">Expires</label>
            <select id="key-expiry" name="expiry">{EXPIRY.map(([l, d]) => <option key={l} value={String(d)}>{l}</option>)}</select>
            <label for="key-policy">Policy (JSON, optional: narrows the user's rights)</label>
            <textarea id="key-policy" name="policy" rows={6} spellcheck={false} placeholder="empty: the user's own policies" />
            <button type="submit" disabled={!user}>Create access key</button>
          </form>
        </div>
      )}
    </section>
  );
};
