export * from "./feishu_login.js";
export { default } from "./feishu_login.js";
import type { FeishuLoginErrorKind } from "./feishu_login.js";

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
