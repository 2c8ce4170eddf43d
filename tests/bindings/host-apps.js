// feishu-login/host/react and feishu-login/host/vue in a doc widget, as Feishu Docs would host it:
// the widget's DocMiniApp hands out the emulator's one-time codes. Bundled by
// tests/bindings.test.mjs (one bundle per binding: ?react or ?vue picks it at build time).
import { createElement, StrictMode, useEffect } from "react";
import { createRoot } from "react-dom/client";
import { createApp, h } from "vue";
import * as react from "feishu-login/host/react";
import * as vue from "feishu-login/host/vue";

/* global BINDING */
const docMiniApp = {
  Service: {
    User: {
      async login() {
        const answer = await fetch("/emulator/host-code", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ surface: "docWidget" }) });
        return (await answer.json()).code;
      },
    },
  },
};
const config = { appId: "cli_emulator_demo", backend: "/api/feishu/login", docMiniApp };
window.seen = [];
const log = (status) => window.seen.at(-1) !== status && window.seen.push(status);
const view = (api, el, status, user) => el("div", null,
  el("p", { id: "status" }, status),
  el("p", { id: "user" }, user?.name ?? "-"),
  el("button", { id: "login", onClick: () => api.login().catch(() => {}) }, "Log in"),
  el("button", { id: "logout", onClick: () => api.logout() }, "Log out"));

if (BINDING === "react") {
  function Widget() {
    const api = react.useFeishuLogin();
    useEffect(() => void log(api.status), [api.status]);
    return view(api, createElement, api.status, api.user);
  }
  createRoot(document.getElementById("app")).render(
    createElement(StrictMode, null, createElement(react.FeishuLoginProvider, { config }, createElement(Widget))));
} else {
  const Widget = {
    setup() {
      const api = vue.useFeishuLogin();
      return () => {
        log(api.status.value);
        return view(api, (tag, props, ...children) => h(tag, props, children), api.status.value, api.user.value);
      };
    },
  };
  createApp(Widget).use(vue.FeishuLoginPlugin, config).mount("#app");
}
