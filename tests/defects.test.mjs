// Regressions of v0 behaviours that natural app code tripped over (a page that does not unload,
// throwing option getters, StrictMode's double call, storage that refuses, frozen session objects,
// __proto__ in user data, redirect tricks, use before init() or after free(), corrupt sessions from
// another tab), one browser test each, against the package's public JS API. Each failed on the v0
// package. Needs pkg/ (node scripts/build-pkg.mjs). Run:
//   node --test tests/defects.test.mjs
// Each test checks all its sub-cases and reports every broken one (not only the first).
// Chromium runs here with its back/forward cache on (playwright turns it off by default).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startHarness, fresh, open } from "./support/sdk-page.mjs";
import { launchChromium } from "./support/chromium.mjs";

/** How long a login may take to notice that the page did not unload ("a few seconds"). */
const SETTLE_MS = 8000;
const AWAY = "<!doctype html><meta charset=utf-8><link rel=icon href=data:,><title>away</title><p>away";

const html = (body) => (req, res) => res.writeHead(200, { "Content-Type": "text/html" }).end(body);
const noContent = (req, res) => res.writeHead(204).end();
const routes = {
  "/nocontent": noContent,
  "/nocontent-c": noContent,
  "/away-b": html(AWAY),
  "/away-c": html(AWAY),
  "/authorize-d6": html(AWAY),
  // A backend answer whose user object carries a "__proto__" key (JSON text, not a JS literal).
  "/proto-login": (req, res) => {
    req.resume();
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end('{"token":"tok-proto","expiresIn":3600,"user":{"__proto__":{"admin":true},"name":"x"}}');
  },
  // A page under a CSP without 'wasm-unsafe-eval': only same-origin scripts, no wasm compilation.
  "/csp/page.html": (req, res) => {
    res.writeHead(200, { "Content-Type": "text/html", "Content-Security-Policy": "script-src 'self'" });
    res.end('<!doctype html><meta charset=utf-8><link rel=icon href=data:,><script type=module src="/csp/main.js"></script>');
  },
  "/csp/main.js": (req, res) => {
    res.writeHead(200, { "Content-Type": "text/javascript" });
    res.end(`import init, { FeishuLoginError } from "/pkg/index.js";
      const done = (r) => (document.documentElement.dataset.result = JSON.stringify(r));
      init().then(() => done({ ok: true }), (e) => done({ ok: false, name: e?.name, message: String(e?.message ?? e), isSdkError: e instanceof FeishuLoginError }));`);
  },
};

let h;
before(async () => { h = await startHarness({ routes, launch: () => launchChromium({ backForwardCache: true }) }); });
after(async () => { await h?.close(); });

/** Collects every failed check of a test, then fails once with all of them. */
function checklist() {
  const problems = [];
  return {
    check(ok, message) { if (!ok) problems.push(message); return ok; },
    done() { if (problems.length) assert.fail(problems.map((p) => "- " + p).join("\n")); },
  };
}

/**
 * Why a result of t.settle / t.attempt / t.bounded / t.call is not a FeishuLoginError of `kind`,
 * or null. A promise-returning member that throws synchronously fails unless `syncOk`.
 */
function notSdkError(result, kind, { syncOk = false } = {}) {
  if (!result) return "no result";
  if (result.pending) return `still pending after ${SETTLE_MS} ms`;
  if (result.ok) return `succeeded with ${JSON.stringify(result.value)}`;
  const e = result.error;
  if (e.notAnObject) return `threw a non-object: ${e.value}`;
  if (!e.isSdkError || !e.isError || e.name !== "FeishuLoginError") return `not a FeishuLoginError: ${e.name}: ${e.message}`;
  if (e.kind !== kind) return `kind "${e.kind}", not "${kind}": ${e.message}`;
  if (e.sync && !syncOk) return `threw synchronously instead of rejecting: ${e.message}`;
  return null;
}

async function withContext(body) {
  const context = await h.browser.newContext();
  try {
    return await body(context);
  } finally {
    await context.close();
  }
}

