#!/usr/bin/env node
// Builds the npm package in pkg/. It has an entry per kind of app, each a wasm with only its login
// flows (cargo features, src/engine/entry.rs) and the driver with only their code:
//   feishu-login          every flow                                   pkg/
//   feishu-login/host     the Feishu hosts (doc widget, client, mini program)   pkg/host/
//   feishu-login/browser  the browser redirect with PKCE                        pkg/browser/
// Per entry: one `cargo build` of its wasm (all in one target dir, so core, alloc and the
// dependencies are built once), one wasm-bindgen run per target from that .wasm (web at the
// entry's top, bundler in its bundler/), wasm-opt on each output (while cargo builds the next
// entry), the web entry bundled into one module, the bindings and the preload URL. Then the
// package entries from pkg-template/, package.json (Cargo.toml's version + the template), a check
// of what `npm pack` would ship, and each entry's gzip -9 size against its ceiling
// (size-budget.json, checked by tests/package.test.mjs) in pkg/size.json.
//
// The shipped wasm is built with a pinned nightly (scripts/shipped-toolchain, installed by
// scripts/setup.sh with rust-src): core and alloc rebuilt with immediate-abort panics leave no
// panic-message formatting in the module (−7.7 KB gzip against stable's panic = "abort"), and no
// file paths for panic locations. When that nightly is missing (setup.sh could not install it),
// the build falls back to stable (panic = "abort", no build-std): the package works but is
// bigger, and the ceilings do not hold for it (the test command refuses this fallback).
// FEISHU_LOGIN_TOOLCHAIN=stable forces the fallback (local hacking: the size tests then skip),
// FEISHU_LOGIN_TOOLCHAIN=nightly refuses it. Everything else (tests, clippy, the server) builds
// on stable.
//
// wasm-bindgen is the one on PATH (setup.sh installs Cargo.lock's version). wasm-opt comes from
// the npm package `binaryen` (a devDependency): Debian's binaryen 108 is too old for what
// current Rust and wasm-bindgen emit.
import { createHash } from "node:crypto";
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { buildSync, transformSync } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const pkg = join(root, "pkg");
const template = join(root, "pkg-template");
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { cwd: root, stdio: "inherit", ...opts });
/** `run` without blocking: the builds of several entries overlap. */
const runAsync = (cmd, args, opts = {}) => new Promise((resolve, reject) => {
  spawn(cmd, args, { cwd: root, stdio: "inherit", ...opts }).on("error", reject).on("exit", (code, signal) => {
    if (code === 0) resolve();
    else reject(new Error(`${cmd} ${args.join(" ")}: ${signal ?? "exit status " + code}`));
  });
});
const loud = (...lines) => console.warn(["", "!".repeat(78), ...lines.map((l) => "! " + l), "!".repeat(78), ""].join("\n"));

// The entries: the name apps import, where in pkg/ (`dir`), the name of its files (`stem`: the
// wasm is `<stem>_bg.wasm`) and its cargo features (its flows; js/driver.js gets the same flags).
const ENTRIES = [
  { name: "feishu-login", dir: "", stem: "feishu_login", features: ["hosts", "redirect", "popup", "qr"] },
  { name: "feishu-login/host", dir: "host", stem: "feishu_login_host", features: ["hosts"] },
  { name: "feishu-login/browser", dir: "browser", stem: "feishu_login_browser", features: ["redirect"] },
];
// Per entry: `ceiling`, the bytes the size work aims at (not reached yet: README, Size), and
// `guard`, the bytes measured last, which a change may not grow without saying so here.
const budget = JSON.parse(readFileSync(join(root, "size-budget.json"), "utf8"));

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
  if (wanted === "stable") return { kind: "stable", why: "FEISHU_LOGIN_TOOLCHAIN=stable", forced: true };
  const missing = nightlyMissing();
  if (!missing) return { kind: "nightly" };
  if (wanted === "nightly") throw new Error(`FEISHU_LOGIN_TOOLCHAIN=nightly but ${missing} (run scripts/setup.sh)`);
  return { kind: "stable", why: missing, forced: false };
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
    "source paths: it works the same but is several KB bigger. The size ceilings do NOT hold for it.");
}

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

/**
 * Builds `entry`'s wasm: without the default `std` feature (the module links no std: lol_alloc
 * allocates, panics trap), with the entry's flows. Every entry uses the one target dir: only
 * this crate is compiled again per feature set. Returns the module with its name section
 * stripped, copied out of cargo's output (which the next entry's build overwrites).
 *
 * The name section goes before wasm-bindgen sees the module: with it, wasm-bindgen exports each
 * closure shim under its mangled Rust name (~150 characters, in the wasm and in the glue, where no
 * minifier can shorten them); without it, as __wasm_bindgen_func_elem_N. −282 B gzip.
 * (cargo's strip = "symbols" would also drop wasm-bindgen's custom section, rust-lang/rust#93294.
 * Running all of wasm-opt before wasm-bindgen as well saved 38 B more, but wasm-bindgen interprets
 * the describe functions it would rewrite; optimizing only before wasm-bindgen is 689 B worse.)
 */
