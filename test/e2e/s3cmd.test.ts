// s3cmd 2.3 against the gateway, once with SigV4 and once with SigV2 (signature_v2 = True).
// Path-style addressing: host_bucket has no %(bucket)s placeholder.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { awsJson, bucketName, md5Hex, MiB, ok, randomFile, run, sameBytes, tempDir, useServer } from "./harness.ts";

const ep = useServer();

async function bytes(path: string) {
  return new Uint8Array(await Bun.file(path).arrayBuffer());
}

for (const sigv2 of [false, true]) {
  describe(`s3cmd (signature_v2 = ${sigv2 ? "True" : "False"})`, () => {
    const B = bucketName(sigv2 ? "s3cmd-v2" : "s3cmd-v4");
    let cfg = "";
    let dir = "";
    const s3cmd = async (...args: string[]) => ok(await run(["s3cmd", "-c", cfg, ...args]), `s3cmd ${args[0]}`);
    const s3cmdFails = async (...args: string[]) => {
      const r = await run(["s3cmd", "-c", cfg, ...args]);
      expect(r.code).not.toBe(0);
      return r.stderr + r.stdout;
    };

    test("mb creates the bucket; ls lists it; info reports it", async () => {
      dir = tempDir("s3cmd-");
      cfg = join(dir, "s3cfg");
      const hostPort = `${ep.host}:${ep.port}`;
      await Bun.write(
        cfg,
        [
          "[default]",
          `access_key = ${ep.accessKey}`,
          `secret_key = ${ep.secretKey}`,
          `host_base = ${hostPort}`,
          `host_bucket = ${hostPort}`,
          `bucket_location = ${ep.region}`,
          "use_https = False",
          `signature_v2 = ${sigv2 ? "True" : "False"}`,
          "progress_meter = False",
          "",
        ].join("\n"),
      );
      expect(await s3cmd("mb", `s3://${B}`)).toContain(`Bucket 's3://${B}/' created`);
      const ls = await s3cmd("ls");
      expect(ls).toContain(`s3://${B}`);
      const info = await s3cmd("info", `s3://${B}`);
      expect(info).toContain(`s3://${B}/ (bucket)`);
      expect(info).toMatch(/Location:\s+us-east-1/);
    });

    test("put (with mime type and metadata) / get / info", async () => {
      const { path, data } = await randomFile(dir, "small.bin", 30_000);
      // A non-ASCII value: s3cmd sends its UTF-8 and signs it (SigV2's HMAC-SHA1 over those bytes).
      const put = await s3cmd("put", "--mime-type=text/x-s3cmd", "--add-header=x-amz-meta-color:green", "--add-header=x-amz-meta-title:Grüße 東京",
        path, `s3://${B}/docs/small file.bin`);
      expect(put).toContain(`s3://${B}/docs/small file.bin`);
      const info = await s3cmd("info", `s3://${B}/docs/small file.bin`);
      expect(info).toMatch(/File size:\s+30000/);
      expect(info).toMatch(/MIME type:\s+text\/x-s3cmd/);
      expect(info).toContain(`MD5 sum:   ${md5Hex(data)}`);
      expect(info).toContain("x-amz-meta-color: green");
      expect(info).toContain("x-amz-meta-title:");
      const back = join(dir, "small.back");
      await s3cmd("get", "--force", `s3://${B}/docs/small file.bin`, back);
      expect(sameBytes(await bytes(back), data)).toBe("equal");
    });

    test("multipart put (--multipart-chunk-size-mb=5, 12 MiB) and get", async () => {
      const { path, data } = await randomFile(dir, "big.bin", 12 * MiB);
      await s3cmd("put", "--multipart-chunk-size-mb=5", path, `s3://${B}/big/12m.bin`);
      const head = await awsJson(ep, ["s3api", "head-object", "--bucket", B, "--key", "big/12m.bin"]);
      expect(head.ContentLength).toBe(12 * MiB);
      expect(head.ETag).toMatch(/^"[0-9a-f]{32}-3"$/); // 5 + 5 + 2 MiB
      const back = join(dir, "big.back");
      await s3cmd("get", "--force", `s3://${B}/big/12m.bin`, back);
      expect(sameBytes(await bytes(back), data)).toBe("equal");
    });

    test("ls (prefixes and --recursive), cp, del, rb", async () => {
      const ls = await s3cmd("ls", `s3://${B}/`);
      expect(ls).toContain(`DIR  s3://${B}/big/`);
      expect(ls).toContain(`DIR  s3://${B}/docs/`);
      const rec = await s3cmd("ls", "--recursive", `s3://${B}/`);
      expect(rec).toMatch(new RegExp(`\\s12582912\\s+s3://${B}/big/12m\\.bin`));
      expect(rec).toMatch(new RegExp(`\\s30000\\s+s3://${B}/docs/small file\\.bin`));

      await s3cmd("cp", `s3://${B}/docs/small file.bin`, `s3://${B}/copies/small.bin`);
      const info = await s3cmd("info", `s3://${B}/copies/small.bin`);
      expect(info).toMatch(/File size:\s+30000/);

      expect(await s3cmdFails("rb", `s3://${B}`)).toContain("BucketNotEmpty");
      const del = await s3cmd("del", `s3://${B}/docs/small file.bin`);
      expect(del).toContain(`delete: 's3://${B}/docs/small file.bin'`);
      await s3cmd("del", "--recursive", "--force", `s3://${B}/`);
      expect((await s3cmd("ls", "--recursive", `s3://${B}/`)).trim()).toBe("");
      expect(await s3cmd("rb", `s3://${B}`)).toContain(`Bucket 's3://${B}/' removed`);
      expect(await s3cmd("ls")).not.toContain(`s3://${B}`);
    });
  });
}
