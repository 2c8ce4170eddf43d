// feishu-login/vue: `app.use(FeishuLoginPlugin, config)`, a `useFeishuLogin()` composable
// returning refs, and `createLoginGuard()` for vue-router. Vue is an optional peer dependency of
// the package (vue-router is not imported: the guard only takes the routes it is given); this
// module touches no `window` at import, and on the server (SSR) the plugin does not start: status
// stays "loading".
import { computed, hasInjectionContext, inject, shallowRef } from "vue";
import { FeishuLoginError, atCallback, createStore, guardOptions, isSignedIn } from "./framework.js";

export { isSignedIn };

const KEY = Symbol("feishu-login");
// What the plugin keeps for the guard beside the public API: the store and the app.
const INTERNAL = new WeakMap();
// The last plugin installed, for a guard that runs outside an injection context (vue-router
// before 4.2 does not run guards inside `app.runWithContext`).
let lastInstalled = null;

/**
 * `app.use(FeishuLoginPlugin, config)`, `app.use(FeishuLoginPlugin, instance)`, or
 * `app.use(FeishuLoginPlugin, { config | instance, onRedirectCallback })` where `onRedirectCallback(returnTo)` runs after a browser callback
 * completed (e.g. `(to) => router.replace(to)`).
 */
export const FeishuLoginPlugin = {
  install(app, options) {
    // A config, a FeishuLogin (it has onChange), or { config | instance, onRedirectCallback }.
    const settings = typeof options?.onChange === "function" ? { instance: options }
      : options && typeof options === "object" && "appId" in options ? { config: options } : (options ?? {});
    const store = createStore(settings);
    const snapshot = shallowRef(store.getSnapshot());
    store.subscribe(() => {
      snapshot.value = store.getSnapshot();
    });
    const api = Object.freeze({
      state: computed(() => snapshot.value),
      status: computed(() => snapshot.value.status),
      session: computed(() => snapshot.value.session),
      user: computed(() => snapshot.value.user),
      error: computed(() => snapshot.value.error),
      login: store.login,
      logout: store.logout,
      getSession: store.getSession,
      authHeaders: store.authHeaders,
    });
    INTERNAL.set(api, { store, app });
    lastInstalled = api;
    app.provide(KEY, api);
    if (typeof window === "undefined") return;
    store.retain();
    app.onUnmount?.(() => store.release());
  },
};

/** `{ state, status, session, user, error }` as read-only refs, and `login`, `logout`, `getSession`, `authHeaders`. */
export function useFeishuLogin() {
  const api = inject(KEY, null);
  if (!api) throw new FeishuLoginError("config", "useFeishuLogin() needs app.use(FeishuLoginPlugin, config) first");
  return api;
}

/**
 * A vue-router navigation guard: `router.beforeEach(createLoginGuard())`. A route needs a login
 * when `requiresLogin(to)` (default: `to.meta.requiresLogin`). Signed in, it lets the navigation
 * through; signed out, it starts one login for this navigation (the browser redirect comes back
 * to `to`) and answers `fallback` (default `false`: stay), or on a Feishu host waits for the
 * login and lets it through. It starts nothing while redirecting or signing out, nor after a
 * failure (no loop on a refused consent): then it answers `fallback`. Navigation drives it, so a
 * logout never starts a login. It waits for the stored session, and holds the page's first
 * navigation while a callback in the URL is exchanged, then goes to the login's `returnTo` (the
 * callback's page never renders; no `onRedirectCallback` needed).
 */
export function createLoginGuard({ requiresLogin = (to) => to.meta?.requiresLogin === true, loginOptions, fallback = false } = {}) {
  return async (to) => {
    const api = hasInjectionContext() ? inject(KEY, null) : lastInstalled;
    const internal = api && INTERNAL.get(api);
    if (!internal) throw new FeishuLoginError("config", "createLoginGuard(): the router's app needs app.use(FeishuLoginPlugin, config) (and vue-router 4.2 or later when several apps use the plugin)");
    // On the server the session is unknown (it lives in the browser): the client decides.
    if (typeof window === "undefined") return true;
    const { store, app } = internal;
    const router = app.config.globalProperties.$router;
    const guarded = requiresLogin(to);
    const callback = atCallback();
    if (!guarded && !callback) return true;
    await store.known();
    // The callback was exchanged and the SDK moved the address bar to `returnTo`: go there, rather
    // than finish this navigation (the router would write the used code back into the address bar).
    if (callback && !atCallback()) return routerAddress(router);
    if (!guarded) return true;
    const { status } = store.getSnapshot();
    if (status === "signedIn") return true;
    if (status !== "signedOut") return fallback;
    let href = to.fullPath;
    try {
      href = router?.resolve(to).href ?? href;
    } catch {}
    const login = store.login(guardOptions(loginOptions, href));
    if (store.instance?.surface === "browser") {
      // The page leaves for Feishu; the callback brings it back to `to`.
      login.catch(() => {});
      return fallback;
    }
    try {
      await login;
      return true;
    } catch {
      return fallback;
    }
  };
}

/** The address bar as a location of `router` (vue-router's base removed; the hash of a hash history). */
function routerAddress(router) {
  const base = router?.options?.history?.base ?? "";
  const hashAt = base.indexOf("#");
  if (hashAt >= 0) {
    const path = location.hash.slice(location.hash.startsWith(base.slice(hashAt)) ? base.length - hashAt : 1);
    return path.startsWith("/") ? path : "/" + path;
  }
  const path = base && location.pathname.startsWith(base) ? location.pathname.slice(base.length) || "/" : location.pathname;
  return path + location.search + location.hash;
}
