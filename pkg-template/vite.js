// feishu-login/vite: a Vite plugin for builds. It adds
//   <link rel="preload" href="<the wasm Vite emitted>" as="fetch" type="application/wasm" crossorigin>
// to the head of each built HTML page whose JS statically imports an entry of feishu-login
// (feishu-login, feishu-login/host or feishu-login/browser: the preload names that entry's wasm),
// so the wasm downloads beside the page's JS instead of after it (HTML → JS → wasm becomes
// HTML → JS + wasm).
// `crossorigin` (anonymous) gives the preload the credentials mode of init()'s `fetch(url)`
// (same-origin): with another mode Chromium would not reuse it and would fetch the wasm twice.
// Nothing is added in dev (`vite serve`), nor for a page that loads feishu-login only lazily.

// The package's wasm files, one per entry: feishu_login_bg.wasm (feishu-login),
// feishu_login_host_bg.wasm (feishu-login/host), feishu_login_browser_bg.wasm (feishu-login/browser).
const OURS = /(^|[\\/])feishu_login(_host|_browser)?_bg\.wasm$/;

function isOurs(asset) {
  if (asset?.type !== "asset" || !asset.fileName.endsWith(".wasm")) return false;
  const names = [...(asset.names ?? []), asset.name, ...(asset.originalFileNames ?? []), asset.originalFileName];
  return names.some((n) => typeof n === "string" && OURS.test(n));
}

/** The wasm assets the HTML entry's chunk and its static imports reference. */
function wasmOf(bundle, entry) {
  const wasm = Object.values(bundle).filter(isOurs).map((a) => a.fileName);
  const found = new Set();
  const seen = new Set();
  const visit = (fileName) => {
    const chunk = bundle[fileName];
    if (seen.has(fileName) || chunk?.type !== "chunk") return;
    seen.add(fileName);
    const assets = chunk.viteMetadata?.importedAssets;
    for (const w of wasm) {
      const base = w.slice(w.lastIndexOf("/") + 1);
      if (assets?.has(w) || chunk.code.includes(base)) found.add(w);
    }
    chunk.imports.forEach(visit);
  };
  visit(entry.fileName);
  return [...found];
}

/** The href of `fileName` from the page at `htmlPath` ("/index.html", "/sub/page.html"). */
function href(base, fileName, htmlPath) {
  if (base && base !== "./" && base !== ".") return base.replace(/\/?$/, "/") + fileName;
  const depth = htmlPath.replace(/^\//, "").split("/").length - 1;
  return (depth ? "../".repeat(depth) : "./") + fileName;
}

export default function feishuLogin() {
  let base = "/";
  return {
    name: "feishu-login:preload-wasm",
    apply: "build",
    configResolved(config) {
      base = config.base;
    },
    transformIndexHtml: {
      order: "post",
      handler(html, ctx) {
        if (!ctx.bundle || !ctx.chunk) return undefined;
        return wasmOf(ctx.bundle, ctx.chunk).map((fileName) => ({
          tag: "link",
          attrs: { rel: "preload", href: href(base, fileName, ctx.path), as: "fetch", type: "application/wasm", crossorigin: true },
          injectTo: "head",
        }));
      },
    },
  };
}
