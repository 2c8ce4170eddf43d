export * from "__TYPES__";

/** What `init` accepts: the wasm's URL (default: next to this module), its bytes, a Response or a compiled module. */
export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

/**
 * Loads the wasm; `await` it once before `new FeishuLogin(...)`. Rejects with a `FeishuLoginError`
 * (kind "unsupported") when it cannot, e.g. under a Content-Security-Policy without 'wasm-unsafe-eval'.
 */
export default function init(
  input?: { module_or_path: InitInput | Promise<InitInput> } | InitInput | Promise<InitInput>,
): Promise<void>;

/** Loads the wasm synchronously from its bytes or a compiled module (Node, workers, SSR tests). */
export function initSync(module: { module: BufferSource | WebAssembly.Module } | BufferSource | WebAssembly.Module): void;
