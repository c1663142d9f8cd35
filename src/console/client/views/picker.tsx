/** @jsxImportSource hono/jsx/dom */
// A list of names as removable tags plus a select to add one more: a user's or group's
// policies, a group's members. Labels are spelt out for screen readers (and the tests).
export interface PickerProps {
  id: string;
  items: string[];
  /** Everything that could be added; the items already there are left out. */
  choices: string[];
  removeLabel: (item: string) => string;
  selectLabel: string;
  addLabel: string;
  addText: string;
  onAdd: (item: string) => void;
  onRemove: (item: string) => void;
}

export const Picker = (p: PickerProps) => {
  const rest = p.choices.filter((c) => !p.items.includes(c));
  const submit = (e: Event) => {
    e.preventDefault();
    const v = String(new FormData(e.target as HTMLFormElement).get("item") ?? "");
    if (v) p.onAdd(v);
  };
  return (
    <div>
      <ul class="tags">
        {p.items.map((i) => (
          <li key={i}>{i} <button type="button" class="link" aria-label={p.removeLabel(i)} onClick={() => p.onRemove(i)}>×</button></li>
        ))}
      </ul>
      {rest.length ? (
        <form class="inline" onSubmit={submit}>
          <label class="sr-only" for={p.id}>{p.selectLabel}</label>
          <select id={p.id} name="item">{rest.map((c) => <option key={c} value={c}>{c}</option>)}</select>
          <button type="submit" aria-label={p.addLabel}>{p.addText}</button>
        </form>
      ) : null}
    </div>
  );
};
