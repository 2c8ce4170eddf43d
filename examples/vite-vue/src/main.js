import { createApp } from "vue";
import { FeishuLoginPlugin } from "feishu-login/vue";
import { config } from "./config.js";
import App from "./App.vue";

createApp(App)
  // With vue-router: createLoginGuard() (examples/vue-router)
  .use(FeishuLoginPlugin, config)
  .mount("#app");
