// Browser tests of the built npm package (pkg/, from `node scripts/build-pkg.mjs`) in headless
// Chromium, through the public JS API only: the adapters and the whole redirect flow with real
// crypto.getRandomValues, real web storage and real fetch to the test backend
// (tests/support/backend.mjs, on its own port: a cross-origin backend). Port of tests/browser.rs.
//   node --test tests/browser.test.mjs
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { startHarness, fresh, open, assertSdkError, rejected, fulfilled } from "./support/sdk-page.mjs";

let h;
before(async () => { h = await startHarness(); });
after(async () => { await h?.close(); });

/** Runs `body(page)` on a fresh test page in its own context (own storage), then closes it. */
async function withPage(body) {
  const { context, page } = await fresh(h);
  try {
    return await body(page, context);
  } finally {
    await context.close();
  }
}

test("authorize URL uses real randomness and S256", () => withPage(async (page) => {
  const r = await page.evaluate(async () => {
    const auth = new sdk.FeishuLogin(t.loginConfig("cli_rand"));
    const a = await auth.authorizeUrl();
    const b = await auth.authorizeUrl();
    return { a, b, page: t.page(), pending: sessionStorage.getItem("feishu-login/v1/cli_rand/pending") };
  });
  const p = (url, name) => new URL(url).searchParams.get(name);
  assert.ok(r.a.startsWith("https://accounts.feishu.cn/open-apis/authen/v1/authorize?client_id=cli_rand&response_type=code&redirect_uri="), r.a);
  assert.equal(p(r.a, "code_challenge_method"), "S256");
  assert.equal(p(r.a, "redirect_uri"), r.page);
  assert.notEqual(p(r.a, "state"), p(r.b, "state"));
  assert.notEqual(p(r.a, "code_challenge"), p(r.b, "code_challenge"));
  assert.equal(p(r.a, "state").length, 43);
  // Only the newest pending login is kept, in sessionStorage, with the verifier.
  assert.ok(r.pending, "a pending login is recorded");
  assert.ok(r.pending.includes(p(r.b, "state")));
}));

test("config errors are typed and name the field", () => withPage(async (page) => {
  const cases = [
    ["nope", "`config`"],
    [{ appId: "", backend: "/x" }, "`appId`"],
    [{ appId: "cli_c" }, "`backend`"],
    [{ appId: "cli_c", backend: "/x", scope: ["a", 5] }, "`scope`"],
    [{ appId: "cli_c", backend: "/x", brand: "dingtalk" }, "`brand`"],
    [{ appId: "cli_c", backend: "/x", storage: "cookies" }, "`storage`"],
    [{ appId: "cli_c", backend: { url: "/x", timeoutMs: "10" } }, "`backend.timeoutMs`"],
    [{ appId: "cli_c", backend: "/x", redirectUri: "https://u:p@h/" }, "`redirectUri`"],
    [{ appId: "cli_c", backend: "javascript:alert(1)" }, "`backend`"],
  ];
  const results = await page.evaluate((cases) => cases.map(([config]) => t.attempt(() => new sdk.FeishuLogin(config))), cases);
  cases.forEach(([config, field], i) => {
    const error = rejected(results[i], JSON.stringify(config));
    assertSdkError(error, "config", JSON.stringify(config));
    assert.ok(error.message.includes(field), `${error.message} should name ${field}`);
  });
}));

test("cross-origin returnTo is a config error", () => withPage(async (page) => {
  const r = await page.evaluate(() => t.settle(new sdk.FeishuLogin(t.loginConfig("cli_ret")).authorizeUrl({ returnTo: "https://evil.example/" })));
  assertSdkError(rejected(r), "config");
}));

