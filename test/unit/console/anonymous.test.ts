// The console's anonymous access levels (src/console/client/anonymous.ts): mc anonymous set/get's
// canned statements, read back, and merged into a policy that has other statements.
import { describe, expect, it } from "bun:test";
import { anonymousLevel, glanceLevel, levelStatements, setAnonymous, type Level } from "../../../src/console/client/anonymous.ts";

const B = "photos";
const other = { Sid: "team", Effect: "Allow", Principal: { AWS: ["arn:aws:iam::123:user/ann"] }, Action: ["s3:*"], Resource: ["arn:aws:s3:::photos/*"] };

describe("console anonymous access", () => {
  it("download writes minio-go's canned statements; upload and public theirs", () => {
    expect(levelStatements(B, "", "download")).toEqual([
      { Effect: "Allow", Principal: { AWS: ["*"] }, Action: ["s3:GetBucketLocation"], Resource: ["arn:aws:s3:::photos"] },
      { Effect: "Allow", Principal: { AWS: ["*"] }, Action: ["s3:ListBucket"], Resource: ["arn:aws:s3:::photos"] },
      { Effect: "Allow", Principal: { AWS: ["*"] }, Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::photos/*"] },
    ]);
    expect(levelStatements(B, "pub/", "download")[1]).toMatchObject({ Condition: { StringEquals: { "s3:prefix": ["pub/"] } } });
    expect(levelStatements(B, "in/", "upload").map((s) => s.Action)).toEqual([["s3:GetBucketLocation"], ["s3:ListBucketMultipartUploads"],
      ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:ListMultipartUploadParts", "s3:PutObject"]]);
    expect(levelStatements(B, "", "none")).toEqual([]);
  });

  it.each(["download", "upload", "public"] as Level[])("%s reads back as itself, for the bucket and for a prefix", (level) => {
    expect(anonymousLevel(levelStatements(B, "", level), B)).toBe(level);
    expect(anonymousLevel(levelStatements(B, "pub/", level), B, "pub/")).toBe(level);
    expect(anonymousLevel(levelStatements(B, "pub/", level), B, "")).toBe("none");
  });

  it("reads mc's merged public policy (one bucket statement, Principal \"*\", string Action)", () => {
    const merged = [
      { Effect: "Allow", Principal: "*", Action: ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"], Resource: "arn:aws:s3:::photos" },
      { Effect: "Allow", Principal: { AWS: "*" }, Action: ["s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"], Resource: ["arn:aws:s3:::photos/*"] },
    ];
    expect(anonymousLevel(merged, B)).toBe("public");
    expect(glanceLevel({ Version: "2012-10-17", Statement: merged }, B)).toBe("public");
  });

  it("the bucket list: no policy is private, a policy of no canned level is custom", () => {
    expect(glanceLevel(null, B)).toBe("private");
    expect(glanceLevel({ Version: "2012-10-17", Statement: [other] }, B)).toBe("custom");
    const getOnly = { Effect: "Allow", Principal: "*", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::photos/*"] };
    expect(glanceLevel({ Version: "2012-10-17", Statement: [getOnly] }, B)).toBe("custom"); // no ListBucket: not download
    expect(glanceLevel({ Version: "2012-10-17", Statement: setAnonymous([], B, "", "upload") }, B)).toBe("upload");
  });

  it("setting a level keeps the other statements, and none removes only what it added", () => {
    const set = setAnonymous([other], B, "", "download");
    expect(set[0]).toEqual(other);
    expect(anonymousLevel(set, B)).toBe("download");
    expect(setAnonymous(set, B, "", "none")).toEqual([other]);
    expect(setAnonymous(setAnonymous([], B, "", "public"), B, "", "none")).toEqual([]);
  });

  it("prefixes are independent: one prefix's level survives another's change, shared bucket statements stay while used", () => {
    let s = setAnonymous([], B, "pub/", "download");
    s = setAnonymous(s, B, "in/", "upload");
    expect(anonymousLevel(s, B, "pub/")).toBe("download");
    expect(anonymousLevel(s, B, "in/")).toBe("upload");
    expect(s.filter((x) => JSON.stringify(x.Action).includes("GetBucketLocation"))).toHaveLength(1);
    s = setAnonymous(s, B, "pub/", "none");
    expect(anonymousLevel(s, B, "pub/")).toBe("none");
    expect(anonymousLevel(s, B, "in/")).toBe("upload");
    expect(JSON.stringify(s)).not.toContain("s3:prefix");
    expect(setAnonymous(s, B, "in/", "none")).toEqual([]);
  });

  it("a custom anonymous grant on another prefix is kept when a level is set", () => {
    const getOnly = { Effect: "Allow", Principal: "*", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::photos/shared/*"] };
    const s = setAnonymous([getOnly], B, "pub/", "download");
    expect(s).toContainEqual(getOnly);
    expect(anonymousLevel(s, B, "pub/")).toBe("download");
    expect(setAnonymous(s, B, "pub/", "none")).toEqual([getOnly]);
  });
});
