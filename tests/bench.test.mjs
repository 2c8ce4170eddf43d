// A smoke run of the benchmark (bench/run.mjs): one cold load per SDK, profile (loopback and the
// throttled network) and hint variant, no throughput pages. Timings are printed, never asserted;
// what is checked is that the run completes and that the preload hint did its job: with it,
// feishu-login's wasm is requested once, by the link, before its module had arrived.
// Needs pkg/ (scripts/build-pkg.mjs); installs bench/'s npm dependencies on the first run.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bench = join(root, "bench");

test("bench smoke: both profiles, with and without preload; the wasm preload is used", () => {
  if (!existsSync(join(bench, "node_modules", "oauth4webapi"))) {
    execFileSync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: bench, stdio: "inherit" });
  }
  const out = mkdtempSync(join(tmpdir(), "feishu-login-bench-"));
  const env = { ...process.env, BENCH_LOADS: "1", BENCH_ROUNDS: "0", BENCH_SDKS: "feishu-login,oauth4webapi", BENCH_OUT: out };
  const printed = execFileSync("node", [join(bench, "run.mjs")], { cwd: root, env, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  console.log(printed.split("\n").filter((l) => l.startsWith("| **feishu-login")).join("\n"));
  const { cold } = JSON.parse(readFileSync(join(out, "results.json"), "utf8"));
  for (const profile of ["loopback", "throttled"]) {
    const none = cold[`${profile}/none`]["feishu-login"];
    const preload = cold[`${profile}/preload`]["feishu-login"];
    assert.deepEqual(none.wasmRequests, ["fetch"], `${profile}: without the hint, init() fetches the wasm`);
    assert.equal(none.wasmBeforeJs, 0, `${profile}: without the hint, the wasm waits for the module`);
    assert.deepEqual(preload.wasmRequests, ["link"], `${profile}: with the hint, one request, the preload's`);
    assert.equal(preload.wasmBeforeJs, 1, `${profile}: with the hint, the wasm is requested before the module arrived`);
    assert.ok(cold[`${profile}/preload`].oauth4webapi.nav.median > 0);
  }
});
