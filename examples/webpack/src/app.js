// The page's logic, shared by both entries: a FeishuLogin and the plain DOM.
export function run({ FeishuLogin, FeishuLoginError }, entry) {
  const $ = (id) => document.getElementById(id);
  $("entry").textContent = entry;
  const auth = new FeishuLogin({
    appId: "cli_emulator_demo",
    backend: "/api/feishu/login",
    // The demo server's local emulator; remove for the real Feishu.
    authorizeUrl: new URL("/open-apis/authen/v1/authorize", location.origin).href,
  });
  const render = (session) => {
    $("status").textContent = session ? "signedIn" : "signedOut";
    $("user").textContent = session?.user?.name ?? "";
  };
  const fail = (e) => {
    $("error").textContent = e instanceof FeishuLoginError ? `${e.kind}: ${e.message}` : String(e);
    $("error").dataset.kind = e?.kind ?? "unknown";
  };
  auth.onChange(render);
  render(auth.session);
  $("login").onclick = () => auth.login().catch(fail);
  $("logout").onclick = () => auth.logout();
  $("me").onclick = async () => {
    const response = await fetch("/api/me", { headers: auth.authHeaders() });
    $("me-result").textContent = response.ok ? (await response.json()).name : `HTTP ${response.status}`;
  };
  // Back from Feishu with ?code=…&state=…: exchange the code (the address bar is cleaned).
  if (auth.isCallback()) auth.handleCallback().catch(fail);
}
