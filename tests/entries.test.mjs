// The package's entries per kind of app, in Chromium through their public API, each with the flows
// it carries: feishu-login/host in a doc widget and the Feishu client (login, renewal by asking the
// host again, logoutUrl), feishu-login/browser with the redirect's callback, refreshUrl renewal
// and logoutUrl (the full redirect through a navigation: tests/package.test.mjs); and what each
// lacks, which fails with kind `config` naming the entry to import. (The host entry in the
// emulator's doc-widget host: tests/widget-host.test.mjs; the entries' sizes:
// tests/package.test.mjs.) Needs pkg/ (node scripts/build-pkg.mjs).
//   node --test tests/entries.test.mjs
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startHarness, fresh, assertSdkError, rejected, fulfilled } from "./support/sdk-page.mjs";

/** What the fake renewal and logout endpoints of the app server received, per ?key=. */
const seen = new Map();
const record = (key) => {
  if (!seen.has(key)) seen.set(key, { refresh: [], logout: [] });
  return seen.get(key);
};
let renewed = 0;
const routes = {
  // POST /refresh?key=K: the backend's renewal endpoint.
  "/refresh": (req, res, url) => {
    record(url.searchParams.get("key")).refresh.push(req.headers.authorization);
    req.resume().on("end", () => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ token: `renewed-${++renewed}`, expiresIn: 3600 }));
    });
  },
  // POST /signout?key=K: the backend's logout endpoint.
  "/signout": (req, res, url) => {
    record(url.searchParams.get("key")).logout.push(req.headers.authorization);
    req.resume().on("end", () => res.writeHead(204).end());
  },
};

let host, browser;
before(async () => {
  [host, browser] = await Promise.all([startHarness({ routes, entry: "host" }), startHarness({ routes, entry: "browser" })]);
});
after(async () => {
  await Promise.all([host?.close(), browser?.close()]);
});

async function withPage(harness, body) {
  const { context, page } = await fresh(harness);
  try {
    return await body(page);
  } finally {
    await context.close();
  }
}

/** Checks each `{ member: result }` failed with kind `config` and the message `expected[member]`. */
function assertLacking(results, expected) {
  for (const [member, message] of Object.entries(expected)) {
    const error = rejected(results[member], member);
    assertSdkError(error, "config", member);
    assert.equal(error.message, message, member);
  }
}

/** The constructor's config errors and a misuse error, thrown synchronously with their full text
 * (from the entry's messages-sync.js, not the "feishu-login message N" stand-in). */
async function assertSyncTexts(harness, appId) {
  await withPage(harness, async (page) => {
    const results = await page.evaluate((appId) => ({
      unknownKey: t.attempt(() => new sdk.FeishuLogin({ appId, backend: "/l", redirectUrl: "x" })),
      storage: t.attempt(() => new sdk.FeishuLogin({ appId, backend: "/l", storage: "localStorage" })),
      notObject: t.attempt(() => new sdk.FeishuLogin("cli_x")),
      onChange: t.attempt(() => t.newLogin(appId).onChange(1)),
    }), appId);
    const expected = {
      unknownKey: "unknown key `redirectUrl` in the config: did you mean `redirectUri`?",
      storage: "invalid config: `storage` must be \"local\", \"session\", \"memory\" or an object with getItem, setItem and removeItem",
      notObject: "invalid config: `config` must be an object such as { appId: \"cli_…\", backend: \"/api/feishu/login\" }",
      onChange: "`onChange` takes a function",
    };
    for (const [what, message] of Object.entries(expected)) {
      const error = rejected(results[what], what);
      assertSdkError(error, "config", what);
      assert.equal(error.message, message, what);
    }
  });
}

// ---- feishu-login/host ----------------------------------------------------------------------

