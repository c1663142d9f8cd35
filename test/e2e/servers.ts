// Real target servers for the notification tests, from the Debian packages scripts/test-deps.sh
// installs: redis-server, PostgreSQL 15, MariaDB, RabbitMQ. Each runs on 127.0.0.1 on a free
// port with its data in a temp dir, as the current user (PostgreSQL refuses root: as root it
// runs as the `postgres` system user through setpriv, which execs, so the PID is the server's).
// `stop()` ends it by PID and keeps its data; `start()` brings it back on the same port (the
// outage tests); `destroy()` stops it and removes the dir. `missing(kind)` names the binary
// that is not installed, for a suite to skip with a clear message.
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, connect as tcpConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";

export type ServerKind = "redis" | "postgres" | "mariadb" | "rabbitmq";

const PG_BIN = "/usr/lib/postgresql/15/bin";
const BINARIES: Record<ServerKind, string[]> = {
  redis: ["redis-server"],
  postgres: [`${PG_BIN}/initdb`, `${PG_BIN}/postgres`],
  mariadb: ["mariadb-install-db", "mariadbd", "mariadb"],
  rabbitmq: ["/usr/lib/rabbitmq/bin/rabbitmq-server", "epmd"],
};

/** The first binary of this server that is not installed (null: all there). */
export function missing(kind: ServerKind): string | null {
  for (const b of BINARIES[kind]) if (!(b.startsWith("/") ? existsSync(b) : Bun.which(b, { PATH: `${process.env.PATH}:/usr/sbin:/sbin` }))) return b;
  return null;
}

