import { fromByteString } from "../../http/header-bytes.ts";

// Makes workerd send an object body exactly as the core built it.
//
// - workerd sends a ReadableStream body of unknown length chunked and drops the handler's
//   Content-Length, but S3 clients need it on GET (s3cmd fails without it, SDKs report no
//   ContentLength). A FixedLengthStream tells workerd the length; it also turns a body that
//   ends short (a chunk missing mid-stream) into an error, not a complete-looking response.
// - With a Content-Encoding header workerd compresses the body itself ("automatic" encoding);
//   S3 stores and returns the bytes as uploaded (the stored object is already gzip), so the
//   encoding must be "manual".
export function asStored(res: Response): Response {
  // Header values are byte strings in the core; workerd would send each char as UTF-8.
  for (const [k, v] of res.headers) {
    const text = fromByteString(v);
    if (text !== v) res.headers.set(k, text);
  }
  const declared = res.headers.get("content-length");
  const fixedLength = res.body !== null && declared !== null && /^\d+$/.test(declared);
  if (!fixedLength && !res.headers.has("content-encoding")) return res;
  let body = res.body;
  if (fixedLength) {
    const fixed = new FixedLengthStream(Number(declared));
    res.body!.pipeTo(fixed.writable).catch(() => {});
    body = fixed.readable;
  }
  return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers, encodeBody: "manual" });
}
