// The browser redirect login with feishu-login, from pkg/ (the web target). Bundled with esbuild
// like the anchors' entries (bench/dist/feishu-login.js, the wasm copied next to it, as an app's
// bundler would): one module fetch, then init()'s wasm fetch. Its size is not this bundle's but
// pkg/'s, the wasm plus the JS glue a page loads.
import init, { FeishuLogin } from "../../pkg/index.js";

export async function start(cfg, mark = () => {}) {
  await init();
  mark("init");
  const auth = new FeishuLogin({ appId: "cli_bench", backend: cfg.origin + "/api/login", authorizeUrl: cfg.issuer + "/authorize", redirectUri: cfg.redirectUri });
  mark("setup");
  return {
    authorizeUrl: () => auth.authorizeUrl(),
    async handleCallback(url) {
      return (await auth.handleCallback(url)).user;
    },
  };
}