/** Polls `f` until it is truthy or `ms` pass; returns its last value. */
async function until(f, ms = SETTLE_MS) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts auth.login() in the page, recording its outcome in window.r1 (p1 is the promise). */
const START_LOGIN = () => {
  window.r1 = null;
  window.p1 = auth.login();
  p1.then((value) => (r1 = { ok: true, value }), (e) => (r1 = { ok: false, error: t.error(e) }));
};
const outcome = (page) => page.waitForFunction(() => r1, null, { timeout: SETTLE_MS }).then(() => page.evaluate(() => r1), () => ({ pending: true }));

test("login() settles (cancelled) when the page does not unload, and the next login() starts afresh", () => withContext(async (context) => {
  const c = checklist();
  // The three ways a page survives a navigation it started, each in its own tab, side by side.
  await Promise.all([

    // (a) The authorize URL answers 204 No Content: the navigation is dropped, the page stays.
    (async () => {
      const page = await open(context, h.base);
      await page.evaluate(() => { window.auth = new sdk.FeishuLogin({ ...t.loginConfig("cli_d1a"), authorizeUrl: location.origin + "/nocontent" }); });
      await page.evaluate(START_LOGIN);
      c.check(await until(() => h.hits("/nocontent") >= 1), "(204) login() did not navigate to the authorize URL");
      const r1 = await outcome(page);
      const why = notSdkError(r1, "cancelled");
      c.check(!why, `(204) the first login(): ${why}`);
      c.check(page.url() === h.base + "/app/page.html", `(204) the page moved to ${page.url()}`);
      const same = await page.evaluate(() => { window.p2 = auth.login(); return p2 === p1; });
      c.check(!same, "(204) the next login() returned the same (dead) promise");
      c.check(await until(() => h.hits("/nocontent") >= 2), "(204) the next login() did not navigate again");
    })(),

    // (b) A beforeunload prompt that the user answers "stay".
    (async () => {
      const page = await open(context, h.base);
      const dialogs = [];
      page.on("dialog", (d) => { dialogs.push(d.type()); d.dismiss().catch(() => {}); });
      await page.evaluate(() => {
        window.auth = new sdk.FeishuLogin({ ...t.loginConfig("cli_d1b"), authorizeUrl: location.origin + "/away-b" });
        addEventListener("beforeunload", (e) => { e.preventDefault(); e.returnValue = ""; });
      });
      await page.mouse.click(5, 5); // beforeunload prompts need a user activation
      await page.evaluate(START_LOGIN);
      if (!c.check(await until(() => dialogs.length >= 1), "(beforeunload) no prompt appeared: scenario not reproduced")) return;
      const r1 = await outcome(page);
      const why = notSdkError(r1, "cancelled");
      c.check(!why, `(beforeunload) the first login(): ${why}`);
      c.check(page.url() === h.base + "/app/page.html", `(beforeunload) the page moved to ${page.url()}`);
      const same = await page.evaluate(() => { window.p2 = auth.login(); return p2 === p1; });
      c.check(!same, "(beforeunload) the next login() returned the same (dead) promise");
      c.check(await until(() => dialogs.length >= 2), "(beforeunload) the next login() did not try to navigate again");
      c.check(h.hits("/away-b") === 0, "(beforeunload) the page left despite the prompt: scenario not reproduced");
    })(),

    // (c) Back from the authorize page: the page is restored from the back/forward cache
    // (pageshow with persisted = true), with the login promise of before.
    (async () => {
      const page = await open(context, h.base);
      await page.evaluate(() => {
        window.auth = new sdk.FeishuLogin({ ...t.loginConfig("cli_d1c"), authorizeUrl: location.origin + "/away-c" });
        addEventListener("pageshow", (e) => { if (e.persisted) window.restored = true; });
      });
      await page.evaluate(START_LOGIN);
      await page.waitForURL((url) => url.pathname === "/away-c");
      // A page restored from the cache fires pageshow, not load.
      await page.goBack({ waitUntil: "commit" });
      await page.waitForFunction(() => window.restored === true || document.documentElement.dataset.ready === "yes");
      let how = "restored from the back/forward cache";
      if (!(await page.evaluate(() => window.restored === true))) {
        // No back/forward cache here: simulate the restore on a page whose navigation was dropped.
        how = "simulated pageshow(persisted)";
        await page.goto(h.base + "/app/page.html");
        await page.waitForFunction(() => document.documentElement.dataset.ready === "yes");
        await page.evaluate(() => { window.auth = new sdk.FeishuLogin({ ...t.loginConfig("cli_d1c"), authorizeUrl: location.origin + "/nocontent-c" }); });
        await page.evaluate(START_LOGIN);
        await until(() => h.hits("/nocontent-c") >= 1);
        await page.evaluate(() => {
          dispatchEvent(new PageTransitionEvent("pagehide", { persisted: true }));
          dispatchEvent(new PageTransitionEvent("pageshow", { persisted: true }));
        });
      }
      console.log(`# a login left in the back/forward cache: ${how}`);
      const r1 = await outcome(page);
      const why = notSdkError(r1, "cancelled");
      c.check(!why, `(bfcache, ${how}) the first login(): ${why}`);
      const same = await page.evaluate(() => { window.p2 = auth.login(); return p2 === p1; }).catch((e) => `evaluate failed: ${e.message}`);
      c.check(same === false, `(bfcache, ${how}) the next login() returned the same (dead) promise`);
      if (how.startsWith("restored")) {
        const again = await page.waitForURL((url) => url.pathname === "/away-c", { timeout: SETTLE_MS }).then(() => true, () => false);
        c.check(again, "(bfcache) the next login() did not navigate again");
      } else {
        c.check(await until(() => h.hits("/nocontent-c") >= 2), `(bfcache, ${how}) the next login() did not navigate again`);
      }
    })(),
  ]);
  c.done();
}));

