// Issue #12 in Chromium, through the built package's public API: automatic renewal through
// `refreshUrl`, getSession(), logout() with `logoutUrl`, and two pages sharing localStorage
// renewing once. The app server serves fake renewal and logout endpoints (same origin), next to
// the harness's login backend. Needs pkg/ (node scripts/build-pkg.mjs). Run:
//   node --test tests/renewal.test.mjs
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startHarness, fresh, open, fulfilled } from "./support/sdk-page.mjs";

/** What the fake endpoints received, per ?key=. */
const seen = new Map();
const record = (key) => {
  if (!seen.has(key)) seen.set(key, { refresh: [], logout: [] });
  return seen.get(key);
};
let renewed = 0;

function readBody(req) {
  return new Promise((resolve) => {
    let raw = "";
    req.on("data", (d) => (raw += d));
    req.on("end", () => resolve(raw));
  });
}

const routes = {
  // POST /refresh?key=K&status=N&delay=MS&expiresIn=S: the backend's renewal endpoint.
  "/refresh": async (req, res, url) => {
    const q = Object.fromEntries(url.searchParams);
    const body = await readBody(req);
    record(q.key).refresh.push({ method: req.method, authorization: req.headers.authorization, body });
    await new Promise((r) => setTimeout(r, Number(q.delay || 0)));
    const status = Number(q.status || 200);
    res.writeHead(status, { "Content-Type": "application/json" });
    if (status !== 200) return res.end(JSON.stringify({ message: "scripted" }));
    renewed += 1;
    res.end(JSON.stringify({ token: `renewed-${renewed}`, expiresIn: Number(q.expiresIn || 3600) }));
  },
  // POST /signout?key=K&status=N: the backend's logout endpoint.
  "/signout": async (req, res, url) => {
    const q = Object.fromEntries(url.searchParams);
    const body = await readBody(req);
    record(q.key).logout.push({ method: req.method, authorization: req.headers.authorization, body });
    res.writeHead(Number(q.status || 204)).end();
  },
};

let h;
before(async () => { h = await startHarness({ routes }); });
after(async () => { await h?.close(); });

/** Installs `window.make(extra)`: a FeishuLogin for app `appId` logging in at /login?expiresIn=S. */
async function setup(page, appId, expiresIn, extra) {
  await page.evaluate(({ appId, expiresIn, extra }) => {
    window.make = () => new sdk.FeishuLogin({ ...t.loginConfig(appId, `/login?expiresIn=${expiresIn}`), ...extra });
    window.heard = [];
  }, { appId, expiresIn, extra });
}

test("automatic renewal fires before expiry and listeners hear the renewed session", async () => {
  const { context, page } = await fresh(h);
  try {
    const key = "auto";
    // A 4 s session renewed 2.5 s before expiry (but not before half its life): ~2 s after login.
    await setup(page, "cli_renew_auto", 4, { refreshUrl: `/refresh?key=${key}`, renewBeforeMs: 2500 });
    const r = await page.evaluate(async () => {
      const auth = make();
      auth.onChange((s) => heard.push(s && s.token));
      const first = await t.completeLogin(auth);
      await t.sleep(3500);
      return { first: first.token, now: auth.session?.token, heard, stored: JSON.parse(localStorage.getItem("feishu-login/v1/cli_renew_auto/session"))?.token };
    });
    const calls = record(key).refresh;
    assert.equal(calls.length, 1, "one renewal");
    assert.equal(calls[0].method, "POST");
    assert.equal(calls[0].authorization, `Bearer ${r.first}`);
    assert.equal(calls[0].body, "{}");
    assert.match(r.now, /^renewed-/, "the session was renewed before it expired");
    assert.equal(r.stored, r.now);
    assert.deepEqual(r.heard, [r.first, r.now], "listeners heard the login, then the renewal; never null");
  } finally {
    await context.close();
  }
});

test("getSession resolves a valid session, renews once for concurrent calls, and null when signed out", async () => {
  const { context, page } = await fresh(h);
  try {
    const key = "get";
    await setup(page, "cli_renew_get", 3600, { refreshUrl: `/refresh?key=${key}&delay=200` });
    const r = await page.evaluate(async () => {
      const auth = make();
      const login = await t.completeLogin(auth);
      const plain = await auth.getSession();
      const [a, b] = await Promise.all([auth.getSession({ minValidityMs: 7_200_000 }), auth.getSession({ minValidityMs: 7_200_000 })]);
      const shared = a === b && a === auth.session;
      const bad = await t.settle(auth.getSession({ minValidityMs: "soon" }));
      await auth.logout();
      const out = await auth.getSession();
      return { same: plain === login, a: a.token, shared, login: login.token, bad, out };
    });
    assert.equal(r.same, true, "valid long enough: the same session object, no request");
    assert.equal(record(key).refresh.length, 1, "one renewal for both calls");
    assert.notEqual(r.a, r.login);
    assert.equal(r.shared, true, "both calls got the renewed session object");
    assert.equal(r.bad.ok, false);
    assert.equal(r.bad.error.kind, "config");
    assert.equal(r.out, null);
  } finally {
    await context.close();
  }
});

test("a 401 from refreshUrl ends the session", async () => {
  const { context, page } = await fresh(h);
  try {
    await setup(page, "cli_renew_401", 3600, { refreshUrl: "/refresh?key=401&status=401" });
    const r = await page.evaluate(async () => {
      const auth = make();
      auth.onChange((s) => heard.push(s && s.token));
      await t.completeLogin(auth);
      const got = await auth.getSession({ minValidityMs: 7_200_000 });
      return { got, session: auth.session, heard: heard.length, last: heard.at(-1), stored: localStorage.getItem("feishu-login/v1/cli_renew_401/session") };
    });
    assert.equal(r.got, null);
    assert.equal(r.session, null);
    assert.equal(r.stored, null);
    assert.equal(r.last, null, "listeners heard null");
  } finally {
    await context.close();
  }
});

