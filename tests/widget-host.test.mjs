// The emulator's local doc-widget host (README "Develop a doc widget locally"): a widget on its own origin, written as for
// Feishu (the published @lark-opdev/block-docs-addon-api, `new BlockitClient()`, its
// `DocMiniApp` passed to FeishuLogin), opened in `/emulator/doc-widget-host?url=…` of the demo
// server, logs in with the emulator's codes; the reference backend redeems them at
// tokenLoginValidate; with feishu-login and with feishu-login/host, the entry for Feishu hosts.
// Needs pkg/ and target/debug/feishu-login-server.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { launchChromium } from "./support/chromium.mjs";
import { startDemo } from "./support/listening.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const addonApi = join(root, "node_modules", "@lark-opdev", "block-docs-addon-api", "dist", "es", "index.js");
let server, demoBase, widgetServer, widgetBase, browser;

/** The widget's page, importing the package entry at `module` (a URL of the widget's origin). */
const widget = (module) => `<!doctype html><meta charset=utf-8><link rel=icon href="data:,"><title>widget</title>
<p>Status: <b id=status>loading</b> <span id=user></span> <span id=error></span></p><button id=login>Log in</button>
<script type=module>
import { BlockitClient, DocMiniApp } from "/vendor/block-docs-addon-api.js";
import init, { FeishuLogin } from "${module}";
new BlockitClient(); // its constructor wires DocMiniApp to the host (initAPI)
await init();
const auth = new FeishuLogin({ appId: "cli_emulator_demo", backend: "/api/feishu/login", docMiniApp: DocMiniApp });
const render = (s) => { document.querySelector("#status").textContent = s ? "signedIn (" + auth.surface + ")" : "signedOut"; document.querySelector("#user").textContent = s?.user?.name ?? ""; };
auth.onChange(render);
render(auth.session);
document.querySelector("#login").onclick = () => auth.login().catch((e) => { document.querySelector("#error").textContent = e.kind + ": " + e.message; });
document.body.dataset.ready = "yes";
</script>`;

before(async () => {
  ({ child: server, base: demoBase } = await startDemo(root));
  // The widget's own origin (as a Vite dev server would be), with the package and the addon API.
  widgetServer = createServer(async (req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    // /api/ goes to the reference backend, as Vite's dev proxy would send it.
    if (path.startsWith("/api/")) {
      let body = "";
      for await (const chunk of req) body += chunk;
      const answer = await fetch(demoBase + path, { method: req.method, headers: { "content-type": "application/json" }, body: body || undefined });
      return res.writeHead(answer.status, { "content-type": "application/json" }).end(await answer.text());
    }
    const file = path === "/vendor/block-docs-addon-api.js" ? addonApi
      : /^\/pkg\/(host\/)?[\w.]+\.(js|wasm)$/.test(path) ? join(root, path) : null;
    // /?entry=host: the widget imports feishu-login/host.
    const entry = new URL(req.url, "http://x").searchParams.get("entry");
    if (path === "/") return res.writeHead(200, { "content-type": "text/html" }).end(widget(entry ? `/pkg/${entry}/index.js` : "/pkg/index.js"));
    if (!file) return res.writeHead(404).end();
    res.writeHead(200, { "content-type": file.endsWith(".wasm") ? "application/wasm" : "text/javascript" });
    res.end(readFileSync(file));
  });
  await new Promise((resolve) => widgetServer.listen(0, "127.0.0.1", resolve));
  widgetBase = `http://127.0.0.1:${widgetServer.address().port}`;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.kill();
  widgetServer?.close();
});

for (const [name, query, wasm] of [["feishu-login", "", "feishu_login_bg.wasm"], ["feishu-login/host", "?entry=host", "feishu_login_host_bg.wasm"]]) test(`a widget using @lark-opdev/block-docs-addon-api and ${name} logs in inside the emulator's Docs host`, async () => {
  const page = await (await browser.newContext()).newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const wasmRequests = [];
  page.on("request", (r) => r.url().endsWith(".wasm") && wasmRequests.push(new URL(r.url()).pathname));
  await page.goto(`${demoBase}/emulator/doc-widget-host?url=${encodeURIComponent(widgetBase + "/" + query)}`);
  await page.selectOption("#user", "1");
  const widget = page.frameLocator("#widget");
  await widget.locator("body[data-ready=yes]").waitFor();
  assert.equal(await widget.locator("#status").textContent(), "signedOut");
  await widget.locator("#login").click();
  await widget.locator("#status", { hasText: "signedIn" }).waitFor();
  assert.equal(await widget.locator("#status").textContent(), "signedIn (docWidget)");
  assert.equal(await widget.locator("#user").textContent(), "李四", "the user picked in the host");
  const calls = await page.evaluate(() => window.hostCalls);
  assert.ok(calls.includes("handshake"), `initAPI's start-up call answered: ${calls}`);
  assert.equal(calls.filter((c) => c === "Service_User_login").length, 1);
  assert.match(await page.textContent("#log"), /Service\.User\.login: a one-time code for 李四/);
  assert.deepEqual(wasmRequests, [`/pkg/${query ? "host/" : ""}${wasm}`], "the entry's wasm, once");
  assert.deepEqual(errors, []);
});

test("the host page takes only http(s) widget URLs", async () => {
  const page = await (await browser.newContext()).newPage();
  for (const url of ["javascript:alert(1)", "data:text/html,x", ""]) {
    const response = await page.goto(`${demoBase}/emulator/doc-widget-host?url=${encodeURIComponent(url)}`);
    assert.equal(response.status(), 400, url);
    assert.equal(await page.$("iframe"), null);
  }
});
