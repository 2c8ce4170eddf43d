// When two things happen at once, in Chromium through the built package: a logout while a guard
// watches the session, a logout in one tab while another tab's login is in flight, a QR scan whose
// navigation is cancelled, a QR login still mounted at logout, and a popup login from a page served
// with `Cross-Origin-Opener-Policy: same-origin` (through feishu-emulator's consent page). Needs
// pkg/ and target/debug/feishu-emulator (scripts/test.sh builds both). Run:
//   node --test tests/interleavings.test.mjs
// Nothing here waits a fixed time for something to happen: requests held by the server are
// released by the test (a "gate"), and the page's state is awaited with waitForFunction.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { startHarness, open, assertSdkError, rejected, fulfilled } from "./support/sdk-page.mjs";
import { launchChromium } from "./support/chromium.mjs";
import { startListening } from "./support/listening.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const html = (body) => (req, res) => res.writeHead(200, { "Content-Type": "text/html" }).end(body);
const AWAY = "<!doctype html><meta charset=utf-8><link rel=icon href=data:,><title>away</title><p>away";
// A page that posts `data` (from its query) to its parent: a QR scan, as Feishu's QR iframe does.
const POSTER = `<!doctype html><script>parent.postMessage(JSON.parse(new URLSearchParams(location.search).get("data")), "*");</script>`;

/** Requests the server holds until the test releases them, by name (`/gated?gate=NAME`). */
const gates = new Map();
function gate(name) {
  if (!gates.has(name)) {
    const g = {};
    g.arrived = new Promise((resolve) => (g.arrive = resolve));
    g.released = new Promise((resolve) => (g.release = resolve));
    gates.set(name, g);
  }
  return gates.get(name);
}

const routes = {
  "/poster.html": html(POSTER),
  "/fake/authorize": html(AWAY),
  "/away-qr": html(AWAY),
  "/nocontent-qr": (req, res) => res.writeHead(204).end(),
  // POST /gated?gate=NAME&login=1: held until released; then a session (login=1) or 204.
  "/gated": async (req, res, url) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    const g = gate(url.searchParams.get("gate"));
    g.arrive(body);
    await g.released;
    if (url.searchParams.has("login")) {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ token: "tok-late", expiresIn: 3600, user: { name: "late" } }));
    } else res.writeHead(204).end();
  },
};

// feishu-emulator (its example file, this harness's popup callback page as the redirect URL).
const APP_ID = "cli_yourapp0001";
let h, emulator, emulatorBase;

before(async () => {
  h = await startHarness({
    routes,
    pageHeaders: { "/app/coop.html": { "Cross-Origin-Opener-Policy": "same-origin" } },
    launch: () => launchChromium({ backForwardCache: true }),
  });
  const example = readFileSync(join(root, "server", "feishu-emulator.example.toml"), "utf8");
  const config = join(mkdtempSync(join(tmpdir(), "feishu-emulator-")), "config.toml");
  writeFileSync(config, example.replace(/^redirect_urls = .*$/m, `redirect_urls = ["${h.base}/app/popup-callback.html"]`));
  ({ child: emulator, base: emulatorBase } = await startListening(join(root, "target", "debug", "feishu-emulator"), [
    "--config", config, "--listen", "127.0.0.1:0",
  ]));
});

after(async () => {
  await h?.close();
  emulator?.kill();
});

/** Collects every failed check of a test, then fails once with all of them. */
function checklist() {
  const problems = [];
  return {
    check(ok, message) { if (!ok) problems.push(message); return ok; },
    done() { if (problems.length) assert.fail(problems.map((p) => "- " + p).join("\n")); },
  };
}

async function withContext(body) {
  const context = await h.browser.newContext();
  try {
    return await body(context);
  } finally {
    await context.close();
  }
}

/** Records every request the page makes to `path` (navigations included). */
function watchRequests(page, path) {
  const seen = [];
  page.on("request", (r) => { if (new URL(r.url()).pathname === path) seen.push(r.url()); });
  return seen;
}

