import { createApp } from "vue";
// The binding of feishu-login/browser, the entry for web apps (the browser redirect; no Feishu
// hosts, popup or QR): the app loads that entry's wasm only.
import { FeishuLoginPlugin } from "feishu-login/browser/vue";
import { config } from "./config.js";
import { router } from "./router.js";
import App from "./App.vue";

// The plugin before the router: the router's first navigation already runs the login guard.
createApp(App).use(FeishuLoginPlugin, config).use(router).mount("#app");
