// Object Lock on the version record: retention and legal hold are stored with a version and
// travel with it (current → noncurrent → current again), updateObjectLock changes them in place
// (compare-and-set on the retention), and a delete by id honours DeleteCondition.lock in its
// own transaction, while a delete marker is always written.
import type { ObjectRecord } from "../../../src/store/types.ts";
import { eq } from "../assert.ts";
import { object, T0, utf8, withBuckets, type ContractCase } from "./tools.ts";

const DAY = 86_400_000;
const v = (key: string, versionId: string, n: number, over: Partial<ObjectRecord> = {}) =>
  object("b1", key, { versionId, etag: `"e-${versionId}"`, lastModified: T0 + n, inline: utf8(`${key}@${versionId}`), size: key.length + 1 + versionId.length, ...over });
const gov = { mode: "GOVERNANCE" as const, until: T0 + DAY };
const comp = { mode: "COMPLIANCE" as const, until: T0 + DAY };
const at = (now: number, bypassGovernance = false) => ({ lock: { now, bypassGovernance } });

export const OBJECT_LOCK_CASES: ContractCase[] = [
  {
    name: "object lock: retention and legal hold are kept with the version as it becomes noncurrent and current again",
    async run(s) {
      await withBuckets(s, "b1");
      const a = v("k", "idA", 1, { retention: gov, legalHold: false });
      eq(await s.putObject(a, {}), { ok: true });
      eq(await s.getObject("b1", "k"), a, "as written");
      eq(await s.putObject(v("k", "idB", 2), {}), { ok: true });
      eq(await s.getObject("b1", "k", "idA"), a, "noncurrent, lock kept");
      eq((await s.getObject("b1", "k"))?.retention, undefined, "the new version has none");
      eq((await s.deleteObject("b1", "k", undefined, undefined, { versionId: "idB" })).ok, true);
      eq(await s.getObject("b1", "k"), a, "current again, lock kept");
    },
  },
  {
    name: "object lock: updateObjectLock sets and removes in place, by version, compare-and-set on the retention",
    async run(s) {
      await withBuckets(s, "b1");
      eq(await s.putObject(v("k", "idA", 1), {}), { ok: true });
      eq(await s.putObject(v("k", "idB", 2), {}), { ok: true });
      eq(await s.updateObjectLock("b1", "k", "idA", { retention: comp }, { expect: null }), { ok: true });
      eq((await s.getObject("b1", "k", "idA"))?.retention, comp);
      eq(await s.updateObjectLock("b1", "k", "idA", { retention: gov }, { expect: null }), { ok: false, reason: "PreconditionFailed" }, "stale expectation");
      eq(await s.updateObjectLock("b1", "k", undefined, { legalHold: true }), { ok: true }, "the current version");
      eq((await s.getObject("b1", "k"))?.legalHold, true);
      eq((await s.getObject("b1", "k", "idA"))?.legalHold, undefined, "another version untouched");
      eq(await s.updateObjectLock("b1", "k", "idA", { retention: null }, { expect: comp }), { ok: true });
      eq((await s.getObject("b1", "k", "idA"))?.retention, undefined);
      eq(await s.updateObjectLock("b1", "k", "nope", { legalHold: true }), { ok: false, reason: "NoSuchVersion" });
      eq(await s.updateObjectLock("b1", "gone", undefined, { legalHold: true }), { ok: false, reason: "NoSuchKey" });
      eq((await s.deleteObject("b1", "k", undefined, undefined, { marker: { versionId: "m1", lastModified: T0 + 3 } })).ok, true);
      eq(await s.updateObjectLock("b1", "k", undefined, { legalHold: true }), { ok: false, reason: "NoSuchKey" }, "a delete marker has no lock");
    },
  },
  {
    name: "object lock: a delete by id refuses a held or retained version (GOVERNANCE yields to the bypass); markers are always written",
    async run(s) {
      await withBuckets(s, "b1");
      eq(await s.putObject(v("g", "idG", 1, { retention: gov }), {}), { ok: true });
      eq(await s.putObject(v("c", "idC", 1, { retention: comp }), {}), { ok: true });
      eq(await s.putObject(v("h", "idH", 1, { legalHold: true }), {}), { ok: true });
      const del = (key: string, id: string, cond: ReturnType<typeof at>) => s.deleteObject("b1", key, undefined, cond, { versionId: id });
      eq(await del("g", "idG", at(T0)), { ok: false, reason: "AccessDenied" });
      eq(await del("c", "idC", at(T0, true)), { ok: false, reason: "AccessDenied" }, "COMPLIANCE: no bypass");
      eq(await del("h", "idH", at(T0 + 2 * DAY, true)), { ok: false, reason: "AccessDenied" }, "legal hold: no bypass, no expiry");
      eq((await s.deleteObject("b1", "c", undefined, at(T0), { marker: { versionId: "m1", lastModified: T0 + 2 } })).ok, true, "a marker over a locked version");
      eq((await s.getObject("b1", "c", "idC"))?.retention, comp, "kept behind the marker");
      eq((await del("g", "idG", at(T0, true))).ok, true, "GOVERNANCE bypassed");
      eq((await del("c", "idC", at(T0 + DAY + 1))).ok, true, "COMPLIANCE past its date");
    },
  },
  {
    name: "object lock: a completed upload remembers the version it wrote",
    async run(s) {
      await withBuckets(s, "b1");
      eq(await s.createUpload({ bucket: "b1", key: "mp", uploadId: "u1", initiated: T0, headers: {}, tags: {}, storageClass: "STANDARD", owner: "o" }), { ok: true });
      eq(await s.completeUpload("u1", v("mp", "idM", 1, { inline: undefined, manifest: [], size: 0 })), { ok: true });
      eq((await s.getCompletedUpload("b1", "u1"))?.versionId, "idM");
    },
  },
];
