#!/usr/bin/env node
// Builds the npm package in pkg/: one `cargo build` of the wasm, one wasm-bindgen run per target
// from that same .wasm (web at the top, bundler in pkg/bundler/), wasm-opt on each output, the
// package entries from pkg-template/, package.json (Cargo.toml's version + the template); then
// checks what `npm pack` would ship, prints the gzip -9 size and fails above size-budget.txt.
//
// The shipped wasm is built with a pinned nightly (scripts/shipped-toolchain, installed by
// scripts/setup.sh with rust-src): core and alloc rebuilt with immediate-abort panics leave no
// panic-message formatting in the module (−7.7 KB gzip against stable's panic = "abort"), and no
// file paths for panic locations. When that nightly is missing (setup.sh could not install it),
// the build falls back to stable (panic = "abort", no build-std): the package works but is
// bigger, so the size budget is not checked. FEISHU_LOGIN_TOOLCHAIN=stable forces the fallback,
// FEISHU_LOGIN_TOOLCHAIN=nightly refuses it. Everything else (tests, clippy, the server) builds on
// stable.
//
// wasm-bindgen is the one on PATH (setup.sh installs Cargo.lock's version). wasm-opt comes from
// the npm package `binaryen` (a devDependency): Debian's binaryen 108 is too old for what
// current Rust and wasm-bindgen emit.
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
const loud = (...lines) => console.warn(["", "!".repeat(78), ...lines.map((l) => "! " + l), "!".repeat(78), ""].join("\n"));

const nightly = readFileSync(join(root, "scripts", "shipped-toolchain"), "utf8").trim();

/** Why the pinned nightly cannot build the shipped wasm, or null when it can. */
function nightlyMissing() {
  let sysroot;
  try {
    sysroot = execFileSync("rustup", ["run", nightly, "rustc", "--print", "sysroot"],
      { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], env: { ...process.env, RUSTUP_AUTO_INSTALL: "0" } }).trim();
  } catch {
    return `${nightly} is not installed`;
  }
  if (!existsSync(join(sysroot, "lib", "rustlib", "src", "rust", "library", "core"))) return `${nightly} has no rust-src (build-std needs it)`;
  return null;
}

function chooseToolchain() {
  const wanted = process.env.FEISHU_LOGIN_TOOLCHAIN || "";
  if (!["", "nightly", "stable"].includes(wanted)) throw new Error(`FEISHU_LOGIN_TOOLCHAIN=${wanted}: expected nightly or stable`);
  if (wanted === "stable") return { kind: "stable", why: "FEISHU_LOGIN_TOOLCHAIN=stable" };
  const missing = nightlyMissing();
  if (!missing) return { kind: "nightly" };
  if (wanted === "nightly") throw new Error(`FEISHU_LOGIN_TOOLCHAIN=nightly but ${missing} (run scripts/setup.sh)`);
  return { kind: "stable", why: missing };
}

const toolchain = chooseToolchain();
// Reference types off: wasm-bindgen then keeps JS values in a JS array (its heap slab) instead of
// an externref table with table.grow/fill shims in the wasm: −636 B gzip measured in design/size.md.
const noReferenceTypes = "-Ctarget-feature=-reference-types";
const build = toolchain.kind === "nightly"
  ? {
    name: nightly,
    rustflags: `-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none ${noReferenceTypes}`,
    cargoArgs: ["-Zbuild-std=core,alloc"],
    // Its own target dir: other RUSTFLAGS would otherwise rebuild the stable artefacts each time.
    targetDir: join(root, "target", "shipped"),
  }
  // Stable keeps reference types: its prebuilt core and alloc are compiled with them and mark the
  // module as using them, so wasm-bindgen would look for the externref table that the
  // -reference-types build of the wasm-bindgen crate does not have ("failed to find
  // __wbindgen_externref_table_alloc").
  : { name: "stable", rustflags: "", cargoArgs: [], targetDir: join(root, "target", "shipped-stable"), referenceTypes: true };
if (toolchain.kind === "stable") {
  loud(`Building the wasm with STABLE Rust (fallback): ${toolchain.why}.`,
    `Without ${nightly}'s immediate-abort panics the module keeps panic formatting and`,
    "source paths: it works the same but is several KB bigger. The size budget is NOT checked.");
}

// Without the default `std` feature: the module links no std (talc allocates; panics trap).
run("cargo", ["build", "--lib", "--release", "--target", "wasm32-unknown-unknown", "--no-default-features", ...build.cargoArgs],
  { env: { ...process.env, RUSTUP_TOOLCHAIN: build.name, RUSTFLAGS: build.rustflags, CARGO_TARGET_DIR: build.targetDir } });
const built = join(build.targetDir, "wasm32-unknown-unknown", "release", "feishu_login.wasm");

