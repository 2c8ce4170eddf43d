// The login state that feishu-login/react and feishu-login/vue share: a union on `status`, so
// that `status === "signedIn"` narrows `session` and `user` to non-null.
import type { AuthHeaders, FeishuLoginError, GetSessionOptions, LoginOptions, LogoutOptions, Session } from "./types.js";

/**
 * - `loading`: the stored session is not known yet (always on the server), or a callback in the
 *   URL is being exchanged.
 * - `signedIn`: a session (maybe with the `error` of a failed call that left it valid).
 * - `redirecting`: the page is navigating to Feishu (or to a login's result) and about to unload.
 * - `signingOut`: a logout runs, from `logout()` until the local and server sides are done (with
 *   `returnTo`, until the page unloads). A logout heard from another tab passes through it too.
 * - `signedOut`: no session, nothing failed.
 * - `error`: no session, and `error` says why (a refused consent, a failed exchange, …).
 */
export type FeishuLoginStatus = "loading" | "redirecting" | "signedIn" | "signingOut" | "signedOut" | "error";

/** A session whose `user` is set (the backend contract answers every login with a user). */
export type SignedInSession<User = unknown> = Session<User> & { readonly user: User };

export interface LoadingState {
  readonly status: "loading";
  readonly session: null;
  readonly user: null;
  readonly error: null;
}

export interface SignedInState<User = unknown> {
  readonly status: "signedIn";
  /** The session (frozen). */
  readonly session: SignedInSession<User>;
  /** `session.user`: the user your backend returned with the session. */
  readonly user: User;
  /** The last failure of a call that kept the session (e.g. a failed renewal), or null. */
  readonly error: FeishuLoginError | null;
}

export interface RedirectingState<User = unknown> {
  readonly status: "redirecting";
  /** The session still stored while the page leaves (a forced login), or null. */
  readonly session: Session<User> | null;
  readonly user: User | null;
  readonly error: FeishuLoginError | null;
}

export interface SigningOutState<User = unknown> {
  readonly status: "signingOut";
  readonly session: Session<User> | null;
  readonly user: User | null;
  readonly error: FeishuLoginError | null;
}

export interface SignedOutState {
  readonly status: "signedOut";
  readonly session: null;
  readonly user: null;
  readonly error: null;
}

export interface ErrorState {
  readonly status: "error";
  readonly session: null;
  readonly user: null;
  /** Why there is no session: kind "denied" for a refused consent, and so on. */
  readonly error: FeishuLoginError;
}

/** The login state: narrow it on `status` (or with `isSignedIn`). */
export type FeishuLoginState<User = unknown> =
  | LoadingState
  | SignedInState<User>
  | RedirectingState<User>
  | SigningOutState<User>
  | SignedOutState
  | ErrorState;

/** The actions beside the state; each waits for the instance, rejects like the SDK and puts its failure in `error`. */
export interface FeishuLoginActions<User = unknown> {
  /** `FeishuLogin.login` once the instance is ready. */
  login(options?: LoginOptions): Promise<Session<User>>;
  /** Ends the session (awaits the SDK's logout, which may post to `logoutUrl`); status "signingOut" meanwhile. */
  logout(options?: LogoutOptions): Promise<void>;
  /** A valid session, renewed when needed where the SDK can renew; null when signed out. */
  getSession(options?: GetSessionOptions): Promise<Session<User> | null>;
  /** `{ Authorization: "Bearer …" }` while signed in, else `{}`. */
  authHeaders(): AuthHeaders;
}

/** Whether `state` is signed in: narrows it (and the hook's whole result) to `SignedInState`. */
export declare function isSignedIn<S extends { readonly status: FeishuLoginStatus }>(state: S): state is Extract<S, { readonly status: "signedIn" }>;
