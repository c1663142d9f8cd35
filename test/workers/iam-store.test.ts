// The IamShard Durable Object on workerd, through the Worker's own clients (test/workers/
// iam-worker.ts): its RPC methods (defined from the stores' method tables) answer, writes bump
// the version once each and refusals not at all, and the TargetRegistry over it finds a target
// another client added. Runs alone (`bun test test/workers/iam-store.test.ts`) or in the suite.
import { afterAll, beforeAll, describe, expect, it, setDefaultTimeout } from "bun:test";
import { startDevWorker, type DevWorker } from "./wrangler-dev.ts";

setDefaultTimeout(30_000);

const config = (main: string) => `name = "s3edge-iam-test"
main = ${JSON.stringify(main)}
compatibility_date = "2026-04-01"
compatibility_flags = ["nodejs_als", "nodejs_compat"]

[[durable_objects.bindings]]
name = "IAM"
class_name = "IamShard"

[[migrations]]
tag = "v2"
new_sqlite_classes = ["IamShard"]
`;

let w: DevWorker;
beforeAll(async () => { w = await startDevWorker("test/workers/iam-worker.ts", config); }, 120_000);
afterAll(() => w?.stop(), 30_000);

async function run(path: string): Promise<any> {
  const res = await fetch(w.base + path, { method: "POST" });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${text}\n--- wrangler log:\n${w.log()}`);
  return JSON.parse(text);
}

describe("IamShard on workerd (createDoIamStore)", () => {
  it("stores IAM entities, checks references, and moves the version once per committed write", async () => {
    const r = await run("/iam");
    expect(r.v0).toBe(0);
    expect(r.writes).toEqual([1, 2, 3, 4, 5].map((version) => ({ ok: true, version })));
    expect(r.refused).toEqual(["NoSuchUser", "PolicyBuiltin", "GroupNotEmpty", "NoSuchPolicy"]);
    expect(r.versionAfter).toBe(5);
    expect(r.snapshotVersion).toBe(5);
    expect(r.user).toMatchObject({ accessKey: "user1", secretKey: "secret-user1", status: "enabled", policies: ["getb", "readonly"], memberOf: ["devs"] });
    // The refused user (unknown policy) was rolled back with its row.
    expect(r.user2).toBeNull();
    expect(r.group).toMatchObject({ name: "devs", members: ["user1"], policies: ["readwrite"] });
    expect(r.account).toMatchObject({ accessKey: "SA1", parent: "user1", status: "enabled" });
    expect(r.policies).toEqual(["readwrite (builtin)", "readonly (builtin)", "writeonly (builtin)", "diagnostics (builtin)", "consoleAdmin (builtin)", "getb"]);
    expect(r.removed).toEqual({ ok: true, version: 6 });
    expect(r.accountsAfter).toEqual([]);
  });

  it("holds the stored notification targets: one client's addition is found by another; env targets stay read-only", async () => {
    const r = await run("/targets");
    expect(r.before).toEqual([]);
    expect(r.put).toEqual({ ok: true, version: 1 });
    expect(r.found).toEqual(["1:webhook", "rt:webhook"]);
    expect(r.envPut).toBe("EnvTarget");
    expect(r.list).toEqual(["1:webhook env", "rt:webhook store"]);
    expect(r.removed).toEqual({ ok: true, version: 2 });
    expect(r.again).toBe("NoSuchTarget");
    expect(r.version).toBe(2);
  });
});
