// Slow-body connections (issue 10, D6) against the real gateway: strangers without credentials
// open many connections that trickle a PUT body, and as many that trickle their headers. Signed
// requests must still be answered promptly all along; every trickling body must get its 403 and
// lose its socket at once (its body is not drained); trickled headers are cut off by the header
// bound (20 s) or make room for newer connections. Heavy: more sockets than the gateway's
// descriptor limit (`ulimit -n 1024` for the child only).
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createBucket, HEAVY, md5Hex, report, rng, s3, startGateway, type Gateway } from "./harness.ts";

const SLOW = HEAVY ? 1100 : 300;
const FD_LIMIT = HEAVY ? 1024 : undefined;
const HEADER_BOUND_MS = 20_000;

const root = mkdtempSync(join(tmpdir(), "s3edge-fault-slow-"));
let gw: Gateway | undefined;
const socks: Socket[] = [];
afterAll(async () => {
  for (const s of socks) s.destroy();
  await gw?.stop();
  rmSync(root, { recursive: true, force: true });
});

interface Slow { sock: Socket; openedAt: number; answeredAt?: number; closedAt?: number; status?: number; refused: boolean }

function openSlow(g: Gateway, kind: "body" | "headers", i: number): Promise<Slow> {
  return new Promise((resolve) => {
    const sock = connect(g.port, g.host);
    socks.push(sock);
    const s: Slow = { sock, openedAt: 0, refused: false };
    let text = "";
    sock.on("data", (d: Buffer) => {
      text += d.toString("latin1");
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      if (m && s.answeredAt === undefined) { s.answeredAt = performance.now(); s.status = Number(m[1]); }
    });
    sock.on("error", () => { s.refused ||= s.openedAt === 0; });
    sock.on("close", () => { s.closedAt = performance.now(); resolve(s); });
    sock.on("connect", () => {
      s.openedAt = performance.now();
      if (kind === "body") sock.write(`PUT /slow/body-${i} HTTP/1.1\r\nHost: ${g.host}:${g.port}\r\nContent-Length: 100000000\r\n\r\n`);
      else sock.write(`PUT /slow/headers-${i} HTTP/1.1\r\nHost: ${g.host}:${g.port}\r\n`);
      resolve(s);
    });
  });
}

test(`${SLOW} trickling bodies and ${SLOW} trickling header sets${FD_LIMIT ? ` (gateway fd limit ${FD_LIMIT})` : ""}: signed requests still answered, sockets closed`, async () => {
  gw = await startGateway({ dataDir: join(root, "data"), ulimitNofile: FD_LIMIT });
  const g = gw;
  await createBucket(g, "slow");
  const r = rng(7);
  const all: Slow[] = [];
  const t0 = performance.now();
  for (let i = 0; i < SLOW; i += 50) {
    const batch = await Promise.all(Array.from({ length: Math.min(50, SLOW - i) }, (_, j) => [openSlow(g, "body", i + j), openSlow(g, "headers", i + j)]).flat());
    all.push(...batch);
  }
  const bodies = all.filter((_, i) => i % 2 === 0);
  const headers = all.filter((_, i) => i % 2 === 1);
  // Trickle: a byte of body, a header line, every 200 ms, for as long as the socket lives.
  const trickle = setInterval(() => {
    for (let i = 0; i < all.length; i++) {
      const s = all[i];
      if (s.closedAt === undefined && s.openedAt) s.sock.write(i % 2 === 0 ? "x" : `x-trickle-${r.int(1000)}: y\r\n`);
    }
  }, 200);
  try {
    // Signed requests while the strangers hold on.
    const slowest: number[] = [];
    const failures: string[] = [];
    for (let i = 0; i < 30; i++) {
      const body = r.bytes(1000 + r.int(200_000));
      const t = performance.now();
      try {
        const put = await s3(g, "PUT", `/slow/ok-${i}`, { body, timeoutMs: 5000 });
        const get = await s3(g, "GET", `/slow/ok-${i}`, { timeoutMs: 5000 });
        if (put.status !== 200 || get.status !== 200 || md5Hex(get.bytes) !== md5Hex(body)) failures.push(`request ${i}: PUT ${put.status}, GET ${get.status}`);
      } catch (e) {
        failures.push(`request ${i}: ${String(e)}`);
      }
      slowest.push(performance.now() - t);
      await Bun.sleep(50);
    }
    await Bun.sleep(1000);
    const bodyOpen = bodies.filter((s) => s.closedAt === undefined).length;
    const bodyStatuses: Record<string, number> = {};
    for (const s of bodies) bodyStatuses[s.status ?? (s.refused ? "refused" : "closed unanswered")] = (bodyStatuses[s.status ?? (s.refused ? "refused" : "closed unanswered")] ?? 0) + 1;
    const bodyCloseMs = Math.max(...bodies.filter((s) => s.closedAt !== undefined && s.openedAt).map((s) => s.closedAt! - s.openedAt));
    const headersOpenEarly = headers.filter((s) => s.closedAt === undefined).length;
    // The header bound: whatever still trickles headers is cut off 20 s after it connected.
    const deadline = t0 + HEADER_BOUND_MS + 6000;
    while (headers.some((s) => s.closedAt === undefined) && performance.now() < deadline) await Bun.sleep(200);
    const headersOpenLate = headers.filter((s) => s.closedAt === undefined).length;
    const stillOk = await s3(g, "GET", `/slow/ok-0`, { timeoutMs: 5000 });
    report("slow-body", {
      slowBodies: SLOW, slowHeaders: SLOW, fdLimit: FD_LIMIT ?? "bun default", bodyStatuses, bodyOpenAfterRequests: bodyOpen,
      slowestBodyCloseMs: Math.round(bodyCloseMs), headersOpenDuringRequests: headersOpenEarly, headersOpenAfter26s: headersOpenLate,
      signedRequests: 30, failures: failures.length, slowestSignedMs: Math.round(Math.max(...slowest)), alive: g.alive(),
    });
    expect(failures).toEqual([]);
    expect(Math.max(...slowest)).toBeLessThan(3000);
    expect(bodyOpen).toBe(0);
    expect(bodies.every((s) => s.status === 403 || s.status === undefined)).toBe(true); // 403, or dropped at the cap
    expect(headersOpenLate).toBe(0);
    expect(stillOk.status).toBe(200);
    expect(g.alive()).toBe(true);
  } finally {
    clearInterval(trickle);
  }
}, 120_000);
