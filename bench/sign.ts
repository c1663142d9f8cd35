// A cheap SigV4 signer for the benchmarks' load generators (header auth, UNSIGNED-PAYLOAD, paths
// without a query): node:crypto's synchronous HMAC and SHA-256, ~5 µs a request, where aws4fetch's
// WebCrypto awaits cost ~45 µs of the client's CPU. The client shares the machine with the server
// it measures, and a bare server's client signs nothing: the less the signing costs, the less a
// ratio to it measures the client instead of s3edge.
import { createHash, createHmac } from "node:crypto";

export interface Credentials { accessKeyId: string; secretAccessKey: string }

/** `sign(method, url, headers)`: the headers to send (x-amz-date, x-amz-content-sha256, authorization and the given ones). */
export function createSigner(creds: Credentials, region = "us-east-1", service = "s3") {
  const keys = new Map<string, Buffer>();
  const keyFor = (date: string) => {
    let k = keys.get(date);
    if (!k) {
      k = ["aws4_request"].reduce((acc, part) => createHmac("sha256", acc).update(part).digest(),
        [region, service].reduce((acc, part) => createHmac("sha256", acc).update(part).digest(),
          createHmac("sha256", `AWS4${creds.secretAccessKey}`).update(date).digest()));
      keys.set(date, k);
    }
    return k;
  };
  return (method: string, url: string, extra: Record<string, string> = {}): Record<string, string> => {
    const u = new URL(url);
    if (u.search) throw new Error("bench/sign.ts signs paths without a query only");
    const amzDate = new Date().toISOString().replace(/[-:]|\.\d{3}/g, "");
    const date = amzDate.slice(0, 8);
    const headers: Record<string, string> = { host: u.host, "x-amz-content-sha256": "UNSIGNED-PAYLOAD", "x-amz-date": amzDate };
    for (const [k, v] of Object.entries(extra)) headers[k.toLowerCase()] = v;
    const names = Object.keys(headers).sort();
    const canonical = [method, u.pathname, "", names.map((n) => `${n}:${headers[n]!.trim()}\n`).join(""), names.join(";"), headers["x-amz-content-sha256"]].join("\n");
    const scope = `${date}/${region}/${service}/aws4_request`;
    const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, createHash("sha256").update(canonical).digest("hex")].join("\n");
    const signature = createHmac("sha256", keyFor(date)).update(toSign).digest("hex");
    delete headers.host; // fetch sends it
    headers.authorization = `AWS4-HMAC-SHA256 Credential=${creds.accessKeyId}/${scope}, SignedHeaders=${names.join(";")}, Signature=${signature}`;
    return headers;
  };
}
