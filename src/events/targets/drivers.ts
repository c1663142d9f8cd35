// The seam between delivery (events/deliver.ts, the same on both runtimes) and the target
// drivers that need a runtime's sockets. A runtime hands the core one factory per target type
// it can reach (Deps.targetDrivers); webhook needs none (fetch is everywhere). A type without a
// factory is refused when the target is configured, never failed at delivery.
import type { Logger } from "../../deps.ts";
import type { NotifyTarget, TargetType } from "../targets.ts";
import { targetKey } from "../target-registry.ts";
import type { EventRecord } from "./format.ts";

/** One target's connection: `send` resolves once the target has the event, anything else throws. */
export interface TargetSender {
  send(record: EventRecord): Promise<void>;
  close(): Promise<void>;
}

type Socketed = Exclude<TargetType, "webhook">;
export type TargetDriver<T extends NotifyTarget> = (target: T, log: Logger) => TargetSender;
/** A runtime's drivers, by ARN type. */
export type TargetDrivers = { [K in Socketed]?: TargetDriver<Extract<NotifyTarget, { type: K }>> };

/** Why this runtime cannot deliver to the target (null: it can). */
export function targetRefusal(t: NotifyTarget, drivers: TargetDrivers | undefined, runtime: string): string | null {
  if (t.type === "webhook" || drivers?.[t.type]) return null;
  return `${t.type} target '${t.id}' (arn:minio:sqs::${t.id}:${t.type}) needs a TCP connection that s3edge on ${runtime} does not open; use a webhook target there`;
}

export interface TargetSenders {
  send(target: Exclude<NotifyTarget, { type: "webhook" }>, record: EventRecord): Promise<void>;
  close(): Promise<void>;
}

/**
 * One sender (connection or pool) per target, made on first use and kept; a target whose
 * settings changed (a stored target replaced) gets a new one and the old is closed.
 */
export function createTargetSenders(drivers: TargetDrivers, log: Logger): TargetSenders {
  const open = new Map<string, { config: string; sender: TargetSender }>();
  return {
    async send(target, record) {
      const key = targetKey(target);
      const config = JSON.stringify(target);
      let s = open.get(key);
      if (s && s.config !== config) {
        open.delete(key);
        s.sender.close().catch(() => {});
        s = undefined;
      }
      if (!s) {
        const make = drivers[target.type] as TargetDriver<typeof target> | undefined;
        if (!make) throw new Error(targetRefusal(target, drivers, "this runtime")!);
        s = { config, sender: make(target, log) };
        open.set(key, s);
      }
      await s.sender.send(record);
    },
    async close() {
      const all = [...open.values()];
      open.clear();
      await Promise.all(all.map((s) => s.sender.close().catch(() => {})));
    },
  };
}