test("logout({returnTo}) on a page whose onChange(null) logs in: status signingOut, login() refused, lands on returnTo with no authorize navigation", () => withContext(async (context) => {
  const c = checklist();
  const page = await open(context, h.base);
  const authorize = watchRequests(page, "/fake/authorize");
  await page.evaluate(async () => {
    window.auth = t.newLogin("cli_guarded_logout", { logoutUrl: "/gated?gate=guarded-logout", authorizeUrl: location.origin + "/fake/authorize" });
    await t.completeLogin(auth);
    // A guard as apps write it: signed out → log in.
    window.seen = [];
    window.refused = [];
    auth.onChange((s) => {
      if (s) return;
      seen.push(auth.status);
      auth.login().then(() => refused.push({ ok: true }), (e) => refused.push(t.error(e)));
    });
    window.statuses = [];
    auth.onStatus?.((s) => statuses.push(s));
    window.loggedOut = t.settle(auth.logout({ returnTo: "/app/landing.html" }));
  });
  await gate("guarded-logout").arrived;
  // The server side is still running: the page is signing out, and the guard's login was refused
  // (its rejection's text may come from messages.js, loaded on that first error: wait for it).
  await page.waitForFunction(() => refused.length > 0, null, { timeout: 10000 }).catch(() => {});
  const during = await page.evaluate(() => ({ status: auth.status, seen, refused, session: auth.session })).catch((e) => ({ gone: e.message }));
  c.check(!during.gone, `the page left while the logout was in flight (${page.url()})`);
  c.check(authorize.length === 0, `an authorize navigation started during the logout: ${authorize}`);
  c.check(during.status === "signingOut", `status during the logout: ${during.status}`);
  c.check(JSON.stringify(during.seen) === '["signingOut"]', `status seen by onChange(null): ${JSON.stringify(during.seen)}`);
  c.check(during.refused?.length === 1 && during.refused[0].kind === "cancelled" && /log(ging)? ?out|signing out/i.test(during.refused[0].message),
    `the guard's login(): ${JSON.stringify(during.refused)}`);
  c.check(during.session === null, "the session is removed at once");
  const landed = page.waitForURL((url) => url.pathname === "/app/landing.html", { timeout: 10000 }).then(() => true, () => false);
  gate("guarded-logout").release();
  c.check(await landed, `did not land on returnTo: ${page.url()}`);
  c.check(authorize.length === 0, `an authorize navigation happened: ${authorize}`);
  c.done();
}));

test("logout in tab A supersedes a login in flight in tab B: B's late answer writes nothing, its caller hears cancelled", () => withContext(async (context) => {
  const c = checklist();
  const [a, b] = [await open(context, h.base), await open(context, h.base)];
  await b.evaluate(async () => {
    window.auth = t.newLogin("cli_two_tabs", { backend: "/gated?gate=two-tabs&login=1" });
    window.statuses = [];
    auth.onStatus?.((s) => statuses.push(s));
    const { url } = await t.callbackFor(auth);
    window.result = t.settle(auth.handleCallback(url));
  });
  await gate("two-tabs").arrived;
  await a.evaluate(async () => {
    window.auth = t.newLogin("cli_two_tabs");
    await auth.logout();
  });
  // B hears A's logout (a storage event), then its backend answers late: that answer must not
  // sign anyone in. (B would also find the logout when the answer comes, before writing.)
  await b.waitForFunction(() => window.statuses.includes("signingOut"));
  gate("two-tabs").release();
  const result = await b.evaluate(() => window.result);
  c.check(!result.ok && result.error.kind === "cancelled", `B's handleCallback(): ${JSON.stringify(result)}`);
  const stored = await a.evaluate(() => localStorage.getItem("feishu-login/v1/cli_two_tabs/session"));
  c.check(stored === null, `a session was stored after the logout: ${stored}`);
  c.check((await a.evaluate(() => auth.session)) === null, "tab A is signed in again");
  c.check((await b.evaluate(() => auth.session)) === null, "tab B is signed in");
  const heard = await b.evaluate(() => window.statuses);
  c.check(heard.includes("signingOut") && heard.at(-1) === "signedOut", `B's statuses: ${JSON.stringify(heard)}`);
  c.done();
}));