test("feishu-login/host in a doc widget: login, renewal by asking the host again, logout with logoutUrl", () => withPage(host, async (page) => {
  const r = await page.evaluate(async () => {
    let asked = 0;
    const docMiniApp = { Service: { User: { login: () => Promise.resolve(`widget-code-${++asked}`) } } };
    const auth = new sdk.FeishuLogin({ ...t.loginConfig("cli_host_widget", "/login?expiresIn=3600"), docMiniApp, logoutUrl: "/signout?key=host" });
    const surface = auth.surface;
    const first = await auth.login();
    const posted = (await t.calls("cli_host_widget")).last.body;
    // Valid for an hour: a session valid for two is a renewal, which asks the host again.
    const renewed = await auth.getSession({ minValidityMs: 2 * 3600 * 1000 });
    const reposted = (await t.calls("cli_host_widget")).last.body;
    await auth.logout();
    return { surface, first, posted, renewed, reposted, asked, after: auth.session, status: auth.status };
  });
  assert.equal(r.surface, "docWidget");
  assert.equal(r.first.surface, "docWidget");
  assert.deepEqual([r.posted.code, r.posted.surface], ["widget-code-1", "docWidget"]);
  assert.notEqual(r.renewed.token, r.first.token, "a new session");
  assert.deepEqual([r.reposted.code, r.asked], ["widget-code-2", 2], "the host was asked again");
  assert.deepEqual(record("host").logout, [`Bearer ${r.renewed.token}`], "logoutUrl ended the renewed session");
  assert.deepEqual([r.after, r.status], [null, "signedOut"]);
}));

test("feishu-login/host in the Feishu client: tt.requestAccess with the state it echoes", () => withPage(host, async (page) => {
  const r = await page.evaluate(async () => {
    window.h5sdk = { ready: (cb) => setTimeout(cb, 0) };
    window.tt = { requestAccess: (p) => setTimeout(() => p.success({ code: "client-code", state: p.state }), 0) };
    const auth = t.newLogin("cli_host_client");
    const surface = auth.surface;
    const session = await t.settle(auth.login());
    return { surface, session, posted: (await t.calls("cli_host_client")).last.body };
  });
  assert.equal(r.surface, "client");
  assert.equal(fulfilled(r.session).surface, "client");
  assert.deepEqual([r.posted.code, r.posted.surface], ["client-code", "client"]);
}));

test("feishu-login/host: the redirect, popup and QR members say which entry has them", () => withPage(host, async (page) => {
  const results = await page.evaluate(async () => {
    const docMiniApp = { Service: { User: { login: () => Promise.resolve("unused") } } };
    const auth = new sdk.FeishuLogin({ ...t.loginConfig("cli_host_lacks"), docMiniApp });
    return {
      authorizeUrl: await t.settle(auth.authorizeUrl()),
      loginWithRedirect: await t.settle(auth.loginWithRedirect()),
      handleCallback: await t.settle(auth.handleCallback(t.page() + "?code=c&state=s")),
      isCallback: t.attempt(() => auth.isCallback()),
      loginWithPopup: await t.settle(auth.loginWithPopup()),
      mountQrLogin: t.attempt(() => auth.mountQrLogin(document.body)),
      calls: await t.callCount("cli_host_lacks"),
    };
  });
  const fromBrowser = (member) => `${member}() is not in feishu-login/host: import it from feishu-login/browser or feishu-login`;
  assertLacking(results, {
    authorizeUrl: fromBrowser("authorizeUrl"),
    loginWithRedirect: fromBrowser("loginWithRedirect"),
    handleCallback: fromBrowser("handleCallback"),
    isCallback: fromBrowser("isCallback"),
    loginWithPopup: "loginWithPopup() is not in feishu-login/host: import it from feishu-login",
    mountQrLogin: "mountQrLogin() is not in feishu-login/host: import it from feishu-login",
  });
  assert.equal(results.calls, 0, "nothing reached the backend");
}));

test("feishu-login/host: the constructor's config errors and misuse errors carry their text at once", () =>
  assertSyncTexts(host, "cli_host_sync"));

test("feishu-login/host in a plain browser: login() says to run the page inside Feishu or import the browser entry", () => withPage(host, async (page) => {
  const r = await page.evaluate(async () => {
    const auth = t.newLogin("cli_host_browser");
    return { surface: auth.surface, login: await t.settle(auth.login()), url: location.href };
  });
  assert.equal(r.surface, "browser");
  const error = rejected(r.login);
  assertSdkError(error, "config");
  assert.match(error.message, /^login\(\) found no Feishu host on this page .* not in feishu-login\/host: run the page inside Feishu .* or import feishu-login\/browser or feishu-login$/);
  assert.equal(r.url, host.base + "/app/page.html", "the page stays");
}));

