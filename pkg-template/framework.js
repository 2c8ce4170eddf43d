// What feishu-login/react and feishu-login/vue share: one store per app around one FeishuLogin,
// one `init()` per page, and a snapshot object that changes only when the status, the session or
// the error does (React's useSyncExternalStore compares snapshots by identity).
//
// Nothing here runs at import: no `window`, no wasm, so importing a binding on the server (SSR)
// is safe. The store starts when the app mounts on the client (`retain()`).
import init, { FeishuLogin, FeishuLoginError } from "./index.js";

/** What the server renders and the client shows until the stored session has been read. */
export const LOADING = Object.freeze({ status: "loading", session: null, user: null, error: null });
const NO_HEADERS = Object.freeze({});

// The one wasm load of the page, shared by every store; a failed load may be retried.
let wasm = null;
function loadWasm() {
  wasm ??= init().catch((e) => {
    wasm = null;
    throw e;
  });
  return wasm;
}

/** The current path, query and fragment: where a router should be after the callback. */
const here = () => (typeof location === "undefined" ? "/" : location.pathname + location.search + location.hash);

/** Not a FeishuLoginError (a listener or a router callback threw): wrap it so `error.kind` holds. */
const asError = (e) => (e instanceof FeishuLoginError ? e : new FeishuLoginError("config", String(e?.message ?? e)));

/**
 * `{ config }` (a FeishuLogin is created after `init()`) or `{ instance }` (an existing one, used
 * as is and never freed here), and `onRedirectCallback(returnTo)`, called after a browser callback
 * in the URL completed (the address bar already shows `returnTo`: tell the router).
 */
export function createStore({ config, instance, onRedirectCallback } = {}) {
  let auth = instance ?? null;
  let snapshot = LOADING;
  let started = null;
  let off = null;
  let users = 0;
  let releaseTimer = null;
  let disposed = false;
  const listeners = new Set();

  function set(status, session, error) {
    if (snapshot.status === status && snapshot.session === session && snapshot.error === error) return;
    snapshot = Object.freeze({ status, session, user: session?.user ?? null, error });
    for (const listener of [...listeners]) listener();
  }
  // A failed call keeps a valid session: status "signedIn" with the error; "error" only without one.
  const show = (session, error = null) => set(session ? "signedIn" : error ? "error" : "signedOut", session, error);
  const current = () => {
    try {
      return auth && !disposed ? auth.session : null;
    } catch {
      return null;
    }
  };

  // Single flight: React StrictMode runs effects twice, and both must share this one start (one
  // init, one instance, one handleCallback: one backend post, no error from a second attempt).
  function start() {
    started ??= (async () => {
      try {
        if (!auth) {
          await loadWasm();
          if (disposed) return;
          auth = new FeishuLogin(config);
        }
        off = auth.onChange((session) => show(session));
        if (auth.surface === "browser" && auth.isCallback()) {
          // Stays "loading" while the code is exchanged: no signed-out or error flash.
          const session = await auth.handleCallback();
          if (disposed) return;
          show(session);
          onRedirectCallback?.(here());
        } else {
          show(auth.session);
        }
      } catch (e) {
        if (!disposed) show(current(), asError(e));
      }
    })();
    return started;
  }

  async function ready() {
    await start();
    if (disposed) throw new FeishuLoginError("config", "feishu-login: the app that provided this FeishuLogin was unmounted");
    if (!auth) throw snapshot.error;
    return auth;
  }

  // Actions reject like the SDK does, and the failure is also in the state (for guards and UIs).
  async function act(run) {
    const a = await ready();
    try {
      return await run(a);
    } catch (e) {
      if (!disposed) show(current(), asError(e));
      throw e;
    }
  }

  function dispose() {
    disposed = true;
    off?.();
    off = null;
    // An instance the app passed in is the app's to free.
    if (auth && !instance) auth.free();
  }

  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    getSnapshot: () => snapshot,
    getServerSnapshot: () => LOADING,
    /** Starts on first use; each retain() needs a release(). */
    retain() {
      users++;
      clearTimeout(releaseTimer);
      start();
    },
    /** The last release frees the instance (if created here), after the current task: StrictMode's
     * simulated unmount is followed at once by a remount that retains again. */
    release() {
      if (--users > 0) return;
      clearTimeout(releaseTimer);
      releaseTimer = setTimeout(() => users === 0 && dispose(), 0);
    },
    login: (options) => act((a) => a.login(options)),
    // v1's logout(options) returns a promise; v0's returns nothing: await either.
    logout: (options) => act(async (a) => {
      await a.logout(options);
      show(current());
    }),
    // getSession() (renewing) where this SDK version has it, else the stored session.
    getSession: (options) => act((a) => (typeof a.getSession === "function" ? a.getSession(options) : a.session)),
    authHeaders: () => {
      try {
        return auth && !disposed ? auth.authHeaders() : NO_HEADERS;
      } catch {
        return NO_HEADERS;
      }
    },
    /** The FeishuLogin once created (null before), for what the bindings do not wrap. */
    get instance() {
      return disposed ? null : auth;
    },
  };
}

/** Login options for a guard: come back to this page after a browser redirect unless told otherwise. */
export const guardOptions = (options) => (options?.returnTo || typeof location === "undefined" ? options : { ...options, returnTo: here() });

export { FeishuLoginError };
