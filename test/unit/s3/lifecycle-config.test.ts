// Put/Get/DeleteBucketLifecycleConfiguration through the app: round trip of every supported
// element, and S3's validation codes.
import { describe, expect, it } from "bun:test";
import { errorCode, md5B64, parseXmlText, withBucket } from "../helpers/s3.ts";

const doc = (rules: string) => `<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${rules}</LifecycleConfiguration>`;
const put = (c: Awaited<ReturnType<typeof withBucket>>["c"], body: string, headers: Record<string, string> = { "content-md5": md5B64(body) }) =>
  c.send("/bkt?lifecycle", { method: "PUT", body, headers });

const FULL = doc(
  `<Rule><ID>days</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>30</Days></Expiration></Rule>` +
  `<Rule><ID>date</ID><Filter><Tag><Key>env</Key><Value>dev</Value></Tag></Filter><Status>Disabled</Status><Expiration><Date>2027-01-01T00:00:00.000Z</Date></Expiration></Rule>` +
  `<Rule><ID>and</ID><Filter><And><Prefix>a/</Prefix><Tag><Key>k1</Key><Value>v1</Value></Tag><Tag><Key>k2</Key><Value></Value></Tag>` +
  `<ObjectSizeGreaterThan>10</ObjectSizeGreaterThan><ObjectSizeLessThan>1000</ObjectSizeLessThan></And></Filter><Status>Enabled</Status>` +
  `<NoncurrentVersionExpiration><NoncurrentDays>7</NoncurrentDays><NewerNoncurrentVersions>3</NewerNoncurrentVersions></NoncurrentVersionExpiration></Rule>` +
  `<Rule><ID>marker</ID><Filter></Filter><Status>Enabled</Status><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>` +
  `<AbortIncompleteMultipartUpload><DaysAfterInitiation>2</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>` +
  `<Rule><ID>legacy</ID><Prefix>old/</Prefix><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>` +
  `<Rule><ID>gt</ID><Filter><ObjectSizeGreaterThan>5</ObjectSizeGreaterThan></Filter><Status>Enabled</Status><Expiration><Days>2</Days></Expiration></Rule>` +
  `<Rule><ID>lt</ID><Filter><ObjectSizeLessThan>5</ObjectSizeLessThan></Filter><Status>Enabled</Status><Expiration><Days>3</Days></Expiration></Rule>`,
);

