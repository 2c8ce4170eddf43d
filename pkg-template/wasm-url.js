// feishu-login/wasm-url (and each entry's `/wasm-url`: feishu-login/host/wasm-url, …): the URL of
// the wasm that the entry's `init()` fetches, for a preload link that starts the download with the
// page instead of after the JS that calls init() (no request waterfall). Written exactly as the
// glue writes it (`new URL("<the entry's wasm>", import.meta.url)`), so Vite and webpack rewrite
// both to the one asset they emit. Imports nothing, touches nothing.
export const wasmUrl = new URL("__WASM__", import.meta.url).href;
