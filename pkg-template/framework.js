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

/**
 * Whether the address bar holds a Feishu callback (`code` or `error`, with `state`, in the query):
 * the SDK's `isCallback()`, for the moment before the wasm has loaded.
 */
export function atCallback() {
  if (typeof location === "undefined") return false;
  const query = new URLSearchParams(location.search);
  return query.has("state") && (query.has("code") || query.has("error"));
}

/** Narrows a binding state to the signed-in one (`session` and `user` set). */
export const isSignedIn = (state) => state?.status === "signedIn";

/**
 * Every failure of this package is a FeishuLoginError. Anything else came from an `instance` the
 * app passed that is not this package's FeishuLogin (a mock, another copy): a misconfiguration,
 * said so, with the original kept as `cause`.
 */
function asError(e) {
  if (e instanceof FeishuLoginError) return e;
  const wrapped = new FeishuLoginError("config", `feishu-login: the FeishuLogin instance failed with something other than a FeishuLoginError (is it this package's FeishuLogin?): ${String(e?.message ?? e)}`);
  wrapped.cause = e;
  return wrapped;
}

/** An exception of the app's own callback: reported like an uncaught error, not a login failure. */
function report(e) {
  if (typeof reportError === "function") reportError(e);
  else setTimeout(() => {
    throw e;
  });
}

/**
 * `{ config }` (a FeishuLogin is created after `init()`) or `{ instance }` (an existing one, used
 * as is and never freed here), and `onRedirectCallback(returnTo)`, called after a browser callback
 * in the URL completed (the address bar already shows `returnTo`: tell the router). With
 * `routerFirst`, a promise it returns (the router's navigation) is awaited before the signed-in
 * state is shown: the router is on `returnTo` when the app renders signed in.
 */
export function createStore({ config, instance, onRedirectCallback, routerFirst = false } = {}) {
  let auth = instance ?? null;
  let snapshot = LOADING;
  let started = null;
  let offs = [];
  let users = 0;
  let releaseTimer = null;
  let disposed = false;
  let error = null;
  // The SDK's status as its onStatus listeners told it (null before the instance exists).
  let heard = null;
  // How many logouts (status "signingOut") this store has seen: guards compare it to tell a
  // signed-out state reached by a logout from one that never had a session.
  let logouts = 0;
  // Nothing is shown before the stored session is known (and a callback in the URL exchanged).
  let known = false;
  let whenKnown;
  const knownPromise = new Promise((resolve) => (whenKnown = resolve));
  const listeners = new Set();

  const current = () => {
    try {
      return auth && !disposed ? auth.session : null;
    } catch {
      return null;
    }
  };

  // Computes the state from the SDK and tells the listeners when it changed. A failed call keeps
  // a valid session: status "signedIn" with the error; "error" only when signed out.
  function publish() {
    if (!known || disposed) return;
    const session = current();
    let status = heard === "redirecting" || heard === "signingOut" ? heard : session ? "signedIn" : "signedOut";
    if (status === "signedOut" && error) status = "error";
    const shownError = status === "signedOut" ? null : error;
    if (snapshot.status === status && snapshot.session === session && snapshot.error === shownError) return;
    snapshot = Object.freeze({ status, session, user: session?.user ?? null, error: shownError });
    for (const listener of [...listeners]) listener();
  }

  function fail(e) {
    if (disposed) return;
    error = asError(e);
    publish();
  }

  // Single flight: React StrictMode runs effects twice, and both must share this one start (one
  // init, one instance, one handleCallback: one backend post, no error from a second attempt).
  function start() {
    started ??= (async () => {
      let returnTo = null;
      try {
        if (!auth) {
          try {
            await loadWasm();
            if (disposed) return;
            auth = new FeishuLogin(config);
          } catch (e) {
            // A mistake in the app (its config, the wasm's URL): said in the console too, since an
            // app that never renders `error` would only show a login button that does nothing.
            console.error(e);
            throw e;
          }
        }
        offs.push(auth.onChange(() => {
          error = null;
          // A step that changed the status too (a logout) tells onStatus listeners next: the
          // state is published from there, so no listener sees the session without its status.
          if (auth.status === heard) publish();
        }));
        heard = auth.status;
        offs.push(auth.onStatus((status) => {
          if (status === "signingOut") logouts++;
          heard = status;
          publish();
        }));
        if (auth.surface === "browser" && auth.isCallback()) {
          // Stays "loading" while the code is exchanged: no signed-out or error flash.
          await auth.handleCallback();
          returnTo = here();
        }
      } catch (e) {
        if (!disposed) error = asError(e);
      } finally {
        if (!disposed) {
          known = true;
          whenKnown();
          if (returnTo !== null) {
            let navigation;
            try {
              navigation = onRedirectCallback?.(returnTo);
            } catch (e) {
              report(e);
            }
            // React: the router's navigation first (a promise), then the signed-in state, so the
            // callback's page never renders signed in; what is under RequireLogin waits anyway.
            if (routerFirst && typeof navigation?.then === "function") await navigation.then(null, report);
          }
          publish();
        }
      }
    })();
    return started;
  }

  async function ready() {
    await start();
    if (disposed) throw new FeishuLoginError("config", "feishu-login: the app that provided this FeishuLogin was unmounted");
    if (!auth) throw error;
    return auth;
  }

  // Actions reject like the SDK does, and the failure is also in the state (for guards and UIs).
  async function act(run) {
    const a = await ready();
    try {
      return await run(a);
    } catch (e) {
      fail(e);
      throw e;
    }
  }

  function dispose() {
    disposed = true;
    offs.forEach((off) => off());
    offs = [];
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
    /** Resolves once the stored session is known (a callback in the URL exchanged), before it is shown. */
    known: () => knownPromise,
    /** How many logouts this store has seen so far. */
    logouts: () => logouts,
    login: (options) => act((a) => a.login(options)),
    logout: (options) => act(async (a) => {
      await a.logout(options);
      error = null;
      publish();
    }),
    // The session, renewed first when it is about to expire.
    getSession: (options) => act((a) => a.getSession(options)),
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

/** Login options for a guard: come back to `returnTo` (default this page) after a browser redirect. */
export const guardOptions = (options, returnTo = here()) => (options?.returnTo || typeof location === "undefined" ? options : { ...options, returnTo });

export { FeishuLoginError };
