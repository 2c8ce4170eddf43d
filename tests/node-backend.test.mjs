// examples/node-backend: the backend contract written with Feishu's official Node SDK
// (@larksuiteoapi/node-sdk, its npm tree installed once), its domain pointed at feishu-emulator.
// A login for each surface: the browser through the SDK in Chromium (PKCE, the consent page, the
// callback), the Feishu client, doc widget and mini program with the codes a host hands out; the
// renewal through Feishu's refresh token; logout; Feishu's codes relayed; and nothing secret in
// the backend's output. Needs pkg/ and target/debug/feishu-emulator (scripts/test.sh builds both).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname, normalize } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { launchChromium } from "./support/chromium.mjs";
import { startListening } from "./support/listening.mjs";
import { installDeps } from "./support/npm.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dir = join(root, "examples", "node-backend");
// As registered in server/feishu-emulator.example.toml; its users: Ada Lovelace, then 张三.
const APP_ID = "cli_yourapp0001";
const APP_SECRET = "your-app-secret";
// Short-lived user tokens: every renewal then spends Feishu's refresh token.
const TOKEN_TTL = 120;
let emulator, emulatorBase, backend, backendBase, front, frontBase, browser;
const output = []; // everything the backend printed
const secrets = new Set([APP_SECRET]); // codes and tokens seen: none may appear in `output`

/** The app's origin: a page using the SDK, /pkg/, and /api/* passed to the backend. */
function frontServer() {
  const page = () => `<!doctype html><meta charset=utf-8><link rel=icon href="data:,"><title>app</title>
<script type=module>
import init, { FeishuLogin } from "/pkg/index.js";
await init();
window.auth = new FeishuLogin({ appId: "${APP_ID}", backend: "/api/feishu/login", refreshUrl: "/api/feishu/refresh",
  logoutUrl: "/api/logout", scope: ["offline_access"], authorizeUrl: "${emulatorBase}/open-apis/authen/v1/authorize" });
if (auth.isCallback()) await auth.handleCallback().catch((e) => { window.failure = e.kind + ": " + e.message; });
document.body.dataset.ready = "yes";
</script>`;
  return createServer(async (req, res) => {
    const url = new URL(req.url, "http://x");
    if (url.pathname.startsWith("/api/")) {
      let body = "";
      for await (const chunk of req) body += chunk;
      const answer = await fetch(backendBase + url.pathname, { method: req.method, headers: req.headers, body: body || undefined });
      res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "text/plain" }).end(await answer.text());
    } else if (url.pathname.startsWith("/pkg/") && !normalize(url.pathname).includes("..")) {
      const type = url.pathname.endsWith(".wasm") ? "application/wasm" : "text/javascript";
      res.writeHead(200, { "content-type": type }).end(readFileSync(join(root, normalize(url.pathname))));
    } else {
      res.writeHead(200, { "content-type": "text/html" }).end(page());
    }
  });
}

before(async () => {
  installDeps(dir);
  front = frontServer();
  await new Promise((resolve) => front.listen(0, "127.0.0.1", resolve));
  frontBase = `http://127.0.0.1:${front.address().port}`;
  const example = readFileSync(join(root, "server", "feishu-emulator.example.toml"), "utf8");
  const config = join(mkdtempSync(join(tmpdir(), "feishu-emulator-")), "config.toml");
  writeFileSync(config, example.replace(/^redirect_urls = .*$/m, `redirect_urls = ["${frontBase}/"]`).replace(/^token_ttl_secs = \d+/m, `token_ttl_secs = ${TOKEN_TTL}`));
  ({ child: emulator, base: emulatorBase } = await startListening(join(root, "target", "debug", "feishu-emulator"), ["--config", config, "--listen", "127.0.0.1:0"], { stderr: "ignore" }));
  const env = { ...process.env, PORT: "0", FEISHU_APP_ID: APP_ID, FEISHU_APP_SECRET: APP_SECRET, FEISHU_DOMAIN: emulatorBase, SESSION_SECRET: "test-session-secret-of-32-bytes!" };
  backend = spawn(process.execPath, ["server.js"], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
  backend.stderr.on("data", (chunk) => output.push(String(chunk)));
  backendBase = await new Promise((resolve, reject) => {
    backend.on("exit", (code) => reject(new Error(`the backend exited with ${code}: ${output.join("")}`)));
    backend.stdout.on("data", (chunk) => {
      output.push(String(chunk));
      const match = /http:\/\/127\.0\.0\.1:\d+/.exec(String(chunk));
      if (match) resolve(match[0]);
    });
  });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  backend?.kill();
  emulator?.kill();
  front?.close();
});

const post = async (path, { body, token } = {}) => {
  const response = await fetch(backendBase + path, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body ?? {}),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
};
const me = async (token) => {
  const response = await fetch(backendBase + "/api/me", { headers: { authorization: `Bearer ${token}` } });
  return response.ok ? (await response.json()).name : response.status;
};
/** A code as the Feishu host of `surface` would hand it out (the emulator's control). */
async function hostCode(surface, user = 1) {
  const answer = await fetch(emulatorBase + "/emulator/host-code", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ surface, appId: APP_ID, user }) });
  const { code } = await answer.json();
  secrets.add(code);
  return code;
}

