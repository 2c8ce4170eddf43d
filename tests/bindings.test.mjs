// feishu-login/react and feishu-login/vue, from the packed package (npm pack of pkg/), in
// Chromium against the demo server's emulator and backend; and both imported and rendered on the
// server (Node, no window). React runs in StrictMode with its development build, where effects
// run twice: the callback must still be posted once and no error may flash.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { buildSync } from "esbuild";
import { launchChromium } from "./support/chromium.mjs";
import { packPkg, installWith } from "./support/npm.mjs";
import { startDemoServer, countBackendPosts, consent } from "./support/demo-server.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dir = join(root, "tests", "bindings");
const www = join(dir, "dist");
let server, browser;

/** Makes `/` the React or the Vue app. */
function serve(app) {
  writeFileSync(join(www, "index.html"), `<!doctype html><meta charset=utf-8><title>${app}</title><div id=app></div><script type=module src="/${app}.js"></script>`);
}

before(async () => {
  installWith(dir, packPkg(root));
  rmSync(www, { recursive: true, force: true });
  mkdirSync(www, { recursive: true });
  for (const [app, mode] of [["react", "development"], ["vue", "production"], ["react-guard", "development"], ["vue-guard", "production"]]) {
    buildSync({
      entryPoints: [join(dir, `${app}-app.js`)], outfile: join(www, `${app}.js`), absWorkingDir: dir,
      bundle: true, format: "esm", target: "es2022", logLevel: "warning",
      define: { "process.env.NODE_ENV": JSON.stringify(mode), __VUE_OPTIONS_API__: "false", __VUE_PROD_DEVTOOLS__: "false", __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: "false" },
    });
  }
  // feishu-login/host's bindings, one bundle each (tests/bindings/host-apps.js).
  for (const binding of ["react", "vue"]) {
    buildSync({
      entryPoints: [join(dir, "host-apps.js")], outfile: join(www, `host-${binding}.js`), absWorkingDir: dir,
      bundle: true, format: "esm", target: "es2022", logLevel: "warning",
      define: { BINDING: JSON.stringify(binding), "process.env.NODE_ENV": '"development"', __VUE_OPTIONS_API__: "false", __VUE_PROD_DEVTOOLS__: "false", __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: "false" },
    });
  }
  // A web entry finds its wasm next to the module that imports it (here the bundle).
  copyFileSync(join(dir, "node_modules", "feishu-login", "feishu_login_bg.wasm"), join(www, "feishu_login_bg.wasm"));
  copyFileSync(join(dir, "node_modules", "feishu-login", "host", "feishu_login_host_bg.wasm"), join(www, "feishu_login_host_bg.wasm"));
  ({ server } = { server: await startDemoServer(root, www) });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.stop();
});

const seen = (page) => page.evaluate(() => window.seen);
const statusIs = (page, status) => page.waitForFunction((s) => document.getElementById("status")?.textContent === s, status);

async function open(app, mode, { key = "mode", path = "/" } = {}) {
  serve(app);
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(server.base + "/");
  if (mode !== undefined) {
    await page.evaluate(([k, m]) => sessionStorage.setItem(k, m), [key, mode]);
    await page.goto(server.base + path);
  }
  return { context, page, errors };
}

