// webpack 5, two pages: the web entry (`feishu-login`, `await init()`: webpack emits the wasm as
// an asset from `new URL("feishu_login_bg.wasm", import.meta.url)`) and the bundler entry
// (`feishu-login/bundler`: the wasm is a module, with experiments.asyncWebAssembly).
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

/** Copies the two pages into dist/ (index.html is the web entry's): no HTML plugin needed. */
class Pages {
  apply(compiler) {
    compiler.hooks.thisCompilation.tap("Pages", (compilation) => {
      compilation.hooks.processAssets.tap({ name: "Pages", stage: compiler.webpack.Compilation.PROCESS_ASSETS_STAGE_ADDITIONAL }, () => {
        for (const [page, out] of [["web", "index.html"], ["bundler", "bundler.html"]]) {
          compilation.emitAsset(out, new compiler.webpack.sources.RawSource(readFileSync(resolve(here, "src", page + ".html"))));
        }
      });
    });
  }
}

export default {
  entry: { web: "./src/web.js", bundler: "./src/bundler.js" },
  output: { path: resolve(here, "dist"), filename: "[name].js", clean: true },
  experiments: { asyncWebAssembly: true },
  performance: { hints: false },
  devtool: "hidden-source-map",
  plugins: [new Pages()],
};