test("logout with logoutUrl sends the bearer token, clears storage and every tab hears null", async () => {
  const context = await h.browser.newContext();
  try {
    const key = "out";
    const extra = { logoutUrl: `/signout?key=${key}` };
    const a = await open(context, h.base);
    const b = await open(context, h.base);
    await setup(a, "cli_renew_out", 3600, extra);
    await setup(b, "cli_renew_out", 3600, extra);
    const token = await a.evaluate(async () => {
      window.auth = make();
      return (await t.completeLogin(auth)).token;
    });
    await b.evaluate(() => {
      window.auth = make();
      auth.onChange((s) => heard.push(s && s.token));
      return auth.session?.token;
    });
    // Read right after the call, in the same task (logout() navigates only after logoutUrl
    // answered), and kept in this tab's sessionStorage, which survives the navigation.
    await a.evaluate(() => {
      auth.logout({ returnTo: "/app/after-logout.html" }).catch(() => {});
      const probe = { sync: auth.session, stored: localStorage.getItem("feishu-login/v1/cli_renew_out/session") };
      sessionStorage.setItem("logout-probe", JSON.stringify(probe));
    });
    await a.waitForURL(/after-logout/);
    const r = JSON.parse(await a.evaluate(() => sessionStorage.getItem("logout-probe")));
    const calls = record(key).logout;
    assert.equal(calls.length, 1);
    assert.equal(calls[0].method, "POST");
    assert.equal(calls[0].authorization, `Bearer ${token}`);
    assert.equal(r.sync, null, "removed at once");
    assert.equal(r.stored, null, "removed from localStorage at once");
    assert.equal(await a.evaluate(() => localStorage.getItem("feishu-login/v1/cli_renew_out/session")), null);
    await b.waitForFunction(() => heard.includes(null), null, { timeout: 3000 });
    assert.equal(await b.evaluate(() => auth.session), null, "the other tab is signed out too");
  } finally {
    await context.close();
  }
});

test("a failing logoutUrl never blocks the local logout", async () => {
  const { context, page } = await fresh(h);
  try {
    await setup(page, "cli_renew_fail", 3600, { logoutUrl: "/signout?key=fail&status=500" });
    // The warning's text comes from messages.js, loaded on first use: it may follow logout().
    const warned = page.waitForEvent("console", { predicate: (m) => m.type() === "warning" && m.text().includes("logout() removed the session"), timeout: 10000 });
    const r = await page.evaluate(async () => {
      const auth = make();
      await t.completeLogin(auth);
      const done = await t.bounded(auth.logout(), 5000);
      return { done, session: auth.session, stored: localStorage.getItem("feishu-login/v1/cli_renew_fail/session") };
    });
    fulfilled(r.done, "logout()");
    assert.equal(r.session, null);
    assert.equal(r.stored, null);
    await warned;
  } finally {
    await context.close();
  }
});

for (const locks of [true, false]) {
  test(`two pages sharing localStorage renew once (${locks ? "Web Locks" : "no Web Locks: the localStorage lease"})`, async () => {
    const context = await h.browser.newContext();
    try {
      const key = `two-${locks}`;
      const appId = `cli_renew_two_${locks}`;
      const extra = { refreshUrl: `/refresh?key=${key}&delay=300`, renewBeforeMs: 2500 };
      const a = await open(context, h.base);
      const b = await open(context, h.base);
      for (const page of [a, b]) {
        await setup(page, appId, 4, extra);
        if (!locks) await page.evaluate(() => Object.defineProperty(Navigator.prototype, "locks", { get: () => undefined }));
        // Which lease writes the other page saw (storage events come from other pages only).
        await page.evaluate(() => {
          window.leaseWrites = 0;
          addEventListener("storage", (e) => { if (e.key?.endsWith("/renewal") && e.newValue) leaseWrites += 1; });
        });
      }
      const first = await a.evaluate(async () => {
        window.auth = make();
        return (await t.completeLogin(auth)).token;
      });
      // B reads the same stored session: both arm their renewal for the same moment. Pages of one
      // context may live in two renderer processes, where A's write reaches B a moment later.
      await b.waitForFunction((appId) => localStorage.getItem(`feishu-login/v1/${appId}/session`) !== null, appId, { timeout: 3000 });
      assert.equal(await b.evaluate(() => { window.auth = make(); return auth.session?.token; }), first);
      await a.waitForTimeout(3500);
      const tokens = await Promise.all([a, b].map((p) => p.evaluate(() => auth.session?.token)));
      assert.equal(record(key).refresh.length, 1, "one refresh request for both pages");
      assert.match(tokens[0], /^renewed-/);
      assert.equal(tokens[1], tokens[0], "the other page picked up the renewed session");
      const lease = await a.evaluate((appId) => localStorage.getItem(`feishu-login/v1/${appId}/renewal`), appId);
      assert.equal(lease, null, "no lease left behind");
      const writes = (await Promise.all([a, b].map((p) => p.evaluate(() => leaseWrites)))).reduce((x, y) => x + y);
      if (locks) assert.equal(writes, 0, "with Web Locks, no localStorage lease");
      else assert.ok(writes >= 1, "without Web Locks, the localStorage lease");
    } finally {
      await context.close();
    }
  });
}
