// `bun run share -- BUCKET/KEY [--expires 1h] [--endpoint URL]`: prints a share link for an
// object, made offline from the root credentials (S3EDGE_ROOT_USER / S3EDGE_ROOT_PASSWORD, the
// gateway's): any node with the same root credentials serves it at /s/<token>. The link's
// creator is root; it works until it expires (at most 7d) or the root password changes.
// The endpoint: --endpoint, else S3EDGE_PUBLIC_URL, else http://<S3EDGE_ADDRESS or 127.0.0.1:9000>.
import { configFromVars } from "../config.ts";
import { createShareLink, DEFAULT_SHARE_EXPIRY } from "../share/create.ts";
import { gatewayBase, splitFlag } from "./cli-args.ts";

const USAGE = "usage: bun run share -- BUCKET/KEY [--expires 1h] [--endpoint http://HOST:PORT]";

function fail(msg: string): never {
  console.error(`s3edge share: ${msg}`);
  process.exit(2);
}

const argv = process.argv.slice(2);
let target: string | undefined, expires = DEFAULT_SHARE_EXPIRY, endpoint: string | undefined;
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const [name, inline] = splitFlag(a);
  const value = () => inline ?? argv[++i] ?? fail(`${name} needs a value\n${USAGE}`);
  if (name === "--expires") expires = value();
  else if (name === "--endpoint") endpoint = value();
  else if (name === "-h" || name === "--help") { console.log(USAGE); process.exit(0); }
  else if (name.startsWith("-") || target !== undefined) fail(`unexpected argument ${a}\n${USAGE}`);
  else target = a.replace(/^s3:\/\//, "");
}
const slash = target?.indexOf("/") ?? -1;
if (!target || slash <= 0 || slash === target.length - 1) fail(USAGE);

let config;
try { ({ config } = configFromVars(process.env, { requireCredentials: false })); } catch (e) { fail(e instanceof Error ? e.message : String(e)); }
const made = await createShareLink({
  rootUser: config.rootUser, rootPassword: config.rootPassword, creator: config.rootUser,
  bucket: target.slice(0, slash), key: target.slice(slash + 1), expires, now: Date.now(),
});
if ("error" in made) fail(made.error);
const base = gatewayBase(endpoint);
console.log(`${base}${made.path}`);
console.error(`expires ${new Date(made.expiresAt).toISOString()}`);
