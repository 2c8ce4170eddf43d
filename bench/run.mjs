#!/usr/bin/env node
// One run, one machine: size, cold start, authorize-URL throughput and callback overhead of
// feishu-login and the JS login SDKs, in headless Chromium on 127.0.0.1. Prints a table and
// writes bench/results/results.{json,md}. Timings are informative only (noisy machines); the
// size budget is checked by the test command, not here.
import { createServer } from "node:http";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { join, dirname, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { launchChromium } from "../tests/support/chromium.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const LOADS = Number(process.env.BENCH_LOADS || 21);
const anchors = ["@auth0/auth0-spa-js", "oidc-client-ts", "oauth4webapi", "keycloak-js"];
const entryName = (sdk) => sdk.replace(/^@auth0\//, "");
const sdks = ["feishu-login", ...anchors];
const version = (sdk) => JSON.parse(readFileSync(join(here, "node_modules", sdk, "package.json"), "utf8")).version;

// --- size -------------------------------------------------------------------------------------
const gz = (buf) => gzipSync(buf, { level: 9 }).length;
const sizes = {};
mkdirSync(join(here, "dist"), { recursive: true });
for (const sdk of anchors) {
  const out = join(here, "dist", entryName(sdk) + ".js");
  await build({ entryPoints: [join(here, "entries", entryName(sdk) + ".js")], bundle: true, minify: true, format: "esm", platform: "browser", outfile: out, logLevel: "error" });
  const code = readFileSync(out);
  sizes[sdk] = { minified: code.length, gzip: gz(code) };
}
// feishu-login's entry is bundled the same way for the page (pkg/index.js inlined, the wasm next to
// it, where init() looks for it); its size is what pkg/ ships, below.
await build({ entryPoints: [join(here, "entries", "feishu-login.js")], bundle: true, minify: true, format: "esm", platform: "browser", outfile: join(here, "dist", "feishu-login.js"), logLevel: "error" });
copyFileSync(join(root, "pkg", "feishu_login_bg.wasm"), join(here, "dist", "feishu_login_bg.wasm"));
const shipped = JSON.parse(readFileSync(join(root, "pkg", "size.json"), "utf8"));
sizes["feishu-login"] = { minified: shipped.raw, gzip: shipped.files.reduce((n, f) => n + gz(readFileSync(join(root, "pkg", f))), 0) };

// --- server -----------------------------------------------------------------------------------
const types = { ".js": "text/javascript", ".wasm": "application/wasm", ".html": "text/html" };
const server = createServer((req, res) => {
  const path = new URL(req.url, "http://x").pathname;
  const send = (status, type, body) => { res.writeHead(status, { "Content-Type": type, "Cache-Control": "no-store" }); res.end(body); };
  if (req.method === "POST") {
    req.resume();
    req.on("end", () => {
      if (path === "/idp/token") return send(200, "application/json", JSON.stringify({ access_token: "at", token_type: "Bearer", expires_in: 3600 }));
      if (path === "/api/login") return send(200, "application/json", JSON.stringify({ token: "t", expiresIn: 3600, user: { name: "bench" } }));
      send(404, "text/plain", "");
    });
    return;
  }
  const file = path.startsWith("/pkg/") ? join(root, normalize(path)) : path.startsWith("/bench/") ? join(here, normalize(path.slice(7))) : null;
  if (!file || !existsSync(file)) return send(404, "text/plain", "");
  send(200, types[file.slice(file.lastIndexOf("."))] || "application/octet-stream", readFileSync(file));
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const base = `http://127.0.0.1:${server.address().port}`;
const browser = await launchChromium();

async function measure(sdk, mode) {
  const context = await browser.newContext(); // a fresh cache and storage per load
  const page = await context.newPage();
  // Waits for the page's console message (see page.html): nothing is injected while it runs.
  const done = page.waitForEvent("console", { predicate: (m) => m.text() === "bench:done", timeout: 60_000 });
  await page.goto(`${base}/bench/page.html?sdk=${encodeURIComponent(entryName(sdk))}&mode=${mode}`);
  await done;
  const result = await page.evaluate(() => window.result);
  await context.close();
  if (result.error) throw new Error(`${sdk} ${mode}: ${result.error}`);
  return result;
}

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p) => s[Math.min(s.length - 1, Math.floor(p * (s.length - 1)))];
  return { median: at(0.5), p10: at(0.1), p90: at(0.9), n: s.length };
};

// Cold loads round-robin over the SDKs (load i of every SDK, then load i+1): drift on a shared
// machine then falls on all of them alike instead of on whichever SDK ran during it.
const coldRuns = Object.fromEntries(sdks.map((s) => [s, []]));
for (let i = 0; i < LOADS; i++) for (const sdk of sdks) coldRuns[sdk].push(await measure(sdk, "cold"));
process.stderr.write(`measured cold start (${LOADS} loads each)\n`);
const phaseNames = ["page", "import", "jsFetch", "init", "wasmFetch", "setup", "firstUrl", "fromImport"];
// feishu-login's init() split by hand: fetch, compile, instantiate (see page.html, mode=wasm).
const wasmRuns = [];
for (let i = 0; i < LOADS; i++) wasmRuns.push(await measure("feishu-login", "wasm"));
const wasmSplit = Object.fromEntries(["fetchMs", "compileMs", "instantiateMs"].map((k) => [k, stats(wasmRuns.map((r) => r[k]))]));
wasmSplit.wasmBytes = wasmRuns[0].wasmBytes;

// Throughput: ROUNDS pages per SDK, also round-robin; each page's figure is the median of five
// one-second windows, the SDK's the median of its pages.
const ROUNDS = Number(process.env.BENCH_ROUNDS || 3);
const rateRuns = Object.fromEntries(sdks.map((s) => [s, []]));
for (let i = 0; i < ROUNDS; i++) for (const sdk of sdks) rateRuns[sdk].push((await measure(sdk, "throughput")).perSecond);
process.stderr.write(`measured throughput (${ROUNDS} rounds)\n`);

const results = {};
for (const sdk of sdks) {
  const runs = coldRuns[sdk];
  if (!runs.every((r) => r.ok)) throw new Error(`${sdk}: a first authorize URL without code_challenge`);
  const phases = Object.fromEntries(phaseNames.map((p) => [p, runs[0].phases[p] === null ? null : stats(runs.map((r) => r.phases[p]))]));
  const rates = stats(rateRuns[sdk]);
  const throughput = rates.median;
  let callback = null;
  if (sdk === "feishu-login" || sdk === "oauth4webapi") callback = stats((await measure(sdk, "callback")).samples);
  results[sdk] = { version: sdk === "feishu-login" ? JSON.parse(readFileSync(join(root, "pkg", "package.json"), "utf8")).version : version(sdk), size: sizes[sdk], cold: stats(runs.map((r) => r.coldMs)), phases, throughput, throughputRuns: rateRuns[sdk], callback };
  if (sdk === "feishu-login") results[sdk].initSplit = wasmSplit;
  process.stderr.write(`measured ${sdk}\n`);
}
await browser.close();
server.close();

// --- report -----------------------------------------------------------------------------------
const ours = results["feishu-login"];
const fmt = (n, d = 1) => (n === null || n === undefined ? "n/a" : n.toFixed(d));
const ratio = (a, b) => (a && b ? (a / b).toFixed(2) + "×" : "n/a");
const rows = [
  ["gzip -9 (bytes)", (r) => r.size.gzip, 0],
  ["minified (bytes)", (r) => r.size.minified, 0],
  ["cold start, median (ms)", (r) => r.cold.median, 1],
  ["cold start, p10–p90 (ms)", (r) => null, 1, (r) => `${fmt(r.cold.p10)}–${fmt(r.cold.p90)}`],
  ["cold start from import() to first URL, median (ms)", (r) => r.phases.fromImport.median, 1],
  ["· page load to import() call, median (ms)", (r) => r.phases.page.median, 1],
  ["· module import (fetch + evaluate), median (ms)", (r) => r.phases.import.median, 1],
  ["· · of which the module's fetch (resource timing), median (ms)", (r) => r.phases.jsFetch.median, 1],
  ["· init(): wasm fetch + compile + instantiate, median (ms)", (r) => r.phases.init?.median, 1],
  ["· · of which the wasm fetch (resource timing), median (ms)", (r) => r.phases.wasmFetch?.median, 1],
  ["· constructor / client setup, median (ms)", (r) => r.phases.setup.median, 1],
  ["· first authorize URL, median (ms)", (r) => r.phases.firstUrl.median, 1],
  ["authorize URLs with PKCE per second (median of pages)", (r) => r.throughput, 0],
  ["authorize URLs per second, min–max of pages", (r) => null, 0, (r) => `${fmt(Math.min(...r.throughputRuns), 0)}–${fmt(Math.max(...r.throughputRuns), 0)}`],
  ["callback overhead, median (ms)", (r) => r.callback?.median, 2],
];
const header = ["metric", ...sdks.map((s) => `${s} ${results[s].version}`)];
const lines = [header];
for (const [name, get, digits, show] of rows) {
  lines.push([name, ...sdks.map((s) => {
    const r = results[s];
    const value = show ? show(r) : fmt(get(r), digits);
    return s === "feishu-login" || show || get(r) === null || get(r) === undefined ? value : `${value} (ours ${ratio(get(ours), get(r))})`;
  })]);
}
// Issue #9's bar: cold start (module load → first authorize URL) within 1.3× of the fastest anchor,
// and more authorize URLs per second than every anchor.
const fastest = anchors.reduce((a, b) => (results[a].phases.fromImport.median <= results[b].phases.fromImport.median ? a : b));
const coldRatio = ours.phases.fromImport.median / results[fastest].phases.fromImport.median;
const slowerThroughput = anchors.filter((a) => results[a].throughput >= ours.throughput);
const split = ours.initSplit;
const markdown = [
  `Run ${new Date().toISOString()} on ${process.platform} ${process.arch}, Chromium headless, ${LOADS} cold loads per SDK.`,
  "Ratios are feishu-login's figure divided by the anchor's (below 1× is smaller/faster for sizes and times, above 1× is more for throughput).",
  `Cold start is measured from navigation start (the original row) and, per phase, with performance.now() marks in the page: the medians of each phase are taken separately, so they need not add up to a total's median. "From import()" is module load → first authorize URL. Every entry (bench/entries/) is bundled with its SDK by esbuild into one module, feishu-login's too (pkg/index.js inlined, the wasm fetched by init()). Fetch times are the resource timing's startTime → responseEnd. Constructor / client setup is \`new FeishuLogin(config)\` for feishu-login, the client constructor(s) for auth0-spa-js and oidc-client-ts, constructor + \`init()\` for keycloak-js, and nothing for oauth4webapi (plain objects). The cold loads run round-robin over the SDKs, and so do the throughput pages (${ROUNDS} per SDK, each the median of five one-second windows).`,
  `feishu-login's init() split by hand (${LOADS} loads, non-streaming, so not the path init() takes): fetch ${fmt(split.fetchMs.median)} ms, WebAssembly.compile of ${split.wasmBytes} bytes ${fmt(split.compileMs.median)} ms, instantiate + glue ${fmt(split.instantiateMs.median)} ms (medians).`,
  `Cold start from import(): feishu-login ${fmt(ours.phases.fromImport.median)} ms vs the fastest anchor ${fastest} ${fmt(results[fastest].phases.fromImport.median)} ms = ${coldRatio.toFixed(2)}× (bar: ≤ 1.30×, ${coldRatio <= 1.3 ? "met" : "NOT met"}). Authorize URLs/s: ${slowerThroughput.length ? "NOT ahead of " + slowerThroughput.join(", ") : "ahead of every anchor"}.`,
  "Callback overhead is handleCallback time minus the token/backend request's own time; measured where the SDK can complete a callback against a local mock (auth0, oidc-client-ts and keycloak-js need a real OIDC id_token or an https domain).",
  "",
  "| " + lines[0].join(" | ") + " |",
  "| " + lines[0].map(() => "---").join(" | ") + " |",
  ...lines.slice(1).map((l) => "| " + l.join(" | ") + " |"),
].join("\n");
mkdirSync(join(here, "results"), { recursive: true });
writeFileSync(join(here, "results", "results.json"), JSON.stringify(results, null, 2) + "\n");
writeFileSync(join(here, "results", "results.md"), markdown + "\n");
console.log(markdown);
