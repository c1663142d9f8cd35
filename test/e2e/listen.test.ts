// `mc watch` end to end: minio-go's ListenBucketNotification and ListenNotification (Debian's
// minio-go 7.0.46, test/e2e/go/listen) hold a stream open while another client changes objects
// and buckets; plus the stream's framing and errors over a raw signed fetch. On Bun the events
// come from the process's in-memory hub, on workerd from the ListenHub Durable Object
// (docs/listen.md). A stream sees only what happens while it is open, so each listener is
// "primed": probe objects are written until the first arrives, then the real changes are made.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { AwsClient } from "aws4fetch";
import { goBinary, goMissing } from "./go/build.ts";
import { awsEnv, bucketName, useServer } from "./harness.ts";

const ep = useServer();
const B = bucketName("listen");
const s3 = () => new AwsClient({ accessKeyId: ep.accessKey, secretAccessKey: ep.secretKey, region: ep.region, service: "s3", retries: 0 });
const put = async (bucket: string, key: string, body: string) => {
  const r = await s3().fetch(`${ep.url}/${bucket}/${encodeURIComponent(key).replace(/%2F/g, "/")}`, { method: "PUT", body });
  expect(r.status).toBe(200);
  await r.arrayBuffer();
};
const del = async (path: string, status = 204) => {
  const r = await s3().fetch(`${ep.url}/${path}`, { method: "DELETE" });
  expect(r.status).toBe(status);
  await r.arrayBuffer();
};

interface Line { eventName: string; bucket: string; key: string; size: number; eTag: string; configurationId: string; record: any; error?: string }

/** A running Go listener: the JSON lines it printed so far, and a wait for a condition on them. */
function startListener(bin: string, args: string[]) {
  const proc = Bun.spawn([bin, ...args], { env: awsEnv(ep), stdout: "pipe", stderr: "pipe" });
  const lines: Line[] = [];
  let buf = "";
  let stderr = "";
  const waiters = new Set<() => void>();
  (async () => {
    const dec = new TextDecoder();
    const reader = proc.stdout.getReader();
    for (;;) {
      const { done, value: chunk } = await reader.read();
      if (done) break;
      buf += dec.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const l = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (l) lines.push(JSON.parse(l));
      }
      for (const w of waiters) w();
    }
  })();
  new Response(proc.stderr).text().then((t) => { stderr += t; });
  const waitFor = (pred: (l: Line[]) => boolean, ms = 15_000) => new Promise<Line[]>((resolve, reject) => {
    const check = () => {
      if (lines.some((l) => l.error)) { waiters.delete(check); reject(new Error(`listener failed: ${JSON.stringify(lines)}\n${stderr}`)); }
      else if (pred(lines)) { waiters.delete(check); clearTimeout(timer); resolve(lines); }
    };
    const timer = setTimeout(() => { waiters.delete(check); reject(new Error(`timed out; lines: ${JSON.stringify(lines.map((l) => `${l.eventName} ${l.bucket}/${l.key}`))}\n${stderr}\n${ep.logs()}`)); }, ms);
    waiters.add(check);
    check();
  });
  /** Writes probe objects under `probeKey` until the listener reports one (its stream is then open). */
  const prime = async (bucket: string, probeKey: string) => {
    for (let i = 0; i < 100; i++) {
      await put(bucket, probeKey, "probe");
      try {
        await waitFor((l) => l.some((x) => x.key === probeKey), 300);
        return;
      } catch (e) {
        if (lines.some((l) => l.error)) throw e;
      }
    }
    throw new Error(`listener never saw a probe:\n${stderr}`);
  };
  return { lines, waitFor, prime, stop: () => { proc.kill(); return proc.exited; } };
}

beforeAll(async () => {
  const r = await s3().fetch(`${ep.url}/${B}`, { method: "PUT" });
  expect(r.status).toBe(200);
});

