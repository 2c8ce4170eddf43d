// The demo page: plain ES modules importing the built package from /pkg/.
import init, { FeishuLogin, FeishuLoginError } from "/pkg/index.js";

const $ = (id) => document.getElementById(id);
const step = (text) => { const li = document.createElement("li"); li.textContent = text; $("steps").append(li); };

await init();
step("wasm loaded");
const auth = new FeishuLogin({
  appId: "cli_demo",
  backend: "/api/login?pkce=1&demo=1",
  // The local stand-in for https://accounts.feishu.cn/open-apis/authen/v1/authorize.
  authorizeUrl: location.origin + "/authorize",
});
$("surface").textContent = auth.surface;

function render(session) {
  $("status").textContent = session ? "signed in" : "signed out";
  $("session").hidden = !session;
  $("session").textContent = session ? JSON.stringify({ ...session, token: session.token.slice(0, 6) + "…" }, null, 2) : "";
}
function showError(e) {
  $("error").hidden = false;
  $("error").textContent = e instanceof FeishuLoginError ? `${e.kind}${e.code ? " " + e.code : ""}: ${e.message}` : String(e);
}
auth.onChange(render);
render(auth.session);

if (auth.isCallback()) {
  step("callback: checking state, posting code + PKCE verifier to the backend");
  try {
    await auth.handleCallback();
    step("session stored; code and state removed from the address bar");
  } catch (e) { showError(e); }
}
$("login").onclick = () => { step("redirecting to the authorize page"); auth.loginWithRedirect().catch(showError); };
$("logout").onclick = () => { auth.logout(); step("logged out"); };
