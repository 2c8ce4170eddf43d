// End-to-end: the demo server (emulator + reference backend + www/) and the built package in
// headless Chromium. Needs pkg/ and target/debug/feishu-login-server (scripts/test.sh builds
// both). Screenshots of the key states go to tests/artifacts/.
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

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  ({ child: server, base } = await startDemo(root));
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.kill();
});

async function demo(context) {
  const page = await context.newPage();
  await page.goto(base + "/");
  await page.waitForSelector("body[data-ready=yes]");
  return page;
}

async function fresh() {
  const context = await browser.newContext();
  return { context, page: await demo(context) };
}

const text = (page, selector) => page.textContent(selector);
const shot = (page, name) => page.screenshot({ path: join(artifacts, name + ".png"), fullPage: true });

/** Log in through the consent page; returns the callback URL Feishu sent the browser to. */
async function redirectLogin(page, { deny = false, tamper = false } = {}) {
  let callback = null;
  const seen = (request) => {
    if (request.isNavigationRequest() && /[?&](code|error)=/.test(request.url())) callback = request.url();
  };
  page.on("request", seen);
  await page.click("#login");
  await page.waitForSelector("#allow");
  if (tamper) await page.$eval("input[name=state]", (input) => (input.value = "tampered-" + input.value));
  await page.click(deny ? "#deny" : "#allow");
  await page.waitForSelector("body[data-ready=yes]");
  page.off("request", seen);
  return callback;
}

async function me(page) {
  return page.evaluate(async () => {
    const response = await fetch("/api/me", { headers: window.demo.auth.authHeaders() });
    return response.ok ? (await response.json()).name : response.status;
  });
}

// What the SDK keeps in localStorage, except the record of consumed states (hashes of used
// `state`s, kept 10 minutes so no tab can complete the same callback twice: not a session).
// What the SDK keeps for the user in localStorage: not the record of consumed states, nor the
// logout epoch (a counter every tab reads, so that a logout supersedes logins in flight).
const stored = (page) =>
  page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("feishu-login/") && !/\/(consumed|logout)$/.test(k)));

test("redirect login: consent, callback, session, reload, logout", async () => {
  const { context, page } = await fresh();
  assert.equal(await text(page, "#surface"), "browser");
  assert.equal(await text(page, "#status"), "signed out");
  await page.click("#login");
  await page.waitForSelector("#allow");
  await shot(page, "01-consent");
  await page.click("#allow");
  await page.waitForSelector("body[data-session=yes]");
  assert.match(await text(page, "#status"), /signed in \(browser\)/);
  assert.match(await text(page, "#user"), /Zhang San/);
  assert.equal(page.url(), base + "/", "code and state are gone from the address bar");
  assert.equal(await me(page), "张三", "the backend accepts the session");
  await shot(page, "02-signed-in");

  await page.reload();
  await page.waitForSelector("body[data-ready=yes]");
  assert.match(await text(page, "#status"), /signed in/, "a reload keeps the session");

  await page.click("#logout");
  assert.equal(await text(page, "#status"), "signed out");
  assert.deepEqual(await stored(page), []);
  assert.equal(await me(page), 401);
  await context.close();
});

test("deny: denied shown, nothing stored", async () => {
  const { context, page } = await fresh();
  await redirectLogin(page, { deny: true });
  assert.equal(await page.getAttribute("#error", "data-kind"), "denied");
  assert.equal(await text(page, "#status"), "signed out");
  assert.deepEqual(await stored(page), []);
  await shot(page, "03-denied");
  await context.close();
});

test("a tampered state is refused", async () => {
  const { context, page } = await fresh();
  await redirectLogin(page, { tamper: true });
  assert.equal(await page.getAttribute("#error", "data-kind"), "state");
  assert.equal(await text(page, "#status"), "signed out");
  await shot(page, "04-tampered-state");
  await context.close();
});

test("a replayed callback URL fails and the session stays", async () => {
  const { context, page } = await fresh();
  const callback = await redirectLogin(page);
  assert.ok(callback?.includes("code="), callback);
  await page.waitForSelector("body[data-session=yes]");
  const before = await page.evaluate(() => window.demo.auth.session.token);
  await page.goto(callback);
  await page.waitForSelector("body[data-ready=yes]");
  assert.equal(await page.getAttribute("#error", "data-kind"), "state");
  assert.equal(await page.evaluate(() => window.demo.auth.session?.token), before);
  assert.equal(page.url(), base + "/");
  await shot(page, "05-replayed-callback");
  await context.close();
});

