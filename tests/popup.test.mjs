// QR login, popup login and the passport endpoint in Chromium, through the built package. Two
// rigs: the harness of tests/support/sdk-page.mjs (a test backend that counts what
// was posted, pages on two origins: 127.0.0.1 and localhost of the same server) for the bad
// inputs, and the demo server (emulator + reference backend + www/) end to end. Needs pkg/ and
// target/debug/feishu-login-server (scripts/test.sh builds both).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { startHarness, fresh, assertSdkError, rejected } from "./support/sdk-page.mjs";

// The engine's popup timings (src/engine/popup.rs).
const POPUP_POLL_MS = 500;
const POPUP_CLOSE_GRACE_MS = 1000;

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
let harness, server, base;

// A page that posts `data` (from its query) to its parent, for messages from a chosen origin.
const POSTER = `<!doctype html><script>
const q = new URLSearchParams(location.search);
(q.has("top") ? top : parent).postMessage(JSON.parse(q.get("data")), "*");
</script>`;
// A frame around another (a QR page whose message comes from a frame inside it).
const WRAPPER = `<!doctype html><script>
const f = document.createElement("iframe");
f.src = new URLSearchParams(location.search).get("inner");
document.documentElement.append(f);
</script>`;

before(async () => {
  harness = await startHarness({
    routes: {
      "/poster.html": (req, res) => res.writeHead(200, { "Content-Type": "text/html" }).end(POSTER),
      "/wrapper.html": (req, res) => res.writeHead(200, { "Content-Type": "text/html" }).end(WRAPPER),
      // Where a QR login's goto points in these tests: a page that records it was reached.
      "/fake/authorize": (req, res) => res.writeHead(200, { "Content-Type": "text/html" }).end("<title>authorize</title>"),
      "/missing-sdk.js": (req, res) => res.writeHead(404).end(),
      "/not-an-sdk.js": (req, res) => res.writeHead(200, { "Content-Type": "text/javascript" }).end("window.x = 1;"),
      // Never answers: `ready` must still settle.
      "/hanging-sdk.js": () => {},
    },
  });
  server = spawn(join(root, "target", "debug", "feishu-login-server"), [], {
    env: { ...process.env, PORT: "0", FEISHU_APP_ID: "", FEISHU_APP_SECRET: "", FEISHU_LOGIN_ROOT: root },
    stdio: ["ignore", "pipe", "inherit"],
  });
  base = await new Promise((resolve, reject) => {
    server.on("exit", (code) => reject(new Error(`server exited with ${code}`)));
    server.stdout.on("data", (chunk) => {
      const match = /http:\/\/127\.0\.0\.1:\d+/.exec(String(chunk));
      if (match) resolve(match[0]);
    });
  });
});

after(async () => {
  await harness?.close();
  server?.kill();
});

// ---- the harness: bad inputs ---------------------------------------------------------------

/** Mounts a QR login on the harness page whose QRLogin is a permissive fake (matchOrigin says yes
 * to every origin: only the SDK's own list of origins can refuse). */
async function mountPermissive(page, appId) {
  return page.evaluate(async (appId) => {
    window.QRLogin = ({ id, goto }) => {
      window.qrGoto = goto;
      const frame = document.createElement("iframe");
      frame.id = "fake-qr";
      document.getElementById(id).append(frame);
      return { matchOrigin: () => true };
    };
    const box = document.createElement("div");
    box.id = "box";
    document.body.append(box);
    const auth = t.newLogin(appId, { authorizeUrl: location.origin + "/fake/authorize" });
    window.qr = auth.mountQrLogin("box");
    await window.qr.ready;
    return window.qrGoto;
  }, appId);
}

/**
 * Loads /poster.html from `origin` in an iframe that posts `data` to the page; resolves once the
 * page heard the message (its listener, added last, runs after the SDK's: the SDK has decided).
 */
