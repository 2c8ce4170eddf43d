// The preload helpers: the wasm's URL for a link, and the Vite plugin's shape.
import { wasmUrl } from "feishu-login/wasm-url";
import feishuLogin from "feishu-login/vite";

export function preloadLink(): HTMLLinkElement {
  const link = document.createElement("link");
  link.rel = "preload";
  link.href = wasmUrl;
  link.as = "fetch";
  link.type = "application/wasm";
  link.crossOrigin = "anonymous";
  return link;
}

export const plugin = feishuLogin();
const apply: "build" = plugin.apply;
// @ts-expect-error the plugin takes no options
feishuLogin({ base: "/" });
export { apply };
