/**
 * The URL `init()` fetches the wasm from, as the app's bundler emitted it: preload it with
 * `<link rel="preload" href={wasmUrl} as="fetch" type="application/wasm" crossorigin>` (the
 * `crossorigin` is what makes the browser reuse the preload for init()'s fetch).
 */
export declare const wasmUrl: string;