async function cargoBuild(entry) {
  await runAsync("cargo", ["build", "--lib", "--release", "--target", "wasm32-unknown-unknown", "--no-default-features",
    "--features", entry.features.join(","), ...build.cargoArgs],
  { env: { ...process.env, RUSTUP_TOOLCHAIN: build.name, RUSTFLAGS: build.rustflags, CARGO_TARGET_DIR: build.targetDir } });
  const input = join(build.targetDir, `${entry.stem}.stripped.wasm`);
  await runAsync(wasmOpt, ["--strip-debug", join(build.targetDir, "wasm32-unknown-unknown", "release", "feishu_login.wasm"), "-o", input]);
  return input;
}

// --encode-into always: strings go to the wasm through TextEncoder.encodeInto only, without the
// fallback for engines that lack it (Chrome 74, Firefox 66, Safari 14.1 have it). −49 B gzip.
async function bindgen(input, entry, target, outDir) {
  await runAsync("wasm-bindgen", [input, "--out-dir", outDir, "--out-name", entry.stem, "--target", target, "--typescript", "--encode-into", "always"]);
  const wasm = join(outDir, `${entry.stem}_bg.wasm`);
  await runAsync(wasmOpt, [...wasmOptArgs, wasm, "-o", wasm]);
}

/**
 * The driver's flags for `entry` (js/driver.js): esbuild replaces them with constants, and the
 * minifier leaves out the code of the flows the entry lacks.
 */
const driverFlags = (entry) => ({
  FEISHU_LOGIN_HOSTS: String(entry.features.includes("hosts")),
  FEISHU_LOGIN_POPUP: String(entry.features.includes("popup")),
  FEISHU_LOGIN_QR: String(entry.features.includes("qr")),
  FEISHU_LOGIN_WASM: JSON.stringify(`${entry.stem}_bg.wasm`),
});

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
  return found[0];
}

/** `pkg-template/<name>` for `entry`, written to `out`: the glue, the driver and the shared types named from there. */
function fromTemplate(name, out, entry, dir = dirname(out)) {
  const rel = (file) => {
    const path = relative(dir, file);
    return path.startsWith(".") ? path : "./" + path;
  };
  const text = readFileSync(join(template, name), "utf8")
    .replaceAll("__GLUE__", `./${entry.stem}.js`)
    .replaceAll("__WASM__", `${entry.stem}_bg.wasm`)
    .replaceAll("__TYPES__", rel(join(pkg, "types.js")))
    .replace("__DRIVER_MODULE__", () => rel(driverModule(dir)));
  writeFileSync(out, text);
}

// The framework bindings (`<entry>/react`, `<entry>/vue`) and the store they share, as written:
// readable ES modules that the app's bundler minifies with React or Vue. Each entry's copy
// imports that entry's web module (./index.js): an app loads one wasm, its entry's.
const bindings = ["framework.js", "react.js", "vue.js"];

