// Simulated power cuts (issue 10, D8): the data dir lives on ext4 in a loop-mounted image;
// while concurrent PUTs go on, the gateway is frozen (SIGSTOP) and the image file is copied
// without any sync. What the loop device had received is what a power cut would have left; the
// page cache of the mounted file system is lost. The copy must be of one instant, as a power cut
// is: cp reads the image front to back, and a write landing meanwhile (a SQLite checkpoint
// rewinding its WAL after cp read the database file's old blocks, a journal block reused) would
// mix two moments into a state no machine can be left in. So the gateway makes no new writes
// during the copy, and the copy counts only if the loop device completed no write while it ran
// (the kernel may still be writing back pages the gateway dirtied: those are unsynced data,
// there or not, and a copy they cross is taken again). The copy is checked (e2fsck -fy replays the journal), mounted,
// and served: every PUT acknowledged before the copy started must be there, byte for byte, and
// no chunk row may point at a missing or short (0-byte) blob file. Needs root and a loop device;
// skipped with a message otherwise.
import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { createBucket, HEAVY, inspectStore, md5Hex, report, rng, s3, startGateway, type Gateway } from "./harness.ts";

const CUTS = Number(process.env.S3EDGE_FAULT_CUTS ?? (HEAVY ? 13 : 3));
const WRITERS = HEAVY ? 12 : 6;
const SEED = Number(process.env.S3EDGE_FAULT_SEED ?? 20261202);
const IMAGE_MB = 256;
const ENV = { S3EDGE_CHUNK_SIZE: String(64 * 1024) };

// losetup, mkfs.ext4 and e2fsck live in sbin, which a CI user's PATH may lack.
const PATH = `${process.env.PATH ?? ""}:/usr/sbin:/sbin`;

async function sh(argv: string[], timeoutMs = 120_000): Promise<{ code: number; out: string }> {
  const p = Bun.spawn(argv, { stdout: "pipe", stderr: "pipe", env: { ...process.env, PATH } });
  const timer = setTimeout(() => p.kill("SIGKILL"), timeoutMs);
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  clearTimeout(timer);
  return { code, out: (out + err).trim() };
}

async function must(argv: string[]): Promise<string> {
  const r = await sh(argv);
  if (r.code !== 0) throw new Error(`${argv.join(" ")} exited ${r.code}: ${r.out}`);
  return r.out;
}

const root = mkdtempSync(join(tmpdir(), "s3edge-fault-power-"));
const mounts: string[] = [];
const loops: string[] = [];
const gateways: Gateway[] = [];

async function loopMount(image: string, dir: string) {
  mkdirSync(dir, { recursive: true });
  const dev = await must(["losetup", "-f", "--show", image]);
  loops.push(dev);
  await must(["mount", "-t", "ext4", dev, dir]);
  mounts.push(dir);
  return dev;
}

/** The loop device's completed writes and requests in flight (/sys/block/loopN/stat). */
function deviceWrites(dev: string): { writes: number; inFlight: number } {
  const f = readFileSync(`/sys/block/${basename(dev)}/stat`, "utf8").trim().split(/\s+/).map(Number);
  return { writes: f[4], inFlight: f[8] };
}

/**
 * Copies `image` to `snap` while its loop device completes no write: waits until no write is in
 * flight, copies without any sync, and copies again if a write completed meanwhile (the kernel
 * writing back dirty pages of the frozen gateway).
 */
async function copyAtOneInstant(dev: string, image: string, snap: string) {
  for (let attempt = 0; attempt < 20; attempt++) {
    for (let i = 0; i < 200 && deviceWrites(dev).inFlight > 0; i++) await Bun.sleep(5);
    const before = deviceWrites(dev);
    if (before.inFlight > 0) continue;
    await must(["cp", "--sparse=always", image, snap]);
    const after = deviceWrites(dev);
    if (after.writes === before.writes && after.inFlight === 0) return;
    await Bun.sleep(100);
  }
  throw new Error(`${dev} never stopped writing long enough for a copy`);
}

async function unmount(dir: string) {
  const i = mounts.indexOf(dir);
  if (i >= 0) { await sh(["umount", dir]); mounts.splice(i, 1); }
}

async function detachAll() {
  for (const dev of loops.splice(0)) await sh(["losetup", "-d", dev]);
}

afterAll(async () => {
  for (const g of gateways) await g.kill("SIGKILL").catch(() => {});
  for (const m of mounts.splice(0).reverse()) {
    if ((await sh(["umount", m])).code !== 0) await sh(["umount", "-l", m]);
  }
  await detachAll();
  rmSync(root, { recursive: true, force: true });
}, 60_000);

/** Why this machine cannot run the test, or "" when it can. */
async function unavailable(): Promise<string> {
  if (process.platform !== "linux") return "not Linux";
  if (process.getuid?.() !== 0) return "not root (losetup and mount need it)";
  for (const tool of ["losetup", "mkfs.ext4", "e2fsck", "mount", "umount"]) if (!Bun.which(tool, { PATH })) return `${tool} not found (e2fsprogs / util-linux)`;
  const probe = join(root, "probe.img");
  await sh(["truncate", "-s", "8M", probe]);
  const r = await sh(["losetup", "-f", "--show", probe]);
  if (r.code !== 0) return `no loop device: ${r.out}`;
  await sh(["losetup", "-d", r.out]);
  rmSync(probe, { force: true });
  return "";
}

