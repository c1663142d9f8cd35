// Request bodies as Go's encoding/xml writes them (rclone, minio-go, mc): every text value with
// '"', '\'' or a tab comes as a numeric reference. Each body kind must read them as characters.
import { describe, expect, it } from "bun:test";
import { KiB, MiB, parseXmlText, randomBytes, withBucket } from "../helpers/s3.ts";
import { targetsFromEnv } from "../../../src/events/targets.ts";

/** What Go's xml.EscapeText does to a value. */
const goEscape = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&#34;").replace(/'/g, "&#39;").replace(/\t/g, "&#x9;");

describe("Go-style XML bodies", () => {
  it("CompleteMultipartUpload with ETags as &#34;…&#34; (rclone, minio-go)", async () => {
    const { c } = await withBucket();
    const id = await c.createUpload("bkt", "big");
    const e1 = await c.uploadPart("bkt", "big", id, 1, randomBytes(5 * MiB, 1));
    const e2 = await c.uploadPart("bkt", "big", id, 2, randomBytes(10 * KiB, 2));
    const body = `<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
      [[1, e1], [2, e2]].map(([n, e]) => `<Part><PartNumber>${n}</PartNumber><ETag>${goEscape(String(e))}</ETag></Part>`).join("") +
      `</CompleteMultipartUpload>`;
    expect(body).toContain("&#34;");
    const res = await c.send(`/bkt/big?uploadId=${id}`, { method: "POST", body });
    expect(res.status).toBe(200);
    expect((await c.head("bkt", "big")).headers.get("content-length")).toBe(String(5 * MiB + 10 * KiB));
  });

  it("DeleteObjects of keys with ' \" & and a tab (minio-go RemoveObjects, mc rm --recursive) deletes them", async () => {
    const { c } = await withBucket();
    const keys = ["q/it's.txt", 'q/say "hi".txt', "q/a&b.txt", "q/tab\there.txt"];
    for (const k of keys) expect((await c.put("bkt", encodeURIComponent(k), "x")).status).toBe(200);
    const body = `<Delete><Quiet>false</Quiet>${keys.map((k) => `<Object><Key>${goEscape(k)}</Key></Object>`).join("")}</Delete>`;
    const res = await c.send("/bkt?delete", { method: "POST", body, headers: { "content-md5": md5(body) } });
    expect(res.status).toBe(200);
    const doc = parseXmlText(await res.text());
    expect(doc.DeleteResult.Deleted.map((d: { Key: string }) => d.Key).sort()).toEqual([...keys].sort());
    for (const k of keys) expect((await c.head("bkt", encodeURIComponent(k))).status).toBe(404);
  });

  it("PutObjectTagging with a tab and quotes in values", async () => {
    const { c } = await withBucket();
    await c.put("bkt", "t", "x");
    const body = `<Tagging><TagSet><Tag><Key>${goEscape('k"1')}</Key><Value>${goEscape("it's\tv")}</Value></Tag></TagSet></Tagging>`;
    expect((await c.send("/bkt/t?tagging", { method: "PUT", body })).status).toBe(200);
    const got = await c.xml("/bkt/t?tagging");
    const tag = [got.Tagging.TagSet.Tag].flat()[0];
    expect(tag).toEqual({ Key: 'k"1', Value: "it's\tv" });
  });

  it("PutBucketNotificationConfiguration with a prefix holding ' and &", async () => {
    const { c } = await withBucket("bkt", {
      notifyTargets: targetsFromEnv({ MINIO_NOTIFY_WEBHOOK_ENABLE_1: "on", MINIO_NOTIFY_WEBHOOK_ENDPOINT_1: "http://127.0.0.1:1/hook" }),
    });
    const body = `<NotificationConfiguration><QueueConfiguration><Id>a</Id><Queue>arn:minio:sqs::1:webhook</Queue>` +
      `<Event>s3:ObjectCreated:*</Event><Filter><S3Key><FilterRule><Name>prefix</Name><Value>${goEscape("it's&co/")}</Value></FilterRule>` +
      `</S3Key></Filter></QueueConfiguration></NotificationConfiguration>`;
    const put = await c.send("/bkt?notification", { method: "PUT", body });
    expect(put.status).toBe(200);
    const text = await (await c.send("/bkt?notification")).text();
    expect(text).toContain("<Value>it&apos;s&amp;co/</Value>");
  });
});

function md5(s: string): string {
  return new Bun.CryptoHasher("md5").update(s).digest("base64");
}
