// A postgres.js client as the PostgreSQL MetaStore wants it: int8 (count(*), bigint columns)
// parsed as numbers (ms timestamps and sizes stay far below 2^53), server notices silenced
// (CREATE … IF NOT EXISTS sends one), a bounded pool and connect timeout.
import postgres from "postgres";
import type { Pg } from "./tx.ts";

export interface PostgresClientOptions {
  /** Connections in the pool (default 10). */
  max?: number;
  /** Seconds to wait for a connection (default 5). */
  connectTimeout?: number;
  /** A schema to work in (search_path), e.g. one per test. */
  schema?: string;
}

export function connectPostgres(url: string, opts: PostgresClientOptions = {}): Pg {
  return postgres(url, {
    max: opts.max ?? 10,
    connect_timeout: opts.connectTimeout ?? 5,
    idle_timeout: 60,
    onnotice: () => {},
    types: { bigint: { to: 20, from: [20], serialize: (x: number) => String(x), parse: (x: string) => Number(x) } },
    ...(opts.schema ? { connection: { search_path: opts.schema } } : {}),
  });
}

/** The URL with any password masked, for messages. */
export function displayUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, "//$1:…@");
}
