// examples/leptos (a client-side-rendered Leptos app on feishu-login's Rust API and
// feishu-login-leptos), built by scripts/build-leptos-example.sh (cargo + wasm-bindgen, no trunk)
// and driven in Chromium against the demo server's Feishu emulator and reference backend.
// Needs target/debug/feishu-login-server (scripts/test.sh builds it).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { launchChromium } from "./support/chromium.mjs";
import { startDemoServer, countBackendPosts, consent } from "./support/demo-server.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
let browser, server;

before(async () => {
  execFileSync(join(root, "scripts", "build-leptos-example.sh"), { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
  server = await startDemoServer(root, join(root, "examples", "leptos", "dist"));
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  server?.stop();
});

async function statusIs(page, status) {
  try {
    await page.waitForFunction((s) => document.getElementById("status")?.textContent === s, status);
  } catch (e) {
    const shown = await page.textContent("main").catch(() => "(no main)");
    throw new Error(`status never became ${status} at ${page.url()}: the page shows ${JSON.stringify(shown)}`, { cause: e });
  }
}

/** Counts the page's navigations to Feishu's (the emulator's) authorize page. */
function countAuthorize(page) {
  const counter = { navigations: 0 };
  page.on("request", (r) => r.isNavigationRequest() && new URL(r.url()).pathname === "/open-apis/authen/v1/authorize" && r.method() === "GET" && counter.navigations++);
  return counter;
}

function watch(page, problems) {
  page.on("pageerror", (e) => problems.push(String(e)));
  page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
}

test("leptos: the guarded route logs in through Feishu, calls the backend, survives a reload; logout lands on returnTo and the other tab hears it", async () => {
  const context = await browser.newContext();
  const problems = [];
  const page = await context.newPage();
  watch(page, problems);
  const base = server.base;
  try {
    await page.goto(base + "/");
    await statusIs(page, "signedOut");
    const backend = countBackendPosts(page);

    // The guard starts the login (redirect with PKCE) and brings the user back to /profile.
    await page.click("#profile-link");
    await consent(page);
    await page.waitForSelector("#profile");
    await statusIs(page, "signedIn");
    assert.equal(backend.posts, 1, "one callback exchange");
    assert.equal(page.url(), base + "/profile", "returnTo, and the router heard it");
    assert.equal(await page.textContent("#user"), "张三");
    await page.click("#me");
    await page.waitForFunction(() => document.getElementById("me-result").textContent !== "");
    assert.equal(await page.textContent("#me-result"), "张三", "the backend took the bearer token");

    // A reload keeps the session (the demo server serves the app at / only).
    await page.click("a[href='/']");
    await page.reload();
    await statusIs(page, "signedIn");
    assert.equal(backend.posts, 1, "no second exchange");

    // A second tab, signed in from the shared storage.
    const other = await context.newPage();
    watch(other, problems);
    await other.goto(base + "/");
    await statusIs(other, "signedIn");

    await page.click("#logout");
    await page.waitForURL(base + "/?bye");
    await page.waitForSelector("#bye");
    await statusIs(page, "signedOut");
    await statusIs(other, "signedOut");
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("leptos: a logout in another tab does not make a guarded page start a login", async () => {
  const context = await browser.newContext();
  const problems = [];
  const page = await context.newPage();
  watch(page, problems);
  const base = server.base;
  try {
    await page.goto(base + "/");
    await statusIs(page, "signedOut");
    await page.click("#login");
    await consent(page);
    await statusIs(page, "signedIn");
    const other = await context.newPage();
    watch(other, problems);
    await other.goto(base + "/");
    await other.click("#profile-link");
    await other.waitForSelector("#profile");

    await page.click("#logout");
    await statusIs(other, "signedOut");
    await other.waitForSelector("#guard");
    // The logout's return trip, then a look at the other tab: still there, not at Feishu.
    await page.waitForSelector("#bye");
    await other.bringToFront();
    assert.equal(other.url(), base + "/profile");
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("leptos: logging out of the guarded route stays signingOut while the server answers, starts no login, lands on returnTo", async () => {
  const context = await browser.newContext();
  const problems = [];
  const page = await context.newPage();
  watch(page, problems);
  const base = server.base;
  // A slow logout endpoint: each POST /api/logout waits until the test lets it through.
  const held = [];
  let arrived;
  await page.route("**/api/logout", (route) => {
    held.push(route);
    arrived?.();
  });
  try {
    const authorize = countAuthorize(page);
    await page.goto(base + "/");
    await page.click("#profile-link");
    await consent(page);
    await page.waitForSelector("#profile");
    await statusIs(page, "signedIn");
    assert.equal(authorize.navigations, 1);
    const token = await page.evaluate(() => JSON.parse(localStorage.getItem("feishu-login/v1/cli_emulator_demo/session")).token);

    const posted = new Promise((resolve) => (arrived = resolve));
    await page.click("#logout");
    await posted;
    await statusIs(page, "signingOut");
    await page.waitForSelector("#guard");
    assert.equal(authorize.navigations, 1, "no login while signing out");
    await held[0].continue();
    await page.waitForURL(base + "/?bye");
    await page.waitForSelector("#bye");
    await statusIs(page, "signedOut");
    assert.equal(authorize.navigations, 1, "no authorize navigation because of the logout");
    assert.deepEqual(problems, []);
    const status = await page.evaluate((t) => fetch("/api/me", { headers: { Authorization: "Bearer " + t } }).then((r) => r.status), token);
    assert.equal(status, 401, "the server refuses the old token");
  } finally {
    await context.close();
  }
});

test("leptos: after a refused consent the guarded route shows the error and does not ask again", async () => {
  const context = await browser.newContext();
  const problems = [];
  const page = await context.newPage();
  watch(page, problems);
  const base = server.base;
  try {
    const authorize = countAuthorize(page);
    await page.goto(base + "/");
    await page.click("#profile-link");
    await consent(page, { deny: true });
    // The callback (at the redirect URI, /) failed: the app shows why.
    await statusIs(page, "error");
    assert.match(await page.textContent("#error"), /^denied: /);
    // Back to the guarded route: the failure stands, no second trip to the consent page.
    await page.click("#profile-link");
    await page.waitForSelector("#guard");
    // A round trip to the server: a login the guard started would have left by then.
    await page.evaluate(() => fetch("/").then((r) => r.status));
    assert.equal(authorize.navigations, 1, "the consent page is not asked again");
    assert.equal(page.url(), base + "/profile");
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
