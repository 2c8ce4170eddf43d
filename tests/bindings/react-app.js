// The React binding under test, in StrictMode and React's development build (StrictMode runs
// effects twice only there). Bundled by tests/bindings.test.mjs against the packed package.
import { StrictMode, createElement as h, useEffect } from "react";
import { createRoot } from "react-dom/client";
import { FeishuLoginProvider, RequireLogin, useFeishuLogin } from "feishu-login/react";

const config = {
  appId: "cli_emulator_demo",
  backend: "/api/feishu/login",
  authorizeUrl: location.origin + "/open-apis/authen/v1/authorize",
  // A mistake in the config: the provider cannot create its FeishuLogin.
  ...(sessionStorage.getItem("mode") === "badConfig" ? { storage: "localStorage" } : {}),
};
// Every state the hook reported, in order (each once: effects only log changes).
window.seen = [];
window.redirects = [];

function Status() {
  const api = useFeishuLogin();
  const { status, user, error } = api;
  useEffect(() => {
    window.api = api;
  });
  useEffect(() => {
    const entry = error ? `${status}:${error.kind}` : status;
    if (window.seen.at(-1) !== entry) window.seen.push(entry);
  }, [status, error]);
  return h("div", null,
    h("p", { id: "status" }, status),
    h("p", { id: "user" }, user?.name ?? "-"),
    h("p", { id: "error" }, error ? error.kind : "-"),
    h("button", { id: "login", onClick: () => api.login().catch(() => {}) }, "Log in"),
    h("button", { id: "logout", onClick: () => api.logout() }, "Log out"));
}

const guarded = sessionStorage.getItem("mode") === "guard";
createRoot(document.getElementById("app")).render(
  h(StrictMode, null,
    h(FeishuLoginProvider, { config, onRedirectCallback: (to) => window.redirects.push(to) },
      guarded
        ? h(RequireLogin, { fallback: ({ status }) => h("p", { id: "fallback" }, status) }, h("p", { id: "secret" }, "guarded content"), h(Status))
        : h(Status))));
