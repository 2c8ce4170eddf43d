// feishu-login/react (React 18 or 19, an optional peer dependency).
import type { ReactNode } from "react";
import type { FeishuLogin, FeishuLoginConfig, FeishuLoginError, LoginOptions } from "./types.js";
import type { FeishuLoginActions, FeishuLoginState, FeishuLoginStatus } from "./framework.js";

export type {
  ErrorState, FeishuLoginActions, FeishuLoginState, FeishuLoginStatus, LoadingState, RedirectingState,
  SignedInSession, SignedInState, SignedOutState, SigningOutState,
} from "./framework.js";
export { isSignedIn } from "./framework.js";

/**
 * What `useFeishuLogin()` returns: the state, a union on `status` (a new object only when status,
 * session or error change), and the actions. `status === "signedIn"` narrows `session` and `user`.
 */
export type UseFeishuLogin<User = unknown> = FeishuLoginState<User> & FeishuLoginActions<User>;

/** Either a config (the provider creates the FeishuLogin after `init()`) or an existing instance. */
export type FeishuLoginProviderProps<User = unknown> = (
  | { config: FeishuLoginConfig; instance?: undefined }
  | { instance: FeishuLogin<User>; config?: undefined }
) & {
  /**
   * After a browser callback completed, before the signed-in state renders: the address bar shows
   * `returnTo`; tell the router (`router.navigate(returnTo, { replace: true })`).
   */
  onRedirectCallback?: (returnTo: string) => void;
  children?: ReactNode;
};

/** One FeishuLogin and one `init()` for the tree below; config is read once. */
export declare function FeishuLoginProvider<User = unknown>(props: FeishuLoginProviderProps<User>): ReactNode;

/** The login state of the nearest provider; throws a FeishuLoginError (kind "config") without one. */
export declare function useFeishuLogin<User = unknown>(): UseFeishuLogin<User>;

export interface RequireLoginProps {
  children?: ReactNode;
  /** Shown unless signed in: while loading, redirecting, signing out, signed out (a login may run) or failed. */
  fallback?: ReactNode | ((state: { status: Exclude<FeishuLoginStatus, "signedIn">; error: FeishuLoginError | null }) => ReactNode);
  /** Passed to `login()`; `returnTo` defaults to the current page. */
  loginOptions?: LoginOptions;
}

/**
 * Renders `children` when signed in, else `fallback`. Starts at most one login per mount, only when
 * signed out: never while redirecting or signing out, after a failure, or because of a logout.
 */
export declare function RequireLogin(props: RequireLoginProps): ReactNode;
