// Browser tests of the Feishu host surfaces, against the built npm package (pkg/) in headless
// Chromium: fake DocMiniApp, h5sdk and tt objects defined in the page, behaving as Feishu documents
// them (and as badly as real hosts do), the public JS API, and the test backend
// (tests/support/backend.mjs). Port of tests/hosts.rs.
//   node --test tests/hosts.test.mjs
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startHarness, fresh, assertSdkError, rejected, fulfilled } from "./support/sdk-page.mjs";

let h;
before(async () => { h = await startHarness(); });
after(async () => { await h?.close(); });

/** Page helpers for fake hosts (host behaviours are JS source strings, as in hosts.rs). */
function hostHelpers() {
  const fn = (source) => (0, eval)("(" + source + ")");
  window.hosts = {
    /** Installs window.h5sdk and window.tt; returns (and keeps in hosts.log) the call log. */
    installClient({ access = "", authCode = "", login = "", ready = "" } = {}) {
      const log = (hosts.log = []);
      window.h5sdk = { ready: ready ? fn(ready) : (cb) => setTimeout(cb, 0) };
      const tt = {};
      const wrap = (name, f) => (p) => { log.push([name, p.appID, p.appId, JSON.stringify(p.scopeList), p.state]); f(p); };
      if (access) tt.requestAccess = wrap("requestAccess", fn(access));
      if (authCode) tt.requestAuthCode = wrap("requestAuthCode", fn(authCode));
      if (login) tt.login = wrap("login", fn(login));
      window.tt = tt;
      return log;
    },
    uninstall() { delete window.h5sdk; delete window.tt; delete window.DocMiniApp; },
    apiNames: () => hosts.log.map((entry) => entry[0]),
    login: (auth, force) => t.settle(auth.login(force ? { force: true } : {})),
    /** A doc widget API object whose login behaves as `source` (a JS function). */
    docMiniApp(source) {
      const api = { calls: 0, Service: { User: {} } };
      const f = fn(source);
      api.Service.User.login = function () { api.calls++; return f(); };
      return api;
    },
    widgetLogin: (appId, api) => new sdk.FeishuLogin({ ...t.loginConfig(appId), docMiniApp: api, hostTimeoutMs: 500 }),
    /** Signs appId in once through a doc widget, so later failures can be checked to keep it. */
    async signedIn(appId) {
      const auth = hosts.widgetLogin(appId, hosts.docMiniApp("() => Promise.resolve('first-code')"));
      return (await auth.login({})).token;
    },
  };
}

async function withPage(body) {
  const { context, page } = await fresh(h);
  try {
    await page.evaluate(hostHelpers);
    return await body(page);
  } finally {
    await context.close();
  }
}

test("doc widget login posts the code and persists", () => withPage(async (page) => {
  const r = await page.evaluate(async () => {
    const api = hosts.docMiniApp("() => Promise.resolve('widget-code')");
    const auth = hosts.widgetLogin("cli_widget", api);
    const surface = auth.surface;
    const session = await auth.login({});
    const body = (await t.calls("cli_widget")).last.body;
    const stored = auth.session?.token;
    // A valid session is returned without asking the host again, unless forced.
    const again = await hosts.login(auth, false);
    const callsAfterAgain = api.calls;
    const forced = await hosts.login(auth, true);
    return { surface, session, body, stored, again, callsAfterAgain, forced, callsAfterForced: api.calls };
  });
  assert.equal(r.surface, "docWidget");
  assert.equal(r.session.surface, "docWidget");
  assert.equal(r.body.code, "widget-code");
  assert.equal(r.body.surface, "docWidget");
  assert.equal(r.body.appId, "cli_widget");
  assert.ok(!("codeVerifier" in r.body), "no codeVerifier off the browser surface");
  assert.equal(r.stored, r.session.token);
  fulfilled(r.again);
  assert.equal(r.callsAfterAgain, 1);
  fulfilled(r.forced);
  assert.equal(r.callsAfterForced, 2);
}));

test("a doc widget global is detected", () => withPage(async (page) => {
  const r = await page.evaluate(async () => {
    window.DocMiniApp = { Service: { User: { login: () => Promise.resolve("global-code") } } };
    const auth = new sdk.FeishuLogin(t.loginConfig("cli_widget_global"));
    const surface = auth.surface;
    const result = await hosts.login(auth, false);
    hosts.uninstall();
    return { surface, result };
  });
  assert.equal(r.surface, "docWidget");
  assert.equal(fulfilled(r.result).surface, "docWidget");
}));