test("one injected 20050 is retried and the login succeeds", async () => {
  const { context, page } = await fresh();
  await page.click("#fault-once");
  await redirectLogin(page);
  await page.waitForSelector("body[data-session=yes]");
  assert.equal(await page.isHidden("#error"), true);
  assert.equal(await me(page), "张三");
  await context.close();
});

test("a persistent backend failure is a backend error and loses no session", async () => {
  const { context, page } = await fresh();
  await redirectLogin(page);
  await page.waitForSelector("body[data-session=yes]");
  const before = await page.evaluate(() => window.demo.auth.session.token);
  await page.click("#fault-many");
  await redirectLogin(page);
  assert.equal(await page.getAttribute("#error", "data-kind"), "backend");
  assert.match(await text(page, "#error"), /code 20050/);
  assert.equal(await page.evaluate(() => window.demo.auth.session?.token), before);
  await shot(page, "06-backend-failure");
  // Let the remaining faults drain so later tests see a healthy emulator.
  await page.evaluate(() => fetch("/emulator/faults", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ count: 0, kind: "20050" }) }));
  await context.close();
});

for (const [button, surface] of [["#sim-widget", "docWidget"], ["#sim-client", "client"], ["#sim-client-old", "client"], ["#sim-mini", "miniProgram"]]) {
  test(`host simulation ${button} ends with a session the backend accepts`, async () => {
    const { context, page } = await fresh();
    await page.click(button);
    await page.waitForFunction((s) => document.getElementById("status").textContent.includes(s), surface);
    assert.equal(await page.isHidden("#error"), true);
    assert.equal(await me(page), "张三");
    const steps = await text(page, "#steps");
    assert.match(steps, new RegExp(`detected surface "${surface}"`));
    await shot(page, `07-${button.slice(1)}`);
    await context.close();
  });
}

test("a second tab sees login and logout", async () => {
  const context = await browser.newContext();
  const first = await demo(context);
  const second = await demo(context);
  assert.equal(await text(second, "#status"), "signed out");
  await first.click("#sim-widget");
  await second.waitForFunction(() => document.getElementById("status").textContent.startsWith("signed in"));
  await shot(second, "08-second-tab-signed-in");
  await first.click("#logout");
  await second.waitForFunction(() => document.getElementById("status").textContent === "signed out");
  await context.close();
});

// Issue #13, demo polish.
test("demo: armed faults are shown, also after a reload, until cleared", async () => {
  const { context, page } = await fresh();
  assert.equal(await page.isHidden("#faults-armed"), true);
  await page.click("#fault-many");
  await page.waitForSelector("#faults-armed:not([hidden])");
  assert.match(await text(page, "#faults-armed"), /next 5 token call\(s\) fail with 20050/);
  const other = await demo(await browser.newContext());
  assert.equal(await other.isHidden("#faults-armed"), false, "a freshly loaded page sees the armed faults");
  await shot(other, "09-faults-armed");
  await other.context().close();
  await page.click("#fault-clear");
  await page.waitForSelector("#faults-armed", { state: "hidden" });
  await context.close();
});

test("demo: the steps log survives the redirect; attempt buttons are off while one runs", async () => {
  const { context, page } = await fresh();
  const offWhileRunning = await page.evaluate(() => {
    document.getElementById("sim-widget").click();
    return ["login", "sim-widget", "sim-mini"].map((id) => document.getElementById(id).disabled);
  });
  assert.deepEqual(offWhileRunning, [true, true, true]);
  await page.waitForFunction(() => !document.getElementById("login").disabled);
  await redirectLogin(page);
  await page.waitForSelector("body[data-session=yes]");
  const steps = await text(page, "#steps");
  assert.match(steps, /detected surface "docWidget"/, "steps from before the redirect are still listed");
  assert.match(steps, /redirecting to the authorize page[\s\S]*page loaded: \/ \(with a query\)/);
  assert.equal(await page.isEnabled("#login"), true);
  await context.close();
});

test("demo: the snippet is not clipped on a narrow screen", async () => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const page = await demo(context);
  const overflow = await page.$eval("pre", (pre) => pre.scrollWidth - pre.clientWidth);
  assert.ok(overflow <= 0, `the snippet overflows by ${overflow}px`);
  await shot(page, "10-narrow");
  await context.close();
});
