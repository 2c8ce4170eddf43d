// feishu-login/vue (Vue 3.3 or later, an optional peer dependency; the guard fits vue-router 4.2 or later).
import type { App, ComputedRef } from "vue";
import type { FeishuLogin, FeishuLoginConfig, FeishuLoginError, LoginOptions, Session } from "./types.js";
import type { FeishuLoginActions, FeishuLoginState, FeishuLoginStatus } from "./framework.js";

export type {
  ErrorState, FeishuLoginActions, FeishuLoginState, FeishuLoginStatus, LoadingState, RedirectingState,
  SignedInSession, SignedInState, SignedOutState, SigningOutState,
} from "./framework.js";
export { isSignedIn } from "./framework.js";

/** The options of `app.use(FeishuLoginPlugin, …)`: a config, or a config/instance with a redirect callback. */
export type FeishuLoginPluginOptions<User = unknown> =
  | FeishuLoginConfig
  | FeishuLogin<User>
  | {
    config: FeishuLoginConfig;
    instance?: undefined;
    /** After a browser callback completed: the address bar shows `returnTo`; tell the router. */
    onRedirectCallback?: (returnTo: string) => void;
  }
  | { instance: FeishuLogin<User>; config?: undefined; onRedirectCallback?: (returnTo: string) => void };

/** `app.use(FeishuLoginPlugin, config)`: one FeishuLogin and one `init()` per app. */
export declare const FeishuLoginPlugin: {
  install(app: App, options: FeishuLoginPluginOptions): void;
};

/**
 * What `useFeishuLogin()` returns: read-only refs and the actions. `state` is the whole state, a
 * union on `status` that narrows (`state.value.status === "signedIn"` → `state.value.user` is set);
 * `status`, `session`, `user` and `error` are its fields as separate refs.
 */
export interface UseFeishuLogin<User = unknown> extends FeishuLoginActions<User> {
  readonly state: ComputedRef<FeishuLoginState<User>>;
  readonly status: ComputedRef<FeishuLoginStatus>;
  readonly session: ComputedRef<Session<User> | null>;
  readonly user: ComputedRef<User | null>;
  readonly error: ComputedRef<FeishuLoginError | null>;
}

/** The plugin's state; throws a FeishuLoginError (kind "config") when the plugin is not installed. */
export declare function useFeishuLogin<User = unknown>(): UseFeishuLogin<User>;

/** The parts of a vue-router route the guard reads (vue-router's `RouteLocationNormalized` has them). */
export interface LoginGuardRoute {
  readonly fullPath: string;
  readonly meta: Record<PropertyKey, unknown>;
}

export interface LoginGuardOptions<Fallback = false> {
  /** Whether the route needs a login; default `to.meta.requiresLogin === true`. */
  requiresLogin?: (to: LoginGuardRoute) => boolean;
  /** Passed to `login()`; `returnTo` defaults to the route being navigated to. */
  loginOptions?: LoginOptions;
  /**
   * What the guard answers when the route cannot be shown (signed out while the login runs,
   * redirecting, signing out, failed): a route location (e.g. `{ name: "login" }`) or `false`
   * (stay where you are), the default.
   */
  fallback?: Fallback;
}

/**
 * A navigation guard for `router.beforeEach(createLoginGuard())`: signed in, routes that need a
 * login pass; signed out, it starts one login per navigation (never while redirecting or signing
 * out, never after a failure) and answers `fallback`. It holds the page's first navigation while
 * a callback in the URL is exchanged, then goes to the callback's `returnTo`.
 */
export declare function createLoginGuard<Fallback extends string | object | false = false>(
  options?: LoginGuardOptions<Fallback>,
): (to: LoginGuardRoute) => Promise<boolean | string | Fallback>;
