/** @jsxImportSource hono/jsx/dom */
// Groups (admin sessions only): list, create with members (and a first policy), add and remove
// members, attach and detach policies, enable/disable, delete — the admin API's groups, group,
// update-group-members, set-group-status and idp/builtin/policy/attach|detach.
import { useEffect, useState } from "hono/jsx/dom";
import type { Admin, AdminGroup } from "../admin.ts";
import { type ConsoleError, toConsoleError } from "../errors.ts";
import { ErrorBanner } from "./error-banner.tsx";
import { Picker } from "./picker.tsx";

export const Groups = ({ admin }: { admin: Admin }) => {
  const [groups, setGroups] = useState<AdminGroup[] | null>(null);
  const [users, setUsers] = useState<string[]>([]);
  const [policies, setPolicies] = useState<string[]>([]);
  const [error, setError] = useState<ConsoleError | null>(null);
  const [reload, setReload] = useState(0);
  const run = (f: () => Promise<unknown>) => { setError(null); return f().then(() => setReload((n) => n + 1), (e) => setError(toConsoleError(e))); };
  useEffect(() => {
    admin.listGroups().then(setGroups, (e) => setError(toConsoleError(e)));
  }, [reload]);
  useEffect(() => {
    admin.listUsers().then((u) => setUsers(u.map((x) => x.accessKey)), (e) => setError(toConsoleError(e)));
    admin.listPolicies().then((p) => setPolicies(Object.keys(p).sort()), () => {});
  }, []);

  const create = (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const data = new FormData(form);
    const name = String(data.get("group") ?? "").trim();
    const members = data.getAll("members").map(String);
    const policy = String(data.get("policy") ?? "");
    run(async () => {
      await admin.addGroupMembers(name, members);
      if (policy) await admin.attachGroupPolicy(name, policy);
      form.reset();
    });
  };
  const remove = (g: AdminGroup) => {
    if (confirm(`Delete the group "${g.name}"?${g.members.length ? " Its members are removed from it first." : ""}`)) run(() => admin.removeGroup(g));
  };

  return (
    <section aria-labelledby="groups-title">
      <div class="bar"><h2 id="groups-title">Groups</h2></div>
      <ErrorBanner error={error} onClose={() => setError(null)} />
      <form class="inline" onSubmit={create} aria-label="Create a group">
        <label for="new-group">Group name</label>
        <input id="new-group" name="group" required maxLength={256} autocomplete="off" />
        <label for="new-group-members">Members</label>
        <select id="new-group-members" name="members" multiple size={Math.min(4, Math.max(2, users.length))}>
          {users.map((u) => <option key={u} value={u}>{u}</option>)}
        </select>
        <label for="new-group-policy">Policy</label>
        <select id="new-group-policy" name="policy">
          <option value="">(none)</option>
          {policies.map((p) => <option key={p} value={p}>{p}</option>)}
        </select>
        <button type="submit">Create group</button>
      </form>
      {groups === null ? <p class="muted">Loading…</p> : groups.length === 0 ? <p class="muted">No groups yet: create one above.</p> : (
        <table class="list">
          <thead><tr><th>Group</th><th>Status</th><th>Members</th><th>Policies</th><th><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {groups.map((g) => (
              <tr key={g.name} data-group={g.name}>
                <td>{g.name}</td>
                <td class="group-status">{g.status}</td>
                <td>
                  <Picker id={`member-${g.name}`} items={g.members} choices={users} selectLabel={`User to add to ${g.name}`}
                    addLabel={`Add member to ${g.name}`} addText="Add" removeLabel={(u) => `Remove ${u} from ${g.name}`}
                    onAdd={(u) => run(() => admin.addGroupMembers(g.name, [u]))} onRemove={(u) => run(() => admin.removeGroupMembers(g.name, [u]))} />
                </td>
                <td>
                  <Picker id={`gpolicy-${g.name}`} items={g.policies} choices={policies} selectLabel={`Policy to attach to group ${g.name}`}
                    addLabel={`Attach policy to group ${g.name}`} addText="Attach" removeLabel={(p) => `Detach ${p} from group ${g.name}`}
                    onAdd={(p) => run(() => admin.attachGroupPolicy(g.name, p))} onRemove={(p) => run(() => admin.detachGroupPolicy(g.name, p))} />
                </td>
                <td class="actions">
                  <button type="button" onClick={() => run(() => admin.setGroupStatus(g.name, g.status === "enabled" ? "disabled" : "enabled"))}
                    aria-label={`${g.status === "enabled" ? "Disable" : "Enable"} group ${g.name}`}>{g.status === "enabled" ? "Disable" : "Enable"}</button>{" "}
                  <button type="button" class="danger" onClick={() => remove(g)} aria-label={`Delete group ${g.name}`}>Delete</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
};