/** Mounts a QR login (a permissive stand-in for Feishu's QR SDK) whose goto is `authorize`. */
async function mountQr(page, appId, authorize) {
  await page.evaluate(async ([appId, authorize]) => {
    window.QRLogin = ({ id }) => {
      const frame = document.createElement("iframe");
      frame.id = "qr-frame";
      document.getElementById(id).append(frame);
      return { matchOrigin: () => true };
    };
    const box = document.createElement("div");
    box.id = "box";
    document.body.append(box);
    window.auth = t.newLogin(appId, { authorizeUrl: location.origin + authorize });
    window.statuses = [];
    auth.onStatus?.((s) => statuses.push(s));
    window.qr = auth.mountQrLogin("box");
    await qr.ready;
    // The page's own message listener runs after the SDK's: once it has heard a scan, the SDK
    // has decided about it.
    window.heard = 0;
    addEventListener("message", () => (heard += 1));
  }, [appId, authorize]);
}

/** A scan: an iframe inside the QR's box posts `tmp_code`; resolves once the page heard it. */
async function scan(page, tmpCode) {
  await page.evaluate(([origin, data]) => {
    window.heardBefore = heard;
    const frame = document.createElement("iframe");
    frame.src = origin + "/poster.html?data=" + encodeURIComponent(JSON.stringify(data));
    document.getElementById("box").append(frame);
  }, [h.base, tmpCode]);
}

test("QR: a scan whose navigation is cancelled (back/forward cache, a 204 goto) re-arms the QR: the next scan navigates", () => withContext(async (context) => {
  const c = checklist();
  await Promise.all([
    // (a) Back from the page the scan led to: the page comes back from the back/forward cache.
    (async () => {
      const page = await open(context, h.base);
      await mountQr(page, "cli_qr_back", "/away-qr");
      await page.evaluate(() => addEventListener("pageshow", (e) => { if (e.persisted) window.restored = true; }));
      const left = page.waitForURL((url) => url.pathname === "/away-qr");
      await scan(page, "tmp-first");
      await left;
      await page.goBack({ waitUntil: "commit" });
      const restored = await page.waitForFunction(() => window.restored === true || document.documentElement.dataset.ready === "yes")
        .then(() => page.evaluate(() => window.restored === true));
      if (!c.check(restored, "(back) the page was not restored from the back/forward cache: scenario not reproduced")) return;
      const status = await page.evaluate(() => auth.status);
      c.check(status === "signedOut", `(back) status after coming back: ${status}`);
      const again = page.waitForURL((url) => url.pathname === "/away-qr", { timeout: 10000 }).then(() => true, () => false);
      await scan(page, "tmp-second");
      c.check(await again, "(back) the next scan did not navigate: the QR stayed used");
      if (await again) c.check(new URL(page.url()).searchParams.get("tmp_code") === "tmp-second", `(back) navigated to ${page.url()}`);
    })(),
    // (b) The goto answers 204: the page never unloads; after the grace the QR takes scans again.
    (async () => {
      const page = await open(context, h.base);
      const gotos = watchRequests(page, "/nocontent-qr");
      await mountQr(page, "cli_qr_204", "/nocontent-qr");
      const first = page.waitForRequest((r) => new URL(r.url()).pathname === "/nocontent-qr");
      await scan(page, "tmp-first");
      await first;
      const back = await page.waitForFunction(() => window.statuses.at(-1) === "signedOut" && statuses.includes("redirecting"), null, { timeout: 10000 })
        .then(() => true, () => false);
      c.check(back, `(204) status did not go redirecting → signedOut: ${JSON.stringify(await page.evaluate(() => window.statuses))}`);
      const second = page.waitForRequest((r) => new URL(r.url()).pathname === "/nocontent-qr" && r.url().includes("tmp-second"), { timeout: 10000 })
        .then(() => true, () => false);
      await scan(page, "tmp-second");
      c.check(await second, `(204) the next scan did not navigate (requests: ${gotos.length})`);
    })(),
  ]);
  c.done();
}));

