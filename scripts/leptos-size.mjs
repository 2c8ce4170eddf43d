#!/usr/bin/env node
// What a Leptos app pays for feishu-login (README, "Rust frontends"): builds bench/leptos-size
// three times (a bare Leptos CSR counter; + feishu_login::web; + feishu-login-leptos's provider
// and guard) the way an app ships: release with this workspace's profile (opt-level "z", LTO, one
// codegen unit), `wasm-bindgen --target web`, binaryen's `wasm-opt -Oz`, the JS glue and its
// snippets (js/driver.js, js/rust-api.js) bundled and minified by esbuild; then prints gzip -9
// bytes as the README's table. The Rust toolchain is the default one (`RUSTUP_TOOLCHAIN` to
// change it). Not part of the test command: a few minutes of release builds.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { buildSync } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const target = process.env.CARGO_TARGET_DIR ?? join(root, "target");
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
const gz = (bytes) => gzipSync(bytes, { level: 9 }).length;

function measure(features) {
  run("cargo", ["build", "--quiet", "--release", "--target", "wasm32-unknown-unknown", "-p", "feishu-login-size-leptos",
    ...(features ? ["--features", features] : [])]);
  const out = mkdtempSync(join(tmpdir(), "feishu-login-leptos-size-"));
  try {
    run("wasm-bindgen", ["--target", "web", "--no-typescript", "--out-dir", out, "--out-name", "app",
      join(target, "wasm32-unknown-unknown", "release", "feishu-login-size-leptos.wasm")]);
    const wasm = join(out, "app_bg.wasm");
    // The features Rust's wasm32 target emits (reference types among them).
    run(join(root, "node_modules", ".bin", "wasm-opt"), ["-Oz", "--enable-bulk-memory", "--enable-sign-ext",
      "--enable-mutable-globals", "--enable-nontrapping-float-to-int", "--enable-multivalue", "--enable-reference-types",
      "--strip-debug", "--strip-producers", wasm, "-o", wasm]);
    const [js] = buildSync({ entryPoints: [join(out, "app.js")], bundle: true, minify: true, format: "esm",
      target: "es2022", write: false, logLevel: "warning" }).outputFiles;
    return { wasm: gz(readFileSync(wasm)), js: gz(js.contents) };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const rows = [
  ["the bare app (a counter)", ""],
  ["+ the Rust API (`feishu_login::web`: create, session, login, on_change)", "api"],
  ["+ feishu-login-leptos (provider, `use_feishu_login`, `RequireLogin`; without `router`)", "bindings"],
];
const fmt = (n) => n.toLocaleString("en-US");
let bare;
console.log("| app | wasm | JS | total | added by feishu-login |\n| --- | ---: | ---: | ---: | ---: |");
for (const [name, features] of rows) {
  const { wasm, js } = measure(features);
  const total = wasm + js;
  bare ??= total;
  console.log(`| ${name} | ${fmt(wasm)} | ${fmt(js)} | ${fmt(total)} | ${total === bare ? "—" : fmt(total - bare)} |`);
}
