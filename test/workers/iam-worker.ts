// A test Worker for the IamShard Durable Object as the gateway builds it (createDoIamStore,
// createTargetRegistry over it): each route runs a scenario through RPC and answers what it
// observed, for test/workers/iam-store.test.ts to check. Two clients of the one object stand
// for two isolates. No admin API exists yet, so this is how the Worker side is exercised.
//   POST /iam       users, groups, policies, service accounts, refusals and the version stamp
//   POST /targets   the registry: a target added by one client found by the other, env precedence
import { createDoIamStore } from "../../src/runtime/workers/do-iam-store.ts";
import type { IamShard } from "../../src/runtime/workers/iam-shard.ts";
import { createTargetRegistry } from "../../src/events/target-registry.ts";
import { targetsFromEnv, type WebhookTarget } from "../../src/events/targets.ts";

export { IamShard } from "../../src/runtime/workers/iam-shard.ts";

interface IamEnv { IAM: DurableObjectNamespace<IamShard> }

const DOC = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::b/*"] }] });
const hook = (id: string): WebhookTarget => ({ type: "webhook", id, endpoint: "http://127.0.0.1:9/hook", queueLimit: 10, maxRetries: 3, ttlMs: 60_000 });

async function iamScenario(env: IamEnv) {
  const a = createDoIamStore(env.IAM), b = createDoIamStore(env.IAM);
  const v0 = await a.version();
  const writes = [
    await a.putPolicy("getb", DOC),
    await a.putUser({ accessKey: "user1", secretKey: "secret-user1", status: "enabled", policies: ["getb", "readonly"] }),
    await a.addGroupMembers("devs", ["user1"]),
    await a.setPolicies({ group: "devs" }, ["readwrite"]),
    await a.putServiceAccount({ accessKey: "SA1", secretKey: "secret-sa1", parent: "user1", sessionPolicy: DOC }),
  ];
  const refused = [
    await a.putServiceAccount({ accessKey: "SA2", secretKey: "secret-sa2", parent: "nobody" }),
    await a.deletePolicy("readonly"),
    await a.deleteGroup("devs"),
    await a.putUser({ accessKey: "user2", secretKey: "secret-user2", status: "enabled", policies: ["nope"] }),
  ];
  return {
    v0,
    writes,
    refused: refused.map((r) => (r.ok ? "ok" : r.error)),
    versionAfter: await b.version(),
    user: await b.getUser("user1"),
    user2: await b.getUser("user2"),
    group: await b.getGroup("devs"),
    account: await b.getServiceAccount("SA1"),
    policies: (await b.listPolicies()).map((p) => `${p.name}${p.builtin ? " (builtin)" : ""}`),
    snapshotVersion: (await b.snapshot()).version,
    removed: await a.deleteUser("user1"),
    accountsAfter: await b.listServiceAccounts(),
  };
}

async function targetsScenario(env: IamEnv) {
  const envTargets = targetsFromEnv({ MINIO_NOTIFY_WEBHOOK_ENABLE_1: "on", MINIO_NOTIFY_WEBHOOK_ENDPOINT_1: "http://127.0.0.1:9/env" });
  const registry = () => createTargetRegistry({ env: envTargets, store: createDoIamStore(env.IAM), now: () => Date.now() });
  const a = registry(), b = registry();
  const before = Object.keys(await b.resolve(["rt:webhook"]));
  const put = await a.put(hook("rt"));
  const found = Object.keys(await b.resolve(["rt:webhook", "1:webhook"])).sort();
  const envPut = await a.put(hook("1"));
  const list = (await b.list()).map((t) => `${t.key} ${t.source}`);
  const removed = await a.remove("rt:webhook");
  const again = await a.remove("rt:webhook");
  return { before, put, found, envPut: envPut.ok ? "ok" : envPut.error, list, removed, again: again.ok ? "ok" : again.error, version: await b.version() };
}

export default {
  async fetch(req, env) {
    const { pathname } = new URL(req.url);
    if (req.method === "GET" && pathname === "/") return new Response("ok\n");
    try {
      if (req.method === "POST" && pathname === "/iam") return Response.json(await iamScenario(env));
      if (req.method === "POST" && pathname === "/targets") return Response.json(await targetsScenario(env));
    } catch (e) {
      return Response.json({ error: String((e as Error)?.stack ?? e) }, { status: 500 });
    }
    return new Response("not found\n", { status: 404 });
  },
} satisfies ExportedHandler<IamEnv>;
