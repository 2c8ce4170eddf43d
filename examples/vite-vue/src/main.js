import { createApp } from "vue";
import { FeishuLoginPlugin } from "feishu-login/vue";
import { config } from "./config.js";
import App from "./App.vue";

createApp(App)
  // With vue-router: app.use(FeishuLoginPlugin, { config, onRedirectCallback: (to) => router.replace(to) })
  .use(FeishuLoginPlugin, config)
  .mount("#app");
