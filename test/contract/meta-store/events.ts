// The event outbox: events commit in the transaction of the change they report (both or
// neither), a full target queue refuses the change (SlowDown, nothing changed), access events
// have their own budget, and the durable local queue leases each target's oldest messages in
// commit order and settles them (src/store/types.ts: leaseEvents, settleEvents). Order and "one
// batch of a target in flight" hold per bucket and target: a store sharded by bucket keeps an
// outbox per bucket, so messages of one target in two buckets are ordered per bucket only.
import type { LeasedEvent, MetaStore, OutboxEvent } from "../../../src/store/types.ts";
import { eq } from "../assert.ts";
import {
  chunk, chunked, event, leasedAs, object, ofTarget, part, session, T0, upload, withBuckets, type ContractCase,
} from "./tools.ts";

const A = "a:webhook";
const B = "b:webhook";
const lease = (s: MetaStore, now: number, opts: { leaseMs?: number; limit?: number; perTarget?: number } = {}) =>
  s.leaseEvents({ now, leaseMs: opts.leaseMs ?? 1000, limit: opts.limit ?? 100, perTarget: opts.perTarget });

/** Commits one change per event (puts of distinct keys), in order. */
async function commit(s: MetaStore, events: OutboxEvent[]): Promise<void> {
  for (const [i, e] of events.entries()) eq(await s.putObject(object(e.bucket, `k${i}-${e.id}`), { events: [e] }), { ok: true });
}