test("full redirect flow against the backend", () => withPage(async (page) => {
  const r = await page.evaluate(async () => {
    const auth = new sdk.FeishuLogin(t.loginConfig("cli_flow"));
    const { url, challenge } = await t.callbackFor(auth);
    const session = await auth.handleCallback(url);
    return {
      session, challenge, page: t.page(), last: (await t.calls("cli_flow")).last,
      stored: auth.session, headers: auth.authHeaders(),
      local: localStorage.getItem("feishu-login/v1/cli_flow/session"),
    };
  });
  const { session } = r;
  assert.ok(session.token.startsWith("tok-"), session.token);
  assert.equal(session.surface, "browser");
  assert.equal(session.expiresAt - session.obtainedAt, 3_600_000);

  // The backend got the contract body, and the verifier matches the challenge sent to Feishu.
  const received = session.user.received;
  assert.equal(received.code, "test-code");
  assert.equal(received.appId, "cli_flow");
  assert.equal(received.redirectUri, r.page);
  assert.equal(createHash("sha256").update(received.codeVerifier).digest("base64url"), r.challenge);
  assert.equal(r.last.headers["content-type"], "application/json");
  assert.ok(!r.last.url.includes("test-code"), "the code is not in the URL with codeIn body");

  // Persisted, readable, and exposed.
  assert.equal(r.stored.token, session.token);
  assert.deepEqual(r.headers, { Authorization: "Bearer " + session.token });
  assert.ok(r.local.startsWith('{"v":1,'), r.local);

  // A reload (a new instance on a new document) sees it.
  await page.reload();
  await page.waitForFunction(() => document.documentElement.dataset.ready === "yes");
  const after = await page.evaluate(() => {
    const auth = new sdk.FeishuLogin(t.loginConfig("cli_flow"));
    const again = auth.session?.token;
    auth.logout();
    return { again, session: auth.session, headers: auth.authHeaders(), keys: Object.keys(auth.authHeaders()) };
  });
  assert.equal(after.again, session.token, "a new instance (a reload) sees it");
  assert.equal(after.session, null);
  assert.deepEqual(after.keys, []);
  assert.deepEqual(after.headers, {});
}));

test("a replayed callback URL fails and keeps the session", () => withPage(async (page) => {
  const r = await page.evaluate(async () => {
    const auth = new sdk.FeishuLogin(t.loginConfig("cli_replay"));
    const { url } = await t.callbackFor(auth);
    const session = await auth.handleCallback(url);
    const replay = await t.settle(auth.handleCallback(url));
    return { session, replay, count: await t.callCount("cli_replay"), now: auth.session?.token };
  });
  assertSdkError(rejected(r.replay), "state");
  assert.equal(r.count, 1, "the replay never reached the backend");
  assert.equal(r.now, r.session.token);
}));

test("the callback strips only its params from the address bar", () => withPage(async (page) => {
  const r = await page.evaluate(async () => {
    const original = location.href;
    const auth = new sdk.FeishuLogin(t.loginConfig("cli_strip"));
    const { url } = await t.callbackFor(auth);
    const inBar = url.replace("?code=", "?keep=a%20b&code=") + "&error_description=x#/route?y=1";
    history.replaceState(null, "", inBar);
    const result = await t.settle(auth.handleCallback());
    const { search, hash } = location;
    history.replaceState(null, "", original);
    return { result, search, hash };
  });
  fulfilled(r.result);
  assert.equal(r.search, "?keep=a%20b");
  assert.equal(r.hash, "#/route?y=1");
}));

test("denied stores nothing", () => withPage(async (page) => {
  const r = await page.evaluate(async () => {
    const auth = new sdk.FeishuLogin(t.loginConfig("cli_denied"));
    const { url } = await t.callbackFor(auth);
    const result = await t.settle(auth.handleCallback(url.replace("code=test-code", "error=access_denied")));
    return { result, session: auth.session, count: await t.callCount("cli_denied") };
  });
  assertSdkError(rejected(r.result), "denied");
  assert.equal(r.session, null);
  assert.equal(r.count, 0);
}));

test("a backend timeout is typed", () => withPage(async (page) => {
  const r = await page.evaluate(async () => {
    const auth = new sdk.FeishuLogin(t.loginConfig("cli_timeout", "/hang", { timeoutMs: 300 }));
    return { result: await t.settle(t.completeLogin(auth)), count: await t.callCount("cli_timeout") };
  });
  assertSdkError(rejected(r.result), "timeout");
  assert.equal(r.count, 1, "a timeout is not retried: the code may be used up");
}));

