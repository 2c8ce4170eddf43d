// feishu-login/vue: `app.use(FeishuLoginPlugin, config)` and a `useFeishuLogin()` composable
// returning refs. Vue is an optional peer dependency of the package; this module touches no
// `window` at import, and on the server (SSR) the plugin does not start: status stays "loading".
import { computed, inject, shallowRef } from "vue";
import { FeishuLoginError, createStore } from "./framework.js";

const KEY = Symbol("feishu-login");

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
    const state = shallowRef(store.getSnapshot());
    store.subscribe(() => {
      state.value = store.getSnapshot();
    });
    app.provide(KEY, Object.freeze({
      status: computed(() => state.value.status),
      session: computed(() => state.value.session),
      user: computed(() => state.value.user),
      error: computed(() => state.value.error),
      login: store.login,
      logout: store.logout,
      getSession: store.getSession,
      authHeaders: store.authHeaders,
    }));
    if (typeof window === "undefined") return;
    store.retain();
    app.onUnmount?.(() => store.release());
  },
};

/** `{ status, session, user, error }` as read-only refs, and `login`, `logout`, `getSession`, `authHeaders`. */
export function useFeishuLogin() {
  const api = inject(KEY, null);
  if (!api) throw new FeishuLoginError("config", "useFeishuLogin() needs app.use(FeishuLoginPlugin, config) first");
  return api;
}
