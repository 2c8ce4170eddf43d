// The doc widget: @lark-opdev/block-docs-addon-api's DocMiniApp is passed to FeishuLogin, which
// asks Docs for a login code (DocMiniApp.Service.User.login()) and posts it to the backend.
// feishu-login/host: the entry for code that runs inside Feishu (no browser redirect, popup or QR).
import { BlockitClient, DocMiniApp } from "@lark-opdev/block-docs-addon-api";
import init, { FeishuLogin, FeishuLoginError } from "feishu-login/host";

// The constructor already calls initAPI() (which wires DocMiniApp to Docs): calling
// `new BlockitClient().initAPI()` wires it twice ("duplicated runtime.onApiInvoke").
new BlockitClient();

const $ = (id) => document.getElementById(id);
await init();
const auth = new FeishuLogin({
  appId: import.meta.env.VITE_FEISHU_APP_ID ?? "cli_emulator_demo",
  // On the widget's request allowlist in the developer console when it is another origin.
  backend: "/api/feishu/login",
  docMiniApp: DocMiniApp,
});
$("status").dataset.surface = auth.surface;

const render = (session) => {
  $("status").textContent = session ? "signedIn" : "signedOut";
  $("user").textContent = session?.user?.name ?? "";
};
const fail = (e) => {
  $("error").textContent = e instanceof FeishuLoginError ? `${e.kind}${e.code !== undefined ? ` (${e.code})` : ""}: ${e.message}` : String(e);
  $("error").dataset.kind = e?.kind ?? "unknown";
};
auth.onChange(render);
render(auth.session);
$("login").onclick = () => auth.login().catch(fail);
$("logout").onclick = () => auth.logout();
$("me").onclick = async () => {
  // Widgets authenticate with a header: third-party cookies do not reach the backend from an iframe.
  const response = await fetch("/api/me", { headers: auth.authHeaders() });
  $("me-result").textContent = response.ok ? (await response.json()).name : `HTTP ${response.status}`;
};