test("an unreachable backend is network and retried", () => withPage(async (page) => {
  const r = await page.evaluate(() => {
    const auth = new sdk.FeishuLogin({ appId: "cli_net", backend: { url: "http://127.0.0.1:9/login", retries: 1 } });
    return t.settle(t.completeLogin(auth));
  });
  const error = rejected(r);
  assertSdkError(error, "network");
  assert.equal(error.retryable, true);
}));

test("transient failures are retried, then succeed", () => withPage(async (page) => {
  const r = await page.evaluate(async () => {
    const first = await t.settle(t.completeLogin(new sdk.FeishuLogin(t.loginConfig("cli_flaky", "/flaky?fail=1&status=503"))));
    const second = await t.settle(t.completeLogin(new sdk.FeishuLogin(t.loginConfig("cli_flaky2", "/flaky?fail=1&status=500&code=20050"))));
    return { first, second, c1: await t.callCount("cli_flaky"), c2: await t.callCount("cli_flaky2") };
  });
  fulfilled(r.first, "503");
  assert.equal(r.c1, 2);
  fulfilled(r.second, "500 + 20050");
  assert.equal(r.c2, 2);
}));

test("a persistent backend failure keeps the earlier session", () => withPage(async (page) => {
  const r = await page.evaluate(async () => {
    const good = new sdk.FeishuLogin(t.loginConfig("cli_keep"));
    const session = await t.completeLogin(good);
    // Same app, a backend that keeps failing with 500 + 20050: retried, then a typed error.
    const auth = new sdk.FeishuLogin(t.loginConfig("cli_keep", "/status?status=500&code=20050", { retries: 1 }));
    const result = await t.settle(t.completeLogin(auth));
    return { session, result, count: await t.callCount("cli_keep"), now: auth.session?.token };
  });
  const error = rejected(r.result);
  assertSdkError(error, "backend");
  assert.equal(error.status, 500);
  assert.equal(error.code, 20050);
  assert.equal(r.count, 3, "1 login + 1 try + 1 retry");
  assert.equal(r.now, r.session.token);
}));

test("client errors are not retried and keep the Feishu code", () => withPage(async (page) => {
  const r = await page.evaluate(async () => {
    const result = await t.settle(t.completeLogin(new sdk.FeishuLogin(t.loginConfig("cli_400", "/status?status=400&code=20049"))));
    const garbage = await t.settle(t.completeLogin(new sdk.FeishuLogin(t.loginConfig("cli_garbage", "/garbage"))));
    return { result, garbage, count: await t.callCount("cli_400") };
  });
  const error = rejected(r.result);
  assertSdkError(error, "backend");
  assert.equal(error.code, 20049);
  assert.ok(!error.message.includes("test-code"), error.message);
  assert.equal(r.count, 1);
  assertSdkError(rejected(r.garbage), "response");
}));

test("code in query and custom headers", () => withPage(async (page) => {
  const r = await page.evaluate(async () => {
    const auth = new sdk.FeishuLogin(t.loginConfig("cli_query", "/login", { codeIn: "query", headers: { "X-App": "demo" } }));
    return { result: await t.settle(t.completeLogin(auth)), last: (await t.calls("cli_query")).last };
  });
  fulfilled(r.result);
  assert.ok(r.last.url.includes("&code=test-code"), r.last.url);
  assert.equal(r.last.headers["x-app"], "demo");
}));

test("throwing web storage falls back to memory", () => withPage(async (page) => {
  const r = await page.evaluate(async () => {
    const s = Storage.prototype.setItem, g = Storage.prototype.getItem;
    Storage.prototype.setItem = function () { throw new DOMException("blocked", "SecurityError"); };
    Storage.prototype.getItem = function () { throw new DOMException("blocked", "SecurityError"); };
    try {
      const auth = new sdk.FeishuLogin(t.loginConfig("cli_blocked"));
      const result = await t.settle(t.completeLogin(auth));
      return { result, now: auth.session?.token };
    } finally {
      Storage.prototype.setItem = s;
      Storage.prototype.getItem = g;
    }
  });
  const session = fulfilled(r.result);
  assert.ok(session.token);
  assert.equal(r.now, session.token, "the session lives in memory");
}));

