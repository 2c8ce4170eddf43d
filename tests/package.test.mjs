// Tests of the built npm package in pkg/ (scripts/build-pkg.mjs must have run): what `npm pack`
// ships, its metadata and types, the size budget, and the packed entry in real Chromium doing
// the full redirect flow with PKCE against a local backend.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createServer } from "node:http";
import { readFileSync, existsSync } from "node:fs";
import { join, dirname, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { launchChromium } from "./support/chromium.mjs";
import { handleBackend } from "./support/backend.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const pkg = join(root, "pkg");
/** gzip -9 of the wasm and the JS a page loads (pkg/size.json lists the files). */
const SIZE_BUDGET = Number(readFileSync(join(root, "size-budget.txt"), "utf8").trim());
/** Set when scripts/build-pkg.mjs fell back to stable (no pinned nightly): budget and panic checks do not apply. */
const stableFallback = (() => {
  const report = join(pkg, "size.json");
  const { toolchain, budgetChecked } = existsSync(report) ? JSON.parse(readFileSync(report, "utf8")) : {};
  return budgetChecked === false ? `built with ${toolchain} (stable fallback): only the nightly build is held to these` : false;
})();

const types = { ".js": "text/javascript", ".wasm": "application/wasm", ".html": "text/html", ".json": "application/json" };
let server, browser, base;

function serveFile(res, file) {
  if (!existsSync(file)) return res.writeHead(404).end();
  res.writeHead(200, { "Content-Type": types[file.slice(file.lastIndexOf("."))] || "text/plain" });
  res.end(readFileSync(file));
}

before(async () => {
  server = createServer((req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    if (path.startsWith("/pkg/")) return serveFile(res, join(pkg, normalize(path.slice(5))));
    if (path.startsWith("/app/")) return serveFile(res, join(root, "tests", "package-page", "index.html"));
    if (path.startsWith("/api/")) { req.url = req.url.slice(4); return handleBackend(req, res); }
    if (path === "/authorize") return handleBackend(req, res);
    res.writeHead(404).end();
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${server.address().port}`;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.close();
});

test("package.json carries the npm metadata", () => {
  const meta = JSON.parse(readFileSync(join(pkg, "package.json"), "utf8"));
  assert.equal(meta.name, "feishu-login");
  assert.equal(meta.type, "module");
  assert.equal(meta.types, "./index.d.ts");
  assert.equal(meta.exports["."].default, "./index.js");
  assert.ok(meta.description.includes("Feishu"));
  assert.equal(meta.license, "MIT");
  assert.ok(meta.repository.url);
  assert.ok(meta.keywords.includes("feishu"));
  assert.ok(Array.isArray(meta.sideEffects));
  assert.match(meta.version, /^\d+\.\d+\.\d+/);
});

test("npm pack ships the wasm, the JS, the types and the error class", () => {
  const [packed] = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: pkg, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }));
  const files = packed.files.map((f) => f.path);
  for (const f of ["index.js", "index.d.ts", "types.d.ts", "feishu_login_bg.wasm", "bundler/index.js", "bundler/index.d.ts", "bundler/feishu_login_bg.js", "bundler/feishu_login_bg.wasm", "LICENSE"]) {
    assert.ok(files.includes(f), `${f} is packed`);
  }
  assert.ok(files.some((f) => /^bundler\/snippets\/.*\/js\/driver\.js$/.test(f)));
  // The web entry is one self-contained module: no second copy of the glue is shipped.
  assert.ok(!files.includes("feishu_login.js") && !files.some((f) => f.startsWith("snippets/")));
  assert.doesNotMatch(readFileSync(join(pkg, "index.js"), "utf8"), /\bfrom\s*["']|\bimport\s*["'(]/);
  assert.ok(!files.some((f) => f.endsWith("size.json")), "build reports stay out of the tarball");
});

test("types are precise: no any for config, session, options or errors", () => {
  const dts = readFileSync(join(pkg, "types.d.ts"), "utf8");
  const cls = dts.slice(dts.indexOf("export declare class FeishuLogin<"));
  assert.match(cls, /constructor\(config: FeishuLoginConfig\)/);
  assert.match(cls, /readonly session: Session<User> \| null;/);
  assert.match(cls, /readonly surface: Surface;/);
  assert.match(cls, /login\(options\?: LoginOptions\): Promise<Session<User>>/);
  assert.match(cls, /handleCallback\(url\?: string\): Promise<Session<User>>/);
  assert.match(cls, /onChange\(listener: \(session: Session<User> \| null\) => void\): \(\) => void/);
  assert.doesNotMatch(dts, /\bany\b/);
  assert.match(dts, /export interface FeishuLoginConfig/);
  assert.match(dts, /export declare class FeishuLoginError extends Error/);
  assert.match(dts, /readonly kind: FeishuLoginErrorKind/);
  // The entries re-export those types; init's types name no wasm-bindgen internals.
  const entry = readFileSync(join(pkg, "index.d.ts"), "utf8");
  assert.match(entry, /export \* from "\.\/types\.js"/);
  assert.doesNotMatch(entry, /InitOutput|__wbg|readonly memory/);
  assert.match(readFileSync(join(pkg, "bundler", "index.d.ts"), "utf8"), /export \* from "\.\.\/types\.js"/);
});

test("TypeScript accepts the documented usage and rejects wrong config (tsc --strict)", () => {
  // tests/types/usage.ts uses @ts-expect-error on what must not compile: an `any` would fail it.
  const tsc = join(root, "node_modules", ".bin", "tsc");
  try {
    execFileSync(tsc, ["-p", join(root, "tests", "types", "tsconfig.json")], { encoding: "utf8" });
  } catch (e) {
    assert.fail("tsc failed:\n" + e.stdout);
  }
});

test(`wasm + JS glue stays under ${SIZE_BUDGET} bytes gzip -9`, { skip: stableFallback }, () => {
  const { files } = JSON.parse(readFileSync(join(pkg, "size.json"), "utf8"));
  const gzip = files.reduce((n, f) => n + gzipSync(readFileSync(join(pkg, f)), { level: 9 }).length, 0);
  console.log(`# shipped size: ${gzip} bytes gzip -9 (budget ${SIZE_BUDGET})`);
  assert.ok(gzip <= SIZE_BUDGET, `${gzip} > ${SIZE_BUDGET}`);
});

test("the shipped wasm carries no panic messages or source paths (immediate-abort build)", { skip: stableFallback }, () => {
  // scripts/build-pkg.mjs rebuilds core with -Cpanic=immediate-abort -Zlocation-detail=none; a
  // stable or default build brings these strings (and the formatting code behind them) back.
  const wasm = readFileSync(join(pkg, "feishu_login_bg.wasm")).toString("latin1");
  // Every source file of the crate, as git lists it (a hard-coded list went stale once).
  const sources = execFileSync("git", ["ls-files", "src"], { cwd: root, encoding: "utf8" }).split("\n").filter(Boolean);
  assert.ok(sources.some((f) => f.endsWith("lib.rs")), "git lists the crate's sources");
  for (const leak of ["/rustc/", "index out of bounds", "already borrowed", ".cargo/registry", ...sources]) {
    assert.ok(!wasm.includes(leak), `the wasm contains "${leak}"`);
  }
});

test("the packed entry runs the full redirect flow with PKCE in Chromium", async () => {
  const page = await browser.newPage();
  await page.goto(`${base}/app/index.html`);
  await page.waitForFunction(() => document.getElementById("out").textContent.includes("ready"));

  // Errors are real FeishuLoginError instances from the package entry.
  const thrown = await page.evaluate(() => {
    try { new window.sdk.FeishuLogin({}); } catch (e) {
      return { sdk: e instanceof window.sdk.FeishuLoginError, error: e instanceof Error, kind: e.kind, name: e.name, message: e.message };
    }
  });
  assert.deepEqual({ ...thrown, message: undefined }, { sdk: true, error: true, kind: "config", name: "FeishuLoginError", message: undefined });
  assert.match(thrown.message, /appId/);
  // The minified glue keeps the class's name (devtools, error reports).
  assert.equal(await page.evaluate(() => window.sdk.FeishuLogin.name), "FeishuLogin");

  // Click → fake authorize page (records the S256 challenge) → callback → backend checks PKCE.
  // The callback URL is the navigation that carries code and state (the fake Feishu's redirect).
  let callbackUrl = null;
  const seen = (request) => {
    if (request.isNavigationRequest() && request.url().startsWith(`${base}/app/`) && /[?&]code=/.test(request.url())) callbackUrl = request.url();
  };
  page.on("request", seen);
  await page.click("#login");
  await page.waitForFunction(() => document.getElementById("out").textContent.includes("ok"));
  const result = JSON.parse(await page.textContent("#out"));
  assert.equal(result.ok, true, JSON.stringify(result));
  assert.match(result.token, /^tok-/);
  assert.equal(result.url, `${base}/app/index.html`, "code and state left the address bar");
  page.off("request", seen);
  assert.ok(callbackUrl && /[?&]state=/.test(callbackUrl), `the callback URL was seen: ${callbackUrl}`);

  // A reload keeps the session.
  await page.reload();
  await page.waitForFunction(() => document.getElementById("out").textContent.includes("ready"));
  assert.equal(JSON.parse(await page.textContent("#out")).session, result.token);

  // Replaying the callback URL fails with `state`; the session survives.
  await page.goto(callbackUrl);
  await page.waitForFunction(() => document.getElementById("out").textContent.includes("kind"));
  const replay = JSON.parse(await page.textContent("#out"));
  assert.deepEqual([replay.kind, replay.isSdkError, replay.isError, replay.session], ["state", true, true, result.token]);
  assert.equal(replay.url, `${base}/app/index.html`);
  await page.close();
});

test("a plain page's wasm preload is taken by init(), whose warm-up leaves storage, listeners and the URL alone", async () => {
  const page = await browser.newPage();
  // The plain-page preload of the README, and feishu-login/wasm-url naming the same file.
  await page.route(`${base}/plain.html?x=1`, (route) => route.fulfill({ contentType: "text/html", body: `<!doctype html>
    <link rel="preload" href="/pkg/feishu_login_bg.wasm" as="fetch" type="application/wasm" crossorigin>
    <script type="module">
      import init from "/pkg/index.js";
      import { wasmUrl } from "/pkg/wasm-url.js";
      localStorage.setItem("app", "1");
      sessionStorage.setItem("tab", "2");
      const seen = () => JSON.stringify([{ ...localStorage }, { ...sessionStorage }, location.href]);
      const before = seen();
      await init();
      window.result = { wasmUrl, before, after: seen(), wasm: performance.getEntriesByType("resource").filter((e) => e.name.endsWith(".wasm")).map((e) => e.initiatorType) };
    </script>` }));
  await page.goto(`${base}/plain.html?x=1`);
  await page.waitForFunction(() => window.result);
  const result = await page.evaluate(() => window.result);
  assert.equal(result.wasmUrl, `${base}/pkg/feishu_login_bg.wasm`);
  assert.deepEqual(result.wasm, ["link"], "one request for the wasm: the preload's");
  assert.equal(result.after, result.before);
  // The warm-up instance was freed: no listener of it is left on the window.
  const cdp = await page.context().newCDPSession(page);
  const { result: win } = await cdp.send("Runtime.evaluate", { expression: "window" });
  const { listeners } = await cdp.send("DOMDebugger.getEventListeners", { objectId: win.objectId });
  const sdkEvents = ["pagehide", "pageshow", "storage", "visibilitychange", "online", "message"];
  assert.deepEqual(listeners.map((l) => l.type).filter((t) => sdkEvents.includes(t)), []);
  await page.close();
});

test("init() where localStorage refuses: its warm-up prints no storage warning", async () => {
  const page = await browser.newPage();
  const warnings = [];
  page.on("console", (m) => m.type() === "warning" && warnings.push(m.text()));
  await page.route(`${base}/refusing.html`, (route) => route.fulfill({ contentType: "text/html", body: `<!doctype html>
    <script type="module">
      Object.defineProperty(window, "localStorage", { get() { throw new DOMException("blocked", "SecurityError"); } });
      const { default: init } = await import("/pkg/index.js");
      await init();
      window.done = true;
    </script>` }));
  await page.goto(`${base}/refusing.html`);
  await page.waitForFunction(() => window.done);
  assert.deepEqual(warnings, []);
  await page.close();
});
