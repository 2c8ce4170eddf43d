// The public types of feishu-login (both entries re-export them). The class is implemented by
// the driver (js/driver.js) around the Rust engine in the wasm.

/** Where the page runs, which decides how a login code is obtained. */
export type Surface = "docWidget" | "client" | "miniProgram" | "browser";

/**
 * Where the app stands (`auth.status`): signed in or out; `"redirecting"` from the decision to
 * navigate to Feishu (a redirect login, an accepted QR scan) until the page unloads;
 * `"signingOut"` from `logout()` until its server side is done and, with `returnTo`, until the
 * page unloads (a logout heard from another tab passes through it too). While redirecting or
 * signing out, no login starts.
 */
export type AuthStatus = "signedIn" | "signedOut" | "redirecting" | "signingOut";

/** The stable `kind` of a `FeishuLoginError`. */
export type FeishuLoginErrorKind =
  | "config" | "unsupported" | "denied" | "host" | "state" | "callback"
  | "network" | "timeout" | "backend" | "response" | "storage" | "crypto" | "cancelled"
  | "popup";

/** A synchronous string store, like `localStorage`. */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** Where login codes are posted, and how. */
export interface BackendOptions {
  /** Absolute http(s) URL or relative path. */
  url: string;
  /** Extra request headers (ASCII values). */
  headers?: Record<string, string>;
  /** Default "same-origin". */
  credentials?: "omit" | "same-origin" | "include";
  /** Default 10000. */
  timeoutMs?: number;
  /** Retries of safely retryable failures (connection, 502/503/504, relayed 20050/20072). Default 2. */
  retries?: number;
  /** "query" also appends `?code=` to the URL. Default "body". */
  codeIn?: "body" | "query";
}

/** The doc widget API the SDK calls: the object from `new BlockitClient().initAPI()`. */
export interface DocMiniAppLike {
  Service: { User: { login(): Promise<string> } };
}

/** `new FeishuLogin(config)`. */
export interface FeishuLoginConfig {
  /** The app's App ID (`cli_…`). */
  appId: string;
  /** Where codes are posted: a URL, or options. */
  backend: string | BackendOptions;
  /** Browser flow callback; default: this page without query and fragment. */
  redirectUri?: string;
  /** Scopes to request (authorize `scope` / requestAccess `scopeList`). */
  scope?: string[];
  /** Default "feishu". */
  brand?: "feishu" | "lark";
  /** Override of the brand's authorize endpoint (gateway, local emulator). */
  authorizeUrl?: string;
  /**
   * Browser flow on the historical passport endpoint (`passport.feishu.cn/suite/passport/oauth/authorize`,
   * or `authorizeUrl` when set): no scope, no PKCE, state still enforced; the backend is told with
   * `"passport": true`. The goto Feishu's real QR SDK accepts. Default false.
   */
  passport?: boolean;
  /** Where the session persists; default "local". Falls back to memory when storage throws. */
  storage?: "local" | "session" | "memory" | StorageLike;
  /** The object from `new BlockitClient().initAPI()`; default `globalThis.DocMiniApp`. */
  docMiniApp?: DocMiniAppLike;
  /** Force a login surface; default "auto". */
  surface?: "auto" | Surface;
  /** How long h5sdk.ready, tt.* and DocMiniApp calls may take to answer; default 30000. */
  hostTimeoutMs?: number;
  /**
   * Browser surface: the backend's renewal endpoint, `POST`ed with `Authorization: Bearer <token>`
   * and `{}`; answers like `backend` (`{ token, expiresIn?, user? }`), 401/403 when the session
   * has ended. Host surfaces renew through the host and `backend` without it.
   */
  refreshUrl?: string | BackendOptions;
  /** `POST`ed with `Authorization: Bearer <token>` by `logout()` to end the session server-side. */
  logoutUrl?: string | BackendOptions;
  /** Renew this long before the session expires (in one tab); default 60000, 0 disables automatic renewal. */
  renewBeforeMs?: number;
}

/** Options of `getSession`. */
export interface GetSessionOptions {
  /** The session must stay valid at least this long, else it is renewed first; default 60000. */
  minValidityMs?: number;
}

/** Options of `logout`. */
export interface LogoutOptions {
  /** Same-origin path or URL to navigate to once the session is ended. */
  returnTo?: string;
}

/** The app's session, as issued by its backend (frozen). */
export interface Session<User = unknown> {
  /** The backend's session token; send it as `Authorization: Bearer …`. */
  readonly token: string;
  /** When the session ends (ms since the epoch), or null if the backend gave no `expiresIn`. */
  readonly expiresAt: number | null;
  /** The user object the backend returned. */
  readonly user: User | null;
  /** The surface it was obtained on. */
  readonly surface: Surface;
  /** When it was obtained (ms since the epoch). */
  readonly obtainedAt: number;
}

/** Options of `login`, `authorizeUrl` and `loginWithRedirect`. */
export interface LoginOptions {
  /** Scopes for this attempt instead of the configured ones. */
  scope?: string[];
  /** Ignore a valid stored session. */
  force?: boolean;
  /** Same-origin path or URL to put in the address bar after the callback. */
  returnTo?: string;
}

