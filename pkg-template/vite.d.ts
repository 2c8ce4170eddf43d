/** One tag of Vite's `transformIndexHtml` result. */
export interface FeishuLoginHtmlTag {
  tag: "link";
  attrs: { rel: "preload"; href: string; as: "fetch"; type: "application/wasm"; crossorigin: true };
  injectTo: "head";
}

/**
 * A Vite plugin (builds only): each built HTML page whose JS statically imports an entry of
 * `feishu-login` (`feishu-login`, `feishu-login/host`, `feishu-login/browser`, or their bindings)
 * gets `<link rel="preload" href="…/feishu_login_bg-HASH.wasm" as="fetch" type="application/wasm" crossorigin>`
 * (`feishu_login_host_bg-HASH.wasm`, `feishu_login_browser_bg-HASH.wasm` for the other entries),
 * so the wasm downloads in parallel with the page's JS. Structurally a Vite `Plugin`:
 * `plugins: [react(), feishuLogin()]`.
 */
export default function feishuLogin(): {
  name: string;
  apply: "build";
  configResolved(config: { base: string }): void;
  transformIndexHtml: {
    order: "post";
    handler(html: string, ctx: { path: string; bundle?: object; chunk?: object }): FeishuLoginHtmlTag[] | undefined;
  };
};