test("options whose getter or Proxy trap throws make login() reject with config, not hang", () => withContext(async (context) => {
  const c = checklist();
  const page = await open(context, h.base);
  const r = await page.evaluate(async (ms) => {
    const bad = {
      "a throwing getter (force)": () => ({ get force() { throw new Error("getter bug"); } }),
      "a throwing getter (scope)": () => ({ get scope() { throw new Error("getter bug"); } }),
      "a throwing getter (returnTo)": () => ({ get returnTo() { throw new Error("getter bug"); } }),
      "a Proxy whose traps throw": () => new Proxy({}, {
        get() { throw new Error("trap bug"); }, has() { throw new Error("trap bug"); },
        ownKeys() { throw new Error("trap bug"); }, getOwnPropertyDescriptor() { throw new Error("trap bug"); },
      }),
    };
    // A fresh instance per case (a hung login() would be shared by later calls), all at once.
    const runs = Object.entries(bad).flatMap(([name, options], i) => {
      // A doc widget surface, so that a good login() afterwards can complete in the page.
      const docMiniApp = { Service: { User: { login: () => Promise.resolve("d2-code") } } };
      const widget = () => new sdk.FeishuLogin({ ...t.loginConfig("cli_d2"), docMiniApp });
      const browser = () => new sdk.FeishuLogin({ ...t.loginConfig("cli_d2b"), authorizeUrl: location.origin + "/nocontent" });
      return [
        [`docWidget login(${name}), then a good login()`, async () => {
          const auth = widget();
          const first = await t.call(() => auth.login(options()), ms);
          return { first, after: await t.call(() => auth.login(), ms) };
        }],
        [`browser login(${name})`, async () => ({ first: await t.call(() => browser().login(options()), ms) })],
        [`browser authorizeUrl(${name})`, async () => ({ first: await t.call(() => browser().authorizeUrl(options()), ms) })],
        [`browser loginWithRedirect(${name})`, async () => ({ first: await t.call(() => browser().loginWithRedirect(options()), ms) })],
      ];
    });
    const results = await Promise.all(runs.map(([, run]) => run()));
    return { out: Object.fromEntries(runs.map(([name], i) => [name, results[i]])), href: location.href };
  }, SETTLE_MS);
  for (const [name, { first, after }] of Object.entries(r.out)) {
    const why = notSdkError(first, "config");
    c.check(!why, `${name}: ${why}`);
    if (after) c.check(after.ok === true && after.value?.token, `${name}: the good login(): ${JSON.stringify(after)}`);
  }
  c.check(r.href === h.base + "/app/page.html", `the page moved to ${r.href}`);
  await page.close();
  c.done();
}));

