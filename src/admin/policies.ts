// Canned policies and their mapping (specs/minio-admin.md §5.3): add (plain JSON body),
// remove, list, info (raw document, or PolicyInfo with ?v=2), the 2021 set-user-or-group-policy
// (the complete new list), the 2023+ attach/detach (201/204) and policy-entities.
import type { IamPolicy, PolicyEntity } from "../iam/store.ts";
import { parsePolicy, PolicyError } from "../iam/policy-document.ts";
import { AdminError } from "./errors.ts";
import type { AdminCtx, AdminHandler } from "./handlers.ts";
import { committed, decryptedJson, empty, encryptedJson, field, jsonText, param, rfc3339, splitNames, stringList } from "./respond.ts";

const dec = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

async function requirePolicy(ctx: AdminCtx, name: string): Promise<IamPolicy> {
  const p = await ctx.deps.iam.getPolicy(name);
  if (!p) throw new AdminError("XMinioAdminNoSuchPolicy", { message: `The canned policy '${name}' does not exist.` });
  return p;
}

/** The statements of a user's own policies and of its enabled groups', as one document (an implied service-account policy). */
export async function mergedPolicyOf(ctx: AdminCtx, user: string): Promise<string> {
  const u = await ctx.deps.iam.getUser(user);
  const names = new Set(u?.policies ?? []);
  for (const g of u?.memberOf ?? []) {
    const group = await ctx.deps.iam.getGroup(g);
    if (group?.status === "enabled") for (const p of group.policies) names.add(p);
  }
  const statements: unknown[] = [];
  for (const n of names) {
    const p = await ctx.deps.iam.getPolicy(n);
    if (!p) continue;
    const st = (JSON.parse(p.document) as { Statement?: unknown }).Statement;
    statements.push(...(Array.isArray(st) ? st : st === undefined ? [] : [st]));
  }
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

export const addCannedPolicy: AdminHandler = async (ctx) => {
  const name = param(ctx, "name");
  if (ctx.body.length === 0) throw new AdminError("MissingContentLength", { message: "The policy document is empty." });
  let text: string;
  try {
    text = dec.decode(ctx.body);
    const v = JSON.parse(text);
    if (!v || typeof v !== "object" || Array.isArray(v)) throw new Error();
    if (v.Version === undefined || v.Version === "") throw new AdminError("MalformedPolicy", { message: "The policy has no Version." });
    parsePolicy(v, "identity");
  } catch (e) {
    if (e instanceof AdminError) throw e;
    throw new AdminError("XMinioMalformedIAMPolicy", { message: e instanceof PolicyError ? e.message : "The policy is not a JSON object." });
  }
  committed(await ctx.deps.iam.putPolicy(name, text));
  return empty();
};

export const removeCannedPolicy: AdminHandler = async (ctx) => {
  committed(await ctx.deps.iam.deletePolicy(param(ctx, "name")));
  return empty();
};

export const listCannedPolicies: AdminHandler = async (ctx) => {
  // Stored documents are JSON already: spliced in as they are.
  const entries = (await ctx.deps.iam.listPolicies()).map((p) => `${JSON.stringify(p.name)}:${p.document}`);
  return jsonText(`{${entries.join(",")}}`);
};

export const infoCannedPolicy: AdminHandler = async (ctx) => {
  const p = await requirePolicy(ctx, param(ctx, "name"));
  const v = ctx.query.get("v");
  if (v === null || v === "") return jsonText(p.document);
  if (v !== "2") throw new AdminError("XMinioAdminInvalidArgument", { message: `Unsupported version '${v}' of the policy info.` });
  const dates = p.createdAt !== undefined
    ? `,"CreateDate":${JSON.stringify(rfc3339(p.createdAt))},"UpdateDate":${JSON.stringify(rfc3339(p.updatedAt ?? p.createdAt))}` : "";
  return jsonText(`{"PolicyName":${JSON.stringify(p.name)},"Policy":${p.document}${dates}}`);
};

function entityOf(ctx: AdminCtx, name: string, isGroup: boolean): PolicyEntity {
  if (!name) throw new AdminError("XMinioAdminInvalidArgument", { message: "A user or group is required." });
  if (!isGroup && name === ctx.deps.config.rootUser) throw new AdminError("XMinioIAMActionNotAllowed", { message: "Policies cannot be attached to the root user." });
  return isGroup ? { group: name } : { user: name };
}

export const setUserOrGroupPolicy: AdminHandler = async (ctx) => {
  const isGroup = ctx.query.get("isGroup") ?? "false";
  if (isGroup !== "true" && isGroup !== "false") throw new AdminError("XMinioAdminInvalidArgument", { message: "isGroup must be true or false." });
  const entity = entityOf(ctx, ctx.query.get("userOrGroup") ?? "", isGroup === "true");
  committed(await ctx.deps.iam.setPolicies(entity, splitNames(ctx.query.get("policyName") ?? "")));
  return empty();
};

async function association(ctx: AdminCtx): Promise<{ entity: PolicyEntity; policies: string[] }> {
  const doc = await decryptedJson(ctx);
  const policies = stringList(doc.policies, "policies");
  if (!policies.length || policies.some((p) => !p)) throw new AdminError("XMinioAdminInvalidArgument", { message: "No policy names were given." });
  const user = field(doc, "user"), group = field(doc, "group");
  if (!user === !group) throw new AdminError("XMinioAdminInvalidArgument", { message: "Exactly one of user and group must be given." });
  return { entity: entityOf(ctx, (user || group)!, !user), policies };
}

// madmin v2 accepts only 201 (attach) and 204 (detach) with no body; v3+ accepts them too.
// Attaching an attached policy answers 201 as well (MinIO: PolicyChangeAlreadyApplied, which new mc ignores).
export const attachPolicy: AdminHandler = async (ctx) => {
  const { entity, policies } = await association(ctx);
  committed(await ctx.deps.iam.attachPolicies(entity, policies));
  return empty(201);
};

export const detachPolicy: AdminHandler = async (ctx) => {
  const { entity, policies } = await association(ctx);
  committed(await ctx.deps.iam.detachPolicies(entity, policies));
  return empty(204);
};

/** Who has which policy; filtered by the repeatable user, group and policy parameters (none = everything). */
export const policyEntities: AdminHandler = async (ctx) => {
  const snap = await ctx.deps.iam.snapshot();
  const users = ctx.query.getAll("user").filter(Boolean), groups = ctx.query.getAll("group").filter(Boolean);
  const policies = ctx.query.getAll("policy").filter(Boolean);
  const all = !users.length && !groups.length && !policies.length;
  const groupPolicies = new Map(snap.groups.map((g) => [g.name, g.policies]));
  const userMappings = snap.users.filter((u) => (all ? u.policies.length || u.memberOf.length : users.includes(u.accessKey))).map((u) => ({
    user: u.accessKey, policies: u.policies,
    ...(u.memberOf.length ? { memberOfMappings: u.memberOf.map((g) => ({ group: g, policies: groupPolicies.get(g) ?? [] })) } : {}),
  }));
  const groupMappings = snap.groups.filter((g) => (all ? g.policies.length : groups.includes(g.name)))
    .map((g) => ({ group: g.name, policies: g.policies }));
  const policyMappings = snap.policies.filter((p) => all || policies.includes(p.name)).map((p) => ({
    policy: p.name,
    users: snap.users.filter((u) => u.policies.includes(p.name)).map((u) => u.accessKey),
    groups: snap.groups.filter((g) => g.policies.includes(p.name)).map((g) => g.name),
  })).filter((m) => !all || m.users.length || m.groups.length);
  return encryptedJson(ctx, {
    timestamp: rfc3339(ctx.deps.clock.now()),
    ...(userMappings.length ? { userMappings } : {}),
    ...(groupMappings.length ? { groupMappings } : {}),
    ...(policyMappings.length ? { policyMappings } : {}),
  });
};
