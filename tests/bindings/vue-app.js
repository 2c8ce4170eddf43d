// The Vue binding under test: the plugin and the composable's refs, rendered by a render function.
import { createApp, h, watch } from "vue";
import { FeishuLoginPlugin, useFeishuLogin } from "feishu-login/vue";

window.seen = [];
const App = {
  setup() {
    const api = useFeishuLogin();
    window.api = api;
    // The refs themselves are watched: they must update, not just the rendered text.
    watch([api.status, api.error], ([status, error]) => window.seen.push(error ? `${status}:${error.kind}` : status), { immediate: true });
    return () => h("div", [
      h("p", { id: "status" }, api.status.value),
      h("p", { id: "user" }, api.user.value?.name ?? "-"),
      h("p", { id: "error" }, api.error.value ? api.error.value.kind : "-"),
      h("button", { id: "login", onClick: () => api.login().catch(() => {}) }, "Log in"),
      h("button", { id: "logout", onClick: () => api.logout() }, "Log out"),
    ]);
  },
};
createApp(App)
  .use(FeishuLoginPlugin, { appId: "cli_emulator_demo", backend: "/api/feishu/login", authorizeUrl: location.origin + "/open-apis/authen/v1/authorize" })
  .mount("#app");
