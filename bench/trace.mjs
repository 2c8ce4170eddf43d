#!/usr/bin/env node
// Where a cold start's time goes, from Chromium's trace: `node bench/trace.mjs [sdk] [loads]
// [--throttled] [--preload]` (after ./scripts/bench.sh installed bench/node_modules; it bundles
// the SDK into bench/dist/ itself). Loads bench/page.html in cold mode with tracing
// on and prints, per phase (the page's performance.mark()s), the mean wall time and the trace
// events inside it by summed duration (nested events are counted in their parents too, and
// "[other thread]" ones run beside the page's main thread), plus the wasm functions compiled
// lazily on first call. Tracing slows the load: read the shares, not the absolute figures.
import { launchChromium } from "../tests/support/chromium.mjs";
import { buildAll, load, startServer } from "./lib.mjs";

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const [sdk = "feishu-login", loadsArg = "5"] = args.filter((a) => !a.startsWith("--"));
const loads = Number(loadsArg);
const profile = flag("--throttled") ? "throttled" : "loopback";
await buildAll([sdk]);
const server = await startServer();
const browser = await launchChromium();
const categories = ["devtools.timeline", "v8", "v8.wasm", "blink.user_timing", "loading", "disabled-by-default-v8.compile"];
const around = async (page) => {
  await browser.startTracing(page, { categories });
  return async () => JSON.parse((await browser.stopTracing()).toString()).traceEvents;
};

const perPhase = {};
let lazyCount = 0, lazyMs = 0;
for (let i = 0; i < loads; i++) {
  const { trace: events } = await load(browser, server.base, { sdk, mode: "cold", profile, preload: flag("--preload"), around });
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
