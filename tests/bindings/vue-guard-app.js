// createLoginGuard on a vue-router app around a scripted FeishuLogin (fake-sdk.js): the tests
// drive statuses, navigate, and count the logins the guard starts.
import { createApp, h, onMounted } from "vue";
import { RouterView, createRouter, createWebHistory } from "vue-router";
import { FeishuLoginPlugin, createLoginGuard, useFeishuLogin } from "feishu-login/vue";
import { FakeLogin } from "./fake-sdk.js";

const params = new URLSearchParams(sessionStorage.getItem("fake") ?? "");
const callback = params.get("callback");
const fake = (window.fake = new FakeLogin({ signedIn: params.has("signedIn"), callback: callback ? { returnTo: callback } : null }));
// Route components as they mount, with the status they saw then; each finished navigation.
window.mounted = [];
window.routes = [];

const page = (name) => ({
  setup() {
    const { state } = useFeishuLogin();
    onMounted(() => window.mounted.push(`${name}:${state.value.status}`));
    return () => h("p", { id: name }, state.value.status === "signedIn" ? `${name} of ${state.value.user.name}` : name);
  },
});
const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: "/", component: page("home") },
    { path: "/guarded", component: page("guarded"), meta: { requiresLogin: true } },
    { path: "/other", component: page("other"), meta: { requiresLogin: true } },
  ],
});
router.beforeEach(createLoginGuard());
router.afterEach((to, from, failure) => window.routes.push(failure ? `refused ${to.fullPath}` : to.fullPath));
window.router = router;

const App = {
  setup() {
    const api = useFeishuLogin();
    window.api = api;
    return () => h("div", [h("p", { id: "status" }, api.status.value), h(RouterView)]);
  },
};
createApp(App).use(FeishuLoginPlugin, fake).use(router).mount("#app");
