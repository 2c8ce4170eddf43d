#!/usr/bin/env node
// One run, one machine: size, cold start (navigation → first authorize URL, by phase), authorize-
// URL throughput and callback overhead of feishu-login's package entries and the JS login SDKs,
// in headless Chromium on 127.0.0.1, on loopback and on an emulated 60 ms / 9 Mbps network, each
// with and without preload hints. Prints the tables and writes bench/results/results.{json,md}
// (BENCH_OUT=dir elsewhere). Timings are informative only (noisy machines); the size budget is
// checked by the test command, not here.
//
// BENCH_LOADS (21) cold loads per SDK, profile and variant; BENCH_ROUNDS (3) throughput pages per
// SDK (0: none); BENCH_SDKS=a,b to measure only those (names as in lib.mjs); BENCH_PROFILES=
// loopback,throttled.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { launchChromium } from "../tests/support/chromium.mjs";
import { ANCHORS, ENTRIES, PROFILES, SDKS, buildAll, entryOf, here, load, root, startServer, timed } from "./lib.mjs";

const LOADS = Number(process.env.BENCH_LOADS ?? 21);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const only = process.env.BENCH_SDKS?.split(",").filter(Boolean);
const sdks = only ? SDKS.filter((s) => only.includes(s)) : SDKS;
const profiles = (process.env.BENCH_PROFILES ?? "loopback,throttled").split(",").filter((p) => PROFILES[p]);
// The throttled profile measures the entries against the two anchors its targets name.
const inProfile = (profile, sdk) => profile !== "throttled" || !!entryOf(sdk) || ["oidc-client-ts", "oauth4webapi"].includes(sdk);
const variants = [false, true]; // without and with preload hints
const out = process.env.BENCH_OUT || join(here, "results");
const entries = ENTRIES.filter((e) => sdks.includes(e.name)).map((e) => e.name);
const anchors = ANCHORS.filter((a) => sdks.includes(a));
const version = (sdk) => entryOf(sdk)
  ? JSON.parse(readFileSync(join(root, "pkg", "package.json"), "utf8")).version
  : JSON.parse(readFileSync(join(here, "node_modules", sdk, "package.json"), "utf8")).version;
const load1 = loadavg()[0];

const sizes = await buildAll(sdks);
const server = await startServer();
const browser = await launchChromium();
const measure = (sdk, mode, opts = {}) => load(browser, server.base, { sdk, mode, ...opts });

const stats = (xs) => {
  const s = xs.filter((x) => x !== null && x !== undefined).sort((a, b) => a - b);
  if (!s.length) return null;
  const at = (p) => s[Math.min(s.length - 1, Math.floor(p * (s.length - 1)))];
  return { median: at(0.5), p10: at(0.1), p90: at(0.9), n: s.length };
};

// Cold loads, round-robin over everything (load i of every profile, variant and SDK, then load
// i+1): drift on a shared machine falls on all of them alike instead of on whichever ran during it.
const cells = [];
for (const profile of profiles) for (const preload of variants) for (const sdk of sdks) if (inProfile(profile, sdk) && timed(sdk)) cells.push({ profile, preload, sdk, runs: [] });
for (let i = 0; i < LOADS; i++) {
  for (const cell of cells) cell.runs.push(await measure(cell.sdk, "cold", cell));
  process.stderr.write(`cold loads: ${i + 1}/${LOADS}\r`);
}
process.stderr.write(`\nmeasured cold start (${LOADS} loads per SDK, profile and variant)\n`);
const phaseNames = ["html", "page", "import", "jsFetch", "jsEnd", "wasmStart", "wasmEnd", "wasmFetch", "init", "setup", "firstUrl", "fromImport"];
const cold = {};
for (const { profile, preload, sdk, runs } of cells) {
  if (!runs.every((r) => r.ok)) throw new Error(`${sdk}: a first authorize URL without code_challenge`);
  // With the hint, init()'s fetch must take the preloaded response: one request for the wasm.
  const extra = runs.filter((r) => r.wasmRequests.length > 1);
  if (preload && extra.length) throw new Error(`${sdk} ${profile}: the wasm preload was not used (requests: ${extra[0].wasmRequests.join(", ")})`);
  const key = `${profile}/${preload ? "preload" : "none"}`;
  (cold[key] ??= {})[sdk] = {
    nav: stats(runs.map((r) => r.coldMs)),
    phases: Object.fromEntries(phaseNames.map((p) => [p, stats(runs.map((r) => r.phases[p]))])),
    wasmRequests: runs[0].wasmRequests,
    wasmBeforeJs: runs.filter((r) => r.wasmBeforeJs).length,
    loads: runs.length,
  };
}

