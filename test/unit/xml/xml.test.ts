import { describe, expect, it } from "bun:test";
import { buildXml, errorXml, parseXml } from "../../../src/xml/xml.ts";
import { S3Error, S3_ERRORS } from "../../../src/xml/errors.ts";

describe("parseXml", () => {
  it.each([
    ["mismatched tags", "<Delete><Object></Delete>"],
    ["unclosed root", "<Tagging>"],
    ["not XML", "hello"],
    ["empty", ""],
    ["whitespace", "  \n "],
    ["two roots", "<a></a><b></b>"],
    ["declaration only", '<?xml version="1.0"?>'],
    ["truncated", "<CompleteMultipartUpload><Part><PartNumber>1</Part"],
  ])("%s → MalformedXML", (_name, text) => {
    let err: unknown;
    try { parseXml(text); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(S3Error);
    expect(err).toMatchObject({ code: "MalformedXML", status: 400 });
  });

  it("strips namespaces, keeps text as strings, and makes repeated elements arrays even when single", () => {
    const doc = parseXml(
      '<?xml version="1.0" encoding="UTF-8"?>\n<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
        "<Part><PartNumber>1</PartNumber><ETag>&quot;abc&quot;</ETag></Part></CompleteMultipartUpload>",
    );
    expect(doc.CompleteMultipartUpload.Part).toEqual([{ PartNumber: "1", ETag: '"abc"' }]);
  });

  it("keeps keys that look like numbers as strings and decodes entities", () => {
    const doc = parseXml("<Delete><Object><Key>007</Key></Object><Object><Key>a&amp;b&lt;c</Key></Object><Quiet>true</Quiet></Delete>");
    expect(doc.Delete.Object).toEqual([{ Key: "007" }, { Key: "a&b<c" }]);
    expect(doc.Delete.Quiet).toBe("true");
  });
});

describe("buildXml", () => {
  it("serialises CopyObjectResult exactly", () => {
    expect(buildXml("CopyObjectResult", { LastModified: "2013-05-24T00:00:00.000Z", ETag: '"9b2cf535f27731c974343645a3985328"' })).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
        '<CopyObjectResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
        "<LastModified>2013-05-24T00:00:00.000Z</LastModified><ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag>" +
        "</CopyObjectResult>",
    );
  });

  it("repeats array elements, escapes text, and drops empty arrays", () => {
    expect(buildXml("ListBucketResult", { Name: "b", IsTruncated: false, Contents: [{ Key: "a&b<c>", Size: 3 }, { Key: "d", Size: 0 }], CommonPrefixes: [] })).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
        '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><IsTruncated>false</IsTruncated>' +
        "<Contents><Key>a&amp;b&lt;c&gt;</Key><Size>3</Size></Contents><Contents><Key>d</Key><Size>0</Size></Contents>" +
        "</ListBucketResult>",
    );
  });

  it("round-trips through parseXml", () => {
    const doc = parseXml(buildXml("Tagging", { TagSet: { Tag: [{ Key: "k&", Value: "<v>" }] } }));
    expect(doc.Tagging.TagSet.Tag).toEqual([{ Key: "k&", Value: "<v>" }]);
  });
});

describe("errorXml", () => {
  it("serialises an S3 error exactly, without a namespace, skipping undefined fields", () => {
    expect(errorXml("NoSuchKey", "The specified key does not exist.", { Key: "a<b", Resource: "/bkt/a<b", RequestId: "4442587FB7D0A2F9", HostId: undefined })).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
        "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>a&lt;b</Key>" +
        "<Resource>/bkt/a&lt;b</Resource><RequestId>4442587FB7D0A2F9</RequestId></Error>",
    );
  });
});

describe("S3_ERRORS", () => {
  it.each([
    ["AccessDenied", 403], ["BadDigest", 400], ["BucketAlreadyOwnedByYou", 409], ["BucketNotEmpty", 409],
    ["EntityTooSmall", 400], ["IncompleteBody", 400], ["InvalidAccessKeyId", 403], ["InvalidArgument", 400],
    ["InvalidBucketName", 400], ["InvalidDigest", 400], ["InvalidPart", 400], ["InvalidPartOrder", 400], ["InvalidRange", 416],
    ["KeyTooLongError", 400], ["MalformedXML", 400], ["MethodNotAllowed", 405], ["MissingContentLength", 411],
    ["NoSuchBucket", 404], ["NoSuchKey", 404], ["NoSuchUpload", 404], ["NotImplemented", 501], ["PreconditionFailed", 412],
    ["RequestTimeTooSkewed", 403], ["SignatureDoesNotMatch", 403], ["XAmzContentSHA256Mismatch", 400],
    ["AuthorizationQueryParametersError", 400],
  ] as const)("%s is HTTP %i", (code, status) => {
    expect(S3_ERRORS[code][0]).toBe(status);
    expect(new S3Error(code).status).toBe(status);
  });
});

describe("references in request bodies (Go's encoding/xml writes \" as &#34;, ' as &#39;, a tab as &#x9;)", () => {
  it.each([
    ["&#34;abc&#34;", '"abc"'],
    ["it&#39;s", "it's"],
    ["a&#x9;b", "a\tb"],
    ["a&#X41;".replace("X", "x"), "aA"],
    ["&#128512;&#x1F600;", "😀😀"],
    ["&amp;&lt;&gt;&quot;&apos;", "&<>\"'"],
    ["&amp;#34;", "&#34;"], // one pass: an escaped reference stays text
  ])("%s → %s", (raw, decoded) => {
    expect(parseXml(`<Tagging><K>${raw}</K></Tagging>`).Tagging.K).toBe(decoded);
  });

  it.each([
    ["an HTML entity", "&nbsp;"],
    ["a custom entity", "&e;"],
    ["a reference to a non-character", "&#0;"],
    ["a reference beyond Unicode", "&#x110000;"],
    ["a surrogate", "&#xD800;"],
  ])("%s is MalformedXML", (_n, raw) => {
    expect(() => parseXml(`<Tagging><K>${raw}</K></Tagging>`)).toThrow(S3Error);
  });

  it("a DOCTYPE (internal or external entities) is refused, never expanded", () => {
    for (const doc of [
      '<!DOCTYPE a [<!ENTITY e "EXPANDED">]><a><b>&e;</b></a>',
      '<!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]><a><b>&e;</b></a>',
      '<!DOCTYPE a [<!ENTITY x "xx"><!ENTITY y "&x;&x;&x;">]><a>&y;</a>',
    ]) {
      let err: unknown;
      try { parseXml(doc); } catch (e) { err = e; }
      expect(err).toMatchObject({ code: "MalformedXML", status: 400 });
    }
  });
});
