#!/usr/bin/env node
// Where a cold start's time goes, from Chromium's trace: `node bench/trace.mjs [sdk] [loads]`
// (after ./scripts/bench.sh has built bench/dist/). Loads bench/page.html in cold mode with tracing
// on and prints, per phase (the page's performance.mark()s), the mean wall time and the trace
// events inside it by summed duration (nested events are counted in their parents too, and
// "[other thread]" ones run beside the page's main thread), plus the wasm functions compiled
// lazily on first call. Tracing slows the load: read the shares, not the absolute figures.
import { createServer } from "node:http";
import { readFileSync, existsSync } from "node:fs";
import { join, dirname, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { launchChromium } from "../tests/support/chromium.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const sdk = process.argv[2] || "feishu-login";
const loads = Number(process.argv[3] || 5);
const types = { ".js": "text/javascript", ".wasm": "application/wasm", ".html": "text/html" };
const server = createServer((req, res) => {
  const path = new URL(req.url, "http://x").pathname;
  const file = path.startsWith("/pkg/") ? join(root, normalize(path)) : path.startsWith("/bench/") ? join(here, normalize(path.slice(7))) : null;
  if (!file || !existsSync(file)) { res.writeHead(404); return res.end(); }
  res.writeHead(200, { "Content-Type": types[file.slice(file.lastIndexOf("."))] || "application/octet-stream", "Cache-Control": "no-store" });
  res.end(readFileSync(file));
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const base = `http://127.0.0.1:${server.address().port}`;
const browser = await launchChromium();
const categories = ["devtools.timeline", "v8", "v8.wasm", "blink.user_timing", "loading", "disabled-by-default-v8.compile"];

const perPhase = {};
let lazyCount = 0, lazyMs = 0;
for (let i = 0; i < loads; i++) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await browser.startTracing(page, { categories });
  const done = page.waitForEvent("console", { predicate: (m) => m.text() === "bench:done", timeout: 60_000 });
  await page.goto(`${base}/bench/page.html?sdk=${encodeURIComponent(sdk)}&mode=cold`);
  await done;
  const result = await page.evaluate(() => window.result);
  const events = JSON.parse((await browser.stopTracing()).toString()).traceEvents;
  await context.close();
  if (result.error) throw new Error(result.error);
  const marks = {};
  let main;
  for (const e of events) {
    if (!e.cat?.includes("blink.user_timing") || !["import", "imported", "init", "setup", "first"].includes(e.name)) continue;
    marks[e.name] = e.ts;
    main ??= e;
  }
  const order = ["import", "imported", "init", "setup", "first"].filter((m) => marks[m] !== undefined);
  for (let k = 1; k < order.length; k++) {
    const [from, to] = [marks[order[k - 1]], marks[order[k]]];
    const phase = (perPhase[`${order[k - 1]} → ${order[k]}`] ??= { wall: 0, events: {} });
    phase.wall += (to - from) / 1000 / loads;
    for (const e of events) {
      if (e.pid !== main.pid || e.ph !== "X" || e.ts < from || e.ts > to) continue;
      const name = e.tid === main.tid ? e.name : `[other thread] ${e.name}`;
      phase.events[name] = (phase.events[name] || 0) + e.dur / 1000 / loads;
    }
  }
  for (const e of events) if (e.name === "wasm.CompileLazy") { lazyCount++; lazyMs += e.dur / 1000; }
}
await browser.close();
server.close();

console.log(`${sdk}: ${loads} traced cold loads, means per load`);
for (const [name, { wall, events }] of Object.entries(perPhase)) {
  console.log(`\n${name}: ${wall.toFixed(1)} ms wall`);
  for (const [e, ms] of Object.entries(events).sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`  ${ms.toFixed(2).padStart(8)} ms  ${e}`);
}
if (lazyCount) console.log(`\nwasm functions compiled lazily (on first call): ${(lazyCount / loads).toFixed(0)} per load, ${(lazyMs / loads).toFixed(1)} ms per load`);
