// feishu-login/react: a provider (one FeishuLogin and one init() per app), a hook and a guard.
// React is an optional peer dependency of the package; this module touches no `window` at import
// and renders status "loading" on the server (SSR), so it can be imported by server code.
import { createContext, createElement, useContext, useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import { FeishuLoginError, createStore, guardOptions, isSignedIn } from "./framework.js";

export { isSignedIn };

const Store = createContext(null);

/**
 * Provides one FeishuLogin to the tree: `config` (created after `init()`, read once) or an existing
 * `instance`. `onRedirectCallback(returnTo)` runs after a browser callback completed, so a router
 * can navigate to `returnTo` (the address bar already shows it); when it returns a promise (the
 * router's navigation), the signed-in state renders after it settled.
 */
export function FeishuLoginProvider({ config, instance, onRedirectCallback, children }) {
  const redirect = useRef(onRedirectCallback);
  useEffect(() => {
    redirect.current = onRedirectCallback;
  });
  // Lazy: creating the store does nothing; StrictMode's second initializer call is thrown away.
  const [store] = useState(() => createStore({ config, instance, onRedirectCallback: (to) => redirect.current?.(to), routerFirst: true }));
  useEffect(() => {
    store.retain();
    return () => store.release();
  }, [store]);
  return createElement(Store.Provider, { value: store }, children);
}

function useStore() {
  const store = useContext(Store);
  if (!store) throw new FeishuLoginError("config", "useFeishuLogin() must be called inside <FeishuLoginProvider>");
  return store;
}

/** `{ status, session, user, error, login, logout, getSession, authHeaders }`, re-rendering on change. */
export function useFeishuLogin() {
  const store = useStore();
  const state = useSyncExternalStore(store.subscribe, store.getSnapshot, store.getServerSnapshot);
  return useMemo(() => ({
    ...state,
    login: store.login,
    logout: store.logout,
    getSession: store.getSession,
    authHeaders: store.authHeaders,
  }), [state, store]);
}

/**
 * Renders `children` when signed in, else `fallback` (a node, or a function of `{ status, error }`).
 * It starts at most one login per mount (a visit), and only when signed out: never while loading,
 * redirecting or signing out, never after a failure (no loop on a refused consent), and never
 * because of a logout (a logout during this visit, here or in another tab). A browser redirect
 * comes back to this page unless `loginOptions.returnTo` says otherwise.
 */
export function RequireLogin({ children, fallback = null, loginOptions }) {
  const store = useStore();
  const { status, error, login } = useFeishuLogin();
  // This visit: whether it asked for a login, and whether a logout happened during it (the
  // store's logout count moved, or a logout was under way when it mounted).
  const ref = useRef(null);
  ref.current ??= { asked: false, logouts: store.logouts(), loggedOut: status === "signingOut" };
  const visit = ref.current;
  useEffect(() => {
    if (status === "signingOut" || store.logouts() !== visit.logouts) visit.loggedOut = true;
    if (status === "signedIn") {
      // Signed in again (in this tab or another): a later sign-out is judged afresh.
      visit.loggedOut = false;
      visit.logouts = store.logouts();
    }
    if (status !== "signedOut" || visit.asked || visit.loggedOut) return;
    // Once per visit (StrictMode's second effect, re-renders): the failure is in `error`.
    visit.asked = true;
    login(guardOptions(loginOptions)).catch(() => {});
  }, [status]);
  if (status === "signedIn") return children;
  return typeof fallback === "function" ? fallback({ status, error }) : fallback;
}
