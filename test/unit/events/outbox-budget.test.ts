// D13: access events (ObjectAccessed:*) have their own budget in a target's queue. They fill
// only the room that change events leave (dropped, and logged, once the queue holds
// queue_limit events), and never count toward the limit that refuses a change with SlowDown.
import { describe, expect, it } from "bun:test";
import { targetsFromEnv } from "../../../src/events/targets.ts";
import { drainOutbox } from "../../../src/events/deliver.ts";
import { errorCode, md5B64, withBucket } from "../helpers/s3.ts";
import { startCountingReceiver } from "./receiver.ts";

for (const sharded of [false, true]) {
  describe(`access events and the queue limit (${sharded ? "sharded" : "single"} store)`, () => {
    it("reads never make writes fail; access events are dropped first, and logged", async () => {
      const rx = startCountingReceiver();
      try {
        const targets = targetsFromEnv({
          MINIO_NOTIFY_WEBHOOK_ENABLE_small: "on", MINIO_NOTIFY_WEBHOOK_ENDPOINT_small: rx.url, MINIO_NOTIFY_WEBHOOK_QUEUE_LIMIT_small: "3",
        });
        const { c, env } = await withBucket("bkt", { notifyTargets: targets }, { sharded });
        const warnings: string[] = [];
        env.deps.log = { ...env.deps.log, warn: (m: string) => { warnings.push(m); } };
        const events = ["s3:ObjectCreated:*", "s3:ObjectRemoved:*", "s3:ObjectAccessed:*"].map((e) => `<Event>${e}</Event>`).join("");
        const body = `<NotificationConfiguration><QueueConfiguration>${events}<Queue>arn:minio:sqs::small:webhook</Queue></QueueConfiguration></NotificationConfiguration>`;
        expect((await c.send("/bkt?notification", { method: "PUT", body, headers: { "content-md5": md5B64(body) } })).status).toBe(200);

        // No consumer runs yet (an outage, as far as the queue can tell): reads pile up.
        expect((await c.put("bkt", "a", "1")).status).toBe(200);
        for (let i = 0; i < 5; i++) expect((await c.get("bkt", "a")).status).toBe(200);
        await Bun.sleep(10); // access events are appended after the response
        expect(await env.deps.meta.countEvents()).toEqual({ "small:webhook": 3 }); // 1 Put + 2 Get: full
        expect(warnings.filter((w) => w.startsWith("access event dropped"))).toHaveLength(3);

        // The queue is full of reads, yet writes go through until change events alone reach the limit.
        expect((await c.put("bkt", "b", "2")).status).toBe(200);
        expect((await c.del("bkt", "a")).status).toBe(204);
        const refused = await c.put("bkt", "c", "3");
        expect(refused.status).toBe(503);
        expect(await errorCode(refused)).toBe("SlowDown");
        expect((await c.get("bkt", "b")).status).toBe(200); // dropped too: the queue holds 5 ≥ 3
        await Bun.sleep(10);
        expect(await env.deps.meta.countEvents()).toEqual({ "small:webhook": 5 });

        // Once delivered, in commit order with the reads that were kept, writes go through again.
        const d = { targets, now: env.deps.clock.now, log: env.deps.log };
        while (await drainOutbox(env.deps.meta, d)) {}
        expect(rx.lines()).toEqual(["Put bkt/a", "Get bkt/a", "Get bkt/a", "Put bkt/b", "Delete bkt/a"]);
        expect((await c.put("bkt", "c", "3")).status).toBe(200);
      } finally {
        await rx.stop();
      }
    });
  });
}
