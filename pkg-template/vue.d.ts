// feishu-login/vue (Vue 3.3 or later, an optional peer dependency).
import type { App, ComputedRef } from "vue";
import type { FeishuLogin, FeishuLoginConfig, FeishuLoginError, LoginOptions, Session, AuthHeaders } from "./types.js";

/** "loading" until the stored session was read (and always on the server); then one of the others. */
export type FeishuLoginStatus = "loading" | "signedIn" | "signedOut" | "error";

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

/** What `useFeishuLogin()` returns: read-only refs and the actions. */
export interface UseFeishuLogin<User = unknown> {
  readonly status: ComputedRef<FeishuLoginStatus>;
  readonly session: ComputedRef<Session<User> | null>;
  readonly user: ComputedRef<User | null>;
  readonly error: ComputedRef<FeishuLoginError | null>;
  login(options?: LoginOptions): Promise<Session<User>>;
  logout(options?: { returnTo?: string }): Promise<void>;
  getSession(options?: { minValidityMs?: number }): Promise<Session<User> | null>;
  authHeaders(): AuthHeaders;
}

/** The plugin's state; throws a FeishuLoginError (kind "config") when the plugin is not installed. */
export declare function useFeishuLogin<User = unknown>(): UseFeishuLogin<User>;
