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
import { sdkHasStatuses, WAITS_FOR_STATUSES } from "./support/sdk-statuses.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const examples = join(root, "examples");
let tarball, browser, statuses;

before(async () => {
  tarball = packPkg(root);
  statuses = await sdkHasStatuses(root);
  browser = await launchChromium();
});
after(() => browser?.close());

/** Installs (once) and builds an example; prints the JS and wasm it ships, gzip -9. */
function build(name, command, { env = {} } = {}) {
  const dir = join(examples, name);
  installWith(dir, tarball);
  execFileSync(join(dir, "node_modules", ".bin", command[0]), command.slice(1), { cwd: dir, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, ...env } });
  const dist = join(dir, "dist");
  const files = [];
  const walk = (d) => readdirSync(d).forEach((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : files.push(join(d, f))));
  walk(dist);
  const sum = (ext) => files.filter((f) => f.endsWith(ext)).reduce((n, f) => n + gzipSync(readFileSync(f), { level: 9 }).length, 0);
  const listed = files.filter((f) => /\.(js|wasm)$/.test(f)).map((f) => relative(dist, f)).join(", ");
  // feishu-login's part of the JS, by the source maps (its wasm is all feishu-login's).
  const ours = files.filter((f) => f.endsWith(".js") && files.includes(f + ".map"))
    .reduce((n, f) => n + sharedBytes(f, (source) => source.includes("node_modules/feishu-login/")), 0);
  const mode = env.NODE_ENV === "development" ? " (development build)" : "";
  console.log(`# ${name}${mode}: ships ${sum(".js")} B JS + ${sum(".wasm")} B wasm gzip -9 (${listed}); feishu-login adds ${ours} B JS + the wasm`);
  return dist;
}

/** The one wasm `dist` ships (an app loads its entry's wasm only): its path, asserting its stem. */
function oneWasm(dist, stem) {
  const wasm = [];
  const walk = (d) => readdirSync(d).forEach((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : f.endsWith(".wasm") && wasm.push(relative(dist, join(d, f)))));
  walk(dist);
  assert.equal(wasm.length, 1, `one wasm: ${wasm}`);
  assert.match(wasm[0], new RegExp(`(^|/)${stem}_bg[-.]`), `the entry's wasm: ${wasm[0]}`);
  return wasm[0];
}

