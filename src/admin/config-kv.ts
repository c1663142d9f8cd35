// `mc admin config get|set|reset ALIAS notify_<type>[:ID] …` and `config set ALIAS notify_<type>`
// (help): the server-config KV calls of specs/minio-admin.md §5.5, for the notify_* sub-systems.
// Targets are the TargetRegistry's stored targets (events/targets-kv.ts turns keys into one
// with the rules the MINIO_NOTIFY_* variables follow): persisted, and in effect at once on this
// node (other nodes and isolates see them at their next version check, or on first use).
import { AdminError } from "./errors.ts";
import type { AdminCtx, AdminHandler } from "./handlers.ts";
import { empty, json, signerSecret } from "./respond.ts";
import {
  allSubsystemsHelp, formatKvLine, kvOfTarget, NOTIFY_SUBSYSTEMS, parseKvLine, parseKvText, subsystem, subsystemHelp,
  targetFromKv, unknownSubsystem, type KvLine, type NotifySubsystem,
} from "../events/targets-kv.ts";
import type { RegisteredTarget } from "../events/target-registry.ts";

const enc = new TextEncoder();
const dec = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
const configError = (message: string) => new AdminError("XMinioConfigError", { message });

/** `help-config-kv?subSys=S&key=K[&env]` → 200 plain Help. */
export const helpConfigKV: AdminHandler = async (ctx) => {
  const subSys = ctx.query.get("subSys") ?? "";
  const key = ctx.query.get("key") ?? "";
  if (!subSys) return json(allSubsystemsHelp());
  const s = subsystem(subSys);
  if (!s) throw configError(unknownSubsystem(subSys)!);
  if (key && !s.keys.some((x) => x.key === key)) throw configError(`unknown key '${key}' for sub-system '${subSys}'`);
  return json(subsystemHelp(s, { key: key || undefined, env: ctx.query.has("env") }));
};

/** The decrypted text body (madmin's EncryptData under the signer's secret). */
async function decryptedText(ctx: AdminCtx): Promise<string> {
  const plain = await ctx.crypto.decrypt(await signerSecret(ctx), ctx.body);
  if (!plain) throw new AdminError("XMinioAdminConfigBadJSON", { message: "The request body could not be decrypted with the secret key that signed it." });
  try {
    return dec.decode(plain);
  } catch {
    throw new AdminError("XMinioAdminConfigBadJSON", { message: "The configuration is not UTF-8 text." });
  }
}

async function encryptedText(ctx: AdminCtx, text: string): Promise<Response> {
  const body = await ctx.crypto.encrypt(await signerSecret(ctx), enc.encode(text));
  return new Response(body as BodyInit, { headers: { "content-type": "application/octet-stream" } });
}

const keyOf = (s: NotifySubsystem, id: string) => `${id}:${s.type}`;

/** The sub-systems a `get` key names: one exactly, or every one it is a prefix of (`notify`). */
function subsystemsFor(name: string): NotifySubsystem[] {
  const exact = subsystem(name);
  if (exact) return [exact];
  const some = NOTIFY_SUBSYSTEMS.filter((s) => s.name.startsWith(name));
  if (some.length) return some;
  throw configError(unknownSubsystem(name)!);
}

function line(s: NotifySubsystem, id: string, r: RegisteredTarget | undefined): string {
  const text = formatKvLine(s.name, id, r ? kvOfTarget(r.target) : {}, !!r);
  // New MinIO marks what the environment sets; a `set` of such a target is refused.
  return r?.source === "env" ? `# ${s.name}${id === "_" ? "" : `:${id}`} is set by MINIO_NOTIFY_${s.env}_* environment variables\n${text}` : text;
}