const wasmOpt = join(root, "node_modules", ".bin", "wasm-opt");
// The features Rust's wasm32 target emits, minus reference types when they are turned off above
// (wasm-opt then refuses a module that still uses them).
const features = ["--enable-bulk-memory", "--enable-sign-ext", "--enable-mutable-globals",
  "--enable-nontrapping-float-to-int", "--enable-multivalue", ...(build.referenceTypes ? ["--enable-reference-types"] : [])];
// Measured against plain -Oz (gzip -9 of the wasm): -ocimfs=0 (no inlining of functions with a
// single caller: the state machines stay shared) −917 B, --low-memory-unused (addresses below
// 1 KB are never used: folds offsets into loads and stores) −194, --strip-target-features −116,
// --converge −102; together −1,093. Not -tnh (traps-never-happen): panics trap here, and
// binaryen would be free to remove the checks that lead to them.
const wasmOptArgs = ["-Oz", "-ocimfs=0", "--converge", "--strip-target-features", "--low-memory-unused", ...features,
  "--strip-debug", "--strip-producers"];

// The name section goes before wasm-bindgen sees the module: with it, wasm-bindgen exports each
// closure shim under its mangled Rust name (~150 characters, in the wasm and in the glue, where no
// minifier can shorten them); without it, as __wasm_bindgen_func_elem_N. −282 B gzip.
// (cargo's strip = "symbols" would also drop wasm-bindgen's custom section, rust-lang/rust#93294.
// Running all of wasm-opt before wasm-bindgen as well saved 38 B more, but wasm-bindgen interprets
// the describe functions it would rewrite; optimizing only before wasm-bindgen is 689 B worse.)
const input = join(build.targetDir, "feishu_login.stripped.wasm");
run(wasmOpt, ["--strip-debug", built, "-o", input]);

// --encode-into always: strings go to the wasm through TextEncoder.encodeInto only, without the
// fallback for engines that lack it (Chrome 74, Firefox 66, Safari 14.1 have it). −49 B gzip.
function bindgen(target, outDir) {
  run("wasm-bindgen", [input, "--out-dir", outDir, "--out-name", "feishu_login", "--target", target, "--typescript", "--encode-into", "always"]);
  const wasm = join(outDir, "feishu_login_bg.wasm");
  run(wasmOpt, [...wasmOptArgs, wasm, "-o", wasm]);
}

// The bundler target's glue, minified (wasm-bindgen's carries every rustdoc comment and long
// names). No keepNames: the one class users see, FeishuLogin, is the driver's and names itself.
function minifyBundlerGlue(dir) {
  for (const name of ["feishu_login.js", "feishu_login_bg.js"]) {
    const file = join(dir, name);
    const { code } = transformSync(readFileSync(file, "utf8"), { minify: true, format: "esm", target: "es2022" });
    writeFileSync(file, code);
  }
}

// The driver (js/driver.js) is a wasm-bindgen snippet: the wasm imports its ports, and the entry
// imports its FeishuLogin, so both must be that one module.
function driverModule(dir) {
  const snippets = join(dir, "snippets");
  const found = [];
  const walk = (d) => readdirSync(d).forEach((f) => {
    const p = join(d, f);
    if (statSync(p).isDirectory()) walk(p); else if (p.endsWith("/js/driver.js")) found.push(p);
  });
  if (existsSync(snippets)) walk(snippets);
  if (found.length !== 1) throw new Error(`expected one js/driver.js snippet in ${dir}, found ${found.length}`);
  return "./" + relative(dir, found[0]);
}

function entry(dir, templateName, outName) {
  const text = readFileSync(join(template, templateName), "utf8").replace("__DRIVER_MODULE__", driverModule(dir).slice(2));
  writeFileSync(join(dir, outName), text);
}

rmSync(pkg, { recursive: true, force: true });
bindgen("web", pkg);
bindgen("bundler", join(pkg, "bundler"));
minifyBundlerGlue(join(pkg, "bundler"));

entry(pkg, "index.js", "index.js");
cpSync(join(template, "index.d.ts"), join(pkg, "index.d.ts"));
cpSync(join(template, "types.d.ts"), join(pkg, "types.d.ts"));
// The web entry as one module: a page fetches index.js and the wasm, not a chain of four
// modules (entry → glue → driver) before the wasm fetch can even start.
// The types are hand-written (types.d.ts): the class is the driver's, not wasm-bindgen's.
// It is minified once, here (tests/package.test.mjs checks that it imports nothing).
const [bundled] = buildSync({ entryPoints: [join(pkg, "index.js")], outfile: join(pkg, "index.js"), write: false,
  bundle: true, minify: true, format: "esm", target: "es2022", logLevel: "warning" }).outputFiles;
