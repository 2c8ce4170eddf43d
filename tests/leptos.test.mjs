// examples/leptos (a client-side-rendered Leptos app on feishu-login's Rust API and
// feishu-login-leptos), built by scripts/build-leptos-example.sh (cargo + wasm-bindgen, no trunk)
// and driven in Chromium against the demo server's Feishu emulator and reference backend.
// Needs target/debug/feishu-login-server (scripts/test.sh builds it).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
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

// The guard tells a logout from "never signed in" by the SDK's status (signingOut, also heard
// from another tab); a driver without `onStatus` cannot tell them apart.
const hasStatus = readFileSync(join(root, "js", "driver.js"), "utf8").includes("onStatus");

test("leptos: a logout in another tab does not make a guarded page start a login", { skip: !hasStatus && "js/driver.js has no onStatus yet" }, async () => {
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
