// Run by tests/bindings.test.mjs with node in this directory: the bindings imported and rendered
// on the server, where there is no window. Prints what each rendered.
import { createElement as h } from "react";
import { renderToString } from "react-dom/server";
import { createSSRApp, h as vh } from "vue";
import { renderToString as vueRender } from "vue/server-renderer";

if (typeof window !== "undefined" || typeof document !== "undefined") throw new Error("not a server");
const react = await import("feishu-login/react");
const vue = await import("feishu-login/vue");
const config = { appId: "cli_x", backend: "/api/feishu/login" };

function Status() {
  const { status, session } = react.useFeishuLogin();
  return h("p", null, `${status}/${session === null}`);
}
const reactHtml = renderToString(h(react.FeishuLoginProvider, { config }, h(Status), h(react.RequireLogin, { fallback: "wait" }, "secret")));

const app = createSSRApp({
  setup() {
    const { status, user } = vue.useFeishuLogin();
    return () => vh("p", `${status.value}/${user.value === null}`);
  },
});
app.use(vue.FeishuLoginPlugin, config);
const vueHtml = await vueRender(app);
console.log(JSON.stringify({ react: reactHtml, vue: vueHtml }));