export interface TestServer {
  kind: ServerKind;
  port: number;
  /** Connection settings for the gateway's variables. */
  user: string;
  password: string;
  database: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
  /** The server's recent output (for failure messages). */
  logs(): string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const isRoot = () => process.getuid?.() === 0;

/** One process at a time, restartable; `ready` polls until the server answers. */
function managed(opts: {
  kind: ServerKind; port: number; user: string; password: string; database: string; dir: string;
  cmd: () => string[]; env?: Record<string, string>; ready: () => Promise<boolean>; stopSignal?: NodeJS.Signals; readyMs?: number;
  afterFirstStart?: () => Promise<void>;
}): TestServer {
  let proc: Subprocess | null = null;
  let log = "";
  let first = true;
  const keep = async (stream: ReadableStream<Uint8Array> | null) => {
    if (!stream) return;
    const dec = new TextDecoder();
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      log += dec.decode(value, { stream: true });
      if (log.length > 100_000) log = log.slice(-50_000);
    }
  };
  const server: TestServer = {
    kind: opts.kind, port: opts.port, user: opts.user, password: opts.password, database: opts.database,
    logs: () => log.slice(-4000),
    async start() {
      if (proc) return;
      const p = Bun.spawn(opts.cmd(), { cwd: opts.dir, env: { ...process.env, ...opts.env }, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
      proc = p;
      keep(p.stdout as ReadableStream<Uint8Array>);
      keep(p.stderr as ReadableStream<Uint8Array>);
      const deadline = Date.now() + (opts.readyMs ?? 30_000);
      for (;;) {
        if (p.exitCode !== null) { proc = null; throw new Error(`${opts.kind} exited with ${p.exitCode} while starting:\n${log.slice(-3000)}`); }
        if (await opts.ready().catch(() => false)) break;
        if (Date.now() > deadline) { await server.stop(); throw new Error(`${opts.kind} not ready in ${opts.readyMs ?? 30_000} ms:\n${log.slice(-3000)}`); }
        await Bun.sleep(100);
      }
      if (first) {
        first = false;
        await opts.afterFirstStart?.();
      }
    },
    async stop() {
      const p = proc;
      if (!p) return;
      proc = null;
      p.kill(opts.stopSignal ?? "SIGTERM");
      const done = await Promise.race([p.exited.then(() => true), Bun.sleep(20_000).then(() => false)]);
      if (!done) { p.kill("SIGKILL"); await p.exited; }
    },
    async destroy() {
      await server.stop();
      rmSync(opts.dir, { recursive: true, force: true });
    },
  };
  return server;
}

/** A TCP exchange: send `line`, resolve with what came back first (or "" on a refused connection). */
function tcpAsk(port: number, line: string): Promise<string> {
  return new Promise((resolve) => {
    const s = tcpConnect(port, "127.0.0.1");
    const t = setTimeout(() => { s.destroy(); resolve(""); }, 1000);
    s.once("error", () => { clearTimeout(t); resolve(""); });
    s.once("connect", () => s.write(line));
    s.once("data", (d) => { clearTimeout(t); s.destroy(); resolve(d.toString()); });
  });
}

function tempDir(kind: string): string {
  const dir = mkdtempSync(join(tmpdir(), `s3edge-${kind}-`));
  chmodSync(dir, 0o755);
  return dir;
}

export async function startRedis(): Promise<TestServer> {
  const dir = tempDir("redis");
  const port = await freePort();
  const password = "redis-secret";
  const s = managed({
    kind: "redis", port, user: "", password, database: "0", dir,
    cmd: () => ["redis-server", "--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "yes",
      "--requirepass", password, "--daemonize", "no", "--protected-mode", "no"],
    // appendonly: a stopped and restarted server keeps what it had (as a real deployment would).
    ready: async () => (await tcpAsk(port, `AUTH ${password}\r\nPING\r\n`)).startsWith("+OK"),
  });
  await s.start();
  return s;
}

export async function startPostgres(): Promise<TestServer> {
  const dir = tempDir("pg");
  const data = join(dir, "data");
  const port = await freePort();
  const user = "s3edge", password = "pg-secret", database = "events";
  // PostgreSQL will not run as root: then it runs as the postgres system user.
  const asUser = (cmd: string[]) => (isRoot() ? ["setpriv", "--reuid=postgres", "--regid=postgres", "--clear-groups", "--", ...cmd] : cmd);
  const pwfile = join(dir, "pw");
  writeFileSync(pwfile, password);
  if (isRoot()) {
    const uid = Number(Bun.spawnSync(["id", "-u", "postgres"]).stdout.toString().trim());
    const gid = Number(Bun.spawnSync(["id", "-g", "postgres"]).stdout.toString().trim());
    chownSync(dir, uid, gid);
    chownSync(pwfile, uid, gid);
  }
  const init = Bun.spawnSync(asUser([`${PG_BIN}/initdb`, "-D", data, "-U", user, `--pwfile=${pwfile}`, "--auth-host=scram-sha-256", "--auth-local=trust", "-E", "UTF8", "--no-sync"]), { cwd: dir });
  if (init.exitCode !== 0) throw new Error(`initdb failed:\n${init.stderr.toString()}${init.stdout.toString()}`);
  const s = managed({
    kind: "postgres", port, user, password, database, dir,
    cmd: () => asUser([`${PG_BIN}/postgres`, "-D", data, "-p", String(port), "-k", dir, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "full_page_writes=off"]),
    // SIGINT is the fast shutdown (SIGTERM waits for every client to disconnect).
    stopSignal: "SIGINT",
    ready: async () => {
      const r = Bun.spawnSync([`${PG_BIN}/pg_isready`, "-h", "127.0.0.1", "-p", String(port), "-q"]);
      return r.exitCode === 0;
    },
    afterFirstStart: async () => {
      const r = Bun.spawnSync(asUser([`${PG_BIN}/psql`, "-h", dir, "-p", String(port), "-U", user, "-d", "postgres", "-c", `CREATE DATABASE ${database}`]));
      if (r.exitCode !== 0) throw new Error(`create database failed: ${r.stderr.toString()}`);
    },
  });
  await s.start();
  return s;
}

export async function startMariadb(): Promise<TestServer> {
  const dir = tempDir("mariadb");
  const data = join(dir, "data");
  const port = await freePort();
  const user = "s3edge", password = "my-secret", database = "events";
  const me = isRoot() ? "root" : (process.env.USER ?? Bun.spawnSync(["id", "-un"]).stdout.toString().trim());
  const init = Bun.spawnSync(["mariadb-install-db", "--no-defaults", `--datadir=${data}`, `--user=${me}`, "--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve"], { cwd: dir });
  if (init.exitCode !== 0) throw new Error(`mariadb-install-db failed:\n${init.stderr.toString()}${init.stdout.toString()}`);
  const sock = join(dir, "mysqld.sock");
  const s = managed({
    kind: "mariadb", port, user, password, database, dir,
    cmd: () => ["mariadbd", "--no-defaults", `--datadir=${data}`, `--port=${port}`, "--bind-address=127.0.0.1", `--socket=${sock}`, `--user=${me}`,
      `--pid-file=${join(dir, "mysqld.pid")}`, "--skip-log-bin", "--skip-name-resolve", "--innodb-buffer-pool-size=32M", "--innodb-flush-log-at-trx-commit=2",
      "--log-error=" + join(dir, "error.log"), `--tmpdir=${dir}`],
    ready: async () => Bun.spawnSync(["mariadb", "--no-defaults", "-S", sock, "-u", "root", "-e", "SELECT 1"]).exitCode === 0,
    afterFirstStart: async () => {
      const sql = `CREATE DATABASE ${database}; CREATE USER '${user}'@'127.0.0.1' IDENTIFIED BY '${password}'; GRANT ALL ON ${database}.* TO '${user}'@'127.0.0.1';`;
      const r = Bun.spawnSync(["mariadb", "--no-defaults", "-S", sock, "-u", "root", "-e", sql]);
      if (r.exitCode !== 0) throw new Error(`mariadb setup failed: ${r.stderr.toString()}`);
    },
  });
  await s.start();
  return s;
}

/**
 * RabbitMQ with its own epmd on a private port (started and stopped here by PID, so nothing
 * clashes with a system epmd on 4369), no plugins, a random node name. Starting takes ~5-15 s.
 */
export async function startRabbitmq(): Promise<TestServer & { epmdStop(): Promise<void> }> {
  const dir = tempDir("rabbitmq");
  mkdirSync(join(dir, "mnesia"));
  mkdirSync(join(dir, "log"));
  const [port, dist, epmdPort] = [await freePort(), await freePort(), await freePort()];
  writeFileSync(join(dir, "enabled_plugins"), "[].\n");
  writeFileSync(join(dir, "rabbitmq.conf"), "loopback_users = none\n");
  const env: Record<string, string> = {
    HOME: dir, RABBITMQ_NODE_PORT: String(port), RABBITMQ_NODE_IP_ADDRESS: "127.0.0.1", RABBITMQ_DIST_PORT: String(dist),
    ERL_EPMD_PORT: String(epmdPort), ERL_EPMD_ADDRESS: "127.0.0.1", RABBITMQ_NODENAME: `s3edge${port}@localhost`,
    RABBITMQ_MNESIA_BASE: join(dir, "mnesia"), RABBITMQ_LOG_BASE: join(dir, "log"), RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, "enabled_plugins"),
    RABBITMQ_CONFIG_FILE: join(dir, "rabbitmq.conf"), RABBITMQ_PID_FILE: join(dir, "rabbit.pid"), RABBITMQ_LOGS: "-",
    RABBITMQ_ADVANCED_CONFIG_FILE: join(dir, "advanced.config"),
  };
  writeFileSync(join(dir, "advanced.config"), "[].\n");
  const epmd = Bun.spawn(["epmd", "-port", String(epmdPort), "-address", "127.0.0.1"], { env: { ...process.env, ...env }, stdout: "ignore", stderr: "ignore" });
  const s = managed({
    kind: "rabbitmq", port, user: "guest", password: "guest", database: "/", dir, env, readyMs: 60_000,
    cmd: () => ["/usr/lib/rabbitmq/bin/rabbitmq-server"],
    ready: async () => {
      const { connect } = await import("amqplib");
      const c = await connect(`amqp://guest:guest@127.0.0.1:${port}`, { timeout: 1000 });
      await c.close();
      return true;
    },
  });
  const epmdStop = async () => { epmd.kill(); await epmd.exited; };
  try {
    await s.start();
  } catch (e) {
    await epmdStop();
    throw e;
  }
  return { ...s, async destroy() { await s.destroy(); await epmdStop(); }, epmdStop };
}
