#!/usr/bin/env node
// Load test of the demo server (emulator + reference backend): N workers log in in parallel for M
// seconds across every surface, the way the SDK does on the wire, and the server's memory is
// sampled the whole time. It fails (exit 1) on any failed login or when memory keeps growing.
//
//   node scripts/load.mjs [--workers 32] [--seconds 30] [--server target/release/feishu-login-server]
//
// Each iteration, by surface (round-robin):
//   browser      POST the consent form (PKCE S256 + state) → 302 with code → POST /api/feishu/login
//                {code, surface, appId, codeVerifier, redirectUri} → GET /api/me with the token
//   client       POST /emulator/host-code → oauth code → /api/feishu/login → /api/me
//   docWidget    POST /emulator/host-code → mina code  → /api/feishu/login → /api/me
//   miniProgram  the same as docWidget, posted as the mini program
//
// "Flat memory": the server's RSS at the end is within 25 % (or 8 MB) of its RSS after the first
// quarter of the run (warm-up: thread pools, allocator arenas and connection buffers grow once).
// The emulator's stores are bounded (MAX_ENTRIES each, swept): a long run plateaus. Figures of a
// run are in README.md ("Load test").
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startDemo } from "../tests/support/listening.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values: args } = parseArgs({
  options: {
    workers: { type: "string", default: "32" },
    seconds: { type: "string", default: "30" },
    server: { type: "string", default: join(root, "target", "release", "feishu-login-server") },
    json: { type: "boolean", default: false },
  },
});
const workers = Number(args.workers);
const seconds = Number(args.seconds);
if (!(workers >= 1 && workers <= 1024) || !(seconds > 0 && seconds <= 3600)) {
  console.error("--workers must be 1..1024 and --seconds 1..3600");
  process.exit(2);
}

const APP_ID = "cli_emulator_demo";
const SURFACES = ["browser", "client", "docWidget", "miniProgram"];
const b64url = (buf) => buf.toString("base64url");

/** Starts the server on a free port; resolves with its base URL and process. */
async function startServer() {
  // stderr: one log line per login, not wanted here.
  const started = startDemo(root, { binary: args.server, stderr: "ignore" });
  const { child, base } = await started.catch((e) => {
    throw new Error(`${e.message} (build it first: cargo build --release -p feishu-login-server)`);
  });
  return { server: child, base };
}

/** The server's resident memory in KiB (Linux /proc). */
function rssKiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]);
}

async function expectOk(response, what) {
  if (response.ok) return response;
  const body = await response.text().catch(() => "");
  throw new Error(`${what}: HTTP ${response.status} ${body.slice(0, 200)}`);
}

/** A code as Feishu's consent page gives it to the browser flow, with the verifier. */
async function browserCode(base) {
  const verifier = b64url(randomBytes(32));
  const challenge = b64url(createHash("sha256").update(verifier).digest());
  const state = b64url(randomBytes(16));
  const redirectUri = base + "/";
  const form = new URLSearchParams({
    client_id: APP_ID, redirect_uri: redirectUri, response_type: "code", state,
    code_challenge: challenge, code_challenge_method: "S256", user: String(Math.floor(Math.random() * 3)), decision: "allow",
  });
  const response = await fetch(base + "/open-apis/authen/v1/authorize", { method: "POST", body: form, redirect: "manual" });
  if (response.status !== 302 && response.status !== 303) await expectOk({ ok: false, status: response.status, text: () => response.text() }, "authorize");
  const location = new URL(response.headers.get("location"));
  if (location.searchParams.get("state") !== state) throw new Error("authorize: the state did not come back");
  const code = location.searchParams.get("code");
  if (!code) throw new Error(`authorize: no code in the redirect (${location.search.replace(/code=[^&]*/, "code=…")})`);
  return { code, codeVerifier: verifier, redirectUri };
}

async function hostCode(base, surface) {
  const response = await expectOk(await fetch(base + "/emulator/host-code", {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ surface }),
  }), "host-code");
  return { code: (await response.json()).code };
}

async function loginOnce(base, surface) {
  const started = performance.now();
  const grant = surface === "browser" ? await browserCode(base) : await hostCode(base, surface);
  const body = { code: grant.code, surface, appId: APP_ID };
  if (grant.codeVerifier) Object.assign(body, { codeVerifier: grant.codeVerifier, redirectUri: grant.redirectUri });
  const login = await expectOk(await fetch(base + "/api/feishu/login", {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body),
  }), `login (${surface})`);
  const { token } = await login.json();
  if (typeof token !== "string" || !token) throw new Error(`login (${surface}): no token`);
  await expectOk(await fetch(base + "/api/me", { headers: { authorization: "Bearer " + token } }), `me (${surface})`);
  return performance.now() - started;
}

function percentile(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] : NaN;
}

async function main() {
  const { server, base } = await startServer();
  const stats = Object.fromEntries(SURFACES.map((s) => [s, { ok: 0, failed: 0 }]));
  const failures = [];
  const latencies = [];
  const samples = [];
  const sample = () => samples.push({ t: performance.now(), kib: rssKiB(server.pid) });
  sample();
  const sampler = setInterval(sample, 250);
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let next = 0;
  await Promise.all(Array.from({ length: workers }, async () => {
    while (performance.now() < deadline) {
      const surface = SURFACES[next++ % SURFACES.length];
      try {
        latencies.push(await loginOnce(base, surface));
        stats[surface].ok++;
      } catch (e) {
        stats[surface].failed++;
        if (failures.length < 10) failures.push(String(e.message));
      }
    }
  }));
  const elapsed = (performance.now() - started) / 1000;
  clearInterval(sampler);
  sample();
  server.kill();

  latencies.sort((a, b) => a - b);
  const total = SURFACES.reduce((n, s) => n + stats[s].ok, 0);
  const failed = SURFACES.reduce((n, s) => n + stats[s].failed, 0);
  const warm = samples.find((s) => s.t >= started + (deadline - started) / 4) ?? samples[0];
  const end = samples[samples.length - 1];
  const peak = Math.max(...samples.map((s) => s.kib));
  const grew = end.kib - warm.kib;
  const flat = grew <= Math.max(8 * 1024, warm.kib * 0.25);
  const result = {
    workers, seconds: Number(elapsed.toFixed(1)), logins: total, failed, perSecond: Math.round(total / elapsed),
    bySurface: stats, latencyMs: { p50: +percentile(latencies, 0.5).toFixed(1), p99: +percentile(latencies, 0.99).toFixed(1) },
    rssMiB: { start: +(samples[0].kib / 1024).toFixed(1), afterWarmup: +(warm.kib / 1024).toFixed(1), peak: +(peak / 1024).toFixed(1), end: +(end.kib / 1024).toFixed(1) },
    flatMemory: flat, failures,
  };
  if (args.json) console.log(JSON.stringify(result));
  else {
    console.log(`load: ${workers} workers × ${result.seconds} s: ${total} logins (${result.perSecond}/s), ${failed} failed`);
    for (const s of SURFACES) console.log(`  ${s.padEnd(12)} ${stats[s].ok} ok, ${stats[s].failed} failed`);
    console.log(`  latency p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms`);
    console.log(`  server RSS MiB: start ${result.rssMiB.start}, after warm-up ${result.rssMiB.afterWarmup}, peak ${result.rssMiB.peak}, end ${result.rssMiB.end} (${flat ? "flat" : "GROWING"})`);
    for (const f of failures) console.log("  failure: " + f);
  }
  process.exit(failed === 0 && flat ? 0 : 1);
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
