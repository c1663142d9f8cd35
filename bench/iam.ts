// The cost of policy evaluation (issue 13 "Benchmark"): 4 KiB PUT and GET ops/s on s3edge (Bun)
// signed by root (never evaluated) and by an IAM user whose only policy has 5 statements
// (conditions, a Deny, prefixes), in one run: phases by identity (rounds alternating who goes
// first) and mixed phases alternating identity per request, the measure that survives a loaded
// machine (PUTs of both then share group commits, GETs share nothing). Goal: user ≥ 0.95 × root.
//
//   bun bench/iam.ts [--ops 2000] [--concurrency 16] [--rounds 4]
import { AwsClient } from "aws4fetch";
import { startGateway } from "./gateway.ts";
import { createMadminCrypto } from "../src/admin/crypto/madmin-crypto.ts";
import { deriveKey } from "../src/admin/crypto/encrypt-data.ts";
import { bunArgon2id } from "../src/runtime/bun/argon2.ts";

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : Number(process.env[`BENCH_${name.toUpperCase()}`] ?? def);
};
const OPS = arg("ops", 2000), CONC = arg("concurrency", 16), ROUNDS = arg("rounds", 4);
const ROOT = { accessKeyId: "admin", secretAccessKey: "secret12345" };
const USER = { accessKeyId: "benchuser", secretAccessKey: "bench-user-secret" };
const BUCKET = "iambench";

const POLICY = {
  Version: "2012-10-17",
  Statement: [
    { Sid: "List", Effect: "Allow", Action: ["s3:ListBucket"], Resource: [`arn:aws:s3:::${BUCKET}`], Condition: { StringLike: { "s3:prefix": ["data/*", ""] } } },
    { Sid: "ReadWrite", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: [`arn:aws:s3:::${BUCKET}/data/*`] },
    { Sid: "Location", Effect: "Allow", Action: ["s3:GetBucketLocation"], Resource: ["arn:aws:s3:::*"] },
    { Sid: "NoPublic", Effect: "Deny", Action: ["s3:PutObject"], Resource: [`arn:aws:s3:::${BUCKET}/*`], Condition: { StringEquals: { "s3:x-amz-acl": ["public-read", "public-read-write"] } } },
    { Sid: "NoDeletes", Effect: "Deny", Action: ["s3:DeleteBucket", "s3:DeleteObject"], Resource: ["arn:aws:s3:::*"], Condition: { NotIpAddress: { "aws:SourceIp": "10.0.0.0/8" } } },
  ],
};

async function main() {
  const gw = await startGateway();
  const base = gw.url;
  try {
    const root = new AwsClient({ ...ROOT, service: "s3", region: "us-east-1" });
    const user = new AwsClient({ ...USER, service: "s3", region: "us-east-1" });
    // The user and its policy through the admin API, as mc would make them.
    const crypto = createMadminCrypto({ derive: (kdf, pw, salt) => deriveKey(kdf, pw, salt, bunArgon2id) });
    const admin = async (method: string, path: string, body: Uint8Array) => {
      const hex = new Bun.CryptoHasher("sha256").update(body).digest("hex");
      const r = await root.fetch(`${base}/minio/admin/v3/${path}`, { method, body: body.length ? (body as BodyInit) : undefined, headers: { "x-amz-content-sha256": hex } });
      if (r.status >= 300) throw new Error(`${path}: ${r.status} ${await r.text()}`);
    };
    const enc = new TextEncoder();
    await admin("PUT", `add-user?accessKey=${USER.accessKeyId}`, await crypto.encrypt(ROOT.secretAccessKey, enc.encode(JSON.stringify({ secretKey: USER.secretAccessKey, status: "enabled" }))));
    await admin("PUT", "add-canned-policy?name=bench5", enc.encode(JSON.stringify(POLICY)));
    await admin("PUT", `set-user-or-group-policy?policyName=bench5&userOrGroup=${USER.accessKeyId}&isGroup=false`, new Uint8Array());
    if ((await root.fetch(`${base}/${BUCKET}`, { method: "PUT" })).status !== 200) throw new Error("create bucket");

    const body = new Uint8Array(4096).map((_, i) => (i * 31) & 255);
    const phase = async (c: AwsClient, who: string, put: boolean) => {
      let next = 0;
      const t0 = performance.now();
      await Promise.all(Array.from({ length: CONC }, async () => {
        for (let j = next++; j < OPS; j = next++) {
          const url = `${base}/${BUCKET}/data/${who}/${j % 256}`;
          const r = await c.fetch(url, put ? { method: "PUT", body } : {});
          await r.arrayBuffer();
          if (r.status !== 200) throw new Error(`${who} ${put ? "PUT" : "GET"} ${r.status}`);
        }
      }));
      return OPS / ((performance.now() - t0) / 1000);
    };
    // Mixed phases too: every request alternates root and user, so load that comes and goes on
    // a shared machine hits both alike; compared by mean latency (ops/s ratio = inverse).
    const mixed = async (put: boolean) => {
      const sum = { root: 0, user: 0 };
      let next = 0;
      await Promise.all(Array.from({ length: CONC }, async () => {
        for (let j = next++; j < OPS; j = next++) {
          const who = j % 2 ? "user" : "root";
          const t0 = performance.now();
          const r = await (who === "root" ? root : user).fetch(`${base}/${BUCKET}/data/${who}/${j % 256}`, put ? { method: "PUT", body } : {});
          await r.arrayBuffer();
          sum[who] += performance.now() - t0;
          if (r.status !== 200) throw new Error(`${who} ${put ? "PUT" : "GET"} ${r.status}`);
        }
      }));
      return sum.root / sum.user;
    };
    const results: Record<string, number[]> = { "PUT root": [], "PUT user": [], "GET root": [], "GET user": [], "PUT mixed": [], "GET mixed": [] };
    await phase(root, "root", true); // warm-up (JIT, SQLite pages), not counted
    await phase(user, "user", true);
    for (let r = 0; r < ROUNDS; r++) {
      // Alternate who goes first, so a drift in machine load favours neither.
      const order: [AwsClient, string][] = r % 2 ? [[user, "user"], [root, "root"]] : [[root, "root"], [user, "user"]];
      for (const put of [true, false]) {
        for (const [c, who] of order) results[`${put ? "PUT" : "GET"} ${who}`].push(await phase(c, who, put));
        results[`${put ? "PUT" : "GET"} mixed`].push(await mixed(put));
      }
    }
    const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
    console.log(`4 KiB, ${OPS} ops × ${ROUNDS} rounds, concurrency ${CONC}; medians`);
    for (const op of ["PUT", "GET"]) {
      const r = median(results[`${op} root`]), u = median(results[`${op} user`]);
      console.log(`${op}: root ${r.toFixed(0)} ops/s, user (5-statement policy) ${u.toFixed(0)} ops/s, ratio ${(u / r).toFixed(3)}; interleaved per request: ratio ${median(results[`${op} mixed`]).toFixed(3)}`);
    }
  } finally {
    await gw.stop();
  }
}

await main();
