// feishu-login/react (React 18 or 19, an optional peer dependency).
import type { ReactNode } from "react";
import type { FeishuLogin, FeishuLoginConfig, FeishuLoginError, LoginOptions, Session, AuthHeaders } from "./types.js";

/** "loading" until the stored session was read (and always on the server); then one of the others. */
export type FeishuLoginStatus = "loading" | "signedIn" | "signedOut" | "error";

/** What `useFeishuLogin()` returns (a new object only when status, session or error change). */
export interface FeishuLoginState<User = unknown> {
  readonly status: FeishuLoginStatus;
  /** The session (frozen), or null. */
  readonly session: Session<User> | null;
  /** `session.user`, or null. */
  readonly user: User | null;
  /** The last failure (start, callback, login, logout, getSession), cleared by a session change. */
  readonly error: FeishuLoginError | null;
  /** `FeishuLogin.login` once the instance is ready; a failure also lands in `error`. */
  login(options?: LoginOptions): Promise<Session<User>>;
  /** Removes the session (awaits the SDK's logout, which may post to `logoutUrl`). */
  logout(options?: { returnTo?: string }): Promise<void>;
  /** A valid session, renewed when needed where the SDK can renew; null when signed out. */
  getSession(options?: { minValidityMs?: number }): Promise<Session<User> | null>;
  /** `{ Authorization: "Bearer …" }` while signed in, else `{}`. */
  authHeaders(): AuthHeaders;
}

/** Either a config (the provider creates the FeishuLogin after `init()`) or an existing instance. */
export type FeishuLoginProviderProps<User = unknown> = (
  | { config: FeishuLoginConfig; instance?: undefined }
  | { instance: FeishuLogin<User>; config?: undefined }
) & {
  /** After a browser callback completed: the address bar shows `returnTo`; tell the router. */
  onRedirectCallback?: (returnTo: string) => void;
  children?: ReactNode;
};

/** One FeishuLogin and one `init()` for the tree below; config is read once. */
export declare function FeishuLoginProvider<User = unknown>(props: FeishuLoginProviderProps<User>): ReactNode;

/** The login state of the nearest provider; throws a FeishuLoginError (kind "config") without one. */
export declare function useFeishuLogin<User = unknown>(): FeishuLoginState<User>;

export interface RequireLoginProps {
  children?: ReactNode;
  /** Shown while loading, signed out (the login runs) or failed. */
  fallback?: ReactNode | ((state: { status: FeishuLoginStatus; error: FeishuLoginError | null }) => ReactNode);
  /** Passed to `login()`; `returnTo` defaults to the current page. */
  loginOptions?: LoginOptions;
}

/** Renders `children` when signed in; signed out, starts one login and renders `fallback`. */
export declare function RequireLogin(props: RequireLoginProps): ReactNode;
