// `mc watch` across --workers children (cluster-listen.ts): two children wired through a
// stand-in for the supervisor's relay (what supervisor.ts does over IPC), with real hubs.
import { describe, expect, it } from "bun:test";
import { createClusterListen } from "../../../../src/runtime/bun/cluster-listen.ts";
import type { ListenEvent } from "../../../../src/events/listen.ts";

function pair() {
  const sets = new Map<string, string[]>();
  const kids: Record<string, ReturnType<typeof createClusterListen>> = {};
  const relay = (from: string) => (m: { s3edge: string; buckets?: string[]; events?: ListenEvent[] }) => {
    if (m.s3edge === "listen-set") {
      sets.set(from, m.buckets!);
      for (const id of Object.keys(kids)) kids[id].receive({ s3edge: "listen-remote", buckets: [...sets].filter(([o]) => o !== id).flatMap(([, b]) => b) });
    } else for (const id of Object.keys(kids)) if (id !== from) kids[id].receive(m);
  };
  kids.a = createClusterListen(relay("a"));
  kids.b = createClusterListen(relay("b"));
  return kids;
}
const ev = (bucket: string, key: string): ListenEvent => ({ bucket, key, eventName: "s3:ObjectCreated:Put", record: { s3: { object: { key } } } });

describe("cluster listen", () => {
  it("a stream in one child gets the other's events of its bucket; wanted() follows it open and closed", async () => {
    const { a, b } = pair();
    expect(await b.wanted("x")).toBe(false);
    const ac = new AbortController();
    const stream = await a.open({ bucket: "x", events: ["s3:ObjectCreated:*"], prefix: "", suffix: "" }, ac.signal);
    expect(await b.wanted("x")).toBe(true);
    expect(await b.wanted("y")).toBe(false);
    await b.publish([ev("x", "from-b"), ev("y", "not-watched")]);
    const reader = stream.getReader();
    let text = "";
    // A keep-alive space may come first.
    for (let i = 0; i < 3 && !text.includes("Records"); i++) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toContain("from-b");
    expect(text).not.toContain("not-watched");
    ac.abort();
    await reader.cancel().catch(() => {});
    await Bun.sleep(0);
    expect(await b.wanted("x")).toBe(false);
  });
});