test("a custom storage object is used and its throws are survived", () => withPage(async (page) => {
  const r = await page.evaluate(async () => {
    const m = new Map();
    const store = { getItem: (k) => (m.has(k) ? m.get(k) : null), setItem: (k, v) => m.set(k, v), removeItem: (k) => m.delete(k) };
    const first = await t.settle(t.completeLogin(new sdk.FeishuLogin({ ...t.loginConfig("cli_custom"), storage: store })));
    const throwing = { getItem() { throw new Error("x"); }, setItem() { throw new Error("x"); }, removeItem() { throw new Error("x"); } };
    const auth = new sdk.FeishuLogin({ ...t.loginConfig("cli_custom2"), storage: throwing });
    const before = auth.session;
    const second = await t.settle(t.completeLogin(auth));
    return { first, stored: m.has("feishu-login/v1/cli_custom/session"), before, second, after: auth.session };
  });
  fulfilled(r.first);
  assert.ok(r.stored, "the session is in the custom store");
  assert.equal(r.before, null);
  fulfilled(r.second);
  assert.notEqual(r.after, null);
}));

test("corrupt and expired sessions are cleared", () => withPage(async (page) => {
  const r = await page.evaluate(() => {
    localStorage.setItem("feishu-login/v1/cli_corrupt/session", "{not json");
    const corrupt = new sdk.FeishuLogin(t.loginConfig("cli_corrupt")).session;
    const expired = '{"v":1,"token":"old","expiresAt":1000,"user":null,"surface":"browser","obtainedAt":1}';
    localStorage.setItem("feishu-login/v1/cli_expired/session", expired);
    const old = new sdk.FeishuLogin(t.loginConfig("cli_expired")).session;
    return {
      corrupt, old,
      corruptLeft: localStorage.getItem("feishu-login/v1/cli_corrupt/session"),
      expiredLeft: localStorage.getItem("feishu-login/v1/cli_expired/session"),
    };
  });
  assert.equal(r.corrupt, null);
  assert.equal(r.corruptLeft, null);
  assert.equal(r.old, null);
  assert.equal(r.expiredLeft, null);
}));

test("onChange hears login, logout, expiry and other tabs", () => withPage(async (page, context) => {
  await page.evaluate(async () => {
    const auth = (window.auth = new sdk.FeishuLogin(t.loginConfig("cli_events", "/login?expiresIn=0.4")));
    window.seen = [];
    auth.onChange(() => { throw new Error("listener bug"); });
    window.unsubscribe = auth.onChange((s) => seen.push(s === null ? "null" : s.token));
    // The page's own storage listener, added after the SDK's: when it runs, the SDK's has run.
    window.storageEvents = 0;
    addEventListener("storage", () => storageEvents++);
    await t.completeLogin(auth);
  });
  assert.equal(await page.evaluate(() => seen.length), 1, "login heard despite a throwing listener");
  // The session expires after 0.4 s: the timer removes it and listeners hear null.
  await page.waitForFunction(() => seen.length >= 2);
  assert.equal(await page.evaluate(() => seen[1]), "null");
  assert.equal(await page.evaluate(() => auth.session), null);

  // Another tab (a second page of the same origin) writes the key: a real storage event.
  const other = await open(context, h.base);
  const record = '{"v":1,"token":"from-other-tab","expiresAt":null,"user":null,"surface":"browser","obtainedAt":1}';
  await other.evaluate((record) => localStorage.setItem("feishu-login/v1/cli_events/session", record), record);
  await page.waitForFunction(() => storageEvents >= 1);
  assert.equal(await page.evaluate(() => seen[2]), "from-other-tab");

  const r = await page.evaluate(() => {
    auth.logout();
    const third = seen[3];
    unsubscribe();
    unsubscribe(); // twice is harmless
    return third;
  });
  assert.equal(r, "null");
  await other.evaluate((record) => localStorage.setItem("feishu-login/v1/cli_events/session", record), record);
  await page.waitForFunction(() => storageEvents >= 2);
  const seen = await page.evaluate(() => seen);
  assert.equal(seen.length, 4, `unsubscribed: ${seen}`);
  assert.match(seen[0], /^tok-/);
}));