describe("lifecycle configuration", () => {
  it("GET with none → 404 NoSuchLifecycleConfiguration; DELETE with none → 204", async () => {
    const { c } = await withBucket();
    const res = await c.send("/bkt?lifecycle");
    expect(res.status).toBe(404);
    expect(await errorCode(res)).toBe("NoSuchLifecycleConfiguration");
    expect((await c.send("/bkt?lifecycle", { method: "DELETE" })).status).toBe(204);
  });

  it("round-trips every supported element in S3's element order, then DELETE removes it", async () => {
    const { c } = await withBucket();
    expect((await put(c, FULL)).status).toBe(200);
    const res = await c.send("/bkt?lifecycle");
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain(
      "<Rule><Expiration><Days>30</Days></Expiration><ID>days</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status></Rule>",
    );
    expect(text).toContain("<Expiration><Date>2027-01-01T00:00:00.000Z</Date></Expiration><ID>date</ID><Filter><Tag><Key>env</Key><Value>dev</Value></Tag></Filter><Status>Disabled</Status>");
    expect(text).toContain("<ID>legacy</ID><Prefix>old/</Prefix><Status>Enabled</Status>");
    expect(text).toContain("<Filter></Filter>");
    const rules = parseXmlText(text).LifecycleConfiguration.Rule;
    expect(rules).toHaveLength(7);
    expect(rules[2]).toEqual({
      ID: "and", Status: "Enabled",
      Filter: { And: { Prefix: "a/", Tag: [{ Key: "k1", Value: "v1" }, { Key: "k2", Value: "" }], ObjectSizeGreaterThan: "10", ObjectSizeLessThan: "1000" } },
      NoncurrentVersionExpiration: { NoncurrentDays: "7", NewerNoncurrentVersions: "3" },
    });
    expect(rules[3]).toMatchObject({ Expiration: { ExpiredObjectDeleteMarker: "true" }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: "2" } });
    expect(rules[5].Filter).toEqual({ ObjectSizeGreaterThan: "5" });
    expect(rules[6].Filter).toEqual({ ObjectSizeLessThan: "5" });
    expect((await c.send("/bkt?lifecycle", { method: "DELETE" })).status).toBe(204);
    expect(await errorCode(await c.send("/bkt?lifecycle"))).toBe("NoSuchLifecycleConfiguration");
  });

  it("a rule without an ID gets one; a date-only Date is midnight UTC", async () => {
    const { c } = await withBucket();
    expect((await put(c, doc("<Rule><Filter/><Status>Enabled</Status><Expiration><Date>2027-02-01</Date></Expiration></Rule>"))).status).toBe(200);
    const rule = (await c.xml("/bkt?lifecycle")).LifecycleConfiguration.Rule;
    expect(String(rule.ID)).toMatch(/^[0-9a-f-]{36}$/);
    expect(rule.Expiration.Date).toBe("2027-02-01T00:00:00.000Z");
  });

  it("needs Content-MD5 or a checksum; a wrong one is BadDigest", async () => {
    const { c } = await withBucket();
    const body = doc("<Rule><ID>a</ID><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>");
    expect(await errorCode(await put(c, body, {}))).toBe("InvalidRequest");
    expect(await errorCode(await put(c, body, { "content-md5": md5B64("other") }))).toBe("BadDigest");
    expect(await errorCode(await put(c, body, { "x-amz-checksum-crc32": "AAAAAA==" }))).toBe("BadDigest");
  });

  it("a missing bucket is NoSuchBucket", async () => {
    const { c } = await withBucket();
    const body = doc("<Rule><ID>a</ID><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>");
    expect(await errorCode(await c.send("/nope?lifecycle", { method: "PUT", body, headers: { "content-md5": md5B64(body) } }))).toBe("NoSuchBucket");
  });

  const r = (inner: string, filter = "<Filter/>") => `<Rule><ID>x</ID>${filter}<Status>Enabled</Status>${inner}</Rule>`;
  const days = "<Expiration><Days>1</Days></Expiration>";
  it.each([
    ["no rules", doc(""), "MalformedXML"],
    ["not XML", "<LifecycleConfiguration>", "MalformedXML"],
    ["another root", "<CORSConfiguration/>", "MalformedXML"],
    ["bad Status", doc(`<Rule><ID>x</ID><Filter/><Status>On</Status>${days}</Rule>`), "MalformedXML"],
    ["no Filter nor Prefix", doc(`<Rule><ID>x</ID><Status>Enabled</Status>${days}</Rule>`), "MalformedXML"],
    ["Filter and Prefix", doc(`<Rule><ID>x</ID><Prefix>a</Prefix><Filter/><Status>Enabled</Status>${days}</Rule>`), "MalformedXML"],
    ["two filter elements", doc(r(days, "<Filter><Prefix>a</Prefix><ObjectSizeLessThan>3</ObjectSizeLessThan></Filter>")), "MalformedXML"],
    ["Days and Date", doc(r("<Expiration><Days>1</Days><Date>2027-01-01</Date></Expiration>")), "MalformedXML"],
    ["marker and Days", doc(r("<Expiration><Days>1</Days><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>")), "MalformedXML"],
    ["empty Expiration", doc(r("<Expiration></Expiration>")), "MalformedXML"],
    ["Days not a number", doc(r("<Expiration><Days>one</Days></Expiration>")), "MalformedXML"],
    ["Days 0", doc(r("<Expiration><Days>0</Days></Expiration>")), "InvalidArgument"],
    ["Days negative", doc(r("<Expiration><Days>-3</Days></Expiration>")), "InvalidArgument"],
    ["Date not midnight", doc(r("<Expiration><Date>2027-01-01T12:00:00Z</Date></Expiration>")), "InvalidArgument"],
    ["Date not a date", doc(r("<Expiration><Date>tomorrow</Date></Expiration>")), "MalformedXML"],
    ["NoncurrentDays 0", doc(r("<NoncurrentVersionExpiration><NoncurrentDays>0</NoncurrentDays></NoncurrentVersionExpiration>")), "InvalidArgument"],
    ["NewerNoncurrentVersions 101", doc(r("<NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays><NewerNoncurrentVersions>101</NewerNoncurrentVersions></NoncurrentVersionExpiration>")), "InvalidArgument"],
    ["DaysAfterInitiation 0", doc(r("<AbortIncompleteMultipartUpload><DaysAfterInitiation>0</DaysAfterInitiation></AbortIncompleteMultipartUpload>")), "InvalidArgument"],
    ["abort with a tag filter", doc(r("<AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload>", "<Filter><Tag><Key>a</Key><Value>b</Value></Tag></Filter>")), "InvalidRequest"],
    ["marker with a tag filter", doc(r("<Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>", "<Filter><Tag><Key>a</Key><Value>b</Value></Tag></Filter>")), "InvalidArgument"],
    ["no action", doc(r("")), "InvalidRequest"],
    ["duplicate IDs", doc(r(days) + r(days)), "InvalidArgument"],
    ["ID too long", doc(`<Rule><ID>${"i".repeat(256)}</ID><Filter/><Status>Enabled</Status>${days}</Rule>`), "InvalidArgument"],
    ["duplicate tag keys", doc(r(days, "<Filter><And><Tag><Key>a</Key><Value>1</Value></Tag><Tag><Key>a</Key><Value>2</Value></Tag></And></Filter>")), "InvalidRequest"],
    ["size bounds crossed", doc(r(days, "<Filter><And><ObjectSizeGreaterThan>10</ObjectSizeGreaterThan><ObjectSizeLessThan>10</ObjectSizeLessThan></And></Filter>")), "InvalidArgument"],
    ["a Transition", doc(r("<Transition><Days>30</Days><StorageClass>GLACIER</StorageClass></Transition>")), "InvalidStorageClass"],
    ["a NoncurrentVersionTransition", doc(r(days + "<NoncurrentVersionTransition><NoncurrentDays>30</NoncurrentDays><StorageClass>GLACIER</StorageClass></NoncurrentVersionTransition>")), "InvalidStorageClass"],
    ["a Rule holding text", doc("<Rule>text</Rule>"), "MalformedXML"],
    ["a Filter holding text", doc(r(days, "<Filter>text</Filter>")), "MalformedXML"],
    ["a Tag without a Key", doc(r(days, "<Filter><Tag><Value>v</Value></Tag></Filter>")), "MalformedXML"],
    ["an unknown Filter element", doc(r(days, "<Filter><Suffix>x</Suffix></Filter>")), "MalformedXML"],
    ["an impossible Date", doc(r("<Expiration><Date>2027-13-45</Date></Expiration>")), "MalformedXML"],
    ["a marker flag that is no boolean", doc(r("<Expiration><ExpiredObjectDeleteMarker>yes</ExpiredObjectDeleteMarker></Expiration>")), "MalformedXML"],
    ["a negative size", doc(r(days, "<Filter><ObjectSizeGreaterThan>-1</ObjectSizeGreaterThan></Filter>")), "InvalidArgument"],
    ["an unknown rule element", doc(r(days + "<Frobnicate/>")), "MalformedXML"],
    ["an unknown Expiration element", doc(r("<Expiration><Days>1</Days><Hours>2</Hours></Expiration>")), "MalformedXML"],
    ["1001 rules", doc(Array.from({ length: 1001 }, (_, i) => `<Rule><ID>r${i}</ID><Filter/><Status>Enabled</Status>${days}</Rule>`).join("")), "InvalidRequest"],
  ])("%s → %s, nothing stored", async (_name, body, code) => {
    const { c } = await withBucket();
    const res = await put(c, body);
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe(code);
    expect(await errorCode(await c.send("/bkt?lifecycle"))).toBe("NoSuchLifecycleConfiguration");
  });

  it.each([
    ["DelMarkerExpiration", r("<DelMarkerExpiration><Days>1</Days></DelMarkerExpiration>")],
    ["ExpiredObjectAllVersions", r("<Expiration><Days>1</Days><ExpiredObjectAllVersions>true</ExpiredObjectAllVersions></Expiration>")],
  ])("MinIO's %s extension → 501 NotImplemented, not ignored", async (_name, rules) => {
    const { c } = await withBucket();
    const res = await put(c, doc(rules));
    expect([res.status, await errorCode(res)]).toEqual([501, "NotImplemented"]);
  });

  it("a failed PUT keeps the previous configuration", async () => {
    const { c } = await withBucket();
    expect((await put(c, FULL)).status).toBe(200);
    expect((await put(c, doc(r("<Expiration><Days>0</Days></Expiration>")))).status).toBe(400);
    expect((await c.xml("/bkt?lifecycle")).LifecycleConfiguration.Rule).toHaveLength(7);
  });
});
