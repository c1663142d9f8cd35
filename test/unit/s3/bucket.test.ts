import { describe, expect, it } from "bun:test";
import { memoryDeps } from "../helpers/deps.ts";
import { errorCode, s3, withBucket } from "../helpers/s3.ts";

describe("buckets", () => {
  it("create, head, list, delete", async () => {
    const env = memoryDeps();
    const c = s3(env);
    env.setNow(Date.UTC(2024, 1, 3, 4, 5, 6));
    for (const b of ["zeta", "alpha", "mid.dle-1"]) {
      const res = await c.send(`/${b}`, { method: "PUT" });
      expect(res.status).toBe(200);
      expect(res.headers.get("location")).toBe(`/${b}`);
    }
    const head = await c.send("/alpha", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("x-amz-bucket-region")).toBe("us-east-1");

    const doc = (await c.xml("/")).ListAllMyBucketsResult;
    expect(doc.Buckets.Bucket.map((b: { Name: string }) => b.Name)).toEqual(["alpha", "mid.dle-1", "zeta"]);
    expect(doc.Buckets.Bucket[0].CreationDate).toBe("2024-02-03T04:05:06.000Z");
    expect(doc.Owner.ID).toBeTruthy();

    expect((await c.send("/alpha", { method: "DELETE" })).status).toBe(204);
    expect((await c.send("/alpha", { method: "HEAD" })).status).toBe(404);
    expect((await c.xml("/")).ListAllMyBucketsResult.Buckets.Bucket).toHaveLength(2);
  });

  it("an empty bucket list has an empty Buckets element", async () => {
    const env = memoryDeps();
    const res = await s3(env).send("/");
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain("<ListAllMyBucketsResult");
    expect(text).not.toContain("<Bucket>");
  });

  it("a bucket can be deleted once its objects are gone", async () => {
    const { c } = await withBucket();
    await c.put("bkt", "k", "v");
    expect((await c.send("/bkt", { method: "DELETE" })).status).toBe(409);
    await c.del("bkt", "k");
    expect((await c.send("/bkt", { method: "DELETE" })).status).toBe(204);
  });

  it("a deleted bucket's name can be reused, empty", async () => {
    const { c } = await withBucket();
    await c.put("bkt", "k", "v");
    await c.del("bkt", "k");
    await c.send("/bkt", { method: "DELETE" });
    await c.createBucket("bkt");
    expect((await c.xml("/bkt?list-type=2")).ListBucketResult.KeyCount).toBe("0");
  });

  it("GetBucketLocation is empty for us-east-1", async () => {
    const { c } = await withBucket();
    const text = await (await c.send("/bkt?location")).text();
    expect(text).toMatch(/<LocationConstraint xmlns="http:\/\/s3.amazonaws.com\/doc\/2006-03-01\/"(\/>|><\/LocationConstraint>)/);
  });

  it("GetBucketLocation reports another configured region", async () => {
    const { c } = await withBucket("bkt", { region: "eu-west-3" });
    const text = await (await c.send("/bkt?location")).text();
    expect(text).toContain(">eu-west-3</LocationConstraint>");
  });

  it("CreateBucket with a LocationConstraint for this region", async () => {
    const env = memoryDeps({ region: "eu-west-3" });
    const c = s3(env);
    const body = "<CreateBucketConfiguration><LocationConstraint>eu-west-3</LocationConstraint></CreateBucketConfiguration>";
    expect((await c.send("/bkt", { method: "PUT", body })).status).toBe(200);
  });

  it("CreateBucket with a LocationConstraint for another region is IllegalLocationConstraintException", async () => {
    const env = memoryDeps();
    const c = s3(env);
    const body = "<CreateBucketConfiguration><LocationConstraint>ap-south-1</LocationConstraint></CreateBucketConfiguration>";
    const res = await c.send("/bkt", { method: "PUT", body });
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe("IllegalLocationConstraintException");
    expect((await c.send("/bkt", { method: "HEAD" })).status).toBe(404);
  });

  it("CreateBucket with a broken configuration is MalformedXML", async () => {
    const env = memoryDeps();
    const res = await s3(env).send("/bkt", { method: "PUT", body: "<CreateBucketConfiguration>" });
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe("MalformedXML");
  });

  it("GetBucketVersioning of a never-versioned bucket is an empty configuration", async () => {
    const { c } = await withBucket();
    const res = await c.send("/bkt?versioning");
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain("<VersioningConfiguration");
    expect(text).not.toContain("<Status>");
  });

  it("GetBucketAcl and GetObjectAcl answer owner FULL_CONTROL", async () => {
    const { c } = await withBucket();
    await c.put("bkt", "k", "v");
    for (const path of ["/bkt?acl", "/bkt/k?acl"]) {
      const text = await (await c.send(path)).text();
      expect(text).toContain("<Permission>FULL_CONTROL</Permission>");
    }
  });

  it("bucket-level requests on a missing bucket are NoSuchBucket", async () => {
    const { c } = await withBucket();
    for (const q of ["?location", "?versioning", "?acl", "?uploads", "?list-type=2", ""]) {
      const res = await c.send(`/nobkt${q}`);
      expect({ q, status: res.status, code: await errorCode(res) }).toEqual({ q, status: 404, code: "NoSuchBucket" });
    }
  });
});

