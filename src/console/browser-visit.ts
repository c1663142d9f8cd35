// Which `GET /` is a person opening the gateway in a browser (redirected to the console) rather
// than an S3 client: ListBuckets is also `GET /`, so anything carrying a signature or credential
// — SigV4/SigV2 header, presigned query, session token — stays S3, and so does a virtual-host
// bucket address (bucket.DOMAIN/ is ListObjects, even when a browser asks for it).
const S3_QUERY = /^(x-amz-|awsaccesskeyid$|signature$|expires$)/i;

export function isBrowserVisit(req: Request, domains: readonly string[]): boolean {
  if (req.method !== "GET" && req.method !== "HEAD") return false;
  if (!(req.headers.get("accept") ?? "").toLowerCase().includes("text/html")) return false;
  if (req.headers.has("authorization")) return false;
  for (const name of req.headers.keys()) if (name.startsWith("x-amz-")) return false;
  const url = new URL(req.url);
  for (const name of url.searchParams.keys()) if (S3_QUERY.test(name)) return false;
  const host = (req.headers.get("host") ?? url.host).replace(/:\d+$/, "").toLowerCase();
  return !domains.some((d) => host.endsWith("." + d));
}
