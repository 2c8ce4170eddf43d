// End-to-end, session renewal and logout: the demo page (configured with refreshUrl, logoutUrl and the
// offline_access scope) against the demo server (emulator + reference backend), in headless
// Chromium. A short-lived session renews through /api/feishu/refresh, a logout ends the session on
// the server, and a revocation at Feishu ends it at the next renewal. Needs pkg/ and
// target/debug/feishu-login-server (scripts/test.sh builds both). Its own server: these tests
// change the emulator's token lifetimes, which tests/e2e.test.mjs must not see.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { launchChromium } from "./support/chromium.mjs";
import { startDemo } from "./support/listening.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const artifacts = join(root, "tests", "artifacts");
let server, browser, base;

// Feishu user tokens of 6 s: the demo's SDK renews a third of that (2 s) before a session
// expires, when the backend's user token has under half its lifetime left, so the backend
// spends the refresh token; a session renews about every 4 s.
const SHORT_TTL_SECS = 6;
// Longer than a renewal can take to show up (one lifetime and a bit); a broken renewal fails the
// test by then, not at node's default timeout.
const WAIT = { timeout: 15_000 };

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  ({ child: server, base } = await startDemo(root));
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.kill();
});

/** Sets the emulator's user-token lifetime (tokens issued from now on); read by pages loaded after. */
async function userTokenTtl(secs) {
  const response = await fetch(base + "/emulator/settings", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ userTokenTtlSecs: secs }),
  });
  assert.equal(response.status, 200, await response.text());
}

async function demo(context) {
  const page = await context.newPage();
  await page.goto(base + "/");
  await page.waitForSelector("body[data-ready=yes]");
  return page;
}

/** Signs in through the emulator's consent page (the first demo user, 张三). */
async function signIn(page) {
  await page.click("#login");
  await page.waitForSelector("#allow");
  await page.click("#allow");
  await page.waitForSelector("body[data-session=yes]");
}

/** The requests to `path` the page made and their statuses (filled in as they answer). */
function watch(page, path) {
  const statuses = [];
  page.on("response", (response) => {
    const url = new URL(response.url());
    if (url.pathname === path && response.request().method() === "POST") statuses.push(response.status());
  });
  return statuses;
}

/** `/api/me` with this exact token: the user's name, or the HTTP status when refused. */
async function meWith(token) {
  const response = await fetch(base + "/api/me", { headers: { Authorization: `Bearer ${token}` } });
  return response.ok ? (await response.json()).name : response.status;
}

const session = (page) => page.evaluate(() => window.demo.auth.session);
const steps = (page) => page.textContent("#steps");
const shot = (page, name) => page.screenshot({ path: join(artifacts, name + ".png"), fullPage: true });

test("lifecycle: the lifetime buttons set the emulator's lifetimes and the SDK's renewal lead", async () => {
  await userTokenTtl(7200);
  const context = await browser.newContext();
  const page = await demo(context);
  assert.match(await page.textContent("#lifetimes"), /User tokens live 2 h; the SDK renews 60 s before/);
  await Promise.all([page.waitForEvent("load"), page.click("#ttl-short")]);
  await page.waitForSelector("body[data-ready=yes]");
  assert.equal((await (await fetch(base + "/emulator/settings")).json()).userTokenTtlSecs, 30);
  assert.match(await page.textContent("#lifetimes"), /User tokens live 30 s; the SDK renews 10 s before/);
  assert.match(await steps(page), /user tokens issued from now on live 30 s/, "the step survives the reload");
  await Promise.all([page.waitForEvent("load"), page.click("#ttl-long")]);
  await page.waitForSelector("body[data-ready=yes]");
  assert.equal((await (await fetch(base + "/emulator/settings")).json()).userTokenTtlSecs, 7200);
  await context.close();
});