async function post(page, origin, data) {
  await page.evaluate(
    ([origin, data]) =>
      new Promise((resolve) => {
        const heard = () => {
          removeEventListener("message", heard);
          resolve();
        };
        addEventListener("message", heard);
        const frame = document.createElement("iframe");
        frame.src = origin + "/poster.html?data=" + encodeURIComponent(JSON.stringify(data));
        // Inside the QR's element, where Feishu's QR iframe is.
        (document.getElementById("box") ?? document.body).append(frame);
      }),
    [origin, data],
  );
}

test("QR: messages from a foreign origin or with a bad tmp_code are ignored; a good one navigates to goto&tmp_code", async () => {
  const { context, page } = await fresh(harness);
  const goto = await mountPermissive(page, "cli_qr_foreign");
  assert.ok(goto.startsWith(harness.base + "/fake/authorize?client_id=cli_qr_foreign"), goto);
  const foreign = harness.base.replace("127.0.0.1", "localhost");
  await post(page, foreign, "tmp-from-a-foreign-origin");
  for (const bad of [42, { tmp_code: 7 }, "x".repeat(257), "a&redirect_uri=https://evil.example", ""]) await post(page, harness.base, bad);
  assert.equal(harness.hits("/fake/authorize"), 0, "no navigation");
  assert.equal(await page.evaluate(() => location.pathname), "/app/page.html");
  assert.equal(await page.evaluate(() => t.callCount("cli_qr_foreign")), 0, "no backend post");

  const navigated = page.waitForURL(/\/fake\/authorize\?/);
  // The page navigates away while the poster's frame is still loading.
  await Promise.all([navigated, post(page, harness.base, "tmp-good_1").catch(() => {})]);
  const url = new URL(page.url());
  assert.equal(url.searchParams.get("tmp_code"), "tmp-good_1");
  assert.equal(url.searchParams.get("state"), new URL(goto).searchParams.get("state"));
  await context.close();
});

test("QR: two instances on one page: a scan in one QR navigates with that QR's goto only (review finding)", async () => {
  const { context, page } = await fresh(harness);
  const gotos = await page.evaluate(async () => {
    const gotos = {};
    window.QRLogin = ({ id, goto }) => {
      gotos[id] = goto;
      const frame = document.createElement("iframe");
      document.getElementById(id).append(frame);
      return { matchOrigin: () => true };
    };
    const mounts = [];
    for (const app of ["cli_qr_two_a", "cli_qr_two_b"]) {
      const box = document.createElement("div");
      box.id = "box-" + app;
      document.body.append(box);
      const auth = t.newLogin(app, { authorizeUrl: location.origin + "/fake/authorize" });
      mounts.push(auth.mountQrLogin(box.id).ready);
    }
    await Promise.all(mounts);
    return gotos;
  });
  const navigated = page.waitForURL(/\/fake\/authorize\?/);
  // Feishu's QR page posts from inside the QR box of instance A (here from a frame nested in it).
  await Promise.all([
    navigated,
    page.evaluate((origin) => {
      const frame = document.createElement("iframe");
      const inner = origin + "/poster.html?top&data=" + encodeURIComponent(JSON.stringify("tmp-two_1"));
      frame.src = origin + "/wrapper.html?inner=" + encodeURIComponent(inner);
      document.getElementById("box-cli_qr_two_a").append(frame);
    }, harness.base),
  ]);
  // The page that loads is the last navigation's (a second location.assign would have replaced it).
  await page.waitForLoadState("load");
  const url = new URL(page.url());
  assert.equal(url.searchParams.get("tmp_code"), "tmp-two_1");
  assert.equal(url.searchParams.get("client_id"), "cli_qr_two_a", "B's listener must not navigate with A's tmp_code: " + url);
  assert.equal(url.searchParams.get("state"), new URL(gotos["box-cli_qr_two_a"]).searchParams.get("state"));
  await context.close();
});

