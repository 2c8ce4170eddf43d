import { defineConfig } from "vite";
import { resolve } from "node:path";
import feishuLogin from "feishu-login/vite";

export default defineConfig({
  // The built widget.html preloads feishu-login/host's wasm.
  plugins: [feishuLogin()],
  build: {
    sourcemap: "hidden",
    // widget.html is the doc widget. To run it without Feishu, open the emulator's local Docs host
    // with it: http://127.0.0.1:8080/emulator/doc-widget-host?url=http://localhost:5173/widget.html
    rolldownOptions: { input: { widget: resolve(import.meta.dirname, "widget.html") } },
  },
  server: { proxy: { "/api": "http://127.0.0.1:8080", "/emulator": "http://127.0.0.1:8080" } },
});