test("QR: logout() unmounts the QR login; a scan afterwards navigates nowhere; dispose() stays harmless", () => withContext(async (context) => {
  const c = checklist();
  const page = await open(context, h.base);
  const gotos = watchRequests(page, "/fake/authorize");
  await mountQr(page, "cli_qr_logout", "/fake/authorize");
  await page.evaluate(async () => {
    await t.completeLogin(auth);
    await auth.logout();
  });
  c.check(!(await page.evaluate(() => !!document.getElementById("qr-frame"))), "the QR iframe is still in the page after logout()");
  await scan(page, "tmp-after-logout");
  await page.waitForFunction(() => heard > heardBefore);
  const after = await page.evaluate(async () => {
    // A round trip after the scan was heard: a navigation it started would have been requested by then.
    await fetch("/app/marker");
    return { status: auth.status, session: auth.session, disposed: t.attempt(() => { qr.dispose(); qr.dispose(); }) };
  }).catch((e) => ({ gone: e.message }));
  c.check(!after.gone && gotos.length === 0, `the scan after logout() navigated: ${gotos} ${after.gone ?? ""}`);
  c.check(after.status === "signedOut", `status after the scan: ${after.status}`);
  c.check(after.session === null, "signed in by a scan after logout()");
  c.check(after.disposed?.ok === true, `dispose() after logout: ${JSON.stringify(after.disposed)}`);
  c.done();
}));

test("popup under Cross-Origin-Opener-Policy: same-origin: the login completes through the emulator's consent page", () => withContext(async (context) => {
  const c = checklist();
  const page = await open(context, h.base, "/app/coop.html");
  const config = { authorizeUrl: emulatorBase + "/open-apis/authen/v1/authorize", redirectUri: h.base + "/app/popup-callback.html" };
  const popupOpened = context.waitForEvent("page");
  await page.evaluate(([appId, config]) => {
    // The page keeps the popup's handle too, to see what the opener policy does to it.
    const open = window.open;
    window.open = (...args) => (window.handle = open.apply(window, args));
    window.auth = t.newLogin(appId, config);
    window.result = t.settle(auth.loginWithPopup());
  }, [APP_ID, config]);
  const popup = await popupOpened;
  await popup.waitForURL((url) => url.href.startsWith(emulatorBase + "/open-apis/authen/v1/authorize"));
  await popup.waitForSelector("#allow");
  // The popup runs, yet its opener reads it as closed: the policy severed the link.
  const severed = await page.waitForFunction(() => window.handle?.closed === true, null, { timeout: 5000 }).then(() => true, () => false);
  c.check(severed, "the opener can still reach the popup: the opener policy was not applied (scenario not reproduced)");
  await popup.click("#allow");
  await popup.waitForURL((url) => url.pathname === "/app/popup-callback.html");
  await popup.waitForFunction(() => document.documentElement.dataset.ready === "yes");
  // The callback page runs the SDK as any page of the app does on load.
  const callbackPage = await popup.evaluate(([appId, config]) => t.settle(t.newLogin(appId, config).login()), [APP_ID, config])
    .catch((e) => ({ closed: e.message }));
  if (!callbackPage.closed) {
    const e = callbackPage.error;
    c.check(!callbackPage.ok && e.kind === "cancelled" && /popup/.test(e.message), `the popup's own login(): ${JSON.stringify(callbackPage)}`);
  }
  const result = await page.evaluate(() => window.result);
  c.check(result.ok === true && result.value?.user?.name === "张三", `loginWithPopup(): ${JSON.stringify(result)}`);
  const posted = await page.evaluate((appId) => t.calls(appId), APP_ID);
  c.check(posted.count === 1 && posted.last.body.redirectUri === config.redirectUri, `the backend got ${JSON.stringify(posted)}`);
  c.done();
}));
