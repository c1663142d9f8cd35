// A one-node Kafka broker emulator for the notification tests: no Kafka broker installs here
// (Debian ships only clients, npm no broker, Maven is out of reach), so this speaks the wire
// protocol a broker speaks to a producer, on 127.0.0.1, and keeps what it was sent:
//   ApiVersions v0-3 (v3 flexible), Metadata v0-5 (every topic asked for exists, one partition,
//   led by this node), Produce v3-7 (record batch v2 only: magic 2, CRC32C checked, records and
//   headers decoded, uncompressed), SaslHandshake v0-1 + SaslAuthenticate v0-1 (PLAIN, or
//   SCRAM-SHA-256/512 as RFC 5802/7677 have it: the server's side of both rounds, the client's
//   proof checked and the server's signature sent), optionally over TLS (a certificate given).
// Anything else closes the connection, as a broker does with an API it does not know. The
// emulator is itself checked against librdkafka (kcat -L / kcat -P) in notify-kafka.test.ts.
// `stop()` closes the listener and every connection and keeps the log; `start()` listens again
// on the same port (the outage tests).
import { createServer, type Server, type Socket } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from "node:crypto";

export interface KafkaRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

export interface KafkaBroker {
  port: number;
  /** Every record accepted, in log order. */
  records(topic?: string): KafkaRecord[];
  /** API keys and versions of the requests seen, in order ("18v3", "3v5", …). */
  requests: string[];
  /** Why each batch refused for a bad CRC, magic or compression was (the tests assert none). */
  corrupt: string[];
  /** Produce requests refused (SASL not done). */
  refused: number;
  /** SaslAuthenticate requests refused (a wrong user, password or proof). */
  authFailures: number;
  /** Resolves once `n` records of `topic` are in the log. */
  waitFor(topic: string, n: number, timeoutMs?: number): Promise<KafkaRecord[]>;
  stop(): Promise<void>;
  start(): Promise<void>;
}

