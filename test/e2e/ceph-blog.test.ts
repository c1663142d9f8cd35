// The Ceph bucket-notification blog's flow (seeds/002) end to end, its two scripts as published
// (test/e2e/py/ceph_server.py, ceph_notify.py): the plain Python HTTP server logs what it is
// POSTed; the boto3 client (SigV2, region "default") creates an SNS topic pushing to it and a
// TopicConfiguration for s3:ObjectCreated:* and s3:ObjectRemoved:* on a new bucket; then aws cli
// uploads and removes an object, and the server receives Ceph-shaped records
// (specs/ceph-notifications.md). The blog's topic is not persistent, so, as on Ceph, each record
// is pushed before the S3 call answers (Bun and workerd alike); a persistent=true topic goes
// through the outbox (Bun: the local queue; workerd: the EVENTS Queue and its consumer).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createServer } from "node:net";
import { join } from "node:path";
import { aws, awsJson, bucketName, ok, PY_DIR, randomFile, run, tempDir, useServer } from "./harness.ts";

const ep = useServer();
const B = bucketName("cephblog");
const TOPIC = `${B}-topic`;

interface Post { path: string; headers: Record<string, string>; body: any }

/** The blog's server.py on a free port; what it logs is parsed back into requests. */
function startBlogServer() {
  let log = "";
  let proc: ReturnType<typeof Bun.spawn> | null = null;
  const s = {
    port: 0,
    async start() {
      s.port = await new Promise<number>((res) => {
        const srv = createServer().listen(0, "127.0.0.1", () => {
          const p = (srv.address() as { port: number }).port;
          srv.close(() => res(p));
        });
      });
      proc = Bun.spawn(["python3", "-u", join(PY_DIR, "ceph_server.py"), String(s.port)], { stdout: "ignore", stderr: "pipe", env: { ...process.env } });
      (async () => {
        const dec = new TextDecoder();
        const reader = (proc!.stderr as ReadableStream<Uint8Array>).getReader();
        for (let r = await reader.read(); !r.done; r = await reader.read()) log += dec.decode(r.value, { stream: true });
      })();
      await s.until(() => log.includes("Starting httpd"), 10_000);
    },
    /** Every POST the server logged: "POST request\nPath: …\nHeaders:\n…\nBody:\n<body>\n". */
    posts(): Post[] {
      return log.split("INFO:root:POST request\n").slice(1).map((chunk) => {
        const path = /^Path: (.*)$/m.exec(chunk)?.[1] ?? "";
        const head = chunk.slice(chunk.indexOf("Headers:\n") + 9, chunk.indexOf("\nBody:\n"));
        const headers: Record<string, string> = {};
        for (const line of head.split("\n")) {
          const i = line.indexOf(": ");
          if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 2);
        }
        const bodyLine = chunk.slice(chunk.indexOf("\nBody:\n") + 7).split("\n")[0];
        let body: any = null;
        try { body = JSON.parse(bodyLine); } catch { body = bodyLine; }
        return { path, headers, body };
      });
    },
    async until(pred: () => boolean, ms: number) {
      const end = Date.now() + ms;
      while (!pred()) {
        if (Date.now() > end) throw new Error(`blog server: condition not met in ${ms} ms; its log:\n${log.slice(-3000)}`);
        await Bun.sleep(50);
      }
    },
    stop() { proc?.kill(); },
  };
  return s;
}

const server = startBlogServer();
beforeAll(() => server.start());
afterAll(() => server.stop());

const mine = () => server.posts().filter((p) => p.body?.Records?.[0]?.s3?.bucket?.name === B);