/** Everything of `entry` once its wasm is built: both targets, the entry modules, bindings, preload URL. */
async function finish(entry, input) {
  const dir = join(pkg, entry.dir);
  const bundlerDir = join(dir, "bundler");
  // Both targets at once: wasm-opt takes one core, and the last entry's are what the build waits for.
  await Promise.all([bindgen(input, entry, "web", dir), bindgen(input, entry, "bundler", bundlerDir)]);
  writeMessages(dir, entry);

  // The web entry as one module: a page fetches index.js and the wasm, not a chain of four
  // modules (entry → glue → driver) before the wasm fetch can even start. It is minified once,
  // here (tests/package.test.mjs checks that it imports nothing but ./messages.js, on the first error).
  fromTemplate("index.js", join(dir, "index.js"), entry);
  const [bundled] = buildSync({ entryPoints: [join(dir, "index.js")], outfile: join(dir, "index.js"), write: false,
    bundle: true, minify: true, format: "esm", target: "es2022", logLevel: "warning", define: driverFlags(entry), external: ["./messages.js"] }).outputFiles;
  writeFileSync(join(dir, "index.js"), bundled.text);
  // wasm-bindgen's own glue and declarations: bundled above, and typed by index.d.ts.
  rmSync(join(dir, `${entry.stem}.js`));
  rmSync(join(dir, `${entry.stem}.d.ts`));
  rmSync(join(dir, "snippets"), { recursive: true });
  // The types are hand-written (types.d.ts): the class is the driver's, not wasm-bindgen's.
  fromTemplate("index.d.ts", join(dir, "index.d.ts"), entry);

  // The bundler target's glue and driver, minified (wasm-bindgen's glue carries every rustdoc
  // comment and long names; the driver loses the flows the entry lacks). No keepNames: the one
  // class users see, FeishuLogin, is the driver's and names itself.
  for (const file of [join(bundlerDir, `${entry.stem}.js`), join(bundlerDir, `${entry.stem}_bg.js`), driverModule(bundlerDir)]) {
    const { code } = transformSync(readFileSync(file, "utf8"), { minify: true, treeShaking: true, format: "esm", target: "es2022", define: driverFlags(entry) });
    writeFileSync(file, code);
  }
  fromTemplate("bundler-index.js", join(bundlerDir, "index.js"), entry);
  fromTemplate("bundler-index.d.ts", join(bundlerDir, "index.d.ts"), entry);

  // The wasm's URL for a preload link (`<entry>/wasm-url`, next to the wasm it names).
  fromTemplate("wasm-url.js", join(dir, "wasm-url.js"), entry);
  cpSync(join(template, "wasm-url.d.ts"), join(dir, "wasm-url.d.ts"));
  for (const f of bindings) cpSync(join(template, f), join(dir, f));
  if (entry.dir) {
    // The bindings' types are the top entry's (the same API).
    for (const f of bindings) writeFileSync(join(dir, f.replace(/\.js$/, ".d.ts")), `export * from "../${f}";\n`);
  } else {
    for (const f of [...bindings, "types.js"]) cpSync(join(template, f.replace(/\.js$/, ".d.ts")), join(dir, f.replace(/\.js$/, ".d.ts")));
  }
}

// The texts of errors and warnings (src/messages.rs): the wasm carries only their ids. A native
// run of scripts/messages.rs prints the table (once, with which texts each entry's flows throw
// synchronously); from it, in each entry's directory, messages.js (every text, imported by the
// driver the first time one is needed: not in the first load; the entry's bundler/ imports the
// same file) and messages-sync.js (the texts this entry throws synchronously, bundled into it:
// `Msg::is_sync_in`, which the native tests hold every synchronous error to).
const messageTable = JSON.parse(execFileSync("cargo", ["run", "--quiet", "--example", "messages", "--",
  ...ENTRIES.map((e) => e.features.join(","))], { cwd: root, encoding: "utf8" }));
// Both carry `build`, a digest of the table: messages.js is fetched late (maybe hours after the
// entry, from a cache or a newer deploy), and texts of another build would sit under shifted ids.
const messagesBuild = createHash("sha256").update(JSON.stringify(messageTable.texts)).digest("hex").slice(0, 8);
function writeMessages(dir, entry) {
  const table = messageTable;
  const head = "// Generated by scripts/build-pkg.mjs from src/messages.rs: the texts of feishu-login's errors and warnings, by id.\n";
  const build = `export const build = ${JSON.stringify(messagesBuild)};\n`;
  writeFileSync(join(dir, "messages.js"), head + build + "export default " + JSON.stringify(table.texts) + ";\n");
  const ids = table.syncIn[entry.features.join(",")];
  if (!ids) throw new Error(`scripts/messages.rs printed no synchronous texts for ${entry.name}`);
  const sync = Object.fromEntries(ids.map((id) => [id, table.texts[id]]));
  writeFileSync(join(dir, "messages-sync.js"), head + build + "export default " + JSON.stringify(sync) + ";\n");
}

rmSync(pkg, { recursive: true, force: true });
mkdirSync(pkg);
// cargo builds the entries one after the other (its LTO step takes one core); each entry's
// wasm-bindgen and wasm-opt run meanwhile, beside the next cargo build.
const finishing = [];
for (const entry of ENTRIES) {
  const input = await cargoBuild(entry);
  finishing.push(finish(entry, input));
}
await Promise.all(finishing);

// The Vite plugin that writes the preload link into built HTML (feishu-login/vite, any entry):
// a tool, not loaded by the SDK itself.
const tools = ["vite.js", "vite.d.ts"];
for (const f of tools) cpSync(join(template, f), join(pkg, f));

// package.json: the template, with the version from Cargo.toml's [package].
const cargoToml = readFileSync(join(root, "Cargo.toml"), "utf8");
const version = /^\[package\][^[]*?^version\s*=\s*"([^"]+)"/m.exec(cargoToml)?.[1];
if (!version) throw new Error("no version in Cargo.toml's [package]");
const meta = JSON.parse(readFileSync(join(template, "package.json"), "utf8"));
writeFileSync(join(pkg, "package.json"), JSON.stringify({ name: meta.name, version, ...meta }, null, 2) + "\n");
cpSync(join(root, "README.md"), join(pkg, "README.md"));
cpSync(join(root, "README.zh-CN.md"), join(pkg, "README.zh-CN.md"));
cpSync(join(root, "LICENSE"), join(pkg, "LICENSE"));