test("browser: PKCE login through the consent page, renewal with Feishu's refresh token, logout", async () => {
  const page = await (await browser.newContext()).newPage();
  await page.goto(frontBase + "/");
  await page.waitForSelector("body[data-ready=yes]", { state: "attached" });
  page.evaluate(() => window.auth.login()).catch(() => {}); // navigates to the consent page
  await page.waitForSelector("#allow");
  await page.click("#allow");
  await page.waitForURL(frontBase + "/");
  await page.waitForSelector("body[data-ready=yes]", { state: "attached" });
  const session = await page.evaluate(() => window.failure ?? window.auth.session);
  assert.equal(session.user?.name, "Ada Lovelace", JSON.stringify(session));
  assert.ok(session.expiresAt - Date.now() <= TOKEN_TTL * 1000, "never past the Feishu token it stands on");
  secrets.add(session.token);
  assert.equal(await me(session.token), "Ada Lovelace");
  // Renewals: the Feishu token has less than 5 minutes left, so each spends the (rotated) refresh token.
  for (let i = 0; i < 2; i++) {
    const renewed = await page.evaluate(async () => (await window.auth.getSession({ minValidityMs: 3_600_000 }))?.token);
    assert.ok(renewed && !secrets.has(renewed), `renewal ${i + 1} issued a new session`);
    secrets.add(renewed);
    assert.equal(await me(renewed), "Ada Lovelace");
  }
  const last = await page.evaluate(() => window.auth.session.token);
  await page.evaluate(() => window.auth.logout());
  assert.equal(await me(last), 401, "logged out on the server");
  assert.equal(await me(session.token), 401, "every token of the session");
  assert.equal((await post("/api/feishu/refresh", { token: last })).status, 401);
  await page.context().close();
});

for (const surface of ["client", "docWidget", "miniProgram"]) {
  test(`${surface}: a host's code logs in; logout ends the session`, async () => {
    const login = await post("/api/feishu/login", { body: { code: await hostCode(surface), surface, appId: APP_ID } });
    assert.equal(login.status, 200, JSON.stringify(login.body));
    assert.deepEqual([login.body.user.name, login.body.user.openId], ["张三", "ou_0000000000000000000000000000b0b2"]);
    assert.ok(login.body.expiresIn > 0 && login.body.expiresIn <= TOKEN_TTL);
    secrets.add(login.body.token);
    assert.equal(await me(login.body.token), "张三");
    assert.equal((await post("/api/logout", { token: login.body.token })).status, 204);
    assert.equal(await me(login.body.token), 401);
    assert.equal((await post("/api/logout", { token: login.body.token })).status, 204, "idempotent");
  });
}

