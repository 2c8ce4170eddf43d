// feishu-emulator in front of someone else's app (README "Test your own app offline"): the
// emulator binary runs alone with server/feishu-emulator.example.toml; the app is a separate origin with
// its own backend written here in plain Node (any language would do: it only speaks Feishu's
// documented HTTP API to the emulator's base URL). Chromium logs in through the SDK and the
// emulator's consent page. Needs pkg/ and target/debug/feishu-emulator (scripts/test.sh builds both).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { launchChromium } from "./support/chromium.mjs";
import { startListening } from "./support/listening.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
// As registered in server/feishu-emulator.example.toml.
const APP_ID = "cli_yourapp0001";
const APP_SECRET = "your-app-secret";
let emulator, emulatorBase, app, appBase, browser;

/** Your app: a page using the SDK, /pkg/ (the built package), and a backend at /api/login. */
function yourApp() {
  const page = (base) => `<!doctype html><meta charset=utf-8><link rel=icon href="data:,"><title>Your app</title>
<p id=who>signed out</p><button id=login>Log in with Feishu</button>
<script type=module>
import init, { FeishuLogin } from "/pkg/index.js";
await init();
const auth = new FeishuLogin({ appId: "${APP_ID}", backend: "/api/login",
  authorizeUrl: "${base}/open-apis/authen/v1/authorize" });
const show = (s) => { document.querySelector("#who").textContent = s ? "signed in as " + s.user.name : "signed out"; };
auth.onChange(show);
if (auth.isCallback()) await auth.handleCallback().catch((e) => { document.querySelector("#who").textContent = e.kind + ": " + e.message; });
show(auth.session);
document.querySelector("#login").onclick = () => auth.login();
document.body.dataset.ready = "yes";
</script>`;
  // The backend: Feishu's authorization-code exchange (OAuth token v2) and user_info, against
  // the emulator's base URL instead of https://open.feishu.cn.
  async function login(body) {
    const token = await (await fetch(emulatorBase + "/open-apis/authen/v2/oauth/token", {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ grant_type: "authorization_code", client_id: APP_ID, client_secret: APP_SECRET,
        code: body.code, redirect_uri: body.redirectUri, code_verifier: body.codeVerifier }),
    })).json();
    if (token.code !== 0) return [400, { code: token.code, message: token.error_description }];
    const info = await (await fetch(emulatorBase + "/open-apis/authen/v1/user_info", {
      headers: { authorization: "Bearer " + token.access_token },
    })).json();
    return [200, { token: "app-session-for-" + info.data.open_id, expiresIn: 3600, user: { name: info.data.name } }];
  }
  return createServer(async (req, res) => {
    const url = new URL(req.url, "http://x");
    if (req.method === "POST" && url.pathname === "/api/login") {
      let text = "";
      for await (const chunk of req) text += chunk;
      const [status, body] = await login(JSON.parse(text));
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    } else if (url.pathname.startsWith("/pkg/") && !normalize(url.pathname).includes("..")) {
      try {
        const file = readFileSync(join(root, normalize(url.pathname)));
        const type = url.pathname.endsWith(".wasm") ? "application/wasm" : "text/javascript";
        res.writeHead(200, { "content-type": type }).end(file);
      } catch {
        res.writeHead(404).end();
      }
    } else if (url.pathname === "/") {
      res.writeHead(200, { "content-type": "text/html" }).end(page(emulatorBase));
    } else {
      res.writeHead(404).end();
    }
  });
}

before(async () => {
  app = yourApp();
  await new Promise((resolve) => app.listen(0, "127.0.0.1", resolve));
  appBase = `http://127.0.0.1:${app.address().port}`;
  // server/feishu-emulator.example.toml, with this app's origin as its redirect URL.
  const example = readFileSync(join(root, "server", "feishu-emulator.example.toml"), "utf8");
  const config = join(mkdtempSync(join(tmpdir(), "feishu-emulator-")), "config.toml");
  writeFileSync(config, example.replace(/^redirect_urls = .*$/m, `redirect_urls = ["${appBase}/"]`));
  ({ child: emulator, base: emulatorBase } = await startListening(join(root, "target", "debug", "feishu-emulator"), [
    "--config", config, "--listen", "127.0.0.1:0",
  ]));
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  emulator?.kill();
  app?.close();
});

test("your app on its own origin logs in through feishu-emulator", async () => {
  const page = await (await browser.newContext()).newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(appBase + "/");
  await page.waitForSelector("body[data-ready=yes]");
  await page.click("#login");
  await page.waitForURL((url) => url.href.startsWith(emulatorBase + "/open-apis/authen/v1/authorize"));
  assert.match(await page.title(), /授权/);
  await page.click("#allow");
  await page.waitForURL(appBase + "/");
  await page.waitForFunction(() => document.querySelector("#who").textContent !== "signed out");
  assert.equal(await page.textContent("#who"), "signed in as Ada Lovelace", "the file's first user");
  assert.equal(new URL(page.url()).search, "", "code and state are stripped from the address bar");
  assert.deepEqual(errors, []);
});

test("feishu-emulator refuses a redirect URL your app did not register", async () => {
  const page = await (await browser.newContext()).newPage();
  const url = new URL(emulatorBase + "/open-apis/authen/v1/authorize");
  Object.entries({ client_id: APP_ID, redirect_uri: "http://127.0.0.1:1/elsewhere", response_type: "code", state: "s" })
    .forEach(([k, v]) => url.searchParams.set(k, v));
  await page.goto(url.href);
  assert.equal(await page.textContent("#error-code"), "20029");
});