test("doc widget rejections become typed errors and keep the session", () => withPage(async (page) => {
  const cases = [
    // The real library's APIInvokeError: not an Error, a numeric code.
    ["() => Promise.reject(Object.assign(Object.create({ name: 'APIInvokeError' }), { code: 10110006, message: 'forbidden' }))", "host", 10110006],
    ["() => Promise.reject({ code: 10110002, message: 'timeout' })", "timeout", 10110002],
    ["() => Promise.reject({ code: 10110007 })", "host", 10110007],
    ["() => Promise.reject('plain string')", "host", undefined],
    ["() => Promise.reject(new Error('boom'))", "host", undefined],
    ["() => Promise.reject(undefined)", "host", undefined],
    ["() => { throw new TypeError('sync throw'); }", "host", undefined],
    ["() => new Promise(() => {})", "timeout", undefined],
    ["() => Promise.resolve(42)", "host", undefined],
    // A host error that happens to say `timeout` is the host's error, not the SDK's timeout.
    ["() => Promise.reject({ timeout: true, code: 10110006 })", "host", 10110006],
  ];
  const r = await page.evaluate(async (sources) => {
    const token = await hosts.signedIn("cli_widget_fail");
    const results = [];
    for (const source of sources) {
      const auth = hosts.widgetLogin("cli_widget_fail", hosts.docMiniApp(source));
      results.push({ result: await hosts.login(auth, true), token: auth.session?.token });
    }
    return { token, results, count: await t.callCount("cli_widget_fail") };
  }, cases.map(([source]) => source));
  cases.forEach(([source, kind, code], i) => {
    const error = rejected(r.results[i].result, source);
    assertSdkError(error, kind, source);
    assert.equal(error.code, code, source);
    assert.equal(r.results[i].token, r.token, `${source}: the stored session survives`);
  });
  assert.equal(r.count, 1, "no failed attempt reached the backend");
}));

test("client requestAccess sends appID, scope and state", () => withPage(async (page) => {
  const r = await page.evaluate(async () => {
    const log = hosts.installClient({ access: "(p) => setTimeout(() => p.success({ code: 'access-code', state: p.state }), 0)" });
    const auth = t.newLogin("cli_client", { scope: ["contact:user.base:readonly"] });
    const surface = auth.surface;
    const result = await hosts.login(auth, false);
    hosts.uninstall();
    return { surface, result, log, body: (await t.calls("cli_client")).last?.body };
  });
  assert.equal(r.surface, "client");
  assert.equal(fulfilled(r.result).surface, "client");
  const call = r.log[0];
  assert.equal(call[1], "cli_client", "appID with a capital D");
  assert.equal(call[3], '["contact:user.base:readonly"]');
  assert.ok(call[4].length >= 22, "a random state");
  assert.deepEqual([r.body.code, r.body.surface], ["access-code", "client"]);
}));

test("client falls back to requestAuthCode on errno 103", () => withPage(async (page) => {
  const r = await page.evaluate(async () => {
    const log = hosts.installClient({
      access: "(p) => p.fail({ errno: 103, errString: 'not supported' })",
      authCode: "(p) => p.success({ code: 'old-code' })",
    });
    const result = await hosts.login(t.newLogin("cli_client_103"), false);
    hosts.uninstall();
    return { result, log, names: hosts.apiNames(), body: (await t.calls("cli_client_103")).last?.body };
  });
  fulfilled(r.result);
  assert.deepEqual(r.names, ["requestAccess", "requestAuthCode"]);
  assert.equal(r.log[1][2], "cli_client_103", "appId, lowercase d");
  assert.equal(r.body.code, "old-code");
}));

test("an old client without requestAccess uses requestAuthCode", () => withPage(async (page) => {
  const r = await page.evaluate(async () => {
    hosts.installClient({ authCode: "(p) => p.success({ code: 'old-code' })" });
    const result = await hosts.login(t.newLogin("cli_client_old"), false);
    hosts.uninstall();
    return { result, names: hosts.apiNames() };
  });
  assert.equal(fulfilled(r.result).surface, "client");
  assert.deepEqual(r.names, ["requestAuthCode"]);
}));