describe("listen stream (raw)", () => {
  test("framing: 200 text/event-stream, a first byte at once, {\"Records\":null} every ping=1 s, then one record line", async () => {
    const ac = new AbortController();
    const res = await s3().fetch(`${ep.url}/${B}?events=s3:ObjectCreated:*&prefix=raw/&suffix=&ping=1`, { signal: ac.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    expect(res.headers.get("cache-control")).toBe("no-cache");
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    let text = "";
    const until = async (pred: (t: string) => boolean, ms = 8000) => {
      const end = Date.now() + ms;
      while (!pred(text)) {
        if (Date.now() > end) throw new Error(`stream so far: ${JSON.stringify(text)}`);
        const { done, value } = await reader.read();
        if (done) throw new Error(`stream ended: ${JSON.stringify(text)}`);
        text += dec.decode(value, { stream: true });
      }
    };
    await until((t) => t.includes('{"Records":null}\n'));
    // Keep writing until the put lands on the open stream (on workerd the listen state is set before the answer).
    await put(B, "raw/a b.txt", "hello");
    await until((t) => t.includes("ObjectCreated"));
    await until((t) => /\{"Records":\[.*\]\}\n/.test(t));
    const line = text.split("\n").map((l) => l.trim()).find((l) => l.includes("ObjectCreated"))!;
    const rec = JSON.parse(line).Records[0];
    expect(rec).toMatchObject({
      eventVersion: "2.0", eventSource: "minio:s3", eventName: "s3:ObjectCreated:Put",
      s3: { configurationId: "Config", bucket: { name: B }, object: { key: "raw%2Fa+b.txt", size: 5, eTag: "5d41402abc4b2a76b9719d911017c592" } },
    });
    ac.abort();
    await reader.cancel().catch(() => {});
  });

  test.each([
    ["an unknown event name", "events=s3:ObjectCreated:Nope", 400, "InvalidArgument"],
    // (Two prefixes are a unit case: aws4fetch signs only the first of a repeated key.)
    ["ping=0", "events=s3:ObjectCreated:*&ping=0", 400, "InvalidArgument"],
    ["a non-numeric ping", "events=s3:ObjectCreated:*&ping=soon", 400, "InvalidArgument"],
  ])("%s → %i %s (S3 XML, before any stream)", async (_what, query, status, code) => {
    const res = await s3().fetch(`${ep.url}/${B}?${query}`);
    expect(res.status).toBe(status);
    expect(await res.text()).toContain(`<Code>${code}</Code>`);
  });

  test("a missing bucket is NoSuchBucket; anonymous is AccessDenied", async () => {
    const res = await s3().fetch(`${ep.url}/${bucketName("nope")}?events=s3:ObjectCreated:*`);
    expect(res.status).toBe(404);
    expect(await res.text()).toContain("<Code>NoSuchBucket</Code>");
    const anon = await fetch(`${ep.url}/${B}?events=s3:ObjectCreated:*`);
    expect(anon.status).toBe(403);
    await anon.arrayBuffer();
  });
});

const missing = goMissing("listen");
if (missing) {
  if (process.env.CI) test("Go toolchain and Debian minio-go are installed", () => { throw new Error(missing); });
  else console.warn(`listen.test.ts: SKIPPED the minio-go cases, ${missing}`);
}

describe.skipIf(!!missing)("minio-go ListenBucketNotification / ListenNotification (mc watch)", () => {
  let bin = "";
  const running: { stop(): Promise<unknown> }[] = [];
  beforeAll(async () => { bin = await goBinary("listen"); }, 300_000);
  afterAll(async () => { await Promise.all(running.map((r) => r.stop())); });

  test("bucket listen: created, accessed and removed objects under the prefix/suffix filter, in order", async () => {
    const l = startListener(bin, [B, "watch/", ".txt", "s3:ObjectCreated:*,s3:ObjectRemoved:*,s3:ObjectAccessed:*"]);
    running.push(l);
    await l.prime(B, "watch/probe.txt");
    await put(B, "watch/skip.bin", "not matching the suffix");
    await put(B, "other/skip.txt", "not matching the prefix");
    await put(B, "watch/dir/one two.txt", "12345");
    const get = await s3().fetch(`${ep.url}/${B}/watch/dir/one%20two.txt`);
    expect(await get.text()).toBe("12345");
    await del(`${B}/watch/dir/one%20two.txt`);
    const lines = await l.waitFor((x) => x.some((e) => e.eventName === "s3:ObjectRemoved:Delete"));
    const seen = lines.filter((e) => e.key !== "watch/probe.txt").map((e) => `${e.eventName} ${e.bucket}/${e.key}`);
    expect(seen).toEqual([
      `s3:ObjectCreated:Put ${B}/watch/dir/one two.txt`,
      `s3:ObjectAccessed:Get ${B}/watch/dir/one two.txt`,
      `s3:ObjectRemoved:Delete ${B}/watch/dir/one two.txt`,
    ]);
    const created = lines.find((e) => e.key === "watch/dir/one two.txt")!;
    expect(created).toMatchObject({ size: 5, eTag: "827ccb0eea8a706c4c34a16891f84e7b", configurationId: "Config" });
    await l.stop();
  });

  test("root listen (mc watch ALIAS): bucket creation and removal, and objects of any bucket", async () => {
    const l = startListener(bin, ["", "", "", "s3:BucketCreated:*,s3:BucketRemoved:*,s3:ObjectCreated:*"]);
    running.push(l);
    await l.prime(B, "root-probe");
    const other = bucketName("listen-other");
    const mk = await s3().fetch(`${ep.url}/${other}`, { method: "PUT" });
    expect(mk.status).toBe(200);
    await put(other, "x.txt", "x");
    await del(`${other}/x.txt`); // ObjectRemoved: not asked for
    await del(other);
    const lines = await l.waitFor((x) => x.some((e) => e.eventName === "s3:BucketRemoved:*"));
    expect(lines.filter((e) => e.bucket === other).map((e) => `${e.eventName} ${e.key}`)).toEqual([
      "s3:BucketCreated:* ", "s3:ObjectCreated:Put x.txt", "s3:BucketRemoved:* ",
    ]);
    await l.stop();
  });
});
