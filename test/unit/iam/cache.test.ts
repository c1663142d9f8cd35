// The node's IAM view: when it reads the store (snapshot, version stamp) and when it does not.
import { describe, expect, it } from "bun:test";
import { createSqlIamStore } from "../../../src/iam/sql-store.ts";
import { createBunSqliteDriver } from "../../../src/runtime/bun/sqlite-driver.ts";
import { createIamCache, invalidatingIamStore } from "../../../src/iam/cache.ts";
import type { IamStore } from "../../../src/iam/store.ts";

function counted() {
  let now = 1_000_000;
  const store = createSqlIamStore(createBunSqliteDriver(":memory:"), { now: () => now });
  const calls = { version: 0, snapshot: 0 };
  const spy: IamStore = {
    ...store,
    version: async () => { calls.version++; return store.version(); },
    snapshot: async () => { calls.snapshot++; return store.snapshot(); },
  };
  const cache = createIamCache({ store: spy, now: () => now, refreshMs: 300_000 });
  return { store, cache, calls, advance: (ms: number) => { now += ms; } };
}

describe("IAM cache", () => {
  it("loads once, then serves from memory until the interval passes; then reads the stamp only", async () => {
    const { cache, calls, advance } = counted();
    await cache.view();
    await cache.view();
    advance(299_999);
    await cache.view();
    expect(calls).toEqual({ version: 0, snapshot: 1 });
    advance(1);
    await cache.view();
    expect(calls).toEqual({ version: 1, snapshot: 1 }); // stamp unchanged: no reload
    await cache.view();
    expect(calls).toEqual({ version: 1, snapshot: 1 });
  });

  it("a moved stamp at the interval reloads the snapshot", async () => {
    const { store, cache, calls, advance } = counted();
    expect((await cache.view()).users.size).toBe(0);
    await store.putUser({ accessKey: "alice", secretKey: "secretsecret", status: "enabled" });
    expect((await cache.view()).users.size).toBe(0); // another node's write: not seen yet
    advance(300_000);
    expect((await cache.view()).users.get("alice")?.status).toBe("enabled");
    expect(calls).toEqual({ version: 1, snapshot: 2 });
  });

  it("a write through the invalidating store reloads at the next view, whatever the interval", async () => {
    const { store, cache, calls } = counted();
    const local = invalidatingIamStore(store, () => cache.invalidate());
    await local.putUser({ accessKey: "alice", secretKey: "secretsecret", status: "enabled" });
    expect((await cache.view()).users.get("alice")?.status).toBe("enabled");
    await local.setUserStatus("alice", "disabled");
    expect((await cache.view()).users.get("alice")?.status).toBe("disabled");
    // A refused write invalidates too (cheap, and never wrong).
    expect((await local.setUserStatus("nobody", "disabled")).ok).toBe(false);
    await local.getUser("alice"); // reads do not
    await cache.view();
    await cache.view();
    expect(calls).toEqual({ version: 0, snapshot: 3 });
  });

  it("a write during a load is not lost: the next view loads again", async () => {
    const { store, cache } = counted();
    const local = invalidatingIamStore(store, () => cache.invalidate());
    const first = cache.view(); // in flight
    await local.putUser({ accessKey: "alice", secretKey: "secretsecret", status: "enabled" });
    await first;
    expect((await cache.view()).users.has("alice")).toBe(true);
  });

  it("an unknown key re-reads the stamp at most once a second", async () => {
    const { cache, calls, advance } = counted();
    await cache.view();
    await cache.viewForMiss();
    await cache.viewForMiss();
    await cache.viewForMiss();
    expect(calls).toEqual({ version: 1, snapshot: 1 });
    advance(1000);
    await cache.viewForMiss();
    expect(calls).toEqual({ version: 2, snapshot: 1 });
  });

  it("concurrent views share one load", async () => {
    const { cache, calls } = counted();
    await Promise.all([cache.view(), cache.view(), cache.view()]);
    expect(calls.snapshot).toBe(1);
  });

  it("policies that do not parse grant nothing; an unparsable session policy denies all (null)", async () => {
    const { store, cache } = counted();
    await store.putPolicy("odd", JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject" }] }));
    await store.putUser({ accessKey: "alice", secretKey: "secretsecret", status: "enabled" });
    await store.putServiceAccount({ accessKey: "svc1", secretKey: "secretsecret", parent: "alice", sessionPolicy: "{\"Statement\":[]}" });
    const v = await cache.view();
    expect(v.policies.has("odd")).toBe(false);
    expect(v.policies.has("readonly")).toBe(true);
    expect(v.sessionPolicies.get("svc1")).toBeNull();
  });
});