async function withApp(dist, run, { prepare } = {}) {
  const server = await startDemoServer(root, dist);
  const context = await browser.newContext();
  await prepare?.(context, server.base);
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

test("doc-widget on feishu-login/host: the real @lark-opdev/block-docs-addon-api in the emulator's local Docs host, its wasm preloaded", async () => {
  const dist = build("doc-widget", ["vite", "build"]);
  // feishu-login/vite knows each entry's wasm: the widget's page preloads the host entry's.
  const wasm = oneWasm(dist, "feishu_login_host");
  const html = readFileSync(join(dist, "widget.html"), "utf8");
  assert.ok(html.includes(`<link rel="preload" href="/${wasm}" as="fetch" type="application/wasm" crossorigin>`), html);
  await withApp(dist, async (page, base) => {
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

// ---- router apps: history routing, a guarded route, logout to a public route ---------------------

/**
 * What a static host does for an app with history routing (Vite preview, Netlify, nginx
 * try_files): a page request for a route (no file extension, not the backend or the emulator)
 * gets index.html. Also records every element with an id that enters the DOM
 * (`window.added`), so a test sees what rendered even for a moment.
 */
async function spa(context, base, dist) {
  await context.route((url) => url.origin === base && !/\.\w+$/.test(url.pathname) && !/^\/(api|open-apis|emulator|suite)\//.test(url.pathname) && url.pathname !== "/",
    (route) => (route.request().resourceType() === "document" ? route.fulfill({ path: join(dist, "index.html"), contentType: "text/html" }) : route.continue()));
  await context.addInitScript(() => {
    window.added = [];
    new MutationObserver((records) => {
      for (const r of records) {
        for (const node of r.addedNodes) {
          if (node.nodeType !== 1) continue;
          for (const el of [node, ...node.querySelectorAll("[id]")]) if (el.id) window.added.push(el.id);
        }
      }
    }).observe(document, { childList: true, subtree: true });
  });
}

/** Holds each POST /api/logout until the test releases it (a slow logout endpoint). */
function holdLogouts(page) {
  const held = [];
  const waiting = [];
  page.route("**/api/logout", (route) => {
    const next = waiting.shift();
    if (next) next(route);
    else held.push(route);
  });
  return () => (held.length ? Promise.resolve(held.shift()) : new Promise((resolve) => waiting.push(resolve)));
}

/** Counts the page's navigations to Feishu's (the emulator's) authorize page. */
function countAuthorize(page) {
  const counter = { navigations: 0 };
  page.on("request", (r) => r.isNavigationRequest() && new URL(r.url()).pathname === "/open-apis/authen/v1/authorize" && r.method() === "GET" && counter.navigations++);
  return counter;
}

const pathIs = (page, path) => page.waitForFunction((p) => location.pathname + location.search === p, path);

/**
 * Five rounds on a router app: the guarded /profile starts the login and the callback comes back
 * there (one backend post, the home page never rendered signed in on the way, the profile
 * rendered once); a reload keeps the session; logging out, with the logout endpoint held, stays
 * "signingOut" with no authorize navigation, then lands on "/" signed out.
 */
async function routerRounds(t, page, base, { logoutButtons }) {
  const authorize = countAuthorize(page);
  const backend = countBackendPosts(page);
  const nextLogout = holdLogouts(page);
  await page.goto(base + "/");
  await statusIs(page, "signedOut");
  for (let round = 1; round <= 5; round++) {
    await page.click("#profile-link");
    await consent(page);
    await page.waitForSelector("#profile");
    await statusIs(page, "signedIn");
    assert.equal(page.url(), base + "/profile", `round ${round}: back on the guarded route`);
    assert.equal(authorize.navigations, round, `round ${round}: one authorize navigation per login`);
    assert.equal(backend.posts, round, `round ${round}: one backend post per login`);
    const added = await page.evaluate(() => window.added);
    assert.ok(!added.includes("welcome"), `round ${round}: the callback's page never rendered signed in (${added})`);
    assert.equal(added.filter((id) => id === "profile").length, 1, `round ${round}: the profile rendered once (${added})`);
    if (round === 1) {
      await page.reload();
      await page.waitForSelector("#profile");
      await statusIs(page, "signedIn");
      assert.equal(authorize.navigations, 1, "a reload keeps the session");
    }
    assert.equal(await askMe(page), "张三");
    if (!statuses) return t.todo(WAITS_FOR_STATUSES);
    const button = logoutButtons[(round - 1) % logoutButtons.length];
    await page.click(button);
    const logout = await nextLogout();
    await statusIs(page, "signingOut");
    assert.equal(authorize.navigations, round, `round ${round}: no login while signing out`);
    await logout.continue();
    await pathIs(page, "/");
    await statusIs(page, "signedOut");
    await page.waitForSelector("#login");
    assert.equal(authorize.navigations, round, `round ${round} (${button}): no authorize navigation after the logout`);
  }
}

test("react-router 7 (StrictMode, development build) on feishu-login/browser/react: guarded route, reload, logout to / five times", async (t) => {
  const dist = build("react-router", ["vite", "build"], { env: { NODE_ENV: "development" } });
  oneWasm(dist, "feishu_login_browser");
  await withApp(dist, (page, base) => routerRounds(t, page, base, { logoutButtons: ["#logout", "#logout-reload"] }), {
    prepare: (context, base) => spa(context, base, dist),
  });
});

test("vue-router 4 with createLoginGuard on feishu-login/browser/vue: guarded route, reload, logout to / five times", async (t) => {
  const dist = build("vue-router", ["vite", "build"]);
  oneWasm(dist, "feishu_login_browser");
  await withApp(dist, (page, base) => routerRounds(t, page, base, { logoutButtons: ["#logout", "#logout-reload"] }), {
    prepare: (context, base) => spa(context, base, dist),
  });
});