test("client failures are typed and keep the session", () => withPage(async (page) => {
  const cases = [
    ["(p) => p.fail({ errno: 2700002, errMsg: 'user refused' })", "", "", "denied", 2700002],
    ["(p) => p.fail({ errno: 107 })", "", "", "denied", 107],
    ["(p) => p.fail({ errno: 111 })", "", "", "host", 111],
    ["(p) => p.fail({ errno: 103 })", "(p) => p.fail({ errCode: 10236, errMsg: 'url not allowed' })", "", "host", 10236],
    ["(p) => p.success({ code: 'c', state: 'forged-state' })", "", "", "state", undefined],
    ["(p) => {}", "", "", "timeout", undefined],
  ];
  const r = await page.evaluate(async (cases) => {
    const token = await hosts.signedIn("cli_client_fail");
    const results = [];
    for (const [access, authCode, ready] of cases) {
      hosts.installClient({ access, authCode, ready });
      const auth = t.newLogin("cli_client_fail", { hostTimeoutMs: 300 });
      const result = await hosts.login(auth, true);
      hosts.uninstall();
      results.push({ result, token: auth.session?.token });
    }
    return { token, results, count: await t.callCount("cli_client_fail") };
  }, cases);
  cases.forEach(([access, , , kind, code], i) => {
    const error = rejected(r.results[i].result, access);
    assertSdkError(error, kind, access);
    assert.equal(error.code, code, access);
    if (code === 10236) assert.ok(error.message.includes("redirect URLs"), error.message);
    assert.equal(r.results[i].token, r.token, access);
  });
  assert.equal(r.count, 1, "only the first login reached the backend");
}));

test("h5sdk.ready that never fires is a timeout", () => withPage(async (page) => {
  const r = await page.evaluate(async () => {
    hosts.installClient({ access: "(p) => p.success({ code: 'c' })", ready: "() => {}" });
    const result = await hosts.login(t.newLogin("cli_ready", { hostTimeoutMs: 300 }), false);
    hosts.uninstall();
    return { result, count: await t.callCount("cli_ready") };
  });
  assertSdkError(rejected(r.result), "timeout");
  assert.equal(r.count, 0);
}));

test("a host calling back twice is heard once", () => withPage(async (page) => {
  const r = await page.evaluate(async () => {
    hosts.installClient({
      access: "(p) => { p.success({ code: 'first', state: p.state }); p.success({ code: 'second', state: p.state }); p.fail({ errno: 1 }); }",
    });
    const result = await hosts.login(t.newLogin("cli_twice"), false);
    await t.sleep(50); // as hosts.rs: room for a wrongly heard second callback to post
    hosts.uninstall();
    const calls = await t.calls("cli_twice");
    return { result, count: calls.count, code: calls.last?.body?.code };
  });
  fulfilled(r.result);
  assert.equal(r.count, 1);
  assert.equal(r.code, "first");
}));

test("a mini program uses tt.login", () => withPage(async (page) => {
  const r = await page.evaluate(async () => {
    window.tt = { login: (p) => p.success({ code: "mini-code" }) };
    const auth = t.newLogin("cli_mini");
    const surface = auth.surface;
    const result = await hosts.login(auth, false);
    hosts.uninstall();
    return { surface, result, body: (await t.calls("cli_mini")).last?.body };
  });
  assert.equal(r.surface, "miniProgram");
  assert.equal(fulfilled(r.result).surface, "miniProgram");
  assert.deepEqual([r.body.code, r.body.surface], ["mini-code", "miniProgram"]);
}));

test("a forced surface without its API is unsupported", () => withPage(async (page) => {
  const r = await page.evaluate(async () => [
    await hosts.login(t.newLogin("cli_forced", { surface: "miniProgram" }), false),
    await hosts.login(t.newLogin("cli_forced", { surface: "docWidget" }), false),
  ]);
  assertSdkError(rejected(r[0], "miniProgram"), "unsupported");
  assertSdkError(rejected(r[1], "docWidget"), "unsupported");
}));

test("concurrent logins share one attempt", () => withPage(async (page) => {
  const r = await page.evaluate(async () => {
    const api = hosts.docMiniApp("() => new Promise((r) => setTimeout(() => r('shared-code'), 50))");
    const auth = hosts.widgetLogin("cli_concurrent", api);
    const sessions = await Promise.all([auth.login(), auth.login(), auth.login()]);
    return { calls: api.calls, count: await t.callCount("cli_concurrent"), tokens: sessions.map((s) => s.token) };
  });
  assert.equal(r.calls, 1, "one host call");
  assert.equal(r.count, 1, "one backend post");
  assert.ok(r.tokens.every((token) => token === r.tokens[0]), "one session");
}));
