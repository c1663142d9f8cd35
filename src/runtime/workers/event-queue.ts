// EventQueue over a Cloudflare Queue producer binding.
import type { EventMessage, EventQueue } from "../../store/types.ts";

export function createCloudflareEventQueue(binding: Queue<EventMessage>): EventQueue {
  return {
    async send(messages) {
      if (messages.length) await binding.sendBatch(messages.map((body) => ({ body, contentType: "json" as const })));
    },
  };
}
