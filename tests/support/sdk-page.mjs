// The harness of the browser tests of the built npm package (tests/browser.test.mjs,
// tests/hosts.test.mjs, tests/defects.test.mjs): an app server that serves pkg/ and a test page,
// a test backend (tests/support/backend.mjs) on its own port — a cross-origin backend, as apps
// usually have — and Chromium. Needs pkg/ (node scripts/build-pkg.mjs), or FEISHU_PKG_DIR.
//
// The test page (/app/page.html) imports /pkg/index.js (feishu-login; another entry's with
// `startHarness({ entry: "host" })`) as an app does, awaits init() (not with ?noinit) and exposes
// `window.sdk` (the module) and `window.t` (helpers, see PAGE_HELPERS).
// Tests run their code in the page with page.evaluate; SDK errors cross back as plain objects
// (`t.error(e)`) and are checked by assertSdkError.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { handleBackend } from "./backend.mjs";
import { launchChromium } from "./chromium.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
// FEISHU_PKG_DIR: test another build of the package than pkg/ (e.g. a candidate fix).
const pkg = process.env.FEISHU_PKG_DIR || join(root, "pkg");
const types = { ".js": "text/javascript", ".wasm": "application/wasm", ".html": "text/html", ".json": "application/json" };

// Runs in the page (a classic script, before the module below). BACKEND is filled in per server.
const PAGE_HELPERS = `
window.t = {
  BACKEND: __BACKEND__,
  /** The current page without query and fragment (the default redirectUri). */
  page: () => location.origin + location.pathname,
  backend(path, key) { return this.BACKEND + path + (path.includes("?") ? "&" : "?") + "key=" + key; },
  /** Like tests/common/mod.rs login_config: extra goes into the backend object. */
  loginConfig(appId, path = "/login", extra = {}) {
    return { appId, backend: { url: this.backend(path, appId), credentials: "omit", ...extra } };
  },
  /** Like new_login: extra goes into the config itself. */
  newLogin(appId, extra = {}) { return new sdk.FeishuLogin({ ...this.loginConfig(appId), ...extra }); },
  param: (url, name) => new URL(url).searchParams.get(name) ?? "",
  /** Starts a login; the callback URL Feishu would send the browser to, and the challenge. */
  async callbackFor(auth, page = this.page(), options) {
    const authorize = await auth.authorizeUrl(options);
    const state = this.param(authorize, "state");
    return { url: page + "?code=test-code&state=" + encodeURIComponent(state), state, challenge: this.param(authorize, "code_challenge"), authorize };
  },
  async completeLogin(auth) { return auth.handleCallback((await this.callbackFor(auth)).url); },
  async calls(key) { return (await fetch(this.BACKEND + "/calls?key=" + key)).json(); },
  async callCount(key) { return (await this.calls(key)).count; },
  /** An error as a plain object (page.evaluate cannot return Error instances faithfully). */
  error(e) {
    if (e === null || (typeof e !== "object" && typeof e !== "function")) return { notAnObject: true, value: String(e) };
    return {
      isError: e instanceof Error, isSdkError: e instanceof sdk.FeishuLoginError,
      name: e.name, kind: e.kind, code: e.code, status: e.status, retryable: e.retryable, message: String(e.message),
      ownKeys: Object.keys(e),
    };
  },
  /** { ok, value } or { ok: false, error } */
  settle(p) { return Promise.resolve(p).then((value) => ({ ok: true, value }), (e) => ({ ok: false, error: this.error(e) })); },
  /** Calls f; { ok, value } or { ok: false, error } for a synchronous throw. */
  attempt(f) { try { return { ok: true, value: f() }; } catch (e) { return { ok: false, error: this.error(e) }; } },
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  /** t.settle(p), or { pending: true } if p has not settled after ms. */
  bounded(p, ms) { return Promise.race([this.settle(p), this.sleep(ms).then(() => ({ pending: true }))]); },
  /** Loads the texts of errors (they come with the first error that needs one, from messages.js), so that what a test times is the engine alone. */
  async texts() {
    const auth = new sdk.FeishuLogin({ appId: "cli_texts", backend: "/texts", storage: "memory" });
    await auth.handleCallback(location.origin + "/?error=x").catch(() => {});
    auth.free();
  },
  /** Calls f: a synchronous throw is { ok: false, error: { ..., sync: true } }, else t.bounded of its result. */
  async call(f, ms) {
    const r = this.attempt(f);
    return r.ok ? this.bounded(r.value, ms) : { ok: false, error: { ...r.error, sync: true } };
  },
};
`;

