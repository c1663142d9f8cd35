/** @jsxImportSource hono/jsx/dom */
// Users (admin sessions only): list, add, enable/disable, delete, attach and detach a policy,
// over the admin API's list-users, add-user, set-user-status, remove-user and
// idp/builtin/policy/attach|detach; the effective access adds its enabled groups' policies.
import { useEffect, useState } from "hono/jsx/dom";
import { type Admin, type AdminGroup, type AdminUser, effectivePolicies } from "../admin.ts";
import { type ConsoleError, toConsoleError } from "../errors.ts";
import { ErrorBanner } from "./error-banner.tsx";
import { Picker } from "./picker.tsx";

export const Users = ({ admin }: { admin: Admin }) => {
  const [users, setUsers] = useState<AdminUser[] | null>(null);
  const [policies, setPolicies] = useState<string[]>([]);
  const [groups, setGroups] = useState<AdminGroup[]>([]);
  const [error, setError] = useState<ConsoleError | null>(null);
  const [reload, setReload] = useState(0);
  const run = (f: () => Promise<unknown>) => { setError(null); return f().then(() => setReload((n) => n + 1), (e) => setError(toConsoleError(e))); };
  useEffect(() => {
    admin.listUsers().then(setUsers, (e) => setError(toConsoleError(e)));
    admin.listPolicies().then((p) => setPolicies(Object.keys(p).sort()), () => {});
    admin.listGroups().then(setGroups, () => {});
  }, [reload]);

  const add = (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const data = new FormData(form);
    const accessKey = String(data.get("accessKey") ?? "").trim();
    const secretKey = String(data.get("secretKey") ?? "");
    run(async () => {
      await admin.addUser(accessKey, secretKey);
      form.reset();
    });
  };
  const remove = (user: string) => {
    if (confirm(`Delete the user "${user}"? Its service accounts go with it.`)) run(() => admin.removeUser(user));
  };

  return (
    <section aria-labelledby="users-title">
      <div class="bar">
        <h2 id="users-title">Users</h2>
        <form class="inline" onSubmit={add} aria-label="Add a user">
          <label for="new-user">Access key</label>
          <input id="new-user" name="accessKey" required minLength={3} maxLength={128} autocomplete="off" />
          <label for="new-user-secret">Secret key</label>
          <input id="new-user-secret" name="secretKey" type="password" required minLength={8} maxLength={40} autocomplete="new-password" />
          <button type="submit">Add user</button>
        </form>
      </div>
      <ErrorBanner error={error} onClose={() => setError(null)} />
      {users === null ? <p class="muted">Loading (the answer is encrypted; the first one takes a few seconds)…</p> : users.length === 0 ? <p class="muted">No users yet: add one above.</p> : (
        <table class="list">
          <thead><tr><th>Access key</th><th>Status</th><th>Policies</th><th class="hide-narrow">Groups</th><th title="Its own policies and those of its enabled groups">Effective access</th><th><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.accessKey} data-user={u.accessKey}>
                <td>{u.accessKey}</td>
                <td class="user-status">{u.status}</td>
                <td>
                  <Picker id={`attach-${u.accessKey}`} items={u.policies} choices={policies} selectLabel={`Policy to attach to ${u.accessKey}`}
                    addLabel={`Attach policy to ${u.accessKey}`} addText="Attach" removeLabel={(p) => `Detach ${p} from ${u.accessKey}`}
                    onAdd={(p) => run(() => admin.attachPolicy(u.accessKey, p))} onRemove={(p) => run(() => admin.detachPolicy(u.accessKey, p))} />
                </td>
                <td class="hide-narrow">{u.memberOf.join(", ")}</td>
                <td class="effective">{effectivePolicies(u, groups).join(", ")}</td>
                <td class="actions">
                  <button type="button" onClick={() => run(() => admin.setUserStatus(u.accessKey, u.status === "enabled" ? "disabled" : "enabled"))}
                    aria-label={`${u.status === "enabled" ? "Disable" : "Enable"} ${u.accessKey}`}>{u.status === "enabled" ? "Disable" : "Enable"}</button>{" "}
                  <button type="button" class="danger" onClick={() => remove(u.accessKey)} aria-label={`Delete user ${u.accessKey}`}>Delete</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
};
