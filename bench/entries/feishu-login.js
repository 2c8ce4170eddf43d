// The browser redirect login with feishu-login. "feishu-login" is the package entry measured
// (bench/lib.mjs ENTRIES: pkg/index.js for `feishu-login`). Bundled with esbuild like the anchors'
// jobs (bench/dist/<entry>/sdk.js, the wasm copied next to it, as an app's bundler would): one
// module fetch, then init()'s wasm fetch. Its size is the entry's module and wasm, not this bundle.
import init, { FeishuLogin } from "feishu-login";

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