/** Options of `mountQrLogin` (login options too: `scope`, `returnTo`). */
export interface QrLoginOptions extends LoginOptions {
  /** Width of the QR area (the QR code itself is 250×250). */
  width?: number | string;
  /** Height of the QR area. */
  height?: number | string;
  /** CSS of the QR iframe. */
  style?: string;
  /** Where to load the QR SDK from when `window.QRLogin` is absent; default Feishu's CDN build (Lark's for brand "lark"). */
  sdkUrl?: string;
}

/** A mounted QR login. */
export interface QrLoginHandle {
  /** Resolves when the QR code is rendered; rejects with kind "host" (script not loaded, no `QRLogin`) or "cancelled" (disposed or replaced first). */
  readonly ready: Promise<void>;
  /** Removes the QR iframe and the message listener. */
  dispose(): void;
}

/** `{ Authorization: "Bearer …" }` when signed in, else `{}` (frozen). */
export type AuthHeaders = Readonly<{ Authorization: string } | Record<string, never>>;

/** Signs the user in with Feishu on every surface and keeps the app's session. */
export declare class FeishuLogin<User = unknown> {
  /** Validates `config` (throws `FeishuLoginError` of kind "config") and reads the stored session. */
  constructor(config: FeishuLoginConfig);
  /** The detected (or forced) login surface. */
  readonly surface: Surface;
  /** The persisted, unexpired session (the same frozen object until it changes), or null. */
  readonly session: Session<User> | null;
  /**
   * Where the app stands. While "redirecting" or "signingOut", `login()`, `loginWithRedirect()`
   * and `loginWithPopup()` reject with kind "cancelled". Already "signingOut" when a logout's
   * `onChange(null)` listeners run.
   */
  readonly status: AuthStatus;
  /**
   * Signs in on the current surface; resolves with the stored session when one is valid (unless
   * `options.force`). Browser: completes a callback in the URL, else navigates to Feishu; rejects
   * with kind "cancelled" when the page did not unload. Concurrent calls share one attempt.
   */
  login(options?: LoginOptions): Promise<Session<User>>;
  /** A fresh authorize URL with PKCE S256 and state; records the pending login. */
  authorizeUrl(options?: LoginOptions): Promise<string>;
  /** Sends the browser to Feishu's authorize page. */
  loginWithRedirect(options?: LoginOptions): Promise<void>;
  /**
   * Logs in in a popup (call it in a click handler, before the first await); the page does not unload.
   * Rejects with kind "popup" when the browser blocked it, "cancelled" when the user closed it.
   */
  loginWithPopup(options?: Omit<LoginOptions, "returnTo">): Promise<Session<User>>;
  /** Renders Feishu's QR code into `target` (an element or its id); a scan completes the login by redirect. */
  mountQrLogin(target: Element | string, options?: QrLoginOptions): QrLoginHandle;
  /** Whether `url` (default `location.href`) carries `code`+`state` or `error`+`state`. */
  isCallback(url?: string): boolean;
  /** Validates the callback in `url` (default `location.href`) and exchanges its code; concurrent calls share one attempt. */
  handleCallback(url?: string): Promise<Session<User>>;
  /**
   * Removes the session from every store at once (every tab's `onChange` hears `null`); with
   * `logoutUrl`, first `POST`s it with the bearer token and settles once it answered (a failure
   * is a console warning, never a kept session); then navigates to `options.returnTo`.
   */
  logout(options?: LogoutOptions): Promise<void>;
  /**
   * A session valid for at least `options.minValidityMs` (default 60000), renewed first when
   * needed and possible (one renewal for concurrent calls and all tabs); `null` when signed out.
   * When renewal fails, the still-valid session.
   */
  getSession(options?: GetSessionOptions): Promise<Session<User> | null>;
  /** Calls `listener` on login, logout, expiry and other tabs' changes; returns the unsubscribe function. */
  onChange(listener: (session: Session<User> | null) => void): () => void;
  /** Calls `listener` once per change of `status`, in order, after that change's `onChange` listeners; returns the unsubscribe function. */
  onStatus(listener: (status: AuthStatus) => void): () => void;
  /** `{ Authorization: "Bearer <token>" }` while signed in, else `{}`: the same frozen object until the session changes. */
  authHeaders(): AuthHeaders;
  /** Releases the wasm engine, its timers and listeners; the instance cannot be used afterwards. */
  free(): void;
}

/**
 * Every rejection and throw of the SDK. `err instanceof FeishuLoginError && err instanceof Error`.
 * Branch on `kind` (stable); `code` is the Feishu or host code when there is one.
 */
export declare class FeishuLoginError extends Error {
  readonly name: "FeishuLoginError";
  /** Stable kind: "config", "denied", "state", "backend", … */
  readonly kind: FeishuLoginErrorKind;
  /** The Feishu / host error code (e.g. 20049, 10236, 2700002), when there is one. */
  readonly code?: number;
  /** The backend's HTTP status, for kind "backend". */
  readonly status?: number;
  /** Whether trying again later may succeed. */
  readonly retryable: boolean;
}