test("QR: dispose removes the iframe and the listener; a script that fails rejects ready with host", async () => {
  const { context, page } = await fresh(harness);
  const hits = harness.hits("/fake/authorize");
  await mountPermissive(page, "cli_qr_dispose");
  assert.equal(await page.evaluate(() => !!document.getElementById("fake-qr")), true);
  await page.evaluate(() => window.qr.dispose());
  assert.equal(await page.evaluate(() => !!document.getElementById("fake-qr")), false, "iframe removed");
  await post(page, harness.base, "tmp-after-dispose");
  assert.equal(harness.hits("/fake/authorize"), hits, "no navigation after dispose");

  for (const sdkUrl of ["/missing-sdk.js", "/not-an-sdk.js", "/hanging-sdk.js"]) {
    const result = await page.evaluate(async (sdkUrl) => {
      delete window.QRLogin;
      const auth = t.newLogin("cli_qr_script", { hostTimeoutMs: 500 });
      return t.settle(auth.mountQrLogin("box", { sdkUrl }).ready);
    }, sdkUrl);
    assertSdkError(rejected(result, sdkUrl), "host", sdkUrl);
  }
  const sync = await page.evaluate(() => t.attempt(() => t.newLogin("cli_qr_target").mountQrLogin("no-such-element")));
  assertSdkError(rejected(sync), "config");
  await context.close();
});

test("free() while a QR script is still loading rejects ready (it used to hang for ever)", async () => {
  const { context, page } = await fresh(harness);
  const result = await page.evaluate(async () => {
    delete window.QRLogin;
    const box = document.createElement("div");
    box.id = "box-free";
    document.body.append(box);
    // The script never answers and hostTimeoutMs is long: only free() can end `ready`.
    const auth = t.newLogin("cli_qr_free", { hostTimeoutMs: 60000 });
    const qr = auth.mountQrLogin("box-free", { sdkUrl: "/hanging-sdk.js" });
    auth.free();
    // Settled by free() itself: before any timer could run.
    return t.bounded(qr.ready, 0);
  });
  assert.notEqual(result.pending, true, "ready settles with free()");
  assertSdkError(rejected(result, "ready after free()"), "config", "ready after free()");
  assert.match(result.error.message, /free\(\)/);
  await context.close();
});

test("popup: blocked is kind popup; closed by the user is kind cancelled; nothing is posted", async () => {
  const { context, page } = await fresh(harness);
  const blocked = await page.evaluate(() => {
    const open = window.open;
    window.open = () => null;
    // Bounded: a broken engine would wait for a popup that never opened.
    // Settled in the call itself: it wins the race against 0 ms.
    const p = t.bounded(t.newLogin("cli_popup_blocked").loginWithPopup(), 0);
    window.open = open;
    return p;
  });
  assertSdkError(rejected(blocked), "popup");

  // The opener's time is scripted: its checks of the popup run when the test says so.
  await page.clock.install();
  const popupOpened = context.waitForEvent("page");
  const feishu = harness.base.replace("127.0.0.1", "localhost") + "/fake/authorize";
  await page.evaluate((feishu) => {
    window.closedResult = t.settle(t.newLogin("cli_popup_closed", { authorizeUrl: feishu }).loginWithPopup());
  }, feishu);
  const popup = await popupOpened;
  await popup.waitForURL((url) => url.href.startsWith(feishu));
  await popup.waitForLoadState("load");
  // The SDK looks at the popup (on Feishu's page, another origin), then the user closes it.
  await page.clock.runFor(POPUP_POLL_MS);
  await popup.close();
  await page.clock.runFor(POPUP_POLL_MS + POPUP_CLOSE_GRACE_MS);
  // Settled by now (the opener's timers are fake: no real timeout can race it).
  const closed = await page.evaluate(() => Promise.race([window.closedResult, { pending: true }]));
  assertSdkError(rejected(closed), "cancelled");
  assert.equal(await page.evaluate(() => t.callCount("cli_popup_closed")), 0);
  await context.close();
});

