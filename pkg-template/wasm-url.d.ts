/**
 * The URL the entry's `init()` fetches its wasm from (`feishu-login/wasm-url` for `feishu-login`,
 * `feishu-login/host/wasm-url` for `feishu-login/host`, …), as the app's bundler emitted it: preload it with
 * `<link rel="preload" href={wasmUrl} as="fetch" type="application/wasm" crossorigin>` (the
 * `crossorigin` is what makes the browser reuse the preload for init()'s fetch).
 */
export declare const wasmUrl: string;