const why = await unavailable();
if (why) console.warn(`[fault] power cut: SKIPPED: ${why}`);

interface Put { key: string; md5: string; size: number; ackedAt?: number }

test.skipIf(why !== "")(`power cut: ${CUTS} cuts under concurrent PUTs, every PUT acknowledged before the cut survives`, async () => {
  const r = rng(SEED);
  console.log(`[fault] power-cut seed=${SEED} cuts=${CUTS} writers=${WRITERS}`);
  const totals = { acked: 0, ackedBeforeCut: 0, lost: 0, corrupt: 0, damagedRows: 0, fsckFixed: 0, orphans: 0, fivexx: 0 };
  const problems: string[] = [];
  for (let cut = 1; cut <= CUTS; cut++) {
    const image = join(root, `cut${cut}.img`);
    const snap = join(root, `cut${cut}.snap.img`);
    const live = join(root, `live${cut}`);
    const after = join(root, `after${cut}`);
    await must(["truncate", "-s", `${IMAGE_MB}M`, image]);
    // Inode tables and journal written now, so no lazy-init thread writes behind the test's back.
    await must(["mkfs.ext4", "-q", "-F", "-E", "lazy_itable_init=0,lazy_journal_init=0", image]);
    const dev = await loopMount(image, live);
    let gw = await startGateway({ dataDir: join(live, "data"), env: ENV });
    gateways.push(gw);
    await createBucket(gw, "power");

    const puts: Put[] = [];
    let stop = false;
    const writers = Array.from({ length: WRITERS }, async (_, w) => {
      const wr = rng(SEED * 1000 + cut * 100 + w);
      for (let i = 0; !stop; i++) {
        const body = wr.bytes(wr.chance(0.4) ? wr.int(16 * 1024) + 1 : 16 * 1024 + wr.int(256 * 1024));
        const put: Put = { key: `c${cut}/w${w}/${i}`, md5: md5Hex(body), size: body.length };
        puts.push(put);
        try {
          const a = await s3(gw, "PUT", `/power/${put.key}`, { body });
          if (a.status === 200) put.ackedAt = performance.now();
          else if (a.status >= 500) { totals.fivexx++; problems.push(`cut ${cut} ${put.key}: ${a.status} ${a.text.slice(0, 200)}`); }
        } catch {
          if (!stop) problems.push(`cut ${cut} ${put.key}: request failed before the kill`);
          return;
        }
      }
    });
    await Bun.sleep(1000 + r.int(2500));
    const cutAt = performance.now();
    process.kill(gw.pid, "SIGSTOP"); // no request is acknowledged after cutAt, no new write issued
    await copyAtOneInstant(dev, image, snap);
    stop = true;
    await gw.kill("SIGKILL");
    await Promise.all(writers);
    await unmount(live);
    await detachAll();
    rmSync(image, { force: true });

    // The copy as a machine would boot it: journal replay and repair, then mount and serve.
    const fsck = await sh(["e2fsck", "-fy", snap]);
    if (fsck.code >= 4) throw new Error(`e2fsck could not repair cut ${cut} (exit ${fsck.code}): ${fsck.out.slice(-2000)}`);
    if (fsck.code !== 0) totals.fsckFixed++;
    await loopMount(snap, after);
    gw = await startGateway({ dataDir: join(after, "data"), env: ENV });
    gateways.push(gw);
    let ackedBefore = 0;
    for (const p of puts) {
      const before = p.ackedAt !== undefined && p.ackedAt < cutAt;
      if (p.ackedAt !== undefined) totals.acked++;
      if (before) ackedBefore++;
      const a = await s3(gw, "GET", `/power/${p.key}`);
      if (a.status === 200) {
        // Whatever is there, acknowledged or not, is whole.
        if (md5Hex(a.bytes) !== p.md5) { totals.corrupt++; problems.push(`cut ${cut} ${p.key}: ${a.bytes.length} bytes, not the ${p.size} written`); }
      } else if (a.status === 404) {
        if (before) { totals.lost++; problems.push(`cut ${cut} ${p.key}: acknowledged before the cut, gone`); }
      } else {
        if (a.status >= 500) totals.fivexx++;
        problems.push(`cut ${cut} ${p.key}: GET ${a.status} ${a.text.slice(0, 200)}`);
      }
    }
    totals.ackedBeforeCut += ackedBefore;
    await gw.stop();
    const store = inspectStore(join(after, "data"));
    totals.damagedRows += store.damaged.length;
    totals.orphans += store.orphans;
    for (const d of store.damaged.slice(0, 5)) problems.push(`cut ${cut} chunk row without its blob: ${d}`);
    report(`power-cut ${cut}`, { puts: puts.length, ackedBeforeCut: ackedBefore, fsck: fsck.code, damagedRows: store.damaged.length, orphans: store.orphans });
    await unmount(after);
    await detachAll();
    rmSync(snap, { force: true });
  }
  report("power-cut", { seed: SEED, cuts: CUTS, ...totals });
  expect(problems.slice(0, 30)).toEqual([]);
  expect(totals.lost + totals.corrupt + totals.damagedRows + totals.fivexx).toBe(0);
}, HEAVY ? 900_000 : 180_000);