// feishu-login's init() split by hand (page.html, mode=wasm; the first entry, loopback).
let initSplit = null;
if (entries.includes("feishu-login") && profiles.includes("loopback")) {
  const wasmRuns = [];
  for (let i = 0; i < LOADS; i++) wasmRuns.push(await measure("feishu-login", "wasm"));
  initSplit = Object.fromEntries(["fetchMs", "compileMs", "instantiateMs"].map((k) => [k, stats(wasmRuns.map((r) => r[k]))]));
  initSplit.wasmBytes = wasmRuns[0].wasmBytes;
}

// Throughput: ROUNDS pages per SDK, round-robin, on loopback; each page's figure is the median of
// five one-second windows, the SDK's the median of its pages.
const rateRuns = Object.fromEntries(sdks.map((s) => [s, []]));
for (let i = 0; i < ROUNDS; i++) for (const sdk of sdks.filter(timed)) rateRuns[sdk].push((await measure(sdk, "throughput")).perSecond);
if (ROUNDS) process.stderr.write(`measured throughput (${ROUNDS} rounds)\n`);
const callback = {};
for (const sdk of sdks.filter(timed)) if (entryOf(sdk) || sdk === "oauth4webapi") callback[sdk] = stats((await measure(sdk, "callback")).samples);
await browser.close();
server.close();
const loadEnd = loadavg()[0];

const results = {
  run: { at: new Date().toISOString(), platform: `${process.platform} ${process.arch}`, cpus: cpus().length, load1, loadEnd, loads: LOADS, rounds: ROUNDS, profiles: Object.fromEntries(profiles.map((p) => [p, PROFILES[p]])) },
  sdks: Object.fromEntries(sdks.map((s) => [s, { version: version(s), size: sizes[s], throughput: stats(rateRuns[s]), throughputRuns: rateRuns[s], callback: callback[s] ?? null }])),
  cold,
  initSplit,
};

// --- report -----------------------------------------------------------------------------------
const fmt = (n, d = 1) => (n === null || n === undefined ? "n/a" : n.toFixed(d));
const ratio = (a, b) => (a && b ? (a / b).toFixed(2) + "×" : "n/a");
const med = (s) => s?.median ?? null;
const sdkLabel = (s) => `${s} ${results.sdks[s].version}`;

// Cold start: a row per SDK and variant, per profile; ratios against each anchor in the same
// profile and variant.
const ratioTo = ["oauth4webapi", "oidc-client-ts"].filter((a) => anchors.includes(a));
function coldTable(profile) {
  const header = ["SDK", "hints", "nav → first URL, median (p10–p90) ms", ...ratioTo.map((a) => `÷ ${a}`), "HTML received", "import() called", "module import (fetch + evaluate)", "wasm request (start → end)", "init()", "constructor / setup", "first URL"];
  const lines = [header, header.map(() => "---")];
  for (const preload of variants) {
    const row = cold[`${profile}/${preload ? "preload" : "none"}`];
    for (const sdk of sdks) {
      const c = row?.[sdk];
      if (!c) continue;
      const p = c.phases;
      const wasm = p.wasmStart ? `${fmt(med(p.wasmStart))} → ${fmt(med(p.wasmEnd))}` : "";
      lines.push([
        entryOf(sdk) ? `**${sdkLabel(sdk)}**` : sdkLabel(sdk),
        preload ? (entryOf(sdk) ? "modulepreload + wasm preload" : "modulepreload") : "none",
        `${fmt(c.nav.median)} (${fmt(c.nav.p10)}–${fmt(c.nav.p90)})`,
        ...ratioTo.map((a) => (sdk === a ? "1×" : ratio(c.nav.median, row[a]?.nav.median))),
        fmt(med(p.html)), fmt(med(p.page)), fmt(med(p.import)), wasm, p.init ? fmt(med(p.init)) : "", fmt(med(p.setup)), fmt(med(p.firstUrl)),
      ]);
    }
  }
  return lines.map((l) => "| " + l.join(" | ") + " |").join("\n");
}

