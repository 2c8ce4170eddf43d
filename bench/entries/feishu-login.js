// The browser redirect login with feishu-login, as shipped in pkg/ (not re-bundled: its size is
// the wasm plus the JS glue a page loads).
import init, { FeishuLogin } from "/pkg/index.js";

export async function start(cfg) {
  await init();
  const auth = new FeishuLogin({ appId: "cli_bench", backend: cfg.origin + "/api/login", authorizeUrl: cfg.issuer + "/authorize", redirectUri: cfg.redirectUri });
  return {
    authorizeUrl: () => auth.authorizeUrl(),
    async handleCallback(url) {
      return (await auth.handleCallback(url)).user;
    },
  };
}