// ---- CRC32C (Castagnoli, reflected 0x82F63B78), what record batch v2 carries -------------

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32c(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// ---- reading and writing the primitive types ---------------------------------------------

class Reader {
  off = 0;
  constructor(readonly b: Buffer) {}
  i8() { return this.b.readInt8(this.off++); }
  i16() { const v = this.b.readInt16BE(this.off); this.off += 2; return v; }
  i32() { const v = this.b.readInt32BE(this.off); this.off += 4; return v; }
  u32() { const v = this.b.readUInt32BE(this.off); this.off += 4; return v; }
  i64() { const v = this.b.readBigInt64BE(this.off); this.off += 8; return Number(v); }
  bool() { return this.b[this.off++] !== 0; }
  uvarint() {
    let v = 0, shift = 0, byte: number;
    do { byte = this.b[this.off++]; v += (byte & 0x7f) * 2 ** shift; shift += 7; } while (byte & 0x80);
    return v;
  }
  /** Zigzag varint / varlong (records). */
  varint() { const u = this.uvarint(); return u % 2 ? -(u + 1) / 2 : u / 2; }
  bytes(n: number) { const v = this.b.subarray(this.off, this.off + n); this.off += n; return v; }
  str() { const n = this.i16(); return n < 0 ? null : this.bytes(n).toString("utf8"); }
  compactStr() { const n = this.uvarint() - 1; return n < 0 ? null : this.bytes(n).toString("utf8"); }
  i32Bytes() { const n = this.i32(); return n < 0 ? null : this.bytes(n); }
  array<T>(item: () => T): T[] | null { const n = this.i32(); if (n < 0) return null; return Array.from({ length: n }, item); }
  tags() { const n = this.uvarint(); for (let i = 0; i < n; i++) { this.uvarint(); this.bytes(this.uvarint()); } }
}

class Writer {
  parts: Buffer[] = [];
  raw(b: Buffer) { this.parts.push(b); return this; }
  i8(v: number) { const b = Buffer.alloc(1); b.writeInt8(v); return this.raw(b); }
  i16(v: number) { const b = Buffer.alloc(2); b.writeInt16BE(v); return this.raw(b); }
  i32(v: number) { const b = Buffer.alloc(4); b.writeInt32BE(v); return this.raw(b); }
  i64(v: number) { const b = Buffer.alloc(8); b.writeBigInt64BE(BigInt(v)); return this.raw(b); }
  bool(v: boolean) { return this.i8(v ? 1 : 0); }
  uvarint(v: number) {
    const out: number[] = [];
    do { let byte = v % 128; v = Math.floor(v / 128); if (v) byte |= 0x80; out.push(byte); } while (v);
    return this.raw(Buffer.from(out));
  }
  str(s: string | null) { if (s === null) return this.i16(-1); const b = Buffer.from(s); return this.i16(b.length).raw(b); }
  bytes(b: Buffer | null) { if (b === null) return this.i32(-1); return this.i32(b.length).raw(b); }
  array<T>(items: T[], write: (t: T) => void) { this.i32(items.length); items.forEach(write); return this; }
  done() { return Buffer.concat(this.parts); }
}

// ---- the APIs -----------------------------------------------------------------------------

const API = { PRODUCE: 0, FETCH: 1, METADATA: 3, SASL_HANDSHAKE: 17, API_VERSIONS: 18, SASL_AUTHENTICATE: 36 } as const;
/**
 * key → [min, max] advertised: all non-flexible except ApiVersions v3. Fetch v4 is listed and
 * not served: librdkafka writes record batch v2 only to a broker that lists Produce v3 and
 * Fetch v4 (its MsgVer2 feature), and falls back to the old MessageSet otherwise.
 */
const VERSIONS: [number, number, number][] = [[API.PRODUCE, 3, 7], [API.FETCH, 4, 4], [API.METADATA, 0, 5], [API.SASL_HANDSHAKE, 0, 1], [API.API_VERSIONS, 0, 3], [API.SASL_AUTHENTICATE, 0, 1]];
const ERR = { NONE: 0, CORRUPT_MESSAGE: 2, UNSUPPORTED_SASL_MECHANISM: 33, UNSUPPORTED_VERSION: 35, SASL_AUTHENTICATION_FAILED: 58 } as const;

export type SaslMechanism = "PLAIN" | "SCRAM-SHA-256" | "SCRAM-SHA-512";

/** The server's side of a SCRAM exchange (RFC 5802 §3, §5): one per connection. */
function scramServer(hash: "sha256" | "sha512", user: { username: string; password: string }) {
  const salt = randomBytes(16), iterations = 4096;
  const salted = pbkdf2Sync(user.password, salt, iterations, hash === "sha256" ? 32 : 64, hash);
  const hmac = (key: Buffer, data: string) => createHmac(hash, key).update(data).digest();
  let first: { bare: string; server: string; nonce: string } | null = null;
  return {
    /** The reply to the client's message, or null when it fails (SASL_AUTHENTICATION_FAILED). */
    step(msg: string): { reply: string; done: boolean } | null {
      const attrs = (m: string) => Object.fromEntries(m.split(",").map((kv) => [kv[0], kv.slice(2)]));
      if (!first) {
        // client-first-message: gs2 header ("n,,": no channel binding, no authzid), then n=,r=
        const m = /^n,,(.*)$/.exec(msg);
        if (!m) return null;
        const a = attrs(m[1]);
        // saslname: "=2C" is ",", "=3D" is "=" (RFC 5802 §5.1).
        const name = (a.n ?? "").replace(/=2C/g, ",").replace(/=3D/g, "=");
        if (name !== user.username || !a.r) return null;
        const nonce = a.r + randomBytes(12).toString("base64");
        const server = `r=${nonce},s=${salt.toString("base64")},i=${iterations}`;
        first = { bare: m[1], server, nonce };
        return { reply: server, done: false };
      }
      // client-final-message: c=biws,r=<nonce>,p=<proof>
      const i = msg.lastIndexOf(",p=");
      if (i < 0) return null;
      const withoutProof = msg.slice(0, i);
      const a = attrs(withoutProof);
      // Kafka's ScramSaslServer checks that the nonce ends with the server's (librdkafka sends its
      // own nonce before the server's whole one), not that it equals it.
      if (!a.r?.endsWith(first.nonce) || a.c !== "biws") return null;
      const auth = `${first.bare},${first.server},${withoutProof}`;
      const clientKey = hmac(salted, "Client Key");
      const signature = hmac(createHash(hash).update(clientKey).digest(), auth);
      const proof = Buffer.from(clientKey.map((b, k) => b ^ signature[k]));
      const sent = Buffer.from(msg.slice(i + 3), "base64");
      if (sent.length !== proof.length || !timingSafeEqual(sent, proof)) return null;
      return { reply: `v=${hmac(hmac(salted, "Server Key"), auth).toString("base64")}`, done: true };
    },
  };
}

export async function startKafkaBroker(opts: {
  port?: number;
  sasl?: { username: string; password: string; mechanism?: SaslMechanism };
  /** PEM certificate and key: the broker speaks TLS (a SSL listener). */
  tls?: { cert: string; key: string };
} = {}): Promise<KafkaBroker> {
  const mechanism: SaslMechanism = opts.sasl?.mechanism ?? "PLAIN";
  const log: KafkaRecord[] = [];
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  let port = opts.port ?? 0;
  const waiters = new Set<() => void>();

  const broker: KafkaBroker = {
    get port() { return port; },
    records: (topic) => (topic === undefined ? [...log] : log.filter((r) => r.topic === topic)),
    requests: [],
    corrupt: [],
    refused: 0,
    authFailures: 0,
    waitFor(topic, n, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const got = broker.records(topic);
          if (got.length >= n) { waiters.delete(check); clearTimeout(timer); resolve(got); }
        };
        const timer = setTimeout(() => { waiters.delete(check); reject(new Error(`kafka emulator: ${broker.records(topic).length} of ${n} records on '${topic}' after ${timeoutMs} ms`)); }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async start() {
      const s = opts.tls ? createTlsServer({ cert: opts.tls.cert, key: opts.tls.key }, (sock) => serve(sock)) : createServer((sock) => serve(sock));
      await new Promise<void>((resolve, reject) => { s.once("error", reject); s.listen(port, "127.0.0.1", () => resolve()); });
      port = (s.address() as { port: number }).port;
      server = s;
    },
    async stop() {
      const s = server;
      server = null;
      for (const sock of sockets) sock.destroy();
      sockets.clear();
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };

  function serve(sock: Socket) {
    sockets.add(sock);
    sock.on("close", () => sockets.delete(sock));
    sock.on("error", () => {});
    let authed = !opts.sasl;
    let scram: ReturnType<typeof scramServer> | null = null;
    let buf: Buffer = Buffer.alloc(0);
    sock.on("data", (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      while (buf.length >= 4) {
        const size = buf.readInt32BE(0);
        if (buf.length < 4 + size) break;
        const frame = buf.subarray(4, 4 + size);
        buf = buf.subarray(4 + size);
        let reply: Buffer | null | "hang up";
        try {
          reply = handle(frame);
        } catch (e) {
          console.error(`kafka emulator: bad request: ${(e as Error).message}`);
          sock.destroy();
          return;
        }
        if (reply === "hang up") { sock.destroy(); return; }
        if (reply) sock.write(Buffer.concat([new Writer().i32(reply.length).done(), reply]));
      }
    });

    /** The response frame (header + body), null for none (acks=0). */
    function handle(frame: Buffer): Buffer | null | "hang up" {
      const r = new Reader(frame);
      const key = r.i16(), version = r.i16(), correlation = r.i32();
      r.str(); // client id
      broker.requests.push(`${key}v${version}`);
      const range = VERSIONS.find(([k]) => k === key);
      const head = new Writer().i32(correlation);
      if (key === API.API_VERSIONS) {
        // The ApiVersions response header is always v0 (KIP-511), and an unknown version is
        // answered in v0 with UNSUPPORTED_VERSION so the client can retry lower.
        if (version > 3) return apiVersions(head, 0, ERR.UNSUPPORTED_VERSION);
        if (version >= 3) { r.tags(); r.compactStr(); r.compactStr(); r.tags(); }
        return apiVersions(head, version, ERR.NONE);
      }
      if (!range || key === API.FETCH || version < range[1] || version > range[2]) return "hang up";
      if (key === API.METADATA) return metadata(r, head, version);
      if (key === API.SASL_HANDSHAKE) {
        const mech = r.str();
        const ok = mech === mechanism && !!opts.sasl;
        if (ok && mechanism !== "PLAIN") scram = scramServer(mechanism === "SCRAM-SHA-256" ? "sha256" : "sha512", opts.sasl!);
        return head.i16(ok ? ERR.NONE : ERR.UNSUPPORTED_SASL_MECHANISM).array(opts.sasl ? [mechanism] : [], (m) => head.str(m)).done();
      }
      if (key === API.SASL_AUTHENTICATE) {
        const bytes = r.i32Bytes() ?? Buffer.alloc(0);
        let reply = "";
        let ok: boolean;
        if (scram) {
          const step = scram.step(bytes.toString("utf8"));
          ok = step !== null;
          reply = step?.reply ?? "";
          authed = !!step?.done;
        } else {
          const auth = bytes.toString("utf8").split("\0");
          ok = authed = !!opts.sasl && mechanism === "PLAIN" && auth[1] === opts.sasl.username && auth[2] === opts.sasl.password;
        }
        if (!ok) broker.authFailures++;
        head.i16(ok ? ERR.NONE : ERR.SASL_AUTHENTICATION_FAILED).str(ok ? null : "Authentication failed: Invalid username or password").bytes(Buffer.from(reply));
        if (version >= 1) head.i64(0);
        return head.done();
      }
      return produce(r, head, version);
    }

    function produce(r: Reader, w: Writer, version: number): Buffer | null {
      r.str(); // transactional id
      const acks = r.i16();
      r.i32(); // timeout
      const results = r.array(() => {
        const topic = r.str()!;
        const parts = r.array(() => {
          const partition = r.i32();
          const records = r.i32Bytes();
          const base = log.length;
          let code: number = ERR.NONE;
          if (!authed) { code = ERR.SASL_AUTHENTICATION_FAILED; broker.refused++; }
          else {
            const bad = records && decodeBatches(topic, partition, records);
            if (bad) { code = ERR.CORRUPT_MESSAGE; broker.corrupt.push(bad); }
          }
          return { partition, code, base };
        })!;
        return { topic, parts };
      })!;
      for (const f of waiters) f();
      if (acks === 0) return null;
      w.array(results, (t) => {
        w.str(t.topic).array(t.parts, (p) => {
          w.i32(p.partition).i16(p.code).i64(p.code ? -1 : p.base).i64(-1);
          if (version >= 5) w.i64(0);
        });
      });
      return w.i32(0).done();
    }
  }

  function apiVersions(w: Writer, version: number, code: number): Buffer {
    w.i16(code);
    if (version >= 3) {
      w.uvarint(VERSIONS.length + 1);
      for (const [k, min, max] of VERSIONS) w.i16(k).i16(min).i16(max).uvarint(0);
      w.i32(0).uvarint(0);
    } else {
      w.array(VERSIONS, ([k, min, max]) => w.i16(k).i16(min).i16(max));
      if (version >= 1) w.i32(0);
    }
    return w.done();
  }

  function metadata(r: Reader, w: Writer, version: number): Buffer {
    let topics = r.array(() => r.str()!);
    if (version >= 4) r.bool(); // allow_auto_topic_creation: every topic exists here
    // v0's empty list and v1+'s null both mean "all topics": the ones written to so far.
    if (!topics || (version === 0 && topics.length === 0)) topics = [...new Set(log.map((x) => x.topic))];
    if (version >= 3) w.i32(0);
    w.array([0], () => { w.i32(0).str("127.0.0.1").i32(port); if (version >= 1) w.str(null); });
    if (version >= 2) w.str("s3edge-kafka-emulator");
    if (version >= 1) w.i32(0);
    w.array(topics, (name) => {
      w.i16(ERR.NONE).str(name);
      if (version >= 1) w.bool(false);
      w.array([0], () => {
        w.i16(ERR.NONE).i32(0).i32(0).array([0], (n) => w.i32(n)).array([0], (n) => w.i32(n));
        if (version >= 5) w.array([], () => {});
      });
    });
    return w.done();
  }

  /** Record batches v2 into the log; what is wrong (and nothing kept) for a bad CRC, magic or compression. */
  function decodeBatches(topic: string, partition: number, data: Buffer): string | null {
    const got: KafkaRecord[] = [];
    const r = new Reader(data);
    while (r.off + 12 <= data.length) {
      r.i64(); // base offset (the producer's, 0)
      const len = r.i32();
      const end = r.off + len;
      if (end > data.length) break; // a partial batch at the end is allowed, and dropped
      r.i32(); // partition leader epoch
      const magic = r.i8();
      if (magic !== 2) return `magic ${magic}: only record batch v2 is emulated`;
      const crc = r.u32();
      const computed = crc32c(data.subarray(r.off, end));
      if (computed !== crc) return `CRC32C ${computed.toString(16)} != ${crc.toString(16)} sent`;
      const attributes = r.i16();
      if (attributes & 0x07) return `compression codec ${attributes & 0x07}: not emulated`;
      r.i32(); // last offset delta
      const baseTs = r.i64();
      r.i64(); r.i64(); r.i16(); r.i32(); // max timestamp, producer id, epoch, base sequence
      const count = r.i32();
      for (let i = 0; i < count; i++) {
        r.varint(); // record length
        r.i8();
        const tsDelta = r.varint();
        r.varint(); // offset delta
        const kl = r.varint();
        const key = kl < 0 ? null : r.bytes(kl).toString("utf8");
        const vl = r.varint();
        const value = vl < 0 ? null : r.bytes(vl).toString("utf8");
        const headers: Record<string, string> = {};
        const hc = r.varint();
        for (let h = 0; h < hc; h++) {
          const hk = r.bytes(r.varint()).toString("utf8");
          const hvl = r.varint();
          headers[hk] = hvl < 0 ? "" : r.bytes(hvl).toString("utf8");
        }
        got.push({ topic, partition, offset: 0, timestamp: baseTs + tsDelta, key, value, headers });
      }
      if (r.off !== end) return `batch ends at ${r.off}, its length says ${end}`;
    }
    for (const rec of got) { rec.offset = log.length; log.push(rec); }
    return null;
  }

  await broker.start();
  return broker;
}
