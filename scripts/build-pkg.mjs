#!/usr/bin/env node
// Builds the npm package in pkg/: wasm-pack (web target at the top, bundler target in
// pkg/bundler/), wasm-opt -Oz, the package entries from pkg-template/, the merged
// package.json; then checks what `npm pack` would ship and prints the gzip -9 size.
//
// wasm-pack runs with --mode no-install: it must use the wasm-bindgen on PATH and never
// download tools (this project's machines reach only package registries). wasm-opt comes from
// the npm package `binaryen` (a devDependency): Debian's binaryen 108 cannot parse the
// reference-types code (`table.fill`) wasm-bindgen emits for Rust ≥ 1.82.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { buildSync, transformSync } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const pkg = join(root, "pkg");
const template = join(root, "pkg-template");
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { cwd: root, stdio: "inherit", ...opts });

// The shipped module is built with a pinned nightly (installed by scripts/setup.sh): core and
// alloc rebuilt with immediate-abort panics leave no panic-message formatting in the module
// (−7.7 KB gzip against stable's panic = "abort"), and no file paths for panic locations.
// Everything else (tests, clippy, the server) builds on stable.
const toolchain = readFileSync(join(root, "scripts", "shipped-toolchain"), "utf8").trim();
const shippedEnv = {
  ...process.env,
  RUSTUP_TOOLCHAIN: toolchain,
  RUSTFLAGS: "-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none",
  // Its own target dir: other RUSTFLAGS would otherwise rebuild the stable artefacts each time.
  CARGO_TARGET_DIR: join(root, "target", "shipped"),
};

function wasmPack(target, outDir) {
  // Without the default `std` feature: the module links no std (talc allocates; panics trap).
  run("wasm-pack", ["build", "--mode", "no-install", "--release", "--target", target, "--out-dir", outDir, "--out-name", "feishu_login",
    "--", "--no-default-features", "-Zbuild-std=core,alloc"], { env: shippedEnv });
  const wasm = join(outDir, "feishu_login_bg.wasm");
  // Rust's wasm32 target emits these features by default; wasm-opt must be told.
  run(join(root, "node_modules", ".bin", "wasm-opt"), ["-Oz", "--enable-bulk-memory", "--enable-sign-ext", "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int", "--enable-reference-types", "--enable-multivalue",
    "--strip-debug", "--strip-producers", wasm, "-o", wasm]);
}

// wasm-bindgen's glue carries every rustdoc comment and long names: minified, a page loads
// ~2.2 KB (gzip) less. esbuild's keepNames would wrap each of the ~80 imports in a naming call
// (0.7 KB); only the exported class needs its name (`FeishuLogin.name`, devtools), so it gets it
// back the way keepNames would do it.
function nameClass(file, code) {
  const local = /export\s*\{[^}]*?([\w$]+) as FeishuLogin\b/.exec(code)?.[1];
  if (!local) throw new Error(`${file}: no FeishuLogin export found after minifying`);
  return code + `Object.defineProperty(${local},"name",{value:"FeishuLogin"});\n`;
}

// The bundler target's glue: the class lives in feishu_login_bg.js, re-exported by feishu_login.js.
function minifyBundlerGlue(dir) {
  for (const name of ["feishu_login.js", "feishu_login_bg.js"]) {
    const file = join(dir, name);
    const { code } = transformSync(readFileSync(file, "utf8"), { minify: true, format: "esm", target: "es2020" });
    writeFileSync(file, name === "feishu_login_bg.js" ? nameClass(file, code) : code);
  }
}

function errorModule(dir) {
  const snippets = join(dir, "snippets");
  const found = [];
  const walk = (d) => readdirSync(d).forEach((f) => {
    const p = join(d, f);
    if (statSync(p).isDirectory()) walk(p); else if (p.endsWith("/js/error.js")) found.push(p);
  });
  if (existsSync(snippets)) walk(snippets);
  if (found.length !== 1) throw new Error(`expected one js/error.js snippet in ${dir}, found ${found.length}`);
  return "./" + relative(dir, found[0]);
}