const PAGE = `<!doctype html>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<title>feishu-login browser tests</title>
<script src="/app/helpers.js"></script>
<script type="module">
  import * as sdk from "/pkg/__ENTRY__index.js";
  window.sdk = sdk;
  if (!new URLSearchParams(location.search).has("noinit")) await sdk.default();
  document.documentElement.dataset.ready = "yes";
</script>
`;

function serveFile(res, file, headers = {}) {
  if (!existsSync(file)) return res.writeHead(404).end();
  res.writeHead(200, { "Content-Type": types[file.slice(file.lastIndexOf("."))] || "text/plain", ...headers });
  res.end(readFileSync(file));
}

/**
 * Starts the backend and the app server; `routes` maps extra app-server paths to handlers
 * `(req, res, url) => void`; `pageHeaders` maps test-page paths to extra response headers (e.g. a
 * Cross-Origin-Opener-Policy); `entry` the package entry the page imports ("host": feishu-login/host).
 * Returns { base, backend, browser, close(), hits(path) }.
 */
export async function startHarness({ routes = {}, pageHeaders = {}, launch, entry = "" } = {}) {
  const page = PAGE.replace("__ENTRY__", entry ? entry + "/" : "");
  const backendServer = createServer(handleBackend);
  await new Promise((r) => backendServer.listen(0, "127.0.0.1", r));
  const backend = `http://127.0.0.1:${backendServer.address().port}`;
  const hits = new Map();
  const app = createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    const path = url.pathname;
    hits.set(path, (hits.get(path) || 0) + 1);
    if (routes[path]) return routes[path](req, res, url);
    if (path === "/app/helpers.js") {
      res.writeHead(200, { "Content-Type": "text/javascript" });
      return res.end(PAGE_HELPERS.replace("__BACKEND__", JSON.stringify(backend)));
    }
    if (path.startsWith("/pkg/")) return serveFile(res, join(pkg, normalize(path.slice(5))));
    // Any other page under /app/ is the test page (tests use distinct paths as redirect URIs).
    if (path.startsWith("/app/")) {
      // No Cache-Control: no-store, which would keep the page out of the back/forward cache.
      res.writeHead(200, { "Content-Type": "text/html", ...pageHeaders[path] });
      return res.end(page);
    }
    res.writeHead(404).end();
  });
  await new Promise((r) => app.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${app.address().port}`;
  const browser = await (launch ? launch() : launchChromium());
  return {
    base,
    backend,
    browser,
    hits: (path) => hits.get(path) || 0,
    async close() {
      await browser.close();
      app.closeAllConnections?.();
      backendServer.closeAllConnections?.();
      await Promise.all([new Promise((r) => app.close(r)), new Promise((r) => backendServer.close(r))]);
    },
  };
}

/** Opens `path` (default /app/page.html) in `context` and waits for the SDK to be ready. */
export async function open(context, base, path = "/app/page.html") {
  const page = await context.newPage();
  await page.goto(base + path);
  await page.waitForFunction(() => document.documentElement.dataset.ready === "yes");
  return page;
}

/** A fresh context (its own storage) with a page on the test page. */
export async function fresh(harness, path) {
  const context = await harness.browser.newContext();
  const page = await open(context, harness.base, path);
  return { context, page };
}

/** Like assert_sdk_error in tests/common/mod.rs, on an error from t.error(). */
export function assertSdkError(error, kind, context = "") {
  assert.ok(error && !error.notAnObject, `${context} not an error object: ${JSON.stringify(error)}`);
  assert.equal(error.isError, true, `${context} a real Error: ${JSON.stringify(error)}`);
  assert.equal(error.isSdkError, true, `${context} a FeishuLoginError: ${JSON.stringify(error)}`);
  assert.equal(error.name, "FeishuLoginError", context);
  assert.equal(error.kind, kind, `${context} ${error.message}`);
  assert.equal(typeof error.retryable, "boolean", `${context} retryable`);
}

/** The rejection of a settled result (t.settle / t.attempt), asserting that it failed. */
export function rejected(result, context = "") {
  assert.equal(result.ok, false, `${context} must fail, got ${JSON.stringify(result.value)}`);
  return result.error;
}

/** The value of a settled result, asserting that it succeeded. */
export function fulfilled(result, context = "") {
  assert.equal(result.ok, true, `${context} must succeed, got ${JSON.stringify(result.error)}`);
  return result.value;
}