/** A fresh tab that started a login of appId and is now on its callback URL. */
async function onCallbackPage(context, appId) {
  const page = await open(context, h.base);
  const { url } = await page.evaluate((appId) => t.callbackFor(new sdk.FeishuLogin(t.loginConfig(appId))), appId);
  await page.goto(url);
  await page.waitForFunction(() => document.documentElement.dataset.ready === "yes");
  return page;
}

test("handleCallback() twice at once (React StrictMode) resolves both with one session", () => withContext(async (context) => {
  const c = checklist();
  const page = await onCallbackPage(context, "cli_d3");
  const r = await page.evaluate(async (ms) => {
    const auth = new sdk.FeishuLogin(t.loginConfig("cli_d3"));
    const [a, b] = await Promise.all([t.bounded(auth.handleCallback(), ms), t.bounded(auth.handleCallback(), ms)]);
    return { a, b, count: await t.callCount("cli_d3"), href: location.href, session: auth.session?.token };
  }, SETTLE_MS);
  c.check(r.a.ok, `the first call: ${JSON.stringify(r.a)}`);
  c.check(r.b.ok, `the second call: ${JSON.stringify(r.b)}`);
  c.check(r.a.ok && r.b.ok && r.a.value.token === r.b.value.token, "both calls resolve with the same session");
  c.check(r.count === 1, `backend exchanges: ${r.count}, not 1`);
  c.check(r.session && r.session === r.a.value?.token, `auth.session afterwards: ${r.session}`);
  c.check(r.href === h.base + "/app/page.html", `the address bar: ${r.href}`);
  c.done();
}));

test("authorizeUrl() on a callback page keeps the pending login that the callback needs", () => withContext(async (context) => {
  const c = checklist();
  const page = await onCallbackPage(context, "cli_d4");
  const r = await page.evaluate(async () => {
    const auth = new sdk.FeishuLogin(t.loginConfig("cli_d4"));
    const link = await t.settle(auth.authorizeUrl()); // e.g. rendering a "log in" link
    const result = await t.settle(auth.handleCallback());
    return { link, result, count: await t.callCount("cli_d4") };
  });
  c.check(r.link.ok, `authorizeUrl(): ${JSON.stringify(r.link)}`);
  c.check(r.result.ok, `the later handleCallback(): ${JSON.stringify(r.result.error)}`);
  c.check(r.count === 1, `backend exchanges: ${r.count}, not 1`);
  c.done();
}));

test("logout() after a refused localStorage write leaves no session behind", () => withContext(async (context) => {
  const c = checklist();
  const page = await open(context, h.base);
  const key = "feishu-login/v1/cli_d5/session";
  const r = await page.evaluate(async (key) => {
    const auth = new sdk.FeishuLogin(t.loginConfig("cli_d5"));
    const first = await t.settle(t.completeLogin(auth));
    // The next write of the session is refused once (storage full), as browsers do.
    const setItem = Storage.prototype.setItem;
    window.refused = 0;
    Storage.prototype.setItem = function (k, v) {
      if (this === localStorage && k === key && refused === 0) {
        refused++;
        throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
      }
      return setItem.call(this, k, v);
    };
    const second = await t.settle(t.completeLogin(auth));
    const during = auth.session?.token;
    auth.logout();
    return { first, second, during, refused, after: auth.session, stored: localStorage.getItem(key) };
  }, key);
  c.check(r.first.ok && r.second.ok, `the logins: ${JSON.stringify([r.first.error, r.second.error])}`);
  c.check(r.refused === 1, "the write was not refused: scenario not reproduced");
  c.check(r.during === r.second.value?.token, `auth.session after the refused write: ${r.during}`);
  c.check(r.after === null, `auth.session after logout(): ${JSON.stringify(r.after)}`);
  c.check(r.stored === null, `localStorage after logout() still holds ${r.stored}`);
  await page.reload();
  await page.waitForFunction(() => document.documentElement.dataset.ready === "yes");
  const reloaded = await page.evaluate(() => new sdk.FeishuLogin(t.loginConfig("cli_d5")).session);
  c.check(reloaded === null, `after a reload the user is signed in again as ${reloaded?.token}`);
  c.done();
}));

