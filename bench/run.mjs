#!/usr/bin/env node
// One run, one machine: size, cold start, authorize-URL throughput and callback overhead of
// feishu-login and the JS login SDKs, in headless Chromium on 127.0.0.1. Prints a table and
// writes bench/results/results.{json,md}. Timings are informative only (noisy machines); the
// size budget is checked by the test command, not here.
import { createServer } from "node:http";
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
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
  await page.goto(`${base}/bench/page.html?sdk=${encodeURIComponent(entryName(sdk))}&mode=${mode}`);
  const result = await page.waitForFunction(() => window.result, null, { timeout: 60_000 }).then((h) => h.jsonValue());
  await context.close();
  if (result.error) throw new Error(`${sdk} ${mode}: ${result.error}`);
  return result;
}

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p) => s[Math.min(s.length - 1, Math.floor(p * (s.length - 1)))];
  return { median: at(0.5), p10: at(0.1), p90: at(0.9), n: s.length };
};

const results = {};
for (const sdk of sdks) {
  const cold = [];
  for (let i = 0; i < LOADS; i++) cold.push((await measure(sdk, "cold")).coldMs);
  const throughput = (await measure(sdk, "throughput")).perSecond;
  let callback = null;
  if (sdk === "feishu-login" || sdk === "oauth4webapi") callback = stats((await measure(sdk, "callback")).samples);
  results[sdk] = { version: sdk === "feishu-login" ? JSON.parse(readFileSync(join(root, "pkg", "package.json"), "utf8")).version : version(sdk), size: sizes[sdk], cold: stats(cold), throughput, callback };
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
  ["authorize URLs with PKCE per second", (r) => r.throughput, 0],
  ["callback overhead, median (ms)", (r) => r.callback?.median, 2],
];
const header = ["metric", ...sdks.map((s) => `${s} ${results[s].version}`)];
const lines = [header];
for (const [name, get, digits, show] of rows) {
  lines.push([name, ...sdks.map((s) => {
    const r = results[s];
    const value = show ? show(r) : fmt(get(r), digits);
    return s === "feishu-login" || show ? value : `${value} (ours ${ratio(get(ours), get(r))})`;
  })]);
}
const markdown = [
  `Run ${new Date().toISOString()} on ${process.platform} ${process.arch}, Chromium headless, ${LOADS} cold loads per SDK.`,
  "Ratios are feishu-login's figure divided by the anchor's (below 1× is smaller/faster for sizes and times, above 1× is more for throughput).",
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