function entry(dir, templateName, outName) {
  const text = readFileSync(join(template, templateName), "utf8").replace("__ERROR_MODULE__", errorModule(dir).slice(2));
  writeFileSync(join(dir, outName), text);
}

rmSync(pkg, { recursive: true, force: true });
wasmPack("web", "pkg");
wasmPack("bundler", "pkg/bundler");
minifyBundlerGlue(join(pkg, "bundler"));
for (const f of [".gitignore", "package.json", "README.md", "LICENSE"]) rmSync(join(pkg, "bundler", f), { force: true });

entry(pkg, "index.js", "index.js");
cpSync(join(template, "index.d.ts"), join(pkg, "index.d.ts"));
// The web entry as one module: a page fetches index.js and the wasm, not a chain of four
// modules (entry → glue → error.js and hosts.js) before the wasm fetch can even start.
// The types keep pointing at feishu_login.d.ts; the separate glue files are not shipped.
// It is minified once, here (tests/package.test.mjs checks that it imports nothing).
const [bundled] = buildSync({ entryPoints: [join(pkg, "index.js")], outfile: join(pkg, "index.js"), write: false,
  bundle: true, minify: true, format: "esm", target: "es2020", logLevel: "warning" }).outputFiles;
writeFileSync(join(pkg, "index.js"), nameClass("pkg/index.js", bundled.text));
rmSync(join(pkg, "feishu_login.js"));
rmSync(join(pkg, "snippets"), { recursive: true });
entry(join(pkg, "bundler"), "bundler-index.js", "index.js");
cpSync(join(template, "bundler-index.d.ts"), join(pkg, "bundler", "index.d.ts"));

// wasm-pack's package.json gives the version (from Cargo.toml); the template gives the rest.
const generated = JSON.parse(readFileSync(join(pkg, "package.json"), "utf8"));
const merged = { ...generated, ...JSON.parse(readFileSync(join(template, "package.json"), "utf8")) };
merged.version = generated.version;
delete merged.collaborators;
writeFileSync(join(pkg, "package.json"), JSON.stringify(merged, null, 2) + "\n");
rmSync(join(pkg, ".gitignore"), { force: true });
cpSync(join(root, "LICENSE"), join(pkg, "LICENSE"));

// What would be published.
const packed = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: pkg, encoding: "utf8" }));
const files = packed[0].files.map((f) => f.path);
const required = ["index.js", "index.d.ts", "feishu_login.d.ts", "feishu_login_bg.wasm",
  "bundler/index.js", "bundler/feishu_login_bg.js", "bundler/feishu_login_bg.wasm", "package.json"];
const missing = required.filter((f) => !files.includes(f));
if (!files.some((f) => f.startsWith("bundler/snippets/") && f.endsWith("/js/error.js"))) missing.push("bundler/snippets/…/js/error.js");
if (missing.length) throw new Error("npm pack would not ship: " + missing.join(", "));

// What a page loads with the web target: the wasm and the one JS module.
const shipped = ["feishu_login_bg.wasm", "index.js"];
const size = (f) => readFileSync(join(pkg, f));
const raw = shipped.reduce((n, f) => n + size(f).length, 0);
const gzip = shipped.reduce((n, f) => n + gzipSync(size(f), { level: 9 }).length, 0);
const wasmGzip = gzipSync(size("feishu_login_bg.wasm"), { level: 9 }).length;
const report = { files: shipped, raw, gzip, wasmGzip, packedFiles: files.length, tarball: packed[0].size };
writeFileSync(join(pkg, "size.json"), JSON.stringify(report, null, 2) + "\n");
console.log(`\npkg/ built: ${files.length} files, tarball ${packed[0].size} bytes`);
console.log(`shipped to a page (wasm + JS glue): ${raw} bytes, ${gzip} bytes gzip -9 (wasm alone ${wasmGzip})`);