test("login()/loginWithRedirect() reject with storage before navigating when sessionStorage is blocked", () => withContext(async (context) => {
  const c = checklist();
  const blockers = {
    "sessionStorage access throws": () => {
      Object.defineProperty(window, "sessionStorage", { configurable: true, get() { throw new DOMException("The operation is insecure.", "SecurityError"); } });
    },
    "sessionStorage.setItem throws": () => {
      const setItem = Storage.prototype.setItem;
      Storage.prototype.setItem = function (k, v) {
        if (this === sessionStorage) throw new DOMException("The operation is insecure.", "SecurityError");
        return setItem.call(this, k, v);
      };
    },
  };
  const combos = Object.entries(blockers).flatMap(([name, block]) => ["login", "loginWithRedirect"].map((method) => [name, block, method]));
  await Promise.all(combos.map(async ([name, block, method]) => {
    const page = await open(context, h.base);
    const r = await page.evaluate(async ([block, method, ms]) => {
      // Every navigation this page starts is recorded (synchronously, by the Navigation API)
      // and stopped, so an attempt that navigates anyway is seen and the page stays.
      window.navigations = [];
      navigation.addEventListener("navigate", (e) => { navigations.push(e.destination.url); e.preventDefault(); });
      (0, eval)("(" + block + ")")();
      const auth = new sdk.FeishuLogin({ ...t.loginConfig("cli_d6"), authorizeUrl: location.origin + "/authorize-d6" });
      const result = await t.call(() => auth[method](), ms);
      return { result, navigations, href: location.href };
    }, [block.toString(), method, SETTLE_MS]);
    const why = notSdkError(r.result, "storage");
    c.check(!why, `${name}, ${method}(): ${why}`);
    c.check(r.navigations.length === 0, `${name}, ${method}() navigated to ${r.navigations.join(", ")}`);
    await page.close();
  }));
  c.check(h.hits("/authorize-d6") === 0, `the authorize URL was requested ${h.hits("/authorize-d6")} times`);
  c.done();
}));

test("session and authHeaders() return the same frozen object until the session changes", () => withContext(async (context) => {
  const c = checklist();
  const page = await open(context, h.base);
  const r = await page.evaluate(async () => {
    const auth = new sdk.FeishuLogin(t.loginConfig("cli_d7"));
    const out = {};
    const look = (name) => {
      const s1 = auth.session, s2 = auth.session, h1 = auth.authHeaders(), h2 = auth.authHeaders();
      out[name] = { sameSession: s1 === s2, sessionFrozen: s1 === null || Object.isFrozen(s1), sameHeaders: h1 === h2, headersFrozen: Object.isFrozen(h1), null: s1 === null };
      return { s: s1, h: h1 };
    };
    const out0 = look("signed out");
    await t.completeLogin(auth);
    const out1 = look("after login");
    await t.completeLogin(auth);
    const out2 = look("after a second login");
    auth.logout();
    const out3 = look("after logout");
    out.changes = {
      "login: a new authHeaders object": out1.h !== out0.h,
      "second login: a new session object": out2.s !== out1.s,
      "second login: a new authHeaders object": out2.h !== out1.h,
      "logout: a new authHeaders object": out3.h !== out2.h,
    };
    return out;
  });
  const { changes, ...states } = r;
  for (const [state, v] of Object.entries(states)) {
    c.check(v.sameSession, `${state}: session is a new object on each read`);
    c.check(v.sessionFrozen, `${state}: session is not frozen`);
    c.check(v.sameHeaders, `${state}: authHeaders() is a new object on each call`);
    c.check(v.headersFrozen, `${state}: authHeaders() is not frozen`);
  }
  for (const [what, ok] of Object.entries(changes)) c.check(ok, `${what}: the old object was returned`);
  c.done();
}));

