/** @jsxImportSource hono/jsx/dom */
// Canned policies (admin sessions only): list, view the JSON, add one (checked before it is
// sent; the gateway validates it again), delete — list-canned-policies, add-canned-policy and
// remove-canned-policy, all plain JSON.
import { useEffect, useState } from "hono/jsx/dom";
import { type Admin, policyProblem } from "../admin.ts";
import { ConsoleError, toConsoleError } from "../errors.ts";
import { ErrorBanner } from "./error-banner.tsx";

const TEMPLATE = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::my-bucket/*"] }] }, null, 2);

export const Policies = ({ admin }: { admin: Admin }) => {
  const [policies, setPolicies] = useState<Record<string, unknown> | null>(null);
  const [shown, setShown] = useState("");
  const [error, setError] = useState<ConsoleError | null>(null);
  const [reload, setReload] = useState(0);
  const run = (f: () => Promise<unknown>) => { setError(null); return f().then(() => setReload((n) => n + 1), (e) => setError(toConsoleError(e))); };
  useEffect(() => {
    admin.listPolicies().then(setPolicies, (e) => setError(toConsoleError(e)));
  }, [reload]);

  const add = (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const data = new FormData(form);
    const name = String(data.get("name") ?? "").trim();
    const doc = String(data.get("document") ?? "");
    const problem = policyProblem(doc);
    if (problem) return setError(new ConsoleError("MalformedPolicy", problem));
    run(async () => {
      await admin.addPolicy(name, doc);
      form.reset();
      setShown(name);
    });
  };
  const remove = (name: string) => {
    if (confirm(`Delete the policy "${name}"?`)) run(() => admin.removePolicy(name));
  };
  const names = policies ? Object.keys(policies).sort() : [];

  return (
    <section aria-labelledby="policies-title">
      <div class="bar"><h2 id="policies-title">Policies</h2></div>
      <ErrorBanner error={error} onClose={() => setError(null)} />
      <div class="split">
        <div>
          {policies === null ? <p class="muted">Loading…</p> : (
            <table class="list">
              <thead><tr><th>Name</th><th><span class="sr-only">Actions</span></th></tr></thead>
              <tbody>
                {names.map((n) => (
                  <tr key={n} class={n === shown ? "current" : ""} data-policy={n}>
                    <td><button type="button" class="link" onClick={() => setShown(n === shown ? "" : n)} aria-expanded={n === shown}>{n}</button></td>
                    <td class="actions"><button type="button" class="danger" onClick={() => remove(n)} aria-label={`Delete policy ${n}`}>Delete</button></td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {shown && policies?.[shown] !== undefined ? (
            <div class="details" aria-label={`Policy ${shown}`}>
              <h3>{shown}</h3>
              <pre class="preview policy-json">{JSON.stringify(policies[shown], null, 2)}</pre>
            </div>
          ) : null}
        </div>
        <form class="details policy-form" onSubmit={add} aria-label="Add a policy">
          <h3>Add a policy</h3>
          <label for="policy-name">Name</label>
          <input id="policy-name" name="name" required pattern="[A-Za-z0-9_.\-+=,@]{1,128}" autocomplete="off" />
          <label for="policy-doc">Policy document (JSON)</label>
          <textarea id="policy-doc" name="document" rows={12} required spellcheck={false}>{TEMPLATE}</textarea>
          <button type="submit">Save policy</button>
        </form>
      </div>
    </section>
  );
};