test("lifecycle: a short-lived session renews itself through /api/feishu/refresh and the backend accepts the new token", async () => {
  await userTokenTtl(SHORT_TTL_SECS);
  const context = await browser.newContext();
  const page = await demo(context);
  const refreshes = watch(page, "/api/feishu/refresh");
  await signIn(page);
  const first = await session(page);
  assert.ok(first.expiresAt - Date.now() <= SHORT_TTL_SECS * 1000 + 1000, "the session lives no longer than the user token");
  assert.match(await page.textContent("#expires-in"), /^session expires in [1-7] s$/);
  assert.equal(refreshes.length, 0, "no renewal right after the login");

  // First renewal: before the session expires, without anyone asking.
  await page.waitForFunction((token) => window.demo.auth.session && window.demo.auth.session.token !== token, first.token, WAIT);
  const second = await session(page);
  assert.ok(second.expiresAt > first.expiresAt, "the renewed session lasts longer");
  assert.deepEqual(refreshes, [200], "one renewal, through refreshUrl");
  assert.equal(await meWith(second.token), "张三", "/api/me accepts the renewed token");
  assert.match(await steps(page), /renewed: new session until/);
  await shot(page, "11-renewed");

  // Second renewal: the backend spent the rotated refresh token, past the first user token's life.
  await page.waitForFunction((token) => window.demo.auth.session && window.demo.auth.session.token !== token, second.token, WAIT);
  const third = await session(page);
  assert.deepEqual(refreshes, [200, 200]);
  assert.ok(Date.now() - first.expiresAt > 0, "signed in past the first session's expiry");
  assert.equal(await meWith(third.token), "张三");
  assert.equal(await page.textContent("#status"), "signed in (browser)");
  await context.close();
});

test("lifecycle: logout ends the session on the server (the old token is refused) and a second page hears signed out", async () => {
  // Long-lived tokens: a 401 for the old token can only come from the logout, not from its expiry.
  await userTokenTtl(7200);
  const context = await browser.newContext();
  const page = await demo(context);
  await signIn(page);
  const second = await demo(context);
  assert.match(await second.textContent("#status"), /signed in/);
  const old = (await session(page)).token;
  assert.equal(await meWith(old), "张三");

  // "Renew now": getSession() asking for more than the session has left renews it at once.
  const refreshes = watch(page, "/api/feishu/refresh");
  await page.click("#renew-now");
  await page.waitForFunction(() => document.getElementById("steps").textContent.includes("renew now: done"), null, WAIT);
  assert.deepEqual(refreshes, [200]);
  const renewed = (await session(page)).token;
  await second.waitForFunction((token) => window.demo.auth.session?.token === token, renewed, WAIT);
  assert.equal(await meWith(renewed), "张三");

  const logouts = watch(page, "/api/logout");
  await page.click("#logout");
  assert.equal(await page.textContent("#status"), "signed out", "signed out locally at once");
  await page.waitForFunction(() => document.getElementById("steps").textContent.includes("logged out:"), null, WAIT);
  assert.deepEqual(logouts, [204], "logout posted logoutUrl");
  assert.equal(await meWith(renewed), 401, "the backend refuses the token logged out: a real logout");
  assert.equal(await meWith(old), 401, "and the session's earlier token");
  await second.waitForFunction(() => document.getElementById("status").textContent === "signed out", null, WAIT);
  assert.equal(await second.evaluate(() => window.demo.auth.session), null);
  await shot(second, "12-logged-out-second-page");
  await context.close();
});

test("lifecycle: revoking at the emulator ends the session at the next renewal (401 → signed out)", async () => {
  await userTokenTtl(SHORT_TTL_SECS);
  const context = await browser.newContext();
  const page = await demo(context);
  const refreshes = watch(page, "/api/feishu/refresh");
  await signIn(page);
  const { expiresAt } = await session(page);
  await page.click("#revoke");
  await page.waitForFunction(() => document.getElementById("steps").textContent.includes("withdrew consent"), null, WAIT);
  assert.match(await steps(page), /张三 withdrew consent \(\d+ refresh token\(s\) revoked\)/);
  await page.waitForSelector("body[data-session=no]", WAIT);
  const endedAt = Date.now();
  assert.deepEqual(refreshes, [401], "the renewal was refused");
  assert.ok(endedAt < expiresAt, "ended by the refused renewal, before the session would have expired");
  assert.equal(await page.textContent("#status"), "signed out");
  assert.match(await steps(page), /signed out \(the backend refused the renewal/);
  await shot(page, "13-revoked");
  await context.close();
});