test("a backend user with a __proto__ key keeps Object.prototype, fresh and after reload", () => withContext(async (context) => {
  const c = checklist();
  const page = await open(context, h.base);
  const inspect = () => {
    const look = (user) => {
      if (!user || typeof user !== "object") return { missing: true };
      const own = Object.getOwnPropertyDescriptor(user, "__proto__");
      return {
        protoIsObjectPrototype: Object.getPrototypeOf(user) === Object.prototype,
        ownProto: own === undefined ? "dropped" : "value" in own ? JSON.stringify(own.value) : "accessor",
        inheritedAdmin: !Object.hasOwn(user, "admin") && user.admin !== undefined,
        name: user.name,
      };
    };
    return look;
  };
  const lookSource = `(${inspect})()`;
  const fresh = await page.evaluate(async (lookSource) => {
    const look = (0, eval)(lookSource);
    const auth = new sdk.FeishuLogin({ appId: "cli_d8", backend: { url: "/proto-login", retries: 0 } });
    const session = await t.completeLogin(auth);
    return { returned: look(session.user), getter: look(auth.session?.user), polluted: ({}).admin !== undefined };
  }, lookSource);
  await page.reload();
  await page.waitForFunction(() => document.documentElement.dataset.ready === "yes");
  const reloaded = await page.evaluate((lookSource) => {
    const look = (0, eval)(lookSource);
    return { getter: look(new sdk.FeishuLogin({ appId: "cli_d8", backend: "/proto-login" }).session?.user), polluted: ({}).admin !== undefined };
  }, lookSource);
  for (const [where, v] of [["login() result", fresh.returned], ["session.user", fresh.getter], ["session.user after reload", reloaded.getter]]) {
    if (!c.check(!v.missing, `${where}: no user`)) continue;
    c.check(v.protoIsObjectPrototype, `${where}: the prototype is not Object.prototype`);
    c.check(v.ownProto === "dropped" || v.ownProto === '{"admin":true}', `${where}: "__proto__" is ${v.ownProto}`);
    c.check(!v.inheritedAdmin, `${where}: user.admin is inherited from the backend's "__proto__"`);
    c.check(v.name === "x", `${where}: user.name is ${v.name}`);
  }
  c.check(!fresh.polluted && !reloaded.polluted, "Object.prototype was polluted");
  c.done();
}));

test("redirectUri and returnTo tricks are rejected or kept on the page's origin", () => withContext(async (context) => {
  const c = checklist();
  const page = await open(context, h.base);
  const redirectUris = ["https://\\/user:pw@evil.example/cb", "https://app.exa\tmple/cb", "https://app.example\t@evil.example/cb", "https://app.example\n/cb", "https://app.exam\nple.com\r/cb"];
  const made = await page.evaluate((uris) => uris.map((redirectUri) => t.attempt(() => new sdk.FeishuLogin({ ...t.loginConfig("cli_d9"), redirectUri }))), redirectUris);
  redirectUris.forEach((uri, i) => {
    const why = notSdkError(made[i], "config");
    c.check(!why, `redirectUri ${JSON.stringify(uri)}: ${why}`);
  });

  for (const returnTo of ["/\t/evil.example", "/\n/evil.example", "/a/..//evil.example", "/a/%2e%2e//evil.example", "/.//evil.example", "/\\/evil.example"]) {
    const r = await page.evaluate(async (returnTo) => {
      const original = location.href;
      const auth = new sdk.FeishuLogin(t.loginConfig("cli_d9r"));
      const started = await t.settle(t.callbackFor(auth, t.page(), { returnTo }));
      if (!started.ok) return { started };
      history.replaceState(null, "", started.value.url);
      const result = await t.settle(auth.handleCallback());
      const bar = { href: location.href, origin: location.origin, pathname: location.pathname };
      history.replaceState(null, "", original);
      return { started, result, bar };
    }, returnTo);
    const name = `returnTo ${JSON.stringify(returnTo)}`;
    if (!r.started.ok) {
      const why = notSdkError(r.started, "config");
      c.check(!why, `${name}: authorizeUrl() ${why}`);
      continue;
    }
    c.check(r.result.ok, `${name}: accepted, but the callback then failed: ${JSON.stringify(r.result.error)}`);
    c.check(r.bar.origin === h.base, `${name}: the address bar left the origin: ${r.bar.href}`);
    c.check(!r.bar.pathname.startsWith("//"), `${name}: the address bar holds a "//" path: ${r.bar.href}`);
  }
  c.done();
}));

