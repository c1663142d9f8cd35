// Builds the Go programs under test/e2e/go/<name>/ (one `main` package each) against Debian's
// Go libraries, once per source hash, for the e2e tests (go.test.ts now; madmin-go for the IAM
// issue next).
//
// GOPATH mode, because the Go module proxy is not reachable: GO111MODULE=off and
// GOPATH=<cache>/gopath:/usr/share/gocode. Debian installs each library at its import path
// under /usr/share/gocode/src, including the major-version suffix when the package keeps it
// in the directory (minio-go: src/github.com/minio/minio-go/v7, so `github.com/minio/minio-go/v7`
// resolves as is). madmin-go is installed WITHOUT its /v2 (src/github.com/minio/madmin-go,
// module github.com/minio/madmin-go/v2) and imports itself as .../madmin-go/v2/cgroup; Go 1.19's
// "minimal module compatibility" does not map /v2 away here, so the first GOPATH entry holds a
// symlink src/github.com/minio/madmin-go/v2 -> the Debian directory. A program outside any
// GOPATH (this folder) builds fine in GOPATH mode: only its imports are looked up there.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { awsEnv, type Endpoint, REPO_ROOT, run } from "../harness.ts";

const DEBIAN_GOPATH = "/usr/share/gocode";
const GO_SRC = join(REPO_ROOT, "test/e2e/go");
const CACHE = join(REPO_ROOT, "node_modules/.cache/s3edge-go");
const GOPATH_SHIM = join(CACHE, "gopath");

/** Import paths Debian installs under a directory other than the path (see above). */
const SHIMS: Record<string, string> = {
  "github.com/minio/madmin-go/v2": "github.com/minio/madmin-go",
};

/** Debian packages (scripts/test-deps.sh installs them as root) a program needs, by program. */
const PACKAGES: Record<string, string[]> = {
  "minio-go": ["github.com/minio/minio-go/v7"],
  anonymous: ["github.com/minio/minio-go/v7"],
  "madmin-go": ["github.com/minio/minio-go/v7", "github.com/minio/madmin-go"],
  admin: ["github.com/minio/minio-go/v7", "github.com/minio/madmin-go"],
  listen: ["github.com/minio/minio-go/v7"],
  "object-lock": ["github.com/minio/minio-go/v7"],
  "admin-config": ["github.com/minio/madmin-go"],
};

/**
 * Why the Go program `name` cannot be built here ("" when it can): no `go`, or a Debian
 * library missing. Synchronous, for describe.skipIf at load time.
 */
export function goMissing(name: string): string {
  if (!Bun.which("go")) return "no `go` on PATH (Debian golang-go; scripts/test-deps.sh installs it as root)";
  for (const p of PACKAGES[name] ?? []) {
    if (!existsSync(join(DEBIAN_GOPATH, "src", p))) return `Go library ${p} missing under ${DEBIAN_GOPATH} (Debian golang-*-dev; scripts/test-deps.sh)`;
  }
  return "";
}

function goEnv(): Record<string, string> {
  return {
    GO111MODULE: "off",
    GOPATH: `${GOPATH_SHIM}:${DEBIAN_GOPATH}`,
    GOFLAGS: "", // a user's -mod=… would be refused in GOPATH mode
    GOCACHE: join(CACHE, "gocache"),
    CGO_ENABLED: "0",
  };
}

function link(target: string, path: string) {
  if (existsSync(path)) return;
  mkdirSync(join(path, ".."), { recursive: true });
  try {
    symlinkSync(target, path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e; // another test file made it
  }
}

function ensureShims() {
  for (const [importPath, debianDir] of Object.entries(SHIMS)) {
    const target = join(DEBIAN_GOPATH, "src", debianDir);
    if (!existsSync(target)) continue;
    // The shim directory holding the /v2 link sits at Debian's import path in the first GOPATH
    // entry, so it hides Debian's package: it mirrors Debian's files (as links) beside the link.
    const mirror = join(GOPATH_SHIM, "src", debianDir);
    for (const f of readdirSync(target)) link(join(target, f), join(mirror, f));
    link(target, join(GOPATH_SHIM, "src", importPath));
  }
}

/** Hash of the program's sources and the toolchain version: the binary's cache key. */
async function sourceHash(dir: string): Promise<string> {
  const h = createHash("sha256");
  const ver = await run(["go", "version"], { env: goEnv() });
  h.update(ver.stdout);
  for (const f of readdirSync(dir).sort()) {
    if (!f.endsWith(".go")) continue;
    h.update(f).update("\0").update(readFileSync(join(dir, f))).update("\0");
  }
  return h.digest("hex").slice(0, 16);
}

const built = new Map<string, Promise<string>>();

/** Path of the built binary of test/e2e/go/<name>, building it when its sources changed. */
export function goBinary(name: string): Promise<string> {
  let p = built.get(name);
  if (!p) {
    p = (async () => {
      const dir = join(GO_SRC, name);
      const bin = join(CACHE, "bin", `${name}-${await sourceHash(dir)}`);
      if (existsSync(bin)) return bin;
      mkdirSync(join(CACHE, "bin"), { recursive: true });
      ensureShims();
      // Build beside the final name, then rename: concurrent test processes never run half a file.
      const tmp = `${bin}.tmp-${process.pid}`;
      const r = await run(["go", "build", "-o", tmp, "."], { cwd: dir, env: goEnv(), timeoutMs: 300_000 });
      if (r.code !== 0) {
        rmSync(tmp, { force: true });
        throw new Error(`go build test/e2e/go/${name} failed (GOPATH mode, ${goEnv().GOPATH}):\n${r.stderr}`);
      }
      renameSync(tmp, bin);
      return bin;
    })();
    built.set(name, p);
  }
  return p;
}

/**
 * Runs a built Go program with the endpoint in its environment (S3EDGE_E2E_*) and parses the
 * one JSON object it prints. `{ error }` answers (exit 1) are returned, not thrown, when
 * `allowError` is set; otherwise they fail with the program's stderr.
 */
export async function goRun(
  ep: Endpoint,
  bin: string,
  args: string[],
  opts: { allowError?: boolean; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<any> {
  const r = await run([bin, ...args], { env: awsEnv(ep, opts.env), timeoutMs: opts.timeoutMs });
  let out: any;
  try {
    out = JSON.parse(r.stdout);
  } catch {
    throw new Error(`${bin} ${args.join(" ")} exited ${r.code} without JSON:\n${r.stdout.slice(0, 2000)}\n${r.stderr.slice(-2000)}`);
  }
  if ((r.code !== 0 || out.error) && !opts.allowError) {
    throw new Error(`${args[0]} failed: ${JSON.stringify(out.error ?? out)}\n${r.stderr.slice(-2000)}`);
  }
  return out;
}
