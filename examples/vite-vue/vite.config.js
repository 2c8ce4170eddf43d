import { defineConfig } from "vite";
import vue from "@vitejs/plugin-vue";

export default defineConfig({
  // Source maps without the comment that points browsers at them (the tests measure what
  // feishu-login adds to the bundle with them).
  build: { sourcemap: "hidden" },
  plugins: [vue()],
  // `npm run dev` next to the demo server (./scripts/demo.sh on :8080): the backend and the
  // emulator answer there. Its emulator redirects only to its own page (http://127.0.0.1:8080/),
  // which cannot be changed: a login from the dev server stops at error 20029. To log in from
  // here, run feishu-emulator with --redirect http://localhost:5173/ and a backend pointed at it,
  // proxy /api to that backend and set VITE_FEISHU_APP_ID / VITE_FEISHU_AUTHORIZE_URL in
  // .env.development (README: "Your own Vite app against the emulator"); or build the app and
  // serve it as the demo server's page, as tests/examples.test.mjs does.
  server: { proxy: { "/api": "http://127.0.0.1:8080", "/open-apis": "http://127.0.0.1:8080", "/emulator": "http://127.0.0.1:8080" } },
});
