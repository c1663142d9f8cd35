#!/usr/bin/env bun
// The package's one command (`bunx s3edge <command> …`, `bun src/cli/main.ts <command> …`):
// each command is its own entry in this folder, run with the rest of the arguments.
const COMMANDS: Record<string, { file: string; what: string }> = {
  serve: { file: "./serve.ts", what: "run the gateway (embedded store under --data)" },
  sync: { file: "./sync.ts", what: "mirror a bucket into local directories or another endpoint" },
  put: { file: "./put.ts", what: "upload a file (instant when the gateway has its bytes; resumes)" },
  share: { file: "./share.ts", what: "print a share link for an object" },
  scrub: { file: "./scrub.ts", what: "verify every stored chunk against its hash" },
  "kms-rotate": { file: "./kms-rotate.ts", what: "re-wrap SSE keys under a new S3EDGE_KMS_SECRET_KEY" },
  "upgrade-store": { file: "./upgrade-store.ts", what: "rewrite an older embedded store's object tables into the faster layout (server stopped)" },
  "prometheus-config": { file: "./prometheus-config.ts", what: "print a Prometheus scrape config" },
  topic: { file: "./topic.ts", what: "notification backlog per topic/target: stats, dump (radosgw-admin topic)" },
};

const [name, ...rest] = process.argv.slice(2);
const cmd = name ? COMMANDS[name] : undefined;
if (!cmd) {
  const help = name === undefined || name === "help" || name === "--help" || name === "-h";
  const lines = Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(18)} ${c.what}`);
  (help ? console.log : console.error)([...(help ? [] : [`s3edge: unknown command ${JSON.stringify(name)}`]), "usage: s3edge <command> [options]", ...lines].join("\n"));
  process.exit(help ? 0 : 2);
}
// The command reads its options from process.argv.slice(2), as when run directly.
process.argv = [process.argv[0], new URL(cmd.file, import.meta.url).pathname, ...rest];
await import(cmd.file);
