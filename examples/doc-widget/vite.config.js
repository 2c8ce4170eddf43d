import { defineConfig } from "vite";
import { resolve } from "node:path";

export default defineConfig({
  build: {
    sourcemap: "hidden",
    rolldownOptions: {
      // widget.html is the doc widget; index.html is a local page that plays the Docs host for it
      // (development only: in Feishu, Docs itself hosts widget.html in its iframe).
      input: { widget: resolve(import.meta.dirname, "widget.html"), host: resolve(import.meta.dirname, "index.html") },
    },
  },
  server: { proxy: { "/api": "http://127.0.0.1:8080", "/emulator": "http://127.0.0.1:8080" } },
});
