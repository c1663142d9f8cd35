// The console's admin client (src/console/client/admin.ts) against the real app: its encrypted
// bodies are the ones the gateway's madmin crypto reads, and it reads the gateway's answers.
import { describe, expect, it } from "bun:test";
import { memoryDeps } from "../helpers/deps.ts";
import { ENDPOINT } from "../helpers/s3.ts";
import { createApp } from "../../../src/app.ts";
import { bunArgon2id } from "../../../src/runtime/bun/argon2.ts";
import { createMadminCrypto } from "../../../src/admin/crypto/madmin-crypto.ts";
import { encryptData } from "../../../src/admin/crypto/encrypt-data.ts";
import { createAdmin, openAdminBody, policyProblem, sealAdminBody } from "../../../src/console/client/admin.ts";

const enc = new TextEncoder();

describe("console admin client", () => {
  it("seals request bodies the gateway's madmin crypto opens (PBKDF2 id, no Argon2 in the browser for requests)", async () => {
    const sealed = await sealAdminBody("secretsecret", { secretKey: "s3cr3t-key", status: "enabled" });
    expect(sealed[32]).toBe(2);
    const plain = await createMadminCrypto().decrypt("secretsecret", sealed);
    expect(JSON.parse(new TextDecoder().decode(plain!))).toEqual({ secretKey: "s3cr3t-key", status: "enabled" });
  });

  it("opens an encrypted answer, derives once per salt, and says InvalidResponse for a wrong secret or a plain body", async () => {
    const salt = crypto.getRandomValues(new Uint8Array(32));
    const keys = new Map<string, Promise<Uint8Array>>();
    for (const v of [{ a: 1 }, { b: 2 }]) {
      const body = await encryptData("pw-one-secret", enc.encode(JSON.stringify(v)), { id: 2, salt });
      expect(await openAdminBody("pw-one-secret", body, keys)).toEqual(v);
    }
    expect(keys.size).toBe(1);
    const body = await encryptData("pw-one-secret", enc.encode("{}"), { id: 2 });
    await expect(openAdminBody("another-secret", body, new Map())).rejects.toMatchObject({ code: "InvalidResponse" });
    await expect(openAdminBody("pw-one-secret", enc.encode("{}"), new Map())).rejects.toMatchObject({ code: "InvalidResponse" });
  });

  it("checks a policy document before it is sent", () => {
    expect(policyProblem('{"Version":"2012-10-17","Statement":[]}')).toBe("");
    expect(policyProblem("{")).toStartWith("Not valid JSON");
    expect(policyProblem("[]")).toBe("A policy is a JSON object.");
    expect(policyProblem('{"Statement":[]}')).toContain("Version");
    expect(policyProblem('{"Version":"2012-10-17"}')).toContain("Statement");
  });

  it("adds, lists, disables, attaches and removes a user through the admin API as root", async () => {
    const { deps } = memoryDeps();
    // Bun's native Argon2id on the gateway side; the client derives with the portable one, once.
    const app = createApp({ ...deps, argon2id: bunArgon2id });
    const admin = createAdmin({ kind: "long-term", accessKeyId: "AKIDTEST", secretAccessKey: "secretsecret" }, "us-east-1", ENDPOINT, async (req) => {
      // A real server always sees Host; Request objects built here do not carry one.
      const headers = new Headers(req.headers);
      headers.set("host", new URL(ENDPOINT).host);
      return app.request(new Request(req, { headers }));
    });
    await admin.addUser("console-user", "console-secret");
    expect(await admin.listUsers()).toEqual([{ accessKey: "console-user", status: "enabled", policies: [], memberOf: [] }]);
    await admin.setUserStatus("console-user", "disabled");
    await admin.attachPolicy("console-user", "readwrite");
    expect(await admin.listUsers()).toEqual([{ accessKey: "console-user", status: "disabled", policies: ["readwrite"], memberOf: [] }]);
    expect(Object.keys(await admin.listPolicies())).toContain("consoleAdmin");
    await admin.addPolicy("put-only", JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["s3:PutObject"], Resource: ["arn:aws:s3:::b/*"] }] }));
    expect(Object.keys(await admin.listPolicies())).toContain("put-only");
    await expect(admin.addPolicy("bad", '{"Version":"2012-10-17","Statement":[{"Effect":"Maybe"}]}')).rejects.toMatchObject({ code: "XMinioMalformedIAMPolicy" });
    await admin.removeUser("console-user");
    expect(await admin.listUsers()).toEqual([]);
    await expect(admin.removeUser("AKIDTEST")).rejects.toMatchObject({ code: "XMinioInvalidIAMCredentials", status: 403 });
  });
});
