// feishu-login/wasm-url: the URL of the wasm that `init()` fetches, for a preload link that starts
// the download with the page instead of after the JS that calls init() (no request waterfall).
// Written exactly as the glue writes it (`new URL("feishu_login_bg.wasm", import.meta.url)`), so
// Vite and webpack rewrite both to the one asset they emit. Imports nothing, touches nothing.
export const wasmUrl = new URL("feishu_login_bg.wasm", import.meta.url).href;