test("Feishu's refusals reach the SDK with their code: a used code, an unknown one, a foreign token", async () => {
  const code = await hostCode("docWidget");
  assert.equal((await post("/api/feishu/login", { body: { code, surface: "docWidget", appId: APP_ID } })).status, 200);
  assert.deepEqual(await post("/api/feishu/login", { body: { code, surface: "docWidget", appId: APP_ID } }),
    { status: 400, body: { code: 10213, message: "code has been used" } });
  const unknown = await post("/api/feishu/login", { body: { code: "nope", surface: "client", appId: APP_ID } });
  assert.deepEqual([unknown.status, unknown.body.code], [400, 20003]);
  const browserWithoutPkce = await post("/api/feishu/login", { body: { code: "x", surface: "browser", appId: APP_ID } });
  assert.deepEqual([browserWithoutPkce.status, browserWithoutPkce.body.code], [400, undefined]);
  // Passport logins are the reference backend's: the message names the file that has them.
  const passport = await post("/api/feishu/login", { body: { code: "x", surface: "browser", appId: APP_ID, passport: true, codeVerifier: "v", redirectUri: frontBase + "/" } });
  assert.equal(passport.status, 400);
  const named = /\((server\/[\w/]+\.rs)\)/.exec(passport.body.message)?.[1];
  assert.ok(named && existsSync(join(root, named)), passport.body.message);
  assert.equal((await post("/api/logout", { token: "forged.token" })).status, 401);
  assert.equal(await me("forged.token"), 401);
});

test("README's snippet with the official SDK runs as written against the emulator", async () => {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const snippet = /```js\n(import \* as lark from "@larksuiteoapi\/node-sdk";[\s\S]*?)```/.exec(readme)[1];
  // Inside the example, where the SDK resolves; removed afterwards.
  const file = join(dir, `readme-snippet-${process.pid}.mjs`);
  writeFileSync(file, snippet);
  Object.assign(process.env, { FEISHU_APP_ID: APP_ID, FEISHU_APP_SECRET: APP_SECRET, FEISHU_DOMAIN: emulatorBase });
  try {
    const { browserUser } = await import(pathToFileURL(file).href);
    // A Feishu client page's code: the same endpoint, without redirect_uri and code_verifier.
    const user = await browserUser({ code: await hostCode("client", 0) });
    assert.deepEqual([user.name, user.email], ["Ada Lovelace", "ada@example.com"]);
  } finally {
    rmSync(file, { force: true });
  }
});

// The official SDK's default client (no disableTokenCache) fetches a tenant_access_token
// (POST /open-apis/auth/v3/tenant_access_token/internal) before every request without a user
// token, app_access_token/internal and a plain client.request included, and sends it as
// `Authorization: Bearer t-…`. The emulator had no such endpoint: nothing reached it.
test("the official SDK's default client, which fetches a tenant_access_token first, works against the emulator", async () => {
  const lark = await import(join(dir, "node_modules", "@larksuiteoapi", "node-sdk", "lib", "index.js"));
  const quiet = { error() {}, warn() {}, info() {}, debug() {}, trace() {} };
  const client = new lark.Client({ appId: APP_ID, appSecret: APP_SECRET, domain: emulatorBase, logger: quiet });
  const answer = await client.auth.appAccessToken.internal({ data: { app_id: APP_ID, app_secret: APP_SECRET } });
  assert.equal(answer.code, 0);
  assert.match(answer.app_access_token, /^t-\S{8,}/);
  assert.equal(answer.tenant_access_token, answer.app_access_token, "a custom app's two tokens are one");
  // A doc widget's code, redeemed with the tenant token the SDK attaches by itself.
  const validated = await client.request({ method: "POST", url: "/open-apis/mina/v2/tokenLoginValidate", data: { code: await hostCode("docWidget", 0) } });
  assert.equal(validated.code, 0, JSON.stringify(validated));
  assert.match(validated.data.open_id, /^ou_/);
  secrets.add(validated.data.access_token);
  const user = await client.authen.userInfo.get({}, lark.withUserAccessToken("u-not-a-token")).catch((e) => e.response?.data);
  assert.equal(user.code, 99991663, "user_info still refuses an unknown user token");
  // A wrong secret fails where Feishu fails it, with Feishu's code, before the request is sent
  // (a cache of its own: the SDK's default cache is shared by every client of the same app id).
  const noCache = { async get() {}, async set() { return true; } };
  const wrong = new lark.Client({ appId: APP_ID, appSecret: "wrong-secret", domain: emulatorBase, logger: quiet, cache: noCache });
  await assert.rejects(wrong.request({ method: "POST", url: "/open-apis/mina/v2/tokenLoginValidate", data: { code: "x" } }),
    /failed to get tenant_access_token, code: 10014, msg: app secret invalid/);
});

test("the backend printed no secret: not the app secret, a code or a token", () => {
  const printed = output.join("");
  for (const secret of secrets) assert.ok(!printed.includes(secret), `printed a secret (${secret.slice(0, 6)}…)`);
});
