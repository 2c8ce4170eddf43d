import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import feishuLogin from "feishu-login/vite";

export default defineConfig({
  // Source maps without the comment that points browsers at them (the tests measure what
  // feishu-login adds to the bundle with them).
  build: { sourcemap: "hidden" },
  // feishuLogin(): the built index.html preloads the wasm, so it downloads beside the JS.
  plugins: [react(), feishuLogin()],
  // `npm run dev` next to the demo server (./scripts/demo.sh on :8080): the backend and the
  // emulator answer there. Feishu only redirects to registered URLs: register the dev server's.
  server: { proxy: { "/api": "http://127.0.0.1:8080", "/open-apis": "http://127.0.0.1:8080", "/emulator": "http://127.0.0.1:8080" } },
});
