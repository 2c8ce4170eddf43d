// feishu-login/react: a provider (one FeishuLogin and one init() per app), a hook and a guard.
// React is an optional peer dependency of the package; this module touches no `window` at import
// and renders status "loading" on the server (SSR), so it can be imported by server code.
import { createContext, createElement, useContext, useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import { FeishuLoginError, createStore, guardOptions } from "./framework.js";

const Store = createContext(null);

/**
 * Provides one FeishuLogin to the tree: `config` (created after `init()`, read once) or an existing
 * `instance`. `onRedirectCallback(returnTo)` runs after a browser callback completed, so a router
 * can navigate to `returnTo` (the address bar already shows it).
 */
export function FeishuLoginProvider({ config, instance, onRedirectCallback, children }) {
  const redirect = useRef(onRedirectCallback);
  useEffect(() => {
    redirect.current = onRedirectCallback;
  });
  // Lazy: creating the store does nothing; StrictMode's second initializer call is thrown away.
  const [store] = useState(() => createStore({ config, instance, onRedirectCallback: (to) => redirect.current?.(to) }));
  useEffect(() => {
    store.retain();
    return () => store.release();
  }, [store]);
  return createElement(Store.Provider, { value: store }, children);
}

/** `{ status, session, user, error, login, logout, getSession, authHeaders }`, re-rendering on change. */
export function useFeishuLogin() {
  const store = useContext(Store);
  if (!store) throw new FeishuLoginError("config", "useFeishuLogin() must be called inside <FeishuLoginProvider>");
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
 * Renders `children` when signed in. Signed out, it starts `login(loginOptions)` once (a browser
 * redirect comes back to this page unless `loginOptions.returnTo` says otherwise) and renders
 * `fallback` (a node, or a function of `{ status, error }`) meanwhile, while loading and on error.
 */
export function RequireLogin({ children, fallback = null, loginOptions }) {
  const { status, error, login } = useFeishuLogin();
  const asked = useRef(false);
  useEffect(() => {
    if (status === "signedIn") asked.current = false;
    if (status !== "signedOut" || asked.current) return;
    // Once per signed-out spell (StrictMode's second effect, re-renders): the failure is in `error`.
    asked.current = true;
    login(guardOptions(loginOptions)).catch(() => {});
  }, [status]);
  if (status === "signedIn") return children;
  return typeof fallback === "function" ? fallback({ status, error }) : fallback;
}