test("surface detection defaults to browser and honours the config", () => withPage(async (page) => {
  const r = await page.evaluate(() => ({
    auto: new sdk.FeishuLogin(t.loginConfig("cli_surface")).surface,
    forced: new sdk.FeishuLogin({ appId: "cli_surface", backend: "/x", surface: "docWidget" }).surface,
  }));
  assert.deepEqual(r, { auto: "browser", forced: "docWidget" });
}));

test("session and memory storage keep the session out of localStorage", () => withPage(async (page) => {
  for (const [storage, appId] of [["session", "cli_store_session"], ["memory", "cli_store_memory"]]) {
    const r = await page.evaluate(async ([storage, appId]) => {
      const auth = new sdk.FeishuLogin({ ...t.loginConfig(appId), storage });
      const result = await t.settle(t.completeLogin(auth));
      const key = "feishu-login/v1/" + appId + "/session";
      return { result, local: localStorage.getItem(key), session: sessionStorage.getItem(key), now: auth.session };
    }, [storage, appId]);
    fulfilled(r.result, storage);
    assert.equal(r.local, null, storage);
    assert.equal(r.session !== null, storage === "session", storage);
    assert.notEqual(r.now, null, storage);
  }
}));

test("login() on the browser returns a valid stored session without redirecting", () => withPage(async (page) => {
  const r = await page.evaluate(async () => {
    const record = '{"v":1,"token":"stored","expiresAt":null,"user":null,"surface":"browser","obtainedAt":1}';
    localStorage.setItem("feishu-login/v1/cli_stored/session", record);
    const auth = new sdk.FeishuLogin(t.loginConfig("cli_stored"));
    return { result: await t.settle(auth.login()), href: location.href };
  });
  assert.equal(fulfilled(r.result).token, "stored");
  assert.equal(r.href, h.base + "/app/page.html");
}));

test("no secure random source is a crypto error", () => withPage(async (page) => {
  const r = await page.evaluate(async () => {
    const auth = new sdk.FeishuLogin(t.loginConfig("cli_crypto"));
    const d = Object.getOwnPropertyDescriptor(globalThis, "crypto");
    Object.defineProperty(globalThis, "crypto", { value: undefined, configurable: true });
    let result;
    try {
      result = await t.settle(auth.authorizeUrl());
    } finally {
      Object.defineProperty(globalThis, "crypto", d);
    }
    return { result, pending: sessionStorage.getItem("feishu-login/v1/cli_crypto/pending") };
  });
  assertSdkError(rejected(r.result), "crypto");
  assert.equal(r.pending, null, "no login is recorded without secure randomness");
}));

test("a listener may call back into the SDK", () => withPage(async (page) => {
  // A listener that logs out and unsubscribes while it is being called must not break the SDK.
  const r = await page.evaluate(async () => {
    const auth = new sdk.FeishuLogin(t.loginConfig("cli_reentrant"));
    const seen = [];
    let off;
    off = auth.onChange((s) => { seen.push(s ? "in" : "out"); if (s) { auth.logout(); auth.session; off(); } });
    const { url } = await t.callbackFor(auth);
    await auth.handleCallback(url.replace("code=test-code", "code=c"));
    auth.logout();
    return { seen: seen.join(","), session: auth.session };
  });
  assert.equal(r.seen, "in,out", "login, the nested logout, then unsubscribed");
  assert.equal(r.session, null);
}));

test("wasm memory stays bounded over many reads and logins (the allocator frees and coalesces)", () => withPage(async (page) => {
  const r = await page.evaluate(async () => {
    // init() again returns the same instance's exports: its memory is what the engine uses.
    const { memory } = await sdk.default();
    const auth = new sdk.FeishuLogin(t.loginConfig("cli_memory"));
    await t.completeLogin(auth);
    const read = () => { for (let i = 0; i < 5000; i++) auth.session && auth.authHeaders() && auth.isCallback(); };
    read();
    const before = memory.buffer.byteLength;
    for (let round = 0; round < 4; round++) {
      read();
      await t.completeLogin(auth);
      for (let i = 0; i < 200; i++) await auth.authorizeUrl({ returnTo: "/x" + "y".repeat(i) });
    }
    return { before, after: memory.buffer.byteLength, token: auth.session?.token };
  });
  assert.ok(r.token, "still signed in");
  assert.ok(r.after - r.before <= 128 * 1024, `memory grew from ${r.before} to ${r.after} bytes`);
}));