writeFileSync(join(pkg, "index.js"), bundled.text);
rmSync(join(pkg, "feishu_login.js"));
rmSync(join(pkg, "snippets"), { recursive: true });
entry(join(pkg, "bundler"), "bundler-index.js", "index.js");
cpSync(join(template, "bundler-index.d.ts"), join(pkg, "bundler", "index.d.ts"));
// The framework entries (feishu-login/react, feishu-login/vue) and the store they share, as
// written: readable ES modules that the app's bundler minifies with React or Vue. They import
// the web entry (./index.js), not a copy of it.
const bindings = ["framework.js", "react.js", "react.d.ts", "vue.js", "vue.d.ts"];
for (const f of bindings) cpSync(join(template, f), join(pkg, f));
// The wasm's URL for a preload link (feishu-login/wasm-url, next to the wasm it names) and the
// Vite plugin that writes that link into built HTML (feishu-login/vite): tools, not loaded by
// the SDK itself.
const preload = ["wasm-url.js", "wasm-url.d.ts", "vite.js", "vite.d.ts"];
for (const f of preload) cpSync(join(template, f), join(pkg, f));

// package.json: the template, with the version from Cargo.toml's [package].
const cargoToml = readFileSync(join(root, "Cargo.toml"), "utf8");
const version = /^\[package\][^[]*?^version\s*=\s*"([^"]+)"/m.exec(cargoToml)?.[1];
if (!version) throw new Error("no version in Cargo.toml's [package]");
const meta = JSON.parse(readFileSync(join(template, "package.json"), "utf8"));
writeFileSync(join(pkg, "package.json"), JSON.stringify({ name: meta.name, version, ...meta }, null, 2) + "\n");
cpSync(join(root, "README.md"), join(pkg, "README.md"));
cpSync(join(root, "README.zh-CN.md"), join(pkg, "README.zh-CN.md"));
cpSync(join(root, "LICENSE"), join(pkg, "LICENSE"));

// What would be published.
const packed = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: pkg, encoding: "utf8" }));
const files = packed[0].files.map((f) => f.path);
const required = ["index.js", "index.d.ts", "types.d.ts", "feishu_login_bg.wasm",
  "bundler/index.js", "bundler/feishu_login_bg.js", "bundler/feishu_login_bg.wasm", "package.json", "README.md", "README.zh-CN.md", "LICENSE",
  ...bindings, ...preload];
const missing = required.filter((f) => !files.includes(f));
if (!files.some((f) => f.startsWith("bundler/snippets/") && f.endsWith("/js/driver.js"))) missing.push("bundler/snippets/…/js/driver.js");
if (missing.length) throw new Error("npm pack would not ship: " + missing.join(", "));

// What a page loads with the web target: the wasm and the one JS module.
const shipped = ["feishu_login_bg.wasm", "index.js"];
const size = (f) => readFileSync(join(pkg, f));
const raw = shipped.reduce((n, f) => n + size(f).length, 0);
const gzip = shipped.reduce((n, f) => n + gzipSync(size(f), { level: 9 }).length, 0);
const wasmGzip = gzipSync(size("feishu_login_bg.wasm"), { level: 9 }).length;
const budget = Number(readFileSync(join(root, "size-budget.txt"), "utf8").trim());
const report = { files: shipped, raw, gzip, wasmGzip, packedFiles: files.length, tarball: packed[0].size,
  toolchain: build.name, budgetChecked: toolchain.kind === "nightly" };
writeFileSync(join(pkg, "size.json"), JSON.stringify(report, null, 2) + "\n");
console.log(`\npkg/ built with ${build.name}: ${files.length} files, tarball ${packed[0].size} bytes`);
console.log(`shipped to a page (wasm + JS glue): ${raw} bytes, ${gzip} bytes gzip -9 (wasm alone ${wasmGzip})`);
// The framework entries are not part of the budget (only apps using React or Vue load them, on
// top of index.js and the wasm), but their size is printed: each entry with the shared store.
// Measured minified (as the app's bundler ships them) and gzip -9.
const gz = (f) => gzipSync(transformSync(size(f).toString(), { minify: true, format: "esm", target: "es2022" }).code, { level: 9 }).length;
for (const f of ["react.js", "vue.js"]) {
  console.log(`feishu-login/${f.slice(0, -3)} adds ${gz(f) + gz("framework.js")} bytes gzip -9 minified on top of the core (${f} ${gz(f)} + framework.js ${gz("framework.js")})`);
}
if (toolchain.kind === "stable") {
  loud(`Built with STABLE Rust (${toolchain.why}): ${gzip} bytes gzip -9.`,
    `The size budget (${budget}, size-budget.txt) is NOT checked: it holds for the ${nightly} build only.`);
} else if (gzip > budget) {
  console.error(`size budget exceeded: ${gzip} > ${budget} bytes gzip -9 (size-budget.txt)`);
  process.exit(1);
} else {
  console.log(`size budget: ${gzip} <= ${budget} bytes`);
}
