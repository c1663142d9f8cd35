// ListenBucketNotification / ListenNotification through app.request, with the in-process hub.
import { describe, expect, it } from "bun:test";
import { withBucket } from "../helpers/s3.ts";
import { createLocalListen } from "../../../src/events/listen.ts";

async function setup() {
  const t = await withBucket("bkt");
  const listen = createLocalListen();
  t.env.deps.listen = listen;
  return { ...t, listen };
}

async function readLines(res: Response, n: number): Promise<any[]> {
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let text = "";
  const lines = () => text.split("\n").map((l) => l.trim()).filter((l) => l.startsWith("{"));
  while (lines().length < n) {
    const { done, value } = await reader.read();
    if (done) break;
    text += dec.decode(value, { stream: true });
  }
  await reader.cancel();
  return lines().map((l) => JSON.parse(l).Records[0]);
}

describe("listen (mc watch) through the app", () => {
  it("a bucket listen gets the matching changes and accesses, MinIO-shaped, and nothing else", async () => {
    const { c, listen } = await setup();
    // (aws4fetch signs only the first of a repeated key: one `events` here; several: the e2e test.)
    const res = await c.send("/bkt?events=s3:ObjectCreated:*&prefix=a/&suffix=");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    expect(listen.hub.count("bkt")).toBe(1);
    await c.put("bkt", "b/skip", "x");
    await c.put("bkt", "a/one two", "hello");
    await c.send("/bkt/a/one%20two");
    await c.send("/bkt/a/one%20two", { method: "DELETE" }); // accesses, removals: not asked for
    await c.put("bkt", "a/last", "x");
    const recs = await readLines(res, 2);
    expect(recs.map((r) => `${r.eventName} ${r.s3.object.key}`)).toEqual(["s3:ObjectCreated:Put a%2Fone+two", "s3:ObjectCreated:Put a%2Flast"]);
    expect(recs[0]).toMatchObject({ eventSource: "minio:s3", s3: { configurationId: "Config", bucket: { name: "bkt" }, object: { size: 5 } } });
    expect(listen.hub.count()).toBe(0); // the reader went away
  });

  it("a root listen sees a bucket removal (creation: the e2e test); nobody listening builds no record", async () => {
    const { c, listen } = await setup();
    await c.put("bkt", "k", "x"); // no listener: nothing published, nothing kept
    const res = await c.send("/?events=s3:BucketRemoved:*");
    expect(res.status).toBe(200);
    expect((await c.send("/newb", { method: "PUT" })).status).toBe(200);
    expect((await c.send("/newb", { method: "DELETE" })).status).toBe(204);
    const recs = await readLines(res, 1);
    expect(recs.map((r) => `${r.eventName} ${r.s3.bucket.name}`)).toEqual(["s3:BucketRemoved:* newb"]);
    expect(listen.hub.count()).toBe(0);
  });

  it.each([
    ["/bkt?events=s3:Nope:*", 400, "InvalidArgument"],
    ["/bkt?events=s3:ObjectCreated:*&ping=0", 400, "InvalidArgument"],
    ["/nobucket?events=s3:ObjectCreated:*", 404, "NoSuchBucket"],
  ])("GET %s → %i %s", async (path, status, code) => {
    const { c } = await setup();
    const res = await c.send(path);
    expect(res.status).toBe(status);
    expect(await res.text()).toContain(`<Code>${code}</Code>`);
  });
});