describe("ListBuckets paging", () => {
  async function fiveBuckets() {
    const env = memoryDeps();
    const c = s3(env);
    for (const b of ["logs-b", "alpha", "logs-a", "zeta", "mid"]) await c.createBucket(b);
    const names = async (q: string) => {
      const doc = (await c.xml(`/${q}`)).ListAllMyBucketsResult;
      return { names: (doc.Buckets.Bucket ?? []).map((b: { Name: string }) => b.Name), token: doc.ContinuationToken, prefix: doc.Prefix };
    };
    return { env, c, names };
  }

  it("max-buckets pages in name order with a ContinuationToken until the last page", async () => {
    const { names } = await fiveBuckets();
    const p1 = await names("?max-buckets=2");
    expect(p1.names).toEqual(["alpha", "logs-a"]);
    expect(p1.token).toBeTruthy();
    const p2 = await names(`?max-buckets=2&continuation-token=${encodeURIComponent(p1.token)}`);
    expect(p2.names).toEqual(["logs-b", "mid"]);
    const p3 = await names(`?max-buckets=2&continuation-token=${encodeURIComponent(p2.token)}`);
    expect(p3).toEqual({ names: ["zeta"], token: undefined, prefix: undefined });
    expect((await names("?max-buckets=5")).token).toBeUndefined();
    expect((await names("")).names).toHaveLength(5);
  });

  it("prefix filters (and is echoed), bucket-region filters", async () => {
    const { names } = await fiveBuckets();
    expect(await names("?prefix=logs-")).toEqual({ names: ["logs-a", "logs-b"], token: undefined, prefix: "logs-" });
    const p = await names("?prefix=logs-&max-buckets=1");
    expect(p.names).toEqual(["logs-a"]);
    expect((await names(`?prefix=logs-&max-buckets=1&continuation-token=${p.token}`)).names).toEqual(["logs-b"]);
    expect((await names("?bucket-region=us-east-1")).names).toHaveLength(5);
    expect((await names("?bucket-region=eu-west-1")).names).toEqual([]);
  });

  it.each(["0", "10001", "-1", "two", "1.5", ""])("max-buckets=%s → 400 InvalidArgument", async (v) => {
    const { c } = await fiveBuckets();
    const res = await c.send(`/?max-buckets=${v}`);
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe("InvalidArgument");
  });

  it.each(["%%%", "bm90IGEgYnVja2V0IQ", "QQ"])("continuation-token=%s that this gateway did not issue → 400 InvalidArgument", async (t) => {
    const { c } = await fiveBuckets();
    const res = await c.send(`/?continuation-token=${encodeURIComponent(t)}`);
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe("InvalidArgument");
  });
});
