// A test Worker that runs the MetaStore contract (test/contract/meta-store.ts) against the
// Durable Object store: the real MetaShard class behind createDoMetaStore, as the gateway
// builds it. Driven by test/workers/meta-store-contract.test.ts, which writes its wrangler
// config (MetaShard with a SQLite migration, an R2 bucket for MetaShard's GC, no Queue).
//   GET  /cases             the case names, with what each needs
//   POST /run?case=<name>   runs one case on a fresh store: {ok, error?, skipped?}
import { META_STORE_CONTRACT, runContractCase } from "../contract/meta-store.ts";
import { createDoMetaStore } from "../../src/runtime/workers/do-meta-store.ts";
import type { MetaShard } from "../../src/runtime/workers/meta-shard.ts";

export { MetaShard } from "../../src/runtime/workers/meta-shard.ts";

interface ContractEnv {
  META: DurableObjectNamespace<MetaShard>;
  CHUNKS: R2Bucket;
}

export default {
  async fetch(req, env) {
    const url = new URL(req.url);
    if (req.method === "GET" && url.pathname === "/cases") {
      return Response.json(META_STORE_CONTRACT.map((c) => ({ name: c.name, needs: c.needs ?? [] })));
    }
    if (req.method === "POST" && url.pathname === "/run") {
      const name = url.searchParams.get("case");
      const c = META_STORE_CONTRACT.find((x) => x.name === name);
      if (!c) return Response.json({ ok: false, error: `no such case: ${name}` }, { status: 404 });
      // A fresh store: every shard of this run gets names of its own. The peer is a second set
      // of stubs onto the same objects, as another isolate would hold.
      const prefix = `${crypto.randomUUID()}/`;
      const store = createDoMetaStore(env.META, prefix);
      // The objects stamp sessions with their own Date.now(); it cannot be set from here.
      const outcome = await runContractCase(c, store, { now: () => Date.now(), peer: createDoMetaStore(env.META, prefix) });
      return Response.json(outcome);
    }
    return new Response("not found\n", { status: 404 });
  },
} satisfies ExportedHandler<ContractEnv>;