describe("the Ceph notification blog, unchanged", () => {
  test("notify.py creates the topic and the bucket notification (boto3, SigV2, region default)", async () => {
    ok(await run(["python3", join(PY_DIR, "ceph_notify.py"), "-e", ep.url, "-a", ep.accessKey, "-s", ep.secretKey, "-b", B,
      "-he", `127.0.0.1:${server.port}`, "-t", TOPIC], { cwd: PY_DIR }), "ceph_notify.py");
    const got = await awsJson(ep, ["s3api", "get-bucket-notification-configuration", "--bucket", B]);
    expect(got.TopicConfigurations).toEqual([{ Id: "configuration", TopicArn: `arn:aws:sns:${ep.region}::${TOPIC}`, Events: ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"] }]);
  });

  test("the SNS topic reads back through aws cli (SigV4 for sns)", async () => {
    const arn = `arn:aws:sns:${ep.region}::${TOPIC}`;
    const list = await awsJson(ep, ["sns", "list-topics"]);
    expect(list.Topics.map((t: { TopicArn: string }) => t.TopicArn)).toContain(arn);
    const attrs = (await awsJson(ep, ["sns", "get-topic-attributes", "--topic-arn", arn])).Attributes;
    expect(attrs).toMatchObject({ Name: TOPIC, TopicArn: arn, OpaqueData: "" });
    expect(JSON.parse(attrs.EndPoint)).toMatchObject({ EndpointAddress: `http://127.0.0.1:${server.port}`, EndpointTopic: TOPIC, HasStoredSecret: false, Persistent: false });
  });

  test("an upload and a removal reach the blog's server as Ceph records", async () => {
    const dir = tempDir();
    const f = await randomFile(dir, "hello.txt", 15);
    ok(await aws(ep, ["s3", "cp", f.path, `s3://${B}/hello.txt`]), "aws s3 cp");
    ok(await aws(ep, ["s3", "rm", `s3://${B}/hello.txt`]), "aws s3 rm");
    await server.until(() => mine().length >= 2, 30_000);
    const posts = mine();
    for (const p of posts) {
      expect(p.path).toBe("/");
      expect(p.headers["content-type"]).toBe("application/json");
      expect(Object.keys(p.body)).toEqual(["Records"]);
      expect(p.body.Records).toHaveLength(1);
    }
    const records = posts.map((p) => p.body.Records[0]);
    const put = records.find((r) => r.eventName === "ObjectCreated:Put");
    const del = records.find((r) => r.eventName === "ObjectRemoved:Delete");
    expect(put).toMatchObject({
      eventVersion: "2.2", eventSource: "ceph:s3", awsRegion: ep.region, userIdentity: { principalId: ep.accessKey },
      responseElements: { "x-amz-request-id": expect.any(String), "x-amz-id-2": expect.any(String) },
      s3: {
        s3SchemaVersion: "1.0", configurationId: "configuration",
        bucket: { name: B, ownerIdentity: { principalId: ep.accessKey }, arn: `arn:aws:s3:::${B}`, id: expect.any(String) },
        object: { key: "hello.txt", size: 15, versionId: "", tags: [] },
      },
      opaqueData: "",
    });
    const etag = new Bun.CryptoHasher("md5").update(f.data).digest("hex");
    expect(put.s3.object.eTag).toBe(etag);
    expect(put.eventTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(put.s3.object.sequencer).toMatch(/^[0-9A-F]{16}$/);
    expect(put.eventId).toMatch(new RegExp(`^\\d+\\.\\d{6}\\.${etag}$`));
    // Ceph lists the request's x-amz-* headers as the object's metadata.
    expect(put.s3.object.metadata).toContainEqual({ key: "x-amz-date", val: expect.stringMatching(/^\d{8}T\d{6}Z$/) });
    expect(put.s3.object.metadata.every((m: { key: string }) => m.key.startsWith("x-amz-"))).toBe(true);
    // The removal carries the removed object's size and ETag, as Ceph's does.
    expect(del).toMatchObject({ eventSource: "ceph:s3", s3: { configurationId: "configuration", bucket: { name: B }, object: { key: "hello.txt", size: 15, eTag: etag } } });
  });

  test("a persistent topic (aws cli create-topic) is delivered through the outbox", async () => {
    const name = `${TOPIC}-p`;
    const created = await awsJson(ep, ["sns", "create-topic", "--name", name, "--attributes",
      JSON.stringify({ "push-endpoint": `http://127.0.0.1:${server.port}/persistent`, persistent: "true", OpaqueData: "od-1" })]);
    expect(created.TopicArn).toBe(`arn:aws:sns:${ep.region}::${name}`);
    const file = join(tempDir(), "n.json");
    await Bun.write(file, JSON.stringify({ TopicConfigurations: [{ Id: "p", TopicArn: created.TopicArn, Events: ["s3:ObjectCreated:*"] }] }));
    ok(await aws(ep, ["s3api", "put-bucket-notification-configuration", "--bucket", B, "--notification-configuration", `file://${file}`]), "put config");
    const f = await randomFile(tempDir(), "p.bin", 100);
    ok(await aws(ep, ["s3", "cp", f.path, `s3://${B}/persistent.bin`]), "aws s3 cp");
    await server.until(() => server.posts().some((p) => p.path === "/persistent" && p.body?.Records?.[0]?.s3?.object?.key === "persistent.bin"), 30_000);
    const rec = server.posts().find((p) => p.path === "/persistent")!.body.Records[0];
    expect(rec).toMatchObject({ eventSource: "ceph:s3", eventName: "ObjectCreated:Put", opaqueData: "od-1", s3: { configurationId: "p", object: { size: 100 } } });
    ok(await aws(ep, ["sns", "delete-topic", "--topic-arn", created.TopicArn]), "delete-topic");
  });

  test("DeleteTopic through aws cli; a second delete is no error", async () => {
    const arn = `arn:aws:sns:${ep.region}::${TOPIC}`;
    ok(await aws(ep, ["sns", "delete-topic", "--topic-arn", arn]), "delete-topic");
    ok(await aws(ep, ["sns", "delete-topic", "--topic-arn", arn]), "delete-topic again");
    const list = await awsJson(ep, ["sns", "list-topics"]);
    expect((list.Topics ?? []).map((t: { TopicArn: string }) => t.TopicArn)).not.toContain(arn);
  });
});
