import { createApp } from "vue";
import { FeishuLoginPlugin } from "feishu-login/vue";
import { config } from "./config.js";
import { router } from "./router.js";
import App from "./App.vue";

// The plugin before the router: the router's first navigation already runs the login guard.
createApp(App).use(FeishuLoginPlugin, config).use(router).mount("#app");