// ---- feishu-login/browser -------------------------------------------------------------------

test("feishu-login/browser: the redirect's callback, renewal through refreshUrl, logout with logoutUrl", () => withPage(browser, async (page) => {
  const r = await page.evaluate(async () => {
    const auth = t.newLogin("cli_browser_flow", { refreshUrl: "/refresh?key=browser", logoutUrl: "/signout?key=browser", scope: ["contact:user.base:readonly"] });
    const { url, challenge, authorize } = await t.callbackFor(auth);
    const first = await auth.handleCallback(url);
    const posted = (await t.calls("cli_browser_flow")).last.body;
    const renewed = await auth.getSession({ minValidityMs: 2 * 3600 * 1000 });
    await auth.logout();
    return { surface: auth.surface, authorize, challenge, first, posted, renewed, after: auth.session, status: auth.status };
  });
  assert.equal(r.surface, "browser");
  assert.match(r.authorize, /^https:\/\/accounts\.feishu\.cn\/open-apis\/authen\/v1\/authorize\?/);
  assert.equal(new URL(r.authorize).searchParams.get("code_challenge_method"), "S256");
  assert.equal(r.challenge.length, 43, "an S256 challenge");
  assert.deepEqual([r.posted.code, r.posted.surface, typeof r.posted.codeVerifier], ["test-code", "browser", "string"]);
  assert.deepEqual(record("browser").refresh, [`Bearer ${r.first.token}`], "renewed through refreshUrl");
  assert.match(r.renewed.token, /^renewed-/);
  assert.deepEqual(record("browser").logout, [`Bearer ${r.renewed.token}`], "logoutUrl ended the renewed session");
  assert.deepEqual([r.after, r.status], [null, "signedOut"]);
}));

test("feishu-login/browser: popup and QR logins say which entry has them", () => withPage(browser, async (page) => {
  const results = await page.evaluate(async () => {
    const auth = t.newLogin("cli_browser_lacks");
    return { loginWithPopup: await t.settle(auth.loginWithPopup()), mountQrLogin: t.attempt(() => auth.mountQrLogin(document.body)) };
  });
  assertLacking(results, {
    loginWithPopup: "loginWithPopup() is not in feishu-login/browser: import it from feishu-login",
    mountQrLogin: "mountQrLogin() is not in feishu-login/browser: import it from feishu-login",
  });
}));

test("feishu-login/browser: the constructor's config errors and misuse errors carry their text at once", () =>
  assertSyncTexts(browser, "cli_browser_sync"));

test("feishu-login/browser inside a Feishu host: login() says to import the host entry; surface \"browser\" still redirects", () => withPage(browser, async (page) => {
  const r = await page.evaluate(async () => {
    const docMiniApp = { Service: { User: { login: () => Promise.resolve("unused") } } };
    const widget = new sdk.FeishuLogin({ ...t.loginConfig("cli_browser_in_widget"), docMiniApp });
    window.h5sdk = { ready: (cb) => cb() };
    const client = t.newLogin("cli_browser_in_client");
    delete window.h5sdk;
    const forced = new sdk.FeishuLogin({ ...t.loginConfig("cli_browser_forced"), docMiniApp, surface: "browser" });
    return {
      surfaces: [widget.surface, client.surface, forced.surface],
      widget: await t.settle(widget.login()),
      client: await t.settle(client.login()),
      forced: await t.settle(forced.authorizeUrl()),
    };
  });
  assert.deepEqual(r.surfaces, ["docWidget", "client", "browser"]);
  for (const surface of ["widget", "client"]) {
    const error = rejected(r[surface], surface);
    assertSdkError(error, "config", surface);
    assert.match(error.message, /^login\(\) runs inside Feishu here .* not in feishu-login\/browser: import feishu-login\/host or feishu-login, or set surface: "browser" for the browser redirect$/);
  }
  assert.match(fulfilled(r.forced), /^https:\/\/accounts\.feishu\.cn\/open-apis\/authen\/v1\/authorize\?/);
}));
