// The --workers election (leader-lease.ts) on a real SQLite file, with two leases in one process
// standing for two processes: one wins, the other takes over when the holder stops, expires, or
// its pid is gone.
import { afterAll, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLeaderLease } from "../../../../src/runtime/bun/leader-lease.ts";

const root = mkdtempSync(join(tmpdir(), "s3edge-lease-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const file = () => join(root, `lease-${n++}.sqlite`);
// Long intervals: the tests drive renewals with tick().
const slow = { renewMs: 60_000, ttlMs: 5_000 };

describe("leader lease", () => {
  it("elects exactly one of several candidates, and keeps it on renewal", () => {
    const f = file();
    const all = [1, 2, 3].map((pid) => startLeaderLease(f, { ...slow, pid, alive: () => true }));
    expect(all.filter((l) => l.isLeader()).length).toBe(1);
    expect(all[0].isLeader()).toBe(true); // first come
    for (let i = 0; i < 3; i++) for (const l of all) l.tick();
    expect(all.map((l) => l.isLeader())).toEqual([true, false, false]);
    for (const l of all) l.stop();
  });

  it("hands over at once on a graceful stop", () => {
    const f = file();
    const a = startLeaderLease(f, { ...slow, pid: 1, alive: () => true });
    const b = startLeaderLease(f, { ...slow, pid: 2, alive: () => true });
    expect([a.isLeader(), b.isLeader()]).toEqual([true, false]);
    a.stop();
    expect(b.tick()).toBe(true);
    b.stop();
  });

  it("is taken over at once when the holder's pid is gone (SIGKILL), and on expiry when it hangs", () => {
    const f = file();
    let t = 1_000_000;
    const now = () => t;
    const dead = new Set<number>();
    const alive = (pid: number) => !dead.has(pid);
    const a = startLeaderLease(f, { ...slow, pid: 1, now, alive });
    const b = startLeaderLease(f, { ...slow, pid: 2, now, alive });
    expect(b.tick()).toBe(false);
    dead.add(1); // killed: no release, the row still says pid 1 until expiry
    expect(b.tick()).toBe(true);
    expect(a.tick()).toBe(false); // back from a pause: b holds it now
    // b hangs (alive, not renewing): a takes over once the lease expired, not before.
    t += 4_999;
    expect(a.tick()).toBe(false);
    t += 1;
    expect(a.tick()).toBe(true);
    a.stop();
    b.stop();
  });

  it("a real child process killed with SIGKILL loses the lease within a renewal", async () => {
    const f = file();
    const script = `import { startLeaderLease } from ${JSON.stringify(join(import.meta.dir, "../../../../src/runtime/bun/leader-lease.ts"))};
      const l = startLeaderLease(${JSON.stringify(f)}); console.log(l.isLeader() ? "leader" : "follower"); setInterval(() => {}, 1000);`;
    const child = Bun.spawn([process.execPath, "-e", script], { stdout: "pipe" });
    const reader = child.stdout.getReader();
    expect(new TextDecoder().decode((await reader.read()).value).trim()).toBe("leader");
    const me = startLeaderLease(f, { renewMs: 60_000 });
    expect(me.isLeader()).toBe(false);
    child.kill("SIGKILL");
    await child.exited;
    expect(me.tick()).toBe(true);
    me.stop();
  });
});