// What would be published: every entry's files, and every export of package.json.
const packed = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: pkg, encoding: "utf8" }));
const files = packed[0].files.map((f) => f.path);
const required = ["types.d.ts", "package.json", "README.md", "README.zh-CN.md", "LICENSE", ...tools];
for (const { dir, stem } of ENTRIES) {
  const at = (f) => (dir ? `${dir}/${f}` : f);
  required.push(...["index.js", "index.d.ts", `${stem}_bg.wasm`, "messages.js", "messages-sync.js", "wasm-url.js", "wasm-url.d.ts", "bundler/index.js", "bundler/index.d.ts",
    `bundler/${stem}_bg.js`, `bundler/${stem}_bg.wasm`, ...bindings, ...bindings.map((f) => f.replace(/\.js$/, ".d.ts"))].map(at));
  if (!files.some((f) => f.startsWith(at("bundler/snippets/")) && f.endsWith("/js/driver.js"))) required.push(at("bundler/snippets/…/js/driver.js"));
}
for (const target of Object.values(meta.exports).flatMap((e) => (typeof e === "string" ? [e] : Object.values(e)))) {
  required.push(target.replace(/^\.\//, ""));
}
const missing = [...new Set(required)].filter((f) => !files.includes(f));
if (missing.length) throw new Error("npm pack would not ship: " + missing.join(", "));

// What a page loads with each entry's web target: its wasm and its one JS module.
const gzip = (f) => gzipSync(readFileSync(join(pkg, f)), { level: 9 }).length;
const entries = ENTRIES.map(({ name, dir, stem, features }) => {
  const at = (f) => (dir ? `${dir}/${f}` : f);
  const shipped = [at(`${stem}_bg.wasm`), at("index.js")];
  return { name, dir, stem, features, files: shipped, raw: shipped.reduce((n, f) => n + readFileSync(join(pkg, f)).length, 0),
    gzip: shipped.reduce((n, f) => n + gzip(f), 0), wasmGzip: gzip(shipped[0]), jsGzip: gzip(shipped[1]), ceiling: budget[name].ceiling, guard: budget[name].guard };
});
const messagesGzip = gzip("messages.js");
const report = { entries, messagesGzip, packedFiles: files.length, tarball: packed[0].size, toolchain: build.name,
  stableFallback: toolchain.kind === "stable" ? (toolchain.forced ? "forced" : "missing") : null };
writeFileSync(join(pkg, "size.json"), JSON.stringify(report, null, 2) + "\n");
console.log(`\npkg/ built with ${build.name}: ${files.length} files, tarball ${packed[0].size} bytes`);
console.log("shipped to a page (wasm + JS), gzip -9, against size-budget.json:");
for (const e of entries) {
  const over = e.gzip > e.guard ? `  OVER THE GUARD by ${e.gzip - e.guard}` : "";
  const aim = e.gzip > e.ceiling ? `; ${e.gzip - e.ceiling} B above the ceiling ${e.ceiling}` : `; within the ceiling ${e.ceiling}`;
  console.log(`  ${e.name.padEnd(21)} ${String(e.gzip).padStart(6)} B (wasm ${e.wasmGzip} + JS ${e.jsGzip}; ${e.raw} B raw) ≤ guard ${e.guard}?${over}${aim}`);
}
console.log(`loaded on the first error: messages.js (each entry's copy), ${messagesGzip} bytes gzip -9`);
// The framework entries are not part of the ceilings (only apps using React or Vue load them, on
// top of index.js and the wasm), but their size is printed: each entry with the shared store.
// Measured minified (as the app's bundler ships them) and gzip -9.
const gz = (f) => gzipSync(transformSync(readFileSync(join(pkg, f), "utf8"), { minify: true, format: "esm", target: "es2022" }).code, { level: 9 }).length;
for (const f of ["react.js", "vue.js"]) {
  console.log(`<entry>/${f.slice(0, -3)} adds ${gz(f) + gz("framework.js")} bytes gzip -9 minified on top of the entry (${f} ${gz(f)} + framework.js ${gz("framework.js")})`);
}
if (toolchain.kind === "stable") {
  loud(`Built with STABLE Rust (${toolchain.why}).`,
    `The ceilings (size-budget.json) hold for the ${nightly} build only: the package test`,
    toolchain.forced ? "skips them (FEISHU_LOGIN_TOOLCHAIN=stable)." : "fails on this build (run scripts/setup.sh, or set FEISHU_LOGIN_TOOLCHAIN=stable to skip them).");
} else if (entries.some((e) => e.gzip > e.guard)) {
  loud("An entry grew past its guard (size-budget.json): tests/package.test.mjs fails on it.");
}
