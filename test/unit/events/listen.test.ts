import { describe, expect, it } from "bun:test";
import { createListenHub, listenMatches, parseListenQuery, type ListenEvent } from "../../../src/events/listen.ts";
import { S3Error } from "../../../src/xml/errors.ts";

const q = (s: string) => new URLSearchParams(s);
const ev = (bucket: string, eventName: string, key: string): ListenEvent => ({ bucket, eventName, key, record: { eventName, key } });

async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, pred: (t: string) => boolean, acc = { text: "" }) {
  const dec = new TextDecoder();
  while (!pred(acc.text)) {
    const { done, value } = await reader.read();
    if (done) break;
    acc.text += dec.decode(value, { stream: true });
  }
  return acc.text;
}

describe("parseListenQuery", () => {
  it("reads events, prefix, suffix and ping", () => {
    expect(parseListenQuery(q("events=s3:ObjectCreated:*&events=s3:ObjectRemoved:Delete&prefix=a/&suffix=.jpg&ping=10"), "b")).toEqual({
      bucket: "b", events: ["s3:ObjectCreated:*", "s3:ObjectRemoved:Delete"], prefix: "a/", suffix: ".jpg", pingMs: 10_000,
    });
    expect(parseListenQuery(q("events=s3:BucketCreated:*&prefix=&suffix="), "")).toEqual({ bucket: "", events: ["s3:BucketCreated:*"], prefix: "", suffix: "" });
  });
  it.each([
    ["events=s3:ObjectCreated:Bogus"], ["events=nope"], ["prefix=a&prefix=b"], ["suffix=a&suffix=b"], ["prefix=../x"],
    ["ping=0"], ["ping=-1"], ["ping=1.5"], ["ping=x"],
  ])("%s → InvalidArgument", (s) => {
    let err: unknown;
    try { parseListenQuery(q(s), "b"); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(S3Error);
    expect((err as S3Error).code).toBe("InvalidArgument");
  });
});

describe("listenMatches", () => {
  const f = { bucket: "b", events: ["s3:ObjectCreated:*", "s3:ObjectRemoved:Delete"], prefix: "p/", suffix: ".txt" };
  it.each([
    ["b", "s3:ObjectCreated:Put", "p/x.txt", true],
    ["b", "s3:ObjectCreated:CompleteMultipartUpload", "p/a/b.txt", true],
    ["b", "s3:ObjectRemoved:Delete", "p/x.txt", true],
    ["b", "s3:ObjectAccessed:Get", "p/x.txt", false],
    ["c", "s3:ObjectCreated:Put", "p/x.txt", false],
    ["b", "s3:ObjectCreated:Put", "q/x.txt", false],
    ["b", "s3:ObjectCreated:Put", "p/x.jpg", false],
    ["b", "s3:ObjectCreated:Put", "p/.txt", true],
  ])("%s %s %s → %p", (bucket, name, key, want) => {
    expect(listenMatches(f, { bucket, eventName: name, key })).toBe(want);
  });
  it("a prefix and suffix that overlap need a key as long as both (glob prefix*suffix)", () => {
    expect(listenMatches({ bucket: "", events: ["s3:ObjectCreated:*"], prefix: "ab", suffix: "bc" }, { bucket: "x", eventName: "s3:ObjectCreated:Put", key: "abc" })).toBe(false);
    expect(listenMatches({ bucket: "", events: ["s3:ObjectCreated:*"], prefix: "ab", suffix: "bc" }, { bucket: "x", eventName: "s3:ObjectCreated:Put", key: "abbc" })).toBe(true);
  });
  it("no events: nothing (MinIO's rule)", () => {
    expect(listenMatches({ bucket: "", events: [], prefix: "", suffix: "" }, { bucket: "x", eventName: "s3:ObjectCreated:Put", key: "k" })).toBe(false);
  });
});

describe("createListenHub", () => {
  it("fans a matching event out as one {\"Records\":[…]} line per stream, keep-alive spaces between", async () => {
    const hub = createListenHub({ keepaliveMs: 20 });
    const a = hub.subscribe({ bucket: "b", events: ["s3:ObjectCreated:*"], prefix: "", suffix: "" }).getReader();
    const all = hub.subscribe({ bucket: "", events: ["s3:ObjectCreated:*", "s3:BucketCreated:*"], prefix: "", suffix: "" }).getReader();
    expect(hub.count("b")).toBe(1);
    expect(hub.count("")).toBe(1);
    hub.publish([ev("b", "s3:ObjectCreated:Put", "k1"), ev("c", "s3:ObjectCreated:Put", "k2"), ev("c", "s3:BucketCreated:*", "")]);
    const ta = await readUntil(a, (t) => t.includes("k1"));
    expect(ta.trim()).toBe(JSON.stringify({ Records: [{ eventName: "s3:ObjectCreated:Put", key: "k1" }] }));
    const tall = await readUntil(all, (t) => t.includes("BucketCreated"));
    const lines = tall.split("\n").map((l) => l.trim()).filter(Boolean).map((l) => JSON.parse(l).Records[0].key);
    expect(lines).toEqual(["k1", "k2", ""]);
    // Keep-alives: spaces only (no ping asked), nothing a JSON line reader would trip on.
    const more = await readUntil(a, (t) => t.length > 3, { text: "" });
    expect(more.trim()).toBe("");
    hub.close();
    expect(hub.count()).toBe(0);
  });

  it("ping=N: {\"Records\":null} lines", async () => {
    const hub = createListenHub({ keepaliveMs: 10 });
    const r = hub.subscribe({ bucket: "b", events: ["s3:ObjectCreated:*"], prefix: "", suffix: "", pingMs: 10 }).getReader();
    expect((await readUntil(r, (t) => t.includes("\n"))).trim()).toBe('{"Records":null}');
    hub.close();
  });

  it("a cancelled reader or an aborted signal unsubscribes; onIdle names the bucket", async () => {
    const hub = createListenHub();
    const idle: string[] = [];
    hub.onIdle = (b) => idle.push(b);
    const s = hub.subscribe({ bucket: "b", events: ["s3:ObjectCreated:*"], prefix: "", suffix: "" });
    const ac = new AbortController();
    hub.subscribe({ bucket: "b", events: ["s3:ObjectCreated:*"], prefix: "", suffix: "" }, ac.signal);
    expect(hub.count("b")).toBe(2);
    await s.cancel();
    expect(hub.count("b")).toBe(1);
    expect(idle).toEqual([]);
    ac.abort();
    expect(hub.count("b")).toBe(0);
    expect(idle).toEqual(["b"]);
  });

  it("a reader that stops reading is dropped once too much waits for it (no unbounded buffer)", async () => {
    const hub = createListenHub({ maxQueued: 1000 });
    hub.subscribe({ bucket: "b", events: ["s3:ObjectCreated:*"], prefix: "", suffix: "" });
    for (let i = 0; i < 50 && hub.count() > 0; i++) hub.publish([{ ...ev("b", "s3:ObjectCreated:Put", "k"), record: { pad: "x".repeat(100) } }]);
    expect(hub.count()).toBe(0);
  });
});