test("members before init() or after free() throw a config FeishuLoginError that says so; init() under a strict CSP names 'wasm-unsafe-eval'", () => withContext(async (context) => {
  const c = checklist();
  // Before init().
  {
    const page = await open(context, h.base, "/app/page.html?noinit");
    const r = await page.evaluate(() => t.attempt(() => new sdk.FeishuLogin(t.loginConfig("cli_d11"))));
    const why = notSdkError(r, "config");
    c.check(!why, `new FeishuLogin() before init(): ${why}`);
    c.check(!r.ok && /init\(\)/.test(r.error.message), `new FeishuLogin() before init(): the message does not mention init(): ${r.error?.message}`);
    await page.close();
  }
  // After free().
  {
    const page = await open(context, h.base);
    const r = await page.evaluate(async () => {
      const auth = new sdk.FeishuLogin(t.loginConfig("cli_d11"));
      auth.free();
      const calls = {
        surface: () => auth.surface,
        session: () => auth.session,
        "login()": () => auth.login(),
        "authorizeUrl()": () => auth.authorizeUrl(),
        "loginWithRedirect()": () => auth.loginWithRedirect(),
        "isCallback()": () => auth.isCallback(),
        "handleCallback()": () => auth.handleCallback(location.href + "?code=c&state=s"),
        "logout()": () => auth.logout(),
        "onChange()": () => auth.onChange(() => {}),
        "authHeaders()": () => auth.authHeaders(),
      };
      const out = {};
      for (const [name, f] of Object.entries(calls)) {
        out[name] = await t.call(f, 2000);
      }
      return out;
    });
    for (const [name, result] of Object.entries(r)) {
      const why = notSdkError(result, "config", { syncOk: true });
      c.check(!why, `${name} after free(): ${why}`);
      if (!why) c.check(/free\(\)/.test(result.error.message), `${name} after free(): the message does not mention free(): ${result.error.message}`);
    }
    await page.close();
  }
  // init() under Content-Security-Policy: script-src 'self'.
  {
    const page = await context.newPage();
    await page.goto(h.base + "/csp/page.html");
    const r = await page.waitForFunction(() => document.documentElement.dataset.result, null, { timeout: SETTLE_MS })
      .then((handle) => handle.jsonValue()).then(JSON.parse, () => ({ pending: true }));
    c.check(!r.pending, "init() under the CSP did not settle");
    c.check(r.ok === false, "init() succeeded under script-src 'self': scenario not reproduced");
    c.check(r.ok !== false || r.message.includes("'wasm-unsafe-eval'"), `init() under the CSP: the message does not name 'wasm-unsafe-eval': ${r.name}: ${r.message}`);
    console.log(`# init() under the CSP: ${JSON.stringify(r)}`);
    await page.close();
  }
  c.done();
}));

test("listeners hear null once when another tab writes a corrupt session", () => withContext(async (context) => {
  const c = checklist();
  const page = await open(context, h.base);
  await page.evaluate(async () => {
    window.auth = new sdk.FeishuLogin(t.loginConfig("cli_d12"));
    window.seen = [];
    auth.onChange((s) => seen.push(s === null ? null : s.token));
    // The page's own storage listener, added after the SDK's: when it has heard the marker, the
    // SDK has handled every earlier event.
    window.markers = 0;
    addEventListener("storage", (e) => { if (e.key === "marker") markers++; });
    await t.completeLogin(auth);
  });
  const other = await open(context, h.base);
  await other.evaluate(() => {
    localStorage.setItem("feishu-login/v1/cli_d12/session", "{not json, from another tab");
    localStorage.setItem("marker", "1");
  });
  await page.waitForFunction(() => markers >= 1);
  const r = await page.evaluate(() => ({ seen, session: auth.session, stored: localStorage.getItem("feishu-login/v1/cli_d12/session") }));
  const heard = r.seen.slice(1);
  c.check(r.seen.length >= 1 && typeof r.seen[0] === "string", `the login was not heard: ${JSON.stringify(r.seen)}`);
  c.check(heard.length === 1 && heard[0] === null, `after the corrupt write, listeners heard ${JSON.stringify(heard)}, not [null]`);
  c.check(r.session === null, `auth.session: ${JSON.stringify(r.session)}`);
  c.check(r.stored === null, `the corrupt record is still stored: ${r.stored}`);
  c.done();
}));