// Review findings against the driver (each failed before its fix).
test("deeply nested options reject with config instead of hanging", () => withPage(async (page) => {
  const r = await page.evaluate(async () => {
    let deep = {};
    for (let i = 0; i < 300; i++) deep = { deep };
    const auth = new sdk.FeishuLogin(t.loginConfig("cli_deep"));
    return t.call(() => auth.login({ ...deep }), 3000);
  });
  assertSdkError(rejected(r, "login(deep)"), "config", "login(deep)");
}));

test("free() settles a call in flight", () => withPage(async (page) => {
  const r = await page.evaluate(async () => {
    const auth = new sdk.FeishuLogin({ ...t.loginConfig("cli_free"), surface: "docWidget", docMiniApp: { Service: { User: { login: () => new Promise(() => {}) } } } });
    const pending = t.settle(auth.login());
    auth.free();
    return t.call(() => pending, 3000);
  });
  const settled = fulfilled(r);
  assertSdkError(rejected(settled, "login() after free()"), "config", "login() after free()");
  assert.match(settled.error.message, /free\(\)/);
}));

test("a listener that logs out leaves every listener on the final session", () => withPage(async (page) => {
  const r = await page.evaluate(async () => {
    const auth = new sdk.FeishuLogin(t.loginConfig("cli_listeners"));
    const heard = [];
    auth.onChange((s) => { if (s) auth.logout(); });
    auth.onChange((s) => heard.push(s ? s.token : null));
    await t.completeLogin(auth).catch(() => {});
    return { heard, now: auth.session };
  });
  assert.equal(r.now, null);
  assert.equal(r.heard.at(-1), null, `the last thing heard: ${JSON.stringify(r.heard)}`);
}));

test("calling back into the SDK from a storage method is a typed error and touches no other store", () => withPage(async (page) => {
  const r = await page.evaluate(async () => {
    localStorage.setItem("feishu-login/v1/cli_reenter/session", "other app's value");
    const m = new Map();
    let nested = null, auth;
    const store = {
      getItem: (k) => (m.has(k) ? m.get(k) : null),
      setItem: (k, v) => { m.set(k, v); try { auth.authHeaders(); } catch (e) { nested = t.error(e); } },
      removeItem: (k) => m.delete(k),
    };
    auth = new sdk.FeishuLogin({ ...t.loginConfig("cli_reenter"), storage: store });
    await t.completeLogin(auth);
    return { nested, stored: m.has("feishu-login/v1/cli_reenter/session"), local: localStorage.getItem("feishu-login/v1/cli_reenter/session") };
  });
  assert.equal(r.nested?.isSdkError, true, JSON.stringify(r.nested));
  assert.equal(r.nested.kind, "config");
  assert.ok(r.stored, "the session is in the app's store");
  assert.equal(r.local, "other app's value", "localStorage untouched");
}));

test("a promise member called from inside a storage method rejects (never throws)", () => withPage(async (page) => {
  const r = await page.evaluate(async () => {
    const m = new Map();
    let nested = null, auth;
    const store = {
      getItem: (k) => (m.has(k) ? m.get(k) : null),
      setItem: (k, v) => {
        m.set(k, v);
        let promise;
        try { promise = auth.authorizeUrl(); } catch (e) { nested = { threw: t.error(e) }; return; }
        nested = { promise: true };
        promise.catch((e) => { nested.rejected = t.error(e); });
      },
      removeItem: (k) => m.delete(k),
    };
    auth = new sdk.FeishuLogin({ ...t.loginConfig("cli_reenter_async"), storage: store });
    await t.completeLogin(auth);
    await t.sleep(10);
    return nested;
  });
  assert.equal(r.threw, undefined, `threw synchronously: ${JSON.stringify(r.threw)}`);
  assert.equal(r.rejected?.isSdkError, true, JSON.stringify(r));
  assert.equal(r.rejected.kind, "config");
}));