export const EVENT_CASES: ContractCase[] = [
  {
    name: "outbox: every change commits with its events (put, delete, tags, complete)",
    async run(s) {
      await withBuckets(s, "b1");
      const put = [event("b1", A, "put"), event("b1", B, "put")];
      eq(await s.putObject(object("b1", "k"), { events: put }), { ok: true });
      eq(await s.countEvents(), { [A]: 1, [B]: 1 });
      const tags = event("b1", A, "tags");
      eq(await s.updateObjectTags("b1", "k", { x: "1" }, [tags]), { ok: true });
      const del = event("b1", A, "delete");
      eq((await s.deleteObject("b1", "k", [del])).ok, true);
      eq(await s.createUpload(upload("b1", "mp", "u1")), { ok: true });
      const sess = session("b1");
      const p = part("u1", 1, [await chunk(s, sess, 1)]);
      eq(await s.putPart("b1", p, { session: sess }), { ok: true });
      const done = event("b1", A, "complete");
      eq(await s.completeUpload("u1", chunked("b1", "mp", p.manifest!, { parts: [{ number: 1, size: p.size, etag: p.etag }] }), undefined, [done]), { ok: true });
      eq(await s.countEvents(), { [A]: 4, [B]: 1 });
      const leased = await lease(s, T0);
      eq(ofTarget(leased, A), [put[0], tags, del, done].map((e) => leasedAs(e)), "in commit order, as written");
      eq(ofTarget(leased, B), [leasedAs(put[1])]);
    },
  },
  {
    name: "outbox: a change refused or not made writes none of its events",
    async run(s) {
      await withBuckets(s, "b1");
      const ev = () => [event("b1", A, "x")];
      eq(await s.putObject(object("nope", "k"), { events: ev() }), { ok: false, reason: "NoSuchBucket" });
      eq(await s.putObject(object("b1", "k"), { events: ev(), cond: { ifMatch: ['"e"'] } }), { ok: false, reason: "PreconditionFailed" });
      eq(await s.putObject(chunked("b1", "k", [{ hash: "f".repeat(64), blob: "nope", size: 1 }]), { events: ev() }), { ok: false, reason: "ChunkMissing" });
      eq(await s.deleteObject("b1", "k", ev()), { ok: false, reason: "NoSuchKey" }, "nothing to delete: no event");
      eq(await s.updateObjectTags("b1", "k", { a: "1" }, ev()), { ok: false, reason: "NoSuchKey" });
      eq(await s.completeUpload("u9", object("b1", "k"), undefined, ev()), { ok: false, reason: "NoSuchUpload" });
      eq(await s.createUpload(upload("b1", "mp", "u1")), { ok: true });
      const wrong = object("b1", "mp", { parts: [{ number: 1, size: 1, etag: '"p1"' }] });
      eq(await s.completeUpload("u1", wrong, undefined, ev()), { ok: false, reason: "InvalidPart" });
      eq(await s.countEvents(), {});
      eq(await lease(s, T0), []);
    },
  },
  {
    name: "outbox: a target's full queue refuses the change (SlowDown) and leaves object, upload and every queue as they were",
    async run(s) {
      await withBuckets(s, "b1");
      const full = (label: string) => event("b1", A, label, { limit: 2 });
      const roomy = (label: string) => event("b1", B, label, { limit: 100 });
      const v1 = object("b1", "k1", { tags: { v: "1" } });
      eq(await s.putObject(v1, { events: [full("1")] }), { ok: true });
      eq(await s.putObject(object("b1", "k2"), { events: [full("2")] }), { ok: true });
      eq(await s.putObject(object("b1", "k1", { etag: '"e-v2"' }), { events: [roomy("3"), full("3")] }), { ok: false, reason: "SlowDown" });
      eq(await s.getObject("b1", "k1"), v1, "the object is unchanged");
      eq(await s.putObject(object("b1", "k3"), { events: [full("4")] }), { ok: false, reason: "SlowDown" });
      eq(await s.getObject("b1", "k3"), null, "no object was created");
      eq(await s.deleteObject("b1", "k1", [full("5")]), { ok: false, reason: "SlowDown" });
      eq(await s.getObject("b1", "k1"), v1, "not deleted");
      eq(await s.updateObjectTags("b1", "k1", { v: "x" }, [full("6")]), { ok: false, reason: "SlowDown" });
      eq(await s.getObject("b1", "k1"), v1, "tags unchanged");
      eq(await s.createUpload(upload("b1", "mp", "u1")), { ok: true });
      eq(await s.putPart("b1", part("u1", 1, []), {}), { ok: true });
      const mp = object("b1", "mp", { parts: [{ number: 1, size: 0, etag: '"p1"' }] });
      eq(await s.completeUpload("u1", mp, undefined, [full("7")]), { ok: false, reason: "SlowDown" });
      eq(await s.getObject("b1", "mp"), null);
      eq((await s.getUpload("b1", "u1"))?.uploadId, "u1", "the upload is still open");
      eq(await s.countEvents(), { [A]: 2 }, "the refused changes' events for the roomy target were not kept either");
      eq(await s.putObject(object("b1", "k4"), { events: [roomy("8")] }), { ok: true }, "another target is not held up");
      eq(await s.putObject(object("b1", "k5"), {}), { ok: true }, "a change without events is not held up");
      eq(await s.completeUpload("u1", mp, undefined, [roomy("9")]), { ok: true });
      eq(await s.countEvents(), { [A]: 2, [B]: 2 });
    },
  },
  {
    name: "access events: their own budget; dropped (false) at a full queue, never refusing a change",
    async run(s) {
      await withBuckets(s, "b1");
      const access = (label: string) => event("b1", A, label, { limit: 2 });
      eq(await s.appendEvents("b1", [access("g1")]), true);
      eq(await s.appendEvents("b1", [access("g2"), access("g3")]), false, "one kept, one dropped");
      eq(await s.countEvents(), { [A]: 2 });
      eq(await s.putObject(object("b1", "k1"), { events: [event("b1", A, "p1", { limit: 2 })] }), { ok: true }, "reads do not count toward the change limit");
      eq(await s.putObject(object("b1", "k2"), { events: [event("b1", A, "p2", { limit: 2 })] }), { ok: true });
      eq(await s.putObject(object("b1", "k3"), { events: [event("b1", A, "p3", { limit: 2 })] }), { ok: false, reason: "SlowDown" });
      eq(await s.appendEvents("b1", [access("g4")]), false);
      eq(await s.appendEvents("b1", [event("b1", B, "other", { limit: 2 })]), true, "another target has room");
      eq(await s.countEvents(), { [A]: 4, [B]: 1 });
      eq(ofTarget(await lease(s, T0), A).map((m) => JSON.parse(m.record).label), ["g1", "g2", "p1", "p2"], "one queue, commit order");
    },
  },
  {
    name: "leaseEvents: each target's messages in commit order, hidden while leased; a lease is not an attempt",
    async run(s) {
      await withBuckets(s, "b1", "b2");
      const evs = [event("b1", A, "1"), event("b2", B, "2"), event("b1", A, "3"), event("b2", A, "4"), event("b2", B, "5")];
      await commit(s, evs);
      const queue = (ms: LeasedEvent[], b: string, t: string) => ms.filter((m) => m.bucket === b && m.target === t);
      const first = await lease(s, T0, { leaseMs: 1000 });
      eq(first.length, 5);
      eq(queue(first, "b1", A), [evs[0], evs[2]].map((e) => leasedAs(e)));
      eq(queue(first, "b2", A), [leasedAs(evs[3])]);
      eq(queue(first, "b2", B), [evs[1], evs[4]].map((e) => leasedAs(e)));
      eq(await lease(s, T0), [], "all leased");
      eq(await lease(s, T0 + 999), [], "until the lease ends");
      const again = await lease(s, T0 + 1000);
      eq(again.length, 5);
      for (const [b, t] of [["b1", A], ["b2", A], ["b2", B]]) {
        eq(queue(again, b, t), queue(first, b, t), `${b} ${t}: the lease ran out; the same messages, no attempt counted`);
      }
      eq(await s.countEvents(), { [A]: 3, [B]: 2 });
    },
  },
  {
    name: "leaseEvents: perTarget and limit cap a pass; a target with a message leased gives out nothing more",
    async run(s) {
      await withBuckets(s, "b1");
      const a = [1, 2, 3].map((i) => event("b1", A, `a${i}`));
      const b = [1, 2, 3].map((i) => event("b1", B, `b${i}`));
      await commit(s, [a[0], b[0], a[1], b[1], a[2], b[2]]);
      const first = await lease(s, T0, { perTarget: 2 });
      eq(ofTarget(first, A), a.slice(0, 2).map((e) => leasedAs(e)), "a target's oldest perTarget");
      eq(ofTarget(first, B), b.slice(0, 2).map((e) => leasedAs(e)));
      eq(await lease(s, T0, { perTarget: 2 }), [], "the rest waits behind the leased head");
      await s.settleEvents("b1", { done: first.filter((m) => m.target === A).map((m) => m.id) });
      eq(await lease(s, T0, { perTarget: 2 }), [leasedAs(a[2])], "A's batch is settled: its next; B still leased");
      const later = await lease(s, T0 + 5000, { limit: 3 });
      eq(later.length, 3, "limit caps the pass");
      for (const t of [A, B]) {
        const mine = ofTarget(later, t);
        const queue = t === A ? [a[2]] : b;
        eq(mine, queue.slice(0, mine.length).map((e) => leasedAs(e)), `${t}: from its head`);
      }
    },
  },
  {
    name: "settleEvents: done deletes, failed counts an attempt, released does not; a target's state holds it back until retryAt",
    async run(s) {
      await withBuckets(s, "b1");
      const evs = [1, 2, 3].map((i) => event("b1", A, `e${i}`));
      await commit(s, evs);
      const other = event("b1", B, "other");
      await commit(s, [other]);
      const [e1, e2, e3] = ofTarget(await lease(s, T0), A);
      await s.settleEvents("b1", { done: [e1.id], failed: [e2.id], released: [e3.id], targets: [{ target: A, failures: 1, retryAt: T0 + 5000 }] });
      eq(await s.countEvents(), { [A]: 2, [B]: 1 });
      const e4 = event("b1", A, "e4");
      await commit(s, [e4]);
      eq(ofTarget(await lease(s, T0 + 4999), A), [], "backing off, also for what was committed since");
      const due = ofTarget(await lease(s, T0 + 5000), A);
      eq(due, [leasedAs(evs[1], 1, 1), leasedAs(evs[2], 0, 1), leasedAs(e4, 0, 1)], "in commit order, attempts as settled");
      await s.settleEvents("b1", { done: due.map((m) => m.id), targets: [{ target: A, failures: 0, retryAt: 0 }] });
      await s.settleEvents("b1", { done: due.map((m) => m.id), targets: [{ target: A, failures: 0, retryAt: 0 }] });
      eq(await s.countEvents(), { [B]: 1 }, "settled twice: harmless");
      const e5 = event("b1", A, "e5");
      await commit(s, [e5]);
      eq(ofTarget(await lease(s, T0 + 5000), A), [leasedAs(e5)], "the target is up again");
    },
  },
  {
    name: "leaseEvents: a target backing off does not hold up another",
    async run(s) {
      await withBuckets(s, "b1");
      const a = event("b1", A, "a");
      await commit(s, [a]);
      await s.settleEvents("b1", { done: [], released: [a.id], targets: [{ target: A, failures: 3, retryAt: T0 + 60_000 }] });
      const b = event("b1", B, "b");
      await commit(s, [b]);
      eq(await lease(s, T0), [leasedAs(b)]);
      eq(ofTarget(await lease(s, T0 + 60_000), A), [leasedAs(a, 0, 3)]);
    },
  },
  {
    name: "statEvents/peekEvents: read the backlog without leasing it, a bounded page at a time",
    async run(s) {
      await withBuckets(s, "b1", "b2");
      eq(await s.statEvents({ now: T0 }), {}, "nothing waits");
      eq(await s.peekEvents({ target: A, limit: 10 }), { events: [] });
      const a1 = [0, 1, 2].map((i) => event("b1", A, `a${i}`, { created: T0 + i }));
      const a2 = [event("b2", A, "a3", { created: T0 - 5 })];
      const b = event("b1", B, "b");
      await commit(s, [...a1, b]);
      await commit(s, a2);
      const bytes = (es: OutboxEvent[]) => es.reduce((n, e) => n + new TextEncoder().encode(e.record).length, 0);
      eq(await s.statEvents({ now: T0 }), {
        [A]: { entries: 4, size: bytes([...a1, ...a2]), oldest: T0 - 5, leased: 0 },
        [B]: { entries: 1, size: bytes([b]), oldest: T0, leased: 0 },
      });
      eq(await s.statEvents({ now: T0, target: B }), { [B]: { entries: 1, size: bytes([b]), oldest: T0, leased: 0 } }, "one target");
      eq(await s.statEvents({ now: T0, target: "none:webhook" }), {});
      // Paged: every entry once, in commit order within a bucket, whatever the page size.
      const pending = (e: OutboxEvent, leasedUntil = 0, attempts = 0) => {
        const { limit: _limit, ...m } = e;
        return { ...m, attempts, leasedUntil };
      };
      const seen: string[] = [];
      let after: string | undefined;
      for (let pages = 0; ; pages++) {
        const page = await s.peekEvents({ target: A, limit: 2, ...(after !== undefined ? { after } : {}) });
        eq(page.events.length <= 2, true, "at most the limit");
        seen.push(...page.events.map((e) => e.id));
        if (page.next === undefined) break;
        after = page.next;
        eq(pages < 5, true, "the pages end");
      }
      eq(seen.length, 4);
      eq(new Set(seen), new Set([...a1, ...a2].map((e) => e.id)));
      eq(seen.filter((id) => a1.some((e) => e.id === id)), a1.map((e) => e.id), "commit order within the bucket");
      // A lease shows as reserved, and peeking changes nothing the queue sees.
      const leased = ofTarget(await lease(s, T0, { leaseMs: 1000 }), A);
      eq(leased.length > 0, true);
      const stats = (await s.statEvents({ now: T0, target: A }))[A];
      eq(stats.leased, leased.length);
      eq((await s.statEvents({ now: T0 + 1000, target: A }))[A].leased, 0, "a lease that ended is not reserved");
      const first = (await s.peekEvents({ target: A, limit: 10 })).events.find((e) => e.id === leased[0].id)!;
      eq(first, pending(a1.find((e) => e.id === leased[0].id) ?? a2[0], T0 + 1000));
      eq(await s.countEvents(), { [A]: 4, [B]: 1 }, "peeking removed nothing");
      for (const bucket of new Set(leased.map((m) => m.bucket))) await s.settleEvents(bucket, { done: leased.filter((m) => m.bucket === bucket).map((m) => m.id) });
      eq((await s.statEvents({ now: T0, target: A }))[A]?.entries ?? 0, 4 - leased.length);
      eq((await s.peekEvents({ target: B, limit: 1 })).events, [pending(b, T0 + 1000)], "B was leased too");
    },
  },
];
