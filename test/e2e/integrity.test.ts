// Damaged chunks on disk (issue 10, D7/D9): a GET of an object whose blob file was truncated or
// had a byte flipped ends in an error (a 500, or a reset after the 200), never a hang or a
// body that looks complete, and the server log names the object and chunk. `s3edge scrub`
// finds the same damage (exit 1), `--quarantine` moves the blobs aside, and once the objects are
// deleted and collected the store scrubs clean (exit 0).
// Bun only: it edits the server's data directory, which an external endpoint (workerd) has not.
import { beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { existsSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AwsClient } from "aws4fetch";
import { bucketName, MiB, randomData, REPO_ROOT, run, runtime, useServer } from "./harness.ts";

const external = !!process.env.S3EDGE_ENDPOINT || runtime() !== "bun";
const CHUNK = 1 * MiB;
const ep = useServer({ env: () => ({ S3EDGE_CHUNK_SIZE: String(CHUNK) }) });
const B = bucketName("integrity");
let dataDir = "";
let client: AwsClient;
const url = (key: string) => `${ep.url}/${B}/${key}`;

/** The blob files of an object's chunks, from the server's SQLite (read-only). */
function blobFiles(key: string): { h: string; b: string; n: number; path: string }[] {
  const db = new Database(join(dataDir, "meta.sqlite"), { readonly: true });
  try {
    const row = db.query("SELECT manifest FROM objects WHERE bucket = ? AND key = ?").get(B, key) as { manifest: string };
    return (JSON.parse(row.manifest) as { h: string; b: string; n: number }[])
      .map((c) => ({ ...c, path: join(dataDir, "chunks", c.b.slice(0, 2), c.b) }));
  } finally {
    db.close();
  }
}

function flipByte(path: string, at: number) {
  const d = readFileSync(path);
  d[at] ^= 0x10;
  writeFileSync(path, d);
}

const describeError = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

/**
 * GET with a bounded wait: the status (0: the connection was reset before a response), bytes
 * received, and how the body ended.
 */
async function get(key: string): Promise<{ status: number; length: number; received: number; error?: string }> {
  let res: Response;
  try {
    res = await client.fetch(url(key), { signal: AbortSignal.timeout(15_000) });
  } catch (e) {
    return { status: 0, length: 0, received: 0, error: describeError(e) };
  }
  const length = Number(res.headers.get("content-length"));
  let received = 0;
  try {
    for await (const c of res.body as unknown as AsyncIterable<Uint8Array>) received += c.length;
  } catch (e) {
    return { status: res.status, length, received, error: describeError(e) };
  }
  return { status: res.status, length, received };
}

/** The server log mentions all of `parts` (logs are drained asynchronously: wait a little). */
async function logged(...parts: string[]): Promise<boolean> {
  for (let i = 0; i < 40; i++) {
    if (ep.logs().split("\n").some((l) => parts.every((p) => l.includes(p)))) return true;
    await Bun.sleep(50);
  }
  return false;
}

const scrub = (...args: string[]) => run([join(REPO_ROOT, "node_modules/.bin/bun"), join(REPO_ROOT, "src/cli/scrub.ts"), "--data", dataDir, ...args], { timeoutMs: 60_000 });

const OBJECTS = {
  "cut-middle": 3 * MiB + 5000, // 4 chunks; chunk 2's file cut short
  "cut-single": 300_000, // one chunk, cut short
  "rot-last": 2 * MiB + 100, // 3 chunks; a byte flipped in the last
  "rot-single": 500_000, // one chunk, a byte flipped
  healthy: 2 * MiB + 7,
};

describe.skipIf(external)("damaged chunks on disk (Bun)", () => {
  beforeAll(async () => {
    // The harness starts `serve.ts --data DIR`, which names its data directory when it starts.
    dataDir = /\(data: ([^)]+)\)/.exec(ep.logs())?.[1] ?? "";
    expect(existsSync(join(dataDir, "meta.sqlite"))).toBe(true);
    // No retries: aws4fetch would retry a 500 with backoff for seconds.
    client = new AwsClient({ accessKeyId: ep.accessKey, secretAccessKey: ep.secretKey, service: "s3", region: ep.region, retries: 0 });
    expect((await client.fetch(`${ep.url}/${B}`, { method: "PUT" })).status).toBe(200);
    for (const [key, size] of Object.entries(OBJECTS)) {
      const res = await client.fetch(url(key), { method: "PUT", body: randomData(size), headers: { "x-amz-content-sha256": "UNSIGNED-PAYLOAD" } });
      expect(res.status).toBe(200);
    }
  });

  test("a blob cut short midway: 200 with the full length, then a reset; logged with object and chunk", async () => {
    const chunks = blobFiles("cut-middle");
    expect(chunks).toHaveLength(4);
    truncateSync(chunks[2].path, 1000);
    const started = Date.now();
    const r = await get("cut-middle");
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(r.status).toBe(200);
    expect(r.length).toBe(OBJECTS["cut-middle"]);
    expect(r.error).toBeDefined();
    expect(r.error).not.toContain("Timeout");
    expect(r.received).toBeLessThan(r.length);
    expect(await logged("object data truncated", `"bucket":"${B}"`, `"key":"cut-middle"`, chunks[2].h, chunks[2].b)).toBe(true);

    // curl too ends with an error (18: partial body, 56: receive failure), not its timeout (28).
    const c = await run(["curl", "-sS", "-o", "/dev/null", "--max-time", "15", "--aws-sigv4", `aws:amz:${ep.region}:s3`,
      "--user", `${ep.accessKey}:${ep.secretKey}`, "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD", url("cut-middle")]);
    expect([18, 56]).toContain(c.code);
  });

  test("a single-chunk blob cut short: a 500 before any byte, logged with the object", async () => {
    const [chunk] = blobFiles("cut-single");
    truncateSync(chunk.path, 10);
    const r = await get("cut-single");
    expect(r.status).toBe(500);
    expect(await logged("object data truncated", `"key":"cut-single"`, chunk.b)).toBe(true);
  });

  // A chunk's last read waits for its digest, so a rotten last chunk never completes the body:
  // rot-last answers 200 and breaks off; rot-single (its only read held back) resets at once.
  test.each([["rot-last", 2, 200], ["rot-single", 0, 0]] as const)("%s: a flipped byte errors the body before it is complete; logged", async (key, i, status) => {
    const chunk = blobFiles(key)[i];
    flipByte(chunk.path, chunk.n - 1); // the very last byte of the object
    const r = await get(key);
    expect(r.status).toBe(status);
    expect(r.error).toBeDefined();
    expect(r.error).not.toContain("Timeout");
    expect(r.received).toBeLessThan(OBJECTS[key]);
    expect(await logged("object data corrupt", `"key":"${key}"`, chunk.h, chunk.b)).toBe(true);
  });

  test("HEAD and the listing are unaffected; an intact object still reads whole", async () => {
    const head = await client.fetch(url("cut-middle"), { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(OBJECTS["cut-middle"]));
    const list = await (await client.fetch(`${ep.url}/${B}?list-type=2`)).text();
    for (const [key, size] of Object.entries(OBJECTS)) expect(list).toMatch(new RegExp(`<Key>${key}</Key>.*?<Size>${size}</Size>`));
    expect(await get("healthy")).toEqual({ status: 200, length: OBJECTS.healthy, received: OBJECTS.healthy });
  });

  test("scrub reports every damaged chunk (exit 1), --quarantine moves them aside, a repaired store is clean (exit 0)", async () => {
    const damaged = [blobFiles("cut-middle")[2], blobFiles("cut-single")[0], blobFiles("rot-last")[2], blobFiles("rot-single")[0]];
    const report = await scrub();
    expect(report.code).toBe(1);
    for (const c of damaged) expect(report.stdout).toContain(`chunk ${c.h} (blob ${c.b}`);
    expect(report.stdout).toMatch(/truncated chunk .*\n {2}referenced by: .*\/cut-middle/);
    expect(report.stdout).toMatch(/corrupt chunk .*\n {2}referenced by: .*\/rot-single/);
    expect(report.stdout).toContain("4 bad");
    expect(report.stdout).not.toContain("quarantined");

    const q = await scrub("--quarantine");
    expect(q.code).toBe(1);
    expect(q.stdout).toContain("4 quarantined");
    for (const c of damaged) {
      expect(existsSync(c.path)).toBe(false);
      expect(existsSync(join(dataDir, "chunks", ".quarantine", c.b))).toBe(true);
    }
    // A quarantined first chunk fails at once, with a clear error (not rot, not a hang).
    const r = await get("rot-single");
    expect(r.status).toBe(500);
    expect(await logged("object data missing", `"key":"rot-single"`)).toBe(true);

    // Repair: delete what scrub named; once GC has dropped the chunk rows, the store is clean.
    for (const key of ["cut-middle", "cut-single", "rot-last", "rot-single"]) {
      expect((await client.fetch(url(key), { method: "DELETE" })).status).toBe(204);
    }
    let last = await scrub();
    for (let i = 0; last.code !== 0 && i < 40; i++) {
      await Bun.sleep(250);
      last = await scrub();
    }
    expect(last.code).toBe(0);
    expect(last.stdout).toContain("all good");
    expect(await get("healthy")).toMatchObject({ status: 200, received: OBJECTS.healthy });
  });
});
