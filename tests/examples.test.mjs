// The example apps in examples/, each built by its own toolchain from the packed package (npm
// pack of pkg/, installed like `npm install feishu-login`) and logged in through the demo server's
// emulator in Chromium. Registry dependencies are installed once per example (tests/support/npm.mjs).
// Prints what each build ships. Needs pkg/ and target/debug/feishu-login-server.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join, dirname, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { launchChromium } from "./support/chromium.mjs";
import { sharedBytes } from "./support/bundle-share.mjs";
import { packPkg, installWith } from "./support/npm.mjs";
import { startDemoServer, countBackendPosts, consent } from "./support/demo-server.mjs";
import { recordRequests } from "./support/requests.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const examples = join(root, "examples");
let tarball, browser;

before(async () => {
  tarball = packPkg(root);
  browser = await launchChromium();
});
after(() => browser?.close());

/** Installs (once) and builds an example; prints the JS and wasm it ships, gzip -9. */
function build(name, command) {
  const dir = join(examples, name);
  installWith(dir, tarball);
  execFileSync(join(dir, "node_modules", ".bin", command[0]), command.slice(1), { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  const dist = join(dir, "dist");
  const files = [];
  const walk = (d) => readdirSync(d).forEach((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : files.push(join(d, f))));
  walk(dist);
  const sum = (ext) => files.filter((f) => f.endsWith(ext)).reduce((n, f) => n + gzipSync(readFileSync(f), { level: 9 }).length, 0);
  const listed = files.filter((f) => /\.(js|wasm)$/.test(f)).map((f) => relative(dist, f)).join(", ");
  // feishu-login's part of the JS, by the source maps (its wasm is all feishu-login's).
  const ours = files.filter((f) => f.endsWith(".js") && files.includes(f + ".map"))
    .reduce((n, f) => n + sharedBytes(f, (source) => source.includes("node_modules/feishu-login/")), 0);
  console.log(`# ${name}: ships ${sum(".js")} B JS + ${sum(".wasm")} B wasm gzip -9 (${listed}); feishu-login adds ${ours} B JS + the wasm`);
  return dist;
}

async function withApp(dist, run) {
  const server = await startDemoServer(root, dist);
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(String(e)));
  page.on("console", (m) => /duplicated|error/i.test(m.text()) && problems.push(m.text()));
  try {
    await run(page, server.base);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
    server.stop();
  }
}

const statusIs = (page, status) => page.waitForFunction((s) => document.getElementById("status")?.textContent === s, status);
const askMe = async (page) => {
  await page.click("#me");
  await page.waitForFunction(() => document.getElementById("me-result").textContent !== "");
  return page.textContent("#me-result");
};

/** Home page: log in through the consent page, call the backend, log out. */
async function loginFlow(page, base, { meOn, back } = {}) {
  await page.goto(base + "/");
  await statusIs(page, "signedOut");
  const backend = countBackendPosts(page);
  await page.click("#login");
  await consent(page);
  await statusIs(page, "signedIn");
  assert.equal(backend.posts, 1);
  assert.equal(await page.textContent("#user"), "张三");
  assert.equal(page.url(), base + "/");
  if (meOn) await page.click(meOn);
  assert.equal(await askMe(page), "张三");
  if (back) await page.click(back);
  await page.click("#logout");
  await statusIs(page, "signedOut");
}

test("vite-react (StrictMode): login, the backend, logout; RequireLogin brings the user back to #/profile", async () => {
  await withApp(build("vite-react", ["vite", "build"]), async (page, base) => {
    await loginFlow(page, base, { meOn: "#profile-link", back: "a[href='#/']" });
    await page.click("#profile-link");
    await consent(page);
    await page.waitForSelector("#profile");
    assert.equal(page.url(), base + "/#/profile", "returnTo, and the router heard it (onRedirectCallback)");
    assert.equal(await askMe(page), "张三");
  });
});

test("vite-react with feishu-login/vite: the built page preloads the wasm and init() takes the preload", async () => {
  const dist = build("vite-react", ["vite", "build"]);
  const wasm = readdirSync(join(dist, "assets")).filter((f) => f.endsWith(".wasm"));
  assert.equal(wasm.length, 1);
  const html = readFileSync(join(dist, "index.html"), "utf8");
  assert.ok(html.includes(`<link rel="preload" href="/assets/${wasm[0]}" as="fetch" type="application/wasm" crossorigin>`), html);
  await withApp(dist, async (page, base) => {
    const warnings = [];
    page.on("console", (m) => /preload/i.test(m.text()) && warnings.push(m.text()));
    const requests = await recordRequests(page);
    await page.goto(base + "/");
    await statusIs(page, "signedOut"); // init() and the constructor have run
    const all = requests.list();
    const wasmRequests = all.filter((r) => r.url.endsWith(".wasm"));
    // A preload in another credentials mode than init()'s fetch would be fetched a second time.
    assert.equal(wasmRequests.length, 1, "one request for the wasm");
    assert.equal(wasmRequests[0].initiator, "parser", "requested by the HTML's preload link");
    const js = all.find((r) => /\/assets\/index-[\w-]+\.js$/.test(r.url));
    assert.ok(wasmRequests[0].sent < js.finished, "the wasm was requested before the module that fetches it had loaded");
    assert.deepEqual(warnings, []);
    await requests.stop();
  });
});

test("vite-vue: login, the backend, logout", async () => {
  await withApp(build("vite-vue", ["vite", "build"]), loginFlow);
});

test("webpack 5: the web entry (init()) and the bundler entry (asyncWebAssembly) both log in", async () => {
  const dist = build("webpack", ["webpack", "--mode", "production"]);
  await withApp(dist, loginFlow);
  // The emulator only redirects to "/": serve the bundler entry's page there.
  copyFileSync(join(dist, "bundler.html"), join(dist, "index.html"));
  await withApp(dist, async (page, base) => {
    await loginFlow(page, base);
    assert.match(await page.textContent("#entry"), /bundler/);
  });
});

test("doc-widget: the real @lark-opdev/block-docs-addon-api in the emulator's local Docs host (issue #13)", async () => {
  await withApp(build("doc-widget", ["vite", "build"]), async (page, base) => {
    const backend = countBackendPosts(page);
    await page.goto(`${base}/emulator/doc-widget-host?url=${encodeURIComponent(base + "/widget.html")}`);
    const widget = page.frameLocator("#widget");
    await widget.locator("#status", { hasText: "signedOut" }).waitFor();
    assert.equal(await widget.locator("#status").getAttribute("data-surface"), "docWidget");
    await widget.locator("#login").click();
    await widget.locator("#status", { hasText: "signedIn" }).waitFor();
    assert.equal(await widget.locator("#user").textContent(), "张三");
    assert.equal(backend.posts, 1);
    // The code came through the package's bridge: the host saw the handshake and the login call.
    assert.deepEqual(await page.evaluate(() => window.hostCalls), ["handshake", "Service_User_login"]);
    await widget.locator("#me").click();
    await widget.locator("#me-result", { hasText: "张三" }).waitFor();
    await widget.locator("#logout").click();
    await widget.locator("#status", { hasText: "signedOut" }).waitFor();
  });
});