test("popup: a message from another window is ignored; a popup answering with a foreign state is a state error, no post", async () => {
  const { context, page } = await fresh(harness);
  const popupOpened = context.waitForEvent("page");
  await page.evaluate(() => {
    window.auth = t.newLogin("cli_popup_state", { authorizeUrl: location.origin + "/fake/authorize" });
    window.result = t.settle(window.auth.loginWithPopup());
  });
  const popup = await popupOpened;
  await popup.waitForURL(/\/fake\/authorize\?/);
  // Another window of the same origin (an iframe) sends a well-formed hand-over: ignored (the
  // SDK decided when the page heard it; a settled result would win the race against 0 ms).
  await post(page, harness.base, { type: "feishu-login:popup", code: "c", state: "s" });
  assert.deepEqual(await page.evaluate(() => t.bounded(window.result, 0)), { pending: true });
  // The popup itself answers with another state.
  await popup.evaluate(() => opener.postMessage({ type: "feishu-login:popup", code: "c", state: "foreign" }, location.origin));
  assertSdkError(rejected(await page.evaluate(() => window.result)), "state");
  assert.equal(await page.evaluate(() => t.callCount("cli_popup_state")), 0, "no backend post");
  assert.equal(await page.evaluate(() => window.auth.session), null);
  await context.close();
});

// ---- the demo server, end to end --------------------------------------------------------------

async function demo(context) {
  const page = await context.newPage();
  await page.goto(base + "/");
  await page.waitForSelector("body[data-ready=yes]");
  return page;
}

async function me(page) {
  return page.evaluate(async () => {
    const response = await fetch("/api/me", { headers: window.demo.auth.authHeaders() });
    return response.ok ? (await response.json()).name : response.status;
  });
}

test("demo: scan to log in through the emulator's QR SDK stand-in", async () => {
  const context = await harness.browser.newContext();
  const page = await demo(context);
  await page.click("#qr-show");
  const frame = page.frameLocator("#qr-box iframe");
  await frame.locator("#scan-1").click();
  await page.waitForURL((url) => url.pathname === "/" && !url.search);
  await page.waitForSelector("body[data-session=yes]");
  assert.match(await page.textContent("#user"), /Li Si/);
  assert.equal(await me(page), "李四");
  await context.close();
});

test("demo: popup login end to end; the page never unloads", async () => {
  const context = await harness.browser.newContext();
  const page = await demo(context);
  await page.evaluate(() => (window.sameDocument = true));
  const popupOpened = context.waitForEvent("page");
  await page.click("#popup-login");
  const popup = await popupOpened;
  await popup.waitForSelector("#allow");
  await popup.click("#allow");
  await popup.waitForEvent("close");
  await page.waitForSelector("body[data-session=yes]");
  assert.equal(await page.evaluate(() => window.sameDocument), true, "no reload");
  assert.match(await page.textContent("#steps"), /popup handed code \+ state back/);
  assert.equal(await me(page), "张三");
  await context.close();
});

test("demo: passport login end to end through the emulator and the reference backend", async () => {
  const context = await harness.browser.newContext();
  const page = await demo(context);
  let authorize = null;
  let posted = null;
  page.on("request", (request) => {
    if (request.url().includes("/suite/passport/oauth/authorize")) authorize = request.url();
    if (request.url().endsWith("/api/feishu/login")) posted = JSON.parse(request.postData());
  });
  await page.click("#passport-login");
  await page.waitForSelector("#allow");
  await page.click("#allow");
  await page.waitForSelector("body[data-session=yes]");
  const url = new URL(authorize);
  assert.equal(url.pathname, "/suite/passport/oauth/authorize");
  for (const absent of ["scope", "code_challenge", "code_challenge_method"]) assert.equal(url.searchParams.has(absent), false, absent);
  assert.ok(url.searchParams.get("state"));
  assert.equal(posted.passport, true);
  assert.equal(await me(page), "张三");
  await context.close();
});