for (const app of ["react", "vue"]) {
  test(`${app}: loading → signed out → login through the emulator → signed in (one backend post) → signed out`, async () => {
    const { context, page, errors } = await open(app);
    await statusIs(page, "signedOut");
    assert.deepEqual(await seen(page), ["loading", "signedOut"]);
    const backend = countBackendPosts(page);
    await page.click("#login");
    await consent(page);
    await statusIs(page, "signedIn");
    assert.equal(await page.textContent("#user"), "张三");
    // On the callback page: loading until the exchange is done, then signed in; never an error
    // (React StrictMode mounts twice: a second handleCallback would fail its used state).
    assert.deepEqual(await seen(page), ["loading", "signedIn"]);
    assert.equal(backend.posts, 1, "one POST to the backend");
    assert.equal(page.url(), server.base + "/", "code and state left the address bar");
    if (app === "react") assert.deepEqual(await page.evaluate(() => window.redirects), ["/"], "onRedirectCallback once, with returnTo");
    // The actions: headers the backend accepts, getSession (the SDK's, or the stored session).
    const me = await page.evaluate(async () => (await (await fetch("/api/me", { headers: window.api.authHeaders() })).json()).name);
    assert.equal(me, "张三");
    assert.match(await page.evaluate(async () => (await window.api.getSession())?.token ?? "none"), /\S{16,}/);
    await page.click("#logout");
    await statusIs(page, "signedOut");
    assert.deepEqual(await page.evaluate(() => window.api.authHeaders()), {});
    assert.deepEqual(await seen(page), ["loading", "signedIn", "signedOut"]);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test(`${app}: a refused consent is status "error" with kind "denied", after loading only`, async () => {
    const { context, page } = await open(app);
    await statusIs(page, "signedOut");
    await page.click("#login");
    await consent(page, { deny: true });
    await statusIs(page, "error");
    assert.equal(await page.textContent("#error"), "denied");
    assert.deepEqual(await seen(page), ["loading", "error:denied"]);
    // The next successful login clears the error. (Within a second of the failed callback the
    // SDK answers login() with that failure again: engine.rs REPEAT_WINDOW_MS, for StrictMode.)
    await page.waitForTimeout(1100);
    await page.click("#login");
    await consent(page);
    await statusIs(page, "signedIn");
    assert.equal(await page.textContent("#error"), "-");
    await context.close();
  });
}

test("react: RequireLogin starts one login when signed out and shows its children after the callback", async () => {
  const { context, page, errors } = await open("react", "guard");
  const backend = countBackendPosts(page);
  let authorizePages = 0;
  page.on("request", (r) => r.isNavigationRequest() && r.method() === "GET" && r.url().includes("/open-apis/authen/v1/authorize") && authorizePages++);
  await consent(page);
  await page.waitForSelector("#secret");
  await statusIs(page, "signedIn");
  assert.equal(authorizePages, 1, "one navigation to Feishu in StrictMode");
  assert.equal(backend.posts, 1);
  assert.deepEqual(errors, []);
  await context.close();
});

for (const binding of ["react", "vue"]) {
  test(`feishu-login/host/${binding} in a doc widget: loading → signed out → login through the host → signed in → signed out, one wasm (the host entry's)`, async () => {
    const { context, page, errors } = await open(`host-${binding}`);
    // The first load fetches its wasm after the load event: count only the reload's requests.
    await statusIs(page, "signedOut");
    const wasm = [];
    page.on("request", (r) => r.url().endsWith(".wasm") && wasm.push(new URL(r.url()).pathname));
    await page.reload();
    await statusIs(page, "signedOut");
    const backend = countBackendPosts(page);
    await page.click("#login");
    await statusIs(page, "signedIn");
    assert.equal(await page.textContent("#user"), "张三");
    assert.equal(backend.posts, 1);
    await page.click("#logout");
    await statusIs(page, "signedOut");
    assert.deepEqual(await seen(page), ["loading", "signedOut", "signedIn", "signedOut"]);
    assert.deepEqual(wasm, ["/feishu_login_host_bg.wasm"]);
    assert.deepEqual(errors, []);
    await context.close();
  });
}

test("SSR: both entries import and render in Node without window; status is loading", () => {
  const out = execFileSync(process.execPath, [join(dir, "ssr.mjs")], { cwd: dir, encoding: "utf8" });
  assert.deepEqual(JSON.parse(out), { react: "<p>loading/true</p>wait", vue: "<p>loading/true</p>" });
});

test("the entries are declared: exports, optional peers, and no window at import", () => {
  const meta = JSON.parse(execFileSync(process.execPath, ["-e", "process.stdout.write(require('fs').readFileSync(require.resolve('feishu-login/package.json')))"], { cwd: dir, encoding: "utf8" }));
  for (const dir of ["", "host/", "browser/"]) {
    assert.deepEqual(meta.exports[`./${dir}react`], { types: `./${dir}react.d.ts`, default: `./${dir}react.js` });
    assert.deepEqual(meta.exports[`./${dir}vue`], { types: `./${dir}vue.d.ts`, default: `./${dir}vue.js` });
  }
  assert.deepEqual(meta.peerDependenciesMeta, { react: { optional: true }, vue: { optional: true } });
  // Plain `node -e "import('feishu-login/react')"`, as a server bundle would; each entry's too.
  for (const entry of ["react", "vue"].flatMap((b) => [`feishu-login/${b}`, `feishu-login/host/${b}`, `feishu-login/browser/${b}`])) {
    const keys = execFileSync(process.execPath, ["-e", `import("${entry}").then((m) => console.log(Object.keys(m).sort().join()))`], { cwd: dir, encoding: "utf8" }).trim();
    assert.equal(keys, entry.endsWith("react") ? "FeishuLoginProvider,RequireLogin,isSignedIn,useFeishuLogin" : "FeishuLoginPlugin,createLoginGuard,isSignedIn,useFeishuLogin");
  }
});

test("TypeScript: the react and vue declarations under tsc --strict without skipLibCheck", () => {
  // tests/types/react-usage.tsx and vue-usage.ts, against @types/react and Vue installed above;
  // their @ts-expect-error lines fail the build if a type degrades to any.
  try {
    execFileSync(join(root, "node_modules", ".bin", "tsc"), ["-p", join(root, "tests", "types", "tsconfig.frameworks.json")], { encoding: "utf8" });
  } catch (e) {
    assert.fail("tsc failed:\n" + e.stdout);
  }
});

test("README's Node section runs as written: initSync from the installed package, no window", () => {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("\n## Node\n"));
  const code = /```js\n([\s\S]*?)```/.exec(section)[1];
  const file = join(www, "readme-node.mjs"); // inside tests/bindings: resolves the installed package
  writeFileSync(file, code + "\nconsole.log(JSON.stringify([auth.surface, auth.session, auth.authHeaders()]));\n");
  assert.deepEqual(JSON.parse(execFileSync(process.execPath, [file], { encoding: "utf8" })), ["browser", null, {}]);
});

// ---- the guards' rules, around a scripted FeishuLogin (tests/bindings/fake-sdk.js) ------------
// The fake has the SDK's statuses ("redirecting", "signingOut") and lets a test hold a logout or a
// navigation as long as it likes: what happens meanwhile is what these tests pin.

const fakeApp = (app, settings = "", path) => open(app, settings, { key: "fake", path });
const logins = (page) => page.evaluate(() => window.fake.logins.length);
const fallbackIs = (page, status) => page.waitForFunction((s) => document.getElementById("fallback")?.textContent === s, status);
const run = (page, script) => page.evaluate(script);

test("react: RequireLogin logs in once per visit, when signed out, never because of a logout", async () => {
  const { context, page, errors } = await fakeApp("react-guard", "signedIn");
  await page.waitForSelector("#secret");
  // A logout through the hook: "signingOut" while it runs, then signed out; no login.
  await run(page, () => void window.api.logout());
  await fallbackIs(page, "signingOut");
  await run(page, () => window.fake.finishLogout());
  await fallbackIs(page, "signedOut");
  assert.equal(await logins(page), 0, "no login because of the logout");
  // A new visit (the guard mounted again) signed out: one login, also in StrictMode.
  await run(page, () => window.setGuard(false));
  await run(page, () => window.setGuard(true));
  await fallbackIs(page, "redirecting");
  assert.equal(await logins(page), 1);
  assert.deepEqual(await run(page, () => window.fake.logins[0]), { returnTo: "/" }, "back to this page");
  // The navigation to Feishu is cancelled: the login failed, and the guard does not start another.
  await run(page, () => window.fake.cancelNavigation());
  await statusIs(page, "error");
  // Signed in from another tab, then logged out there: signingOut and signedOut in one step.
  await run(page, () => window.fake.signIn());
  await page.waitForSelector("#secret");
  await run(page, () => window.fake.logoutInAnotherTab());
  await fallbackIs(page, "signedOut");
  // Signed in again and expired: not a logout, but this visit already asked once.
  await run(page, () => window.fake.signIn());
  await page.waitForSelector("#secret");
  await run(page, () => window.fake.expire());
  await fallbackIs(page, "signedOut");
  assert.equal(await logins(page), 1, "one login in this visit");
  assert.deepEqual(errors, []);
  await context.close();
});

test("react: RequireLogin mounted while signing out does not log in when the logout ends", async () => {
  const { context, page } = await fakeApp("react-guard", "signedIn&noGuard");
  await statusIs(page, "signedIn");
  await run(page, () => void window.api.logout());
  await statusIs(page, "signingOut");
  await run(page, () => window.setGuard(true));
  await fallbackIs(page, "signingOut");
  await run(page, () => window.fake.finishLogout());
  await fallbackIs(page, "signedOut");
  assert.equal(await logins(page), 0);
  await context.close();
});

test("react: RequireLogin logs in when a session expires during a visit that has not asked yet", async () => {
  const { context, page } = await fakeApp("react-guard", "signedIn");
  await page.waitForSelector("#secret");
  await run(page, () => window.fake.expire());
  await fallbackIs(page, "redirecting");
  assert.equal(await logins(page), 1);
  await context.close();
});

test("react: a refused consent is an error, and no visit logs in again by itself", async () => {
  const { context, page } = await fakeApp("react-guard", "noGuard");
  await statusIs(page, "signedOut");
  await run(page, () => {
    window.fake.next = "deny";
    window.setGuard(true);
  });
  await fallbackIs(page, "error");
  await run(page, () => window.setGuard(false));
  await run(page, () => window.setGuard(true));
  await fallbackIs(page, "error");
  assert.equal(await logins(page), 1);
  await context.close();
});

test("react: after a callback the router's navigation ends before the signed-in state renders", async () => {
  const { context, page, errors } = await fakeApp("react-guard", "noGuard&slowRouter&callback=/guarded", "/?code=c&state=s");
  await statusIs(page, "loading");
  await run(page, () => window.fake.finishCallback());
  assert.deepEqual(await run(page, () => window.redirects), [["/guarded", "loading"]]);
  assert.deepEqual(await run(page, () => window.commits), ["loading"], "still loading while the router navigates");
  await run(page, () => window.finishNavigation());
  await statusIs(page, "signedIn");
  assert.deepEqual(await run(page, () => window.commits), ["loading", "signedIn"]);
  assert.deepEqual(errors, []);
  await context.close();
});

test("react: an onRedirectCallback that throws is reported as the app's error, not a login failure", async () => {
  const { context, page } = await fakeApp("react-guard", "noGuard&throwRedirect&callback=/guarded", "/?code=c&state=s");
  await statusIs(page, "loading");
  await run(page, () => window.fake.finishCallback());
  await statusIs(page, "signedIn");
  assert.deepEqual(await run(page, () => window.commits), ["loading", "signedIn"]);
  assert.deepEqual(await run(page, () => window.reported), ["the router broke"]);
  await context.close();
});

test("react: a config the provider cannot use is state error and a console error that names it", async () => {
  const { context, page } = await open("react", "badConfig");
  // The first load logs after its load event: count only the reload's console.
  await statusIs(page, "error");
  const logged = [];
  page.on("console", (m) => m.type() === "error" && logged.push(m.text()));
  await page.reload();
  await statusIs(page, "error");
  assert.equal(await page.textContent("#error"), "config");
  // Logged before the state changed (CDP delivers the page's events in order).
  assert.equal(logged.filter((t) => t.startsWith("FeishuLoginError: invalid config: `storage`")).length, 1, JSON.stringify(logged));
  await context.close();
});

test("react: a failure that is not a FeishuLoginError is kind config with the original as cause", async () => {
  const { context, page } = await fakeApp("react-guard", "noGuard");
  await statusIs(page, "signedOut");
  const rejected = await run(page, () => {
    window.fake.next = "throw";
    return window.api.login().catch((e) => e.name);
  });
  assert.equal(rejected, "TypeError", "the caller gets the original");
  await statusIs(page, "error");
  assert.deepEqual(await run(page, () => [window.api.error.kind, window.api.error.cause?.name, /FeishuLogin/.test(window.api.error.message)]), ["config", "TypeError", true]);
  await context.close();
});

test("vue: createLoginGuard logs in once per navigation when signed out, never while redirecting", async () => {
  const { context, page, errors } = await fakeApp("vue-guard");
  await statusIs(page, "signedOut");
  await run(page, () => window.router.push("/guarded"));
  assert.deepEqual(await run(page, () => window.routes), ["/", "refused /guarded"], "the page stays while it leaves for Feishu");
  assert.deepEqual(await run(page, () => window.fake.logins), [{ returnTo: "/guarded" }]);
  await statusIs(page, "redirecting");
  await run(page, () => window.router.push("/other"));
  assert.equal(await logins(page), 1, "nothing while redirecting");
  assert.deepEqual(errors, []);
  await context.close();
});

test("vue: createLoginGuard lets signed-in users through and starts nothing while signing out", async () => {
  const { context, page } = await fakeApp("vue-guard", "signedIn");
  await statusIs(page, "signedIn");
  await run(page, () => window.router.push("/guarded"));
  await page.waitForSelector("#guarded");
  await run(page, () => void window.api.logout());
  await statusIs(page, "signingOut");
  await run(page, () => window.router.push("/other"));
  await run(page, () => window.fake.finishLogout());
  await statusIs(page, "signedOut");
  await run(page, () => window.router.push("/"));
  assert.deepEqual(await run(page, () => window.routes), ["/", "/guarded", "refused /other", "/"]);
  assert.deepEqual(await run(page, () => window.mounted), ["home:signedIn", "guarded:signedIn", "home:signedOut"]);
  assert.equal(await logins(page), 0);
  await context.close();
});

test("vue: createLoginGuard does not loop on a refused consent", async () => {
  const { context, page } = await fakeApp("vue-guard");
  await statusIs(page, "signedOut");
  await run(page, () => {
    window.fake.next = "deny";
    return window.router.push("/guarded");
  });
  await statusIs(page, "error");
  await run(page, () => window.router.push("/guarded"));
  assert.equal(await logins(page), 1);
  assert.deepEqual(await run(page, () => window.routes), ["/", "refused /guarded", "refused /guarded"]);
  await context.close();
});

test("vue: createLoginGuard on a Feishu host waits for the login and lets the navigation through", async () => {
  const { context, page } = await fakeApp("vue-guard");
  await statusIs(page, "signedOut");
  await run(page, () => {
    window.fake.surface = "client";
    window.fake.next = "host";
    return window.router.push("/guarded");
  });
  await page.waitForSelector("#guarded");
  assert.deepEqual(await run(page, () => window.mounted), ["home:signedOut", "guarded:signedIn"]);
  await context.close();
});

test("vue: createLoginGuard holds the first navigation during a callback, then goes to returnTo", async () => {
  const { context, page, errors } = await fakeApp("vue-guard", "callback=/guarded", "/?code=c&state=s");
  await statusIs(page, "loading");
  assert.deepEqual(await run(page, () => window.mounted), [], "the callback's page is not rendered");
  await run(page, () => window.fake.finishCallback());
  await page.waitForSelector("#guarded");
  assert.deepEqual(await run(page, () => window.mounted), ["guarded:signedIn"]);
  assert.deepEqual(await run(page, () => window.routes), ["/guarded"]);
  assert.equal(new URL(page.url()).pathname + new URL(page.url()).search, "/guarded", "the used code stays out of the address bar");
  assert.deepEqual(errors, []);
  await context.close();
});