// The targets: throttled, with hints, nav → first URL ≤ 1.15× oauth4webapi and ≤ 1.0× oidc-client-ts.
const verdicts = [];
const throttledPreload = cold["throttled/preload"];
if (throttledPreload) {
  for (const e of entries) {
    const ours = throttledPreload[e]?.nav.median;
    for (const [anchor, bar] of [["oauth4webapi", 1.15], ["oidc-client-ts", 1.0]]) {
      const theirs = throttledPreload[anchor]?.nav.median;
      if (!ours || !theirs) continue;
      const r = ours / theirs;
      verdicts.push(`${e} with preload, throttled: ${fmt(ours)} ms vs ${anchor} (modulepreload) ${fmt(theirs)} ms = ${r.toFixed(2)}× (target ≤ ${bar.toFixed(2)}×: ${r <= bar ? "met" : "NOT met"}).`);
    }
  }
}

const metricHeader = ["metric", ...sdks.map(sdkLabel)];
const metricRows = [
  ["gzip -9 (bytes)", (s) => results.sdks[s].size.gzip, 0],
  ["minified (bytes)", (s) => results.sdks[s].size.minified, 0],
  ["authorize URLs with PKCE per second (median of pages)", (s) => med(results.sdks[s].throughput), 0],
  ["callback overhead, median (ms)", (s) => med(results.sdks[s].callback), 2],
].filter(([, get]) => sdks.some((s) => get(s) !== null && get(s) !== undefined));
const metricLines = [metricHeader, metricHeader.map(() => "---")];
for (const [name, get, digits] of metricRows) {
  metricLines.push([name, ...sdks.map((s) => {
    const v = get(s);
    const ours = entries.length ? get(entries[0]) : null;
    return entryOf(s) || v === null || v === undefined || !ours ? fmt(v, digits) : `${fmt(v, digits)} (ours ${ratio(ours, v)})`;
  })]);
}

const split = initSplit;
const markdown = [
  `Run ${results.run.at} on ${results.run.platform} (${results.run.cpus} cores, 1-minute load average ${load1.toFixed(2)} at the start, ${loadEnd.toFixed(2)} at the end), Chromium headless, ${LOADS} cold loads per SDK, profile and hint variant, round-robin.`,
  "",
  "Cold start is navigation start → the first authorize URL with PKCE (`performance.now()` in the page), by phase: each phase's median is taken separately (so they need not add up), times in ms from navigation start for \"HTML received\", \"import() called\" and the wasm request (resource timing), durations for the rest. The page's inline module `import()`s the SDK's bundle (bench/entries/, bundled with esbuild `--bundle --minify --format=esm`; feishu-login's module inlined, its wasm fetched by `init()`). Hints: `<link rel=modulepreload>` of the bundle, and for feishu-login also `<link rel=preload as=fetch type=application/wasm crossorigin>` of the wasm. Every response is gzip -9. Constructor / setup is `new FeishuLogin(config)` for feishu-login, the client constructor(s) for auth0-spa-js and oidc-client-ts, constructor + `init()` for keycloak-js, nothing for oauth4webapi (plain objects).",
  ...profiles.map((p) => `\n**${PROFILES[p].label}**\n\n${coldTable(p)}`),
  "",
  ...verdicts,
  split ? `\nfeishu-login's init() split by hand (loopback, ${LOADS} loads, non-streaming, so not the path init() takes): fetch ${fmt(split.fetchMs.median)} ms, WebAssembly.compile of ${split.wasmBytes} bytes ${fmt(split.compileMs.median)} ms, instantiate + the rest of init() ${fmt(split.instantiateMs.median)} ms (medians).` : "",
  "",
  `Size (what a page loads: an entry's module and wasm), throughput (${ROUNDS} pages per SDK on loopback, each the median of five one-second windows) and callback overhead (handleCallback minus the backend request's own time, where the SDK can complete a callback against a local mock); ratios are ${entries[0] ?? "ours"} ÷ the anchor.${entries.some((e) => !timed(e)) ? ` ${entries.filter((e) => !timed(e)).join(", ")} has no browser redirect, the job measured here: its size only.` : ""}`,
  "",
  ...metricLines.map((l) => "| " + l.join(" | ") + " |"),
].join("\n");
mkdirSync(out, { recursive: true });
writeFileSync(join(out, "results.json"), JSON.stringify(results, null, 2) + "\n");
writeFileSync(join(out, "results.md"), markdown + "\n");
console.log(markdown);
