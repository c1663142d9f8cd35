// The web console (src/console) in a real browser: Debian's chromium driven by playwright-core,
// against the gateway on Bun or, through test/workers/run-e2e.sh, the Worker on workerd. One
// walk through as a user would: log in, create a bucket, upload (40 MiB, watching the progress
// bar), browse folders, preview, share, delete, see a readable error, log out. Screenshots of
// each main screen go to test/console/screenshots/ (test artifacts, gitignored).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { AwsClient } from "aws4fetch";
import { chromium, type Browser, type Page } from "playwright-core";
import { encryptData } from "../../src/admin/crypto/encrypt-data.ts";
import { bucketName, MiB, randomFile, runtime, tempDir, useServer } from "../e2e/harness.ts";

const CHROMIUM = "/usr/bin/chromium";
// As test/e2e/browser.ts: headless and offline (no calls to Google's hosts on start).
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const SHOTS = join(import.meta.dir, "screenshots");

const ep = useServer();
const B = bucketName("console");
let browser: Browser;
let page: Page;
const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${runtime()}-${name}.png`), fullPage: true });
const s3 = () => new AwsClient({ accessKeyId: ep.accessKey, secretAccessKey: ep.secretKey, service: "s3", region: ep.region });
const listKeys = async (prefix = "") => {
  const res = await s3().fetch(`${ep.url}/${B}?list-type=2&prefix=${encodeURIComponent(prefix)}`);
  return [...(await res.text()).matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1]);
};

describe.skipIf(!existsSync(CHROMIUM))("web console in Chromium", () => {
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await ctx.grantPermissions(["clipboard-read", "clipboard-write"], { origin: ep.url });
    page = await ctx.newPage();
    page.on("dialog", (d) => d.accept());
  });
  afterAll(async () => {
    await browser?.close();
  });

  test("a browser's GET / lands on the login form; a wrong secret shows the S3 error and what to do", async () => {
    await page.goto(`${ep.url}/`);
    expect(new URL(page.url()).pathname).toBe("/console/");
    await page.getByLabel("Access key").waitFor();
    await shot("login");
    // Keyboard only: the access key has focus, Tab to the secret, Enter submits.
    await page.keyboard.type(ep.accessKey);
    await page.keyboard.press("Tab");
    await page.keyboard.type("not-the-secret");
    await page.keyboard.press("Enter");
    const alert = page.getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toContain("SignatureDoesNotMatch");
    expect(await alert.textContent()).toContain("The secret key does not match");
    await shot("login-error");
  });

  test("log in, create a bucket", async () => {
    await page.getByLabel("Secret key").fill(ep.secretKey);
    await page.getByLabel("Secret key").press("Enter");
    await page.getByRole("heading", { name: "Buckets" }).waitFor();
    const stored = await page.evaluate(() => JSON.parse(sessionStorage.getItem("s3edge.console.session") ?? "null"));
    // Root may not AssumeRole (MinIO semantics), so root's key is kept for this tab only.
    expect(stored.kind).toBe("long-term");
    await page.getByLabel("New bucket name").fill(B);
    await page.getByRole("button", { name: "Create bucket" }).click();
    await page.getByRole("link", { name: B, exact: true }).waitFor();
    await shot("buckets");
    await page.emulateMedia({ colorScheme: "dark" });
    await shot("buckets-dark");
    await page.emulateMedia({ colorScheme: "light" });
  });

  test("upload 40 MiB as multipart while the progress bar moves", async () => {
    await page.getByRole("link", { name: B, exact: true }).click();
    await page.getByRole("heading", { name: B }).waitFor();
    const big = await randomFile(tempDir(), "big.bin", 40 * MiB);
    await page.locator("#upload-input").setInputFiles(big.path);
    const bar = page.locator('li.upload[data-key="big.bin"] progress');
    await bar.waitFor();
    const seen = new Set<number>();
    let shotTaken = false;
    for (const started = Date.now(); Date.now() - started < 60_000;) {
      const { value, max, status } = await bar.evaluate((p: HTMLProgressElement) => ({ value: p.value, max: p.max, status: p.closest("li")?.className ?? "" }));
      seen.add(value);
      if (!shotTaken && value > 0 && value < max) { shotTaken = true; await shot("upload-progress"); }
      if (!status.includes("uploading")) {
        if (!status.includes("done")) throw new Error(`upload ended ${status}: ${await bar.evaluate((p) => p.closest("li")?.textContent)}`);
        break;
      }
      await Bun.sleep(20);
    }
    const partial = [...seen].filter((v) => v > 0 && v < 40 * MiB);
    expect(partial.length).toBeGreaterThan(0);
    const head = await s3().fetch(`${ep.url}/${B}/big.bin`, { method: "HEAD" });
    expect(head.headers.get("content-length")).toBe(String(40 * MiB));
    expect(head.headers.get("etag")).toMatch(/-5"$/); // 5 parts of 8 MiB
  });

  test("cancel a multipart upload midway: no object and no upload left behind", async () => {
    const big = await randomFile(tempDir(), "cancelled.bin", 40 * MiB);
    await page.locator("#upload-input").setInputFiles(big.path);
    const bar = page.locator('li.upload[data-key="cancelled.bin"] progress');
    await page.waitForFunction(() => ((document.querySelector('li.upload[data-key="cancelled.bin"] progress') as HTMLProgressElement | null)?.value ?? 0) > 0);
    await page.getByRole("button", { name: "Cancel upload of cancelled.bin" }).click();
    await page.locator('li.upload.cancelled[data-key="cancelled.bin"]').waitFor();
    expect(await bar.evaluate((p: HTMLProgressElement) => p.value < p.max)).toBe(true);
    expect(await listKeys()).toEqual(["big.bin"]);
    // AbortMultipartUpload follows the abort (best effort, after the XHRs settle).
    for (let i = 0; ; i++) {
      const ups = await (await s3().fetch(`${ep.url}/${B}?uploads`)).text();
      if (!ups.includes("<Upload>")) break;
      if (i > 50) throw new Error(`multipart upload left behind: ${ups}`);
      await Bun.sleep(100);
    }
  });

  test("create a folder, browse into it, upload JSON and preview it; breadcrumbs lead back", async () => {
    await page.getByLabel("New folder name").fill("docs");
    await page.getByRole("button", { name: "Create folder" }).click();
    await page.getByRole("link", { name: /docs\// }).click();
    await page.getByRole("heading", { name: "docs/" }).waitFor();
    await page.locator("#upload-input").setInputFiles({ name: "info.json", mimeType: "application/json", buffer: Buffer.from('{"hello":"console","n":[1,2]}') });
    await page.getByRole("button", { name: "info.json", exact: true }).click();
    const pre = page.locator("pre.preview");
    await pre.waitFor();
    expect(await pre.textContent()).toContain('"hello": "console"');
    await shot("preview-json");
    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: "Download" }).click();
    const file = await (await download).path();
    expect(await Bun.file(file).text()).toBe('{"hello":"console","n":[1,2]}');
    // Drag and drop: a drop event carrying a file, as a desktop drag delivers it.
    const dt = await page.evaluateHandle(() => {
      const d = new DataTransfer();
      d.items.add(new File(["dropped by drag and drop"], "dropped.txt", { type: "text/plain" }));
      return d;
    });
    await page.dispatchEvent("section.objects", "drop", { dataTransfer: dt });
    await page.getByRole("button", { name: "dropped.txt", exact: true }).waitFor();
    await page.getByRole("navigation", { name: "Breadcrumbs" }).getByRole("link", { name: B, exact: true }).click();
    await page.getByRole("heading", { name: B }).waitFor();
    expect(await listKeys()).toEqual(["big.bin", "docs/", "docs/dropped.txt", "docs/info.json"]);
  });

  test("preview an image, see its metadata, make a share link that works without credentials", async () => {
    // A real PNG drawn by the browser itself.
    const png = await page.evaluate(() => {
      const c = document.createElement("canvas");
      c.width = 320; c.height = 200;
      const g = c.getContext("2d")!;
      const grad = g.createLinearGradient(0, 0, 320, 200);
      grad.addColorStop(0, "#0b63ce"); grad.addColorStop(1, "#f5a623");
      g.fillStyle = grad; g.fillRect(0, 0, 320, 200);
      return c.toDataURL("image/png").split(",")[1];
    });
    const bytes = Buffer.from(png, "base64");
    await page.locator("#upload-input").setInputFiles({ name: "picture.png", mimeType: "image/png", buffer: bytes });
    await page.getByRole("button", { name: "picture.png", exact: true }).click();
    const img = page.getByRole("img", { name: "Preview of picture.png" });
    await Promise.race([img.waitFor(), page.locator(".details [role=alert]").waitFor().then(async () => {
      throw new Error(`preview failed: ${await page.locator(".details [role=alert]").textContent()}`);
    })]);
    await page.waitForFunction(() => (document.querySelector("img.preview") as HTMLImageElement | null)?.naturalWidth === 320);
    expect(await page.locator("dl.meta").textContent()).toContain("image/png");
    await page.getByLabel("Share link valid for").selectOption({ label: "1 day" });
    await page.getByRole("button", { name: "Create link" }).click();
    const url = await page.getByLabel("Share link", { exact: true }).inputValue();
    expect(url).toContain("X-Amz-Expires=86400");
    await page.getByRole("button", { name: "Copy" }).click();
    await page.getByRole("button", { name: "Copied" }).waitFor();
    await shot("preview-image");
    const res = await fetch(url); // no credentials: the link is the grant
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
    await page.setViewportSize({ width: 390, height: 844 });
    await shot("objects-phone");
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  test("delete several objects at once; deleting a non-empty bucket shows BucketNotEmpty", async () => {
    await page.getByLabel("Select big.bin").check();
    await page.getByLabel("Select picture.png").check();
    await page.getByRole("button", { name: "Delete selected (2)" }).click();
    await page.getByLabel("Select big.bin").waitFor({ state: "detached" });
    expect(await listKeys()).toEqual(["docs/", "docs/dropped.txt", "docs/info.json"]);
    await shot("objects");
    await page.getByRole("link", { name: "Buckets" }).click();
    await page.getByRole("button", { name: `Delete bucket ${B}` }).click();
    const alert = page.getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toContain("BucketNotEmpty");
    expect(await alert.textContent()).toContain("Delete its objects first");
    await shot("error");
  });

  test("1,005 keys: one page of 1,000 at a time with continuation tokens, and the prefix filter", async () => {
    const B2 = `${B}-many`;
    const c = s3();
    expect((await c.fetch(`${ep.url}/${B2}`, { method: "PUT" })).status).toBe(200);
    const keys = Array.from({ length: 1005 }, (_, i) => `k-${String(i).padStart(4, "0")}`);
    for (let i = 0; i < keys.length; i += 16) {
      await Promise.all(keys.slice(i, i + 16).map(async (k) => {
        const r = await c.fetch(`${ep.url}/${B2}/${k}`, { method: "PUT", body: "" });
        if (r.status !== 200) throw new Error(`put ${k}: ${r.status}`);
      }));
    }
    await page.goto(`${ep.url}/console/#/b/${B2}/`);
    const rows = page.locator("table.list tbody tr");
    await page.getByLabel("Select k-0999").waitFor();
    expect(await rows.count()).toBe(1000);
    await page.getByRole("button", { name: "Next page" }).click();
    await page.getByLabel("Select k-1004").waitFor();
    expect(await rows.count()).toBe(5);
    expect(await page.getByRole("navigation", { name: "Pages" }).textContent()).toContain("Page 2");
    await page.getByRole("button", { name: "Previous page" }).click();
    await page.getByLabel("Select k-0000").waitFor();
    await page.getByLabel("Filter by prefix").fill("k-100");
    await page.getByLabel("Select k-0000").waitFor({ state: "detached" });
    await page.getByLabel("Select k-1004").waitFor();
    expect(await rows.count()).toBe(5);
    await shot("objects-filtered");
  });

  test("admin: the policies screen lists the built-ins, shows a policy's JSON, refuses bad JSON and adds one", async () => {
    await page.getByRole("link", { name: "Policies" }).click();
    await page.getByRole("heading", { name: "Policies" }).waitFor();
    for (const p of ["readwrite", "readonly", "writeonly", "consoleAdmin", "diagnostics"]) await page.getByRole("button", { name: p, exact: true }).waitFor();
    await page.getByRole("button", { name: "readonly", exact: true }).click();
    expect(await page.locator(".policy-json").textContent()).toContain("s3:GetObject");
    const name = `${B.slice(-8)}-put`;
    await page.getByLabel("Name", { exact: true }).fill(name);
    await page.getByLabel("Policy document (JSON)").fill('{"Version": "2012-10-17", "Statement": [');
    await page.getByRole("button", { name: "Save policy" }).click();
    expect(await page.getByRole("alert").textContent()).toContain("Not valid JSON");
    const doc = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["s3:PutObject"], Resource: [`arn:aws:s3:::${B}/*`] }] };
    await page.getByLabel("Policy document (JSON)").fill(JSON.stringify(doc));
    await page.getByRole("button", { name: "Save policy" }).click();
    await page.locator(".policy-json", { hasText: `arn:aws:s3:::${B}/*` }).waitFor();
    await shot("policies");
    const listed = await s3().fetch(`${ep.url}/minio/admin/v3/info-canned-policy?name=${name}`);
    expect(await listed.json()).toMatchObject(doc);
  });

  test("admin: add a user on the users screen, see it listed, disable it, attach a policy (the admin API agrees)", async () => {
    const user = `cu${B.slice(-8)}`;
    await page.getByRole("link", { name: "Users" }).click();
    await page.getByRole("heading", { name: "Users" }).waitFor();
    // As a person would: once the (encrypted, slow to open) list is there. On workerd an add sent
    // while the Worker still derives the list's Argon2id key was answered 503 by the runtime.
    await page.getByText("Loading (the answer is encrypted", { exact: false }).waitFor({ state: "detached", timeout: 60_000 });
    await page.getByLabel("Access key").fill(user);
    await page.getByLabel("Secret key").fill("console-user-secret");
    await page.getByRole("button", { name: "Add user" }).click();
    const row = page.locator(`tr[data-user="${user}"]`);
    await row.waitFor();
    expect(await row.locator(".user-status").textContent()).toBe("enabled");
    await page.getByRole("button", { name: `Disable ${user}` }).click();
    await page.getByRole("button", { name: `Enable ${user}` }).waitFor();
    expect(await row.locator(".user-status").textContent()).toBe("disabled");
    await page.getByLabel(`Policy to attach to ${user}`).selectOption("readwrite");
    await page.getByRole("button", { name: `Attach policy to ${user}` }).click();
    await page.getByRole("button", { name: `Detach readwrite from ${user}` }).waitFor();
    await shot("users");
    const info = await (await s3().fetch(`${ep.url}/minio/admin/v3/user-info?accessKey=${user}`)).json();
    expect(info).toMatchObject({ status: "disabled", policyName: "readwrite" });
    await page.getByRole("button", { name: `Delete user ${user}` }).click();
    await row.waitFor({ state: "detached" });
    expect((await s3().fetch(`${ep.url}/minio/admin/v3/user-info?accessKey=${user}`)).status).toBe(404);
    // One more, a consoleAdmin: it logs in below.
    await page.getByLabel("Access key").fill(`${user}x`);
    await page.getByLabel("Secret key").fill("console-user-secret");
    await page.getByRole("button", { name: "Add user" }).click();
    await page.getByLabel(`Policy to attach to ${user}x`).selectOption("consoleAdmin");
    await page.getByRole("button", { name: `Attach policy to ${user}x` }).click();
    await page.getByRole("button", { name: `Detach consoleAdmin from ${user}x` }).waitFor();
    await page.getByRole("link", { name: "Files" }).click();
    await page.getByRole("heading", { name: "Buckets" }).waitFor();
  });

  test("log out clears the session", async () => {
    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByLabel("Access key").waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await page.reload();
    await page.getByLabel("Access key").waitFor();
  });

  test("the consoleAdmin added on the users screen logs in (STS) and gets the admin screens", async () => {
    const user = `cu${B.slice(-8)}x`;
    await page.getByLabel("Access key").fill(user);
    await page.getByLabel("Secret key").fill("console-user-secret");
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("link", { name: B, exact: true }).waitFor();
    expect(JSON.parse(await page.evaluate(() => sessionStorage.getItem("s3edge.console.session") ?? "null"))).toMatchObject({ kind: "sts" });
    // The admin API's encrypted answers are under the temporary secret: the browser reads them too.
    await page.getByRole("link", { name: "Users" }).click();
    await page.locator(`tr[data-user="${user}"]`).waitFor();
    expect(await page.locator(`tr[data-user="${user}"]`).textContent()).toContain("consoleAdmin");
    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByLabel("Access key").waitFor();
  });

  test("a read-and-list user logs in with STS temporary credentials only; a denied delete shows AccessDenied", async () => {
    const user = `ro${B.slice(-8)}`;
    const secret = "readonly-secret-1";
    const admin = new AwsClient({ accessKeyId: ep.accessKey, secretAccessKey: ep.secretKey, service: "s3", region: ep.region });
    // madmin's AddUser body is encrypted with the signer's secret (PBKDF2 variant: fast in a test).
    const body = await encryptData(ep.secretKey, new TextEncoder().encode(JSON.stringify({ secretKey: secret, status: "enabled" })), { id: 2 });
    const add = await admin.fetch(`${ep.url}/minio/admin/v3/add-user?accessKey=${user}`, { method: "PUT", body: body as Uint8Array<ArrayBuffer> });
    if (add.status !== 200) throw new Error(`add-user: ${add.status} ${await add.text()}`);
    // Read and list, no delete (MinIO's canned "readonly" cannot even list).
    const doc = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["s3:ListAllMyBuckets", "s3:ListBucket", "s3:GetObject", "s3:GetBucketLocation"], Resource: ["arn:aws:s3:::*"] }] };
    const made = await admin.fetch(`${ep.url}/minio/admin/v3/add-canned-policy?name=${user}-browse`, { method: "PUT", body: JSON.stringify(doc) });
    if (made.status !== 200) throw new Error(`add-canned-policy: ${made.status} ${await made.text()}`);
    const pol = await admin.fetch(`${ep.url}/minio/admin/v3/set-user-or-group-policy?policyName=${user}-browse&userOrGroup=${user}&isGroup=false`, { method: "PUT" });
    if (pol.status !== 200) throw new Error(`set policy: ${pol.status} ${await pol.text()}`);

    await page.getByLabel("Access key").fill(user);
    await page.getByLabel("Secret key").fill(secret);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("heading", { name: "Buckets" }).waitFor();
    const stored = await page.evaluate(() => sessionStorage.getItem("s3edge.console.session") ?? "");
    expect(JSON.parse(stored)).toMatchObject({ kind: "sts" });
    expect(JSON.parse(stored).sessionToken).toBeTruthy();
    expect(stored).not.toContain(secret);
    expect(stored).not.toContain(`"accessKeyId":"${user}"`);
    await page.getByRole("link", { name: B, exact: true }).click();
    await page.getByRole("link", { name: /docs\// }).click();
    await page.getByLabel("Select docs/info.json").check();
    await page.getByRole("button", { name: "Delete selected (1)" }).click();
    const alert = page.getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toContain("AccessDenied");
    await shot("denied-delete");
    expect(await listKeys("docs/")).toEqual(["docs/", "docs/dropped.txt", "docs/info.json"]);
    // Not an admin (its admin probe was refused long ago): the file manager only.
    expect(await page.getByRole("link", { name: "Users" }).count()).toBe(0);
    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByLabel("Access key").waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  });
});