/** `get-config-kv?key=notify_webhook[:ID]` → 200, the KV text encrypted. */
export const getConfigKV: AdminHandler = async (ctx) => {
  const key = (ctx.query.get("key") ?? "").trim();
  const [name, id, extra] = key.split(":");
  if (extra !== undefined) throw configError(`'${key}' must be <sub-system>[:<target>]`);
  const subs = subsystemsFor(name ?? "");
  const all = await ctx.deps.targets.list();
  const lines: string[] = [];
  for (const s of subs) {
    const mine = new Map(all.filter((r) => r.target.type === s.type).map((r) => [r.target.id, r]));
    if (id !== undefined) {
      const r = mine.get(id);
      if (!r && id !== "_") throw configError(`there is no target '${key}'`);
      lines.push(line(s, id, r));
      continue;
    }
    // The default target first (its defaults when never set), then every named one.
    lines.push(line(s, "_", mine.get("_")));
    for (const tid of [...mine.keys()].filter((x) => x !== "_").sort()) lines.push(line(s, tid, mine.get(tid)));
  }
  return encryptedText(ctx, lines.map((l) => `${l}\n`).join(""));
};

/** Applies the lines to the registry: all are checked first, then written (nothing half-applied by a bad line). */
async function apply(ctx: AdminCtx, lines: KvLine[], merge: (old: Record<string, string>, l: KvLine) => Record<string, string>) {
  const writes: { key: string; target: ReturnType<typeof targetFromKv> }[] = [];
  for (const l of lines) {
    const s = subsystem(l.subsys)!;
    const key = keyOf(s, l.id);
    const existing = await ctx.deps.targets.get(key);
    if (existing?.source === "env") throw configError(`${l.subsys}:${l.id} is configured by MINIO_NOTIFY_${s.env}_* environment variables and cannot be changed at run time`);
    const old = existing && "kv" in existing.target ? existing.target.kv ?? {} : {};
    const target = targetFromKv({ ...l, kv: merge(old, l) });
    if (typeof target === "string") throw configError(target);
    writes.push({ key, target });
  }
  for (const w of writes) {
    if (w.target && typeof w.target === "object") {
      const r = await ctx.deps.targets.put(w.target);
      if (!r.ok) throw configError(r.message);
    } else {
      // enable=off: the target is removed (its keys with it).
      const r = await ctx.deps.targets.remove(w.key);
      if (!r.ok && r.error !== "NoSuchTarget") throw configError(r.message);
    }
  }
}

/** Applied live: mc prints "Successfully applied new settings." instead of asking for a restart. */
const applied = () => {
  const res = empty();
  res.headers.set("x-minio-config-applied", "true");
  return res;
};

/** `set-config-kv`, enc `notify_webhook:1 endpoint=… queue_dir=…` (one or more lines) → 200. */
export const setConfigKV: AdminHandler = async (ctx) => {
  const lines = parseKvText(await decryptedText(ctx));
  if (typeof lines === "string") throw configError(lines);
  // Keys given overwrite the stored ones; the others stay (MinIO).
  await apply(ctx, lines, (old, l) => ({ ...old, ...l.kv }));
  return applied();
};

/**
 * `del-config-kv`, enc `notify_webhook:1` → the target removed (the default one back to its
 * defaults); `notify_webhook:1 key…` (mc admin config reset with keys) resets those keys only.
 */
export const delConfigKV: AdminHandler = async (ctx) => {
  const text = (await decryptedText(ctx)).trim();
  const [head, ...names] = text.split(/\s+/);
  const l = parseKvLine(head ?? "");
  if (typeof l === "string") throw configError(l);
  const s = subsystem(l.subsys)!;
  if (names.length) {
    const bad = names.find((n) => !s.keys.some((x) => x.key === n.replace(/=.*$/, "")));
    if (bad) throw configError(`unknown key '${bad}' for sub-system '${l.subsys}'`);
    const reset = new Set(names.map((n) => n.replace(/=.*$/, "")));
    const existing = await ctx.deps.targets.get(keyOf(s, l.id));
    if (!existing) return applied();
    await apply(ctx, [l], (old) => Object.fromEntries(Object.entries(old).filter(([k]) => !reset.has(k))));
    return applied();
  }
  const r = await ctx.deps.targets.remove(keyOf(s, l.id));
  if (!r.ok && r.error === "EnvTarget") throw configError(r.message);
  return applied();
};

/** No history is kept (targets are rows of the registry, replaced in place): say so, never pretend. */
export const configHistoryKV: AdminHandler = async () => {
  throw new AdminError("NotImplemented", { message: "s3edge keeps no configuration history: `mc admin config get` shows the current settings." });
};
