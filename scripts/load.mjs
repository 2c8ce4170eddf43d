#!/usr/bin/env node
// Load test of the demo server (emulator + reference backend): N workers log in in parallel across
// every surface, the way the SDK does on the wire, until the session store is full (its bound),
// then for --past-bound more seconds. The server's memory (and Redis's) is sampled the whole time.
// It fails (exit 1) on any failed request, or when memory keeps growing once the store is full.
//
//   node scripts/load.mjs [--store memory|redis] [--workers 32] [--capacity 50000]
//                         [--redis-maxmemory 16mb] [--past-bound 600] [--server target/release/feishu-login-server]
//
// The documented run (README "Load test"), after `cargo build --release -p feishu-login-server`:
//   node scripts/load.mjs --store memory && node scripts/load.mjs --store redis
//
// Each iteration, by surface (round-robin):
//   browser      POST the consent form (PKCE S256 + state) → 302 with code → POST /api/feishu/login
//                {code, surface, appId, codeVerifier, redirectUri} → GET /api/me with the token
//   client       POST /emulator/host-code → oauth code → /api/feishu/login → /api/me
//   docWidget    POST /emulator/host-code → mina code  → /api/feishu/login → /api/me
//   miniProgram  the same as docWidget, posted as the mini program
//
// The bound: the memory store holds --capacity sessions (SESSION_STORE_CAPACITY), one per login,
// so it is full after that many logins; with --store redis, a redis-server of this script's own
// (a free port, no persistence) holds --redis-maxmemory with allkeys-lru, and it is full when
// Redis reports its first evicted key (--redis-prefill N starts it full of N older filler keys). Past the bound every login still succeeds: the least
// recently used session is dropped to make room.
//
// "Flat memory": RSS (the server's; with Redis, Redis's too) at the end is within 10 % (or 8 MiB)
// of RSS one minute after the bound was reached. Checked when the run went on at least two
// minutes past the bound; shorter runs (the test command's smoke) report it without judging.
import { createHash, randomBytes } from "node:crypto";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startDemo } from "../tests/support/listening.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values: args } = parseArgs({
  options: {
    store: { type: "string", default: "memory" },
    workers: { type: "string", default: "32" },
    capacity: { type: "string", default: "50000" },
    "redis-maxmemory": { type: "string", default: "16mb" },
    "redis-prefill": { type: "string", default: "0" },
    "past-bound": { type: "string", default: "600" },
    "max-seconds": { type: "string", default: "3600" },
    server: { type: "string", default: join(root, "target", "release", "feishu-login-server") },
    json: { type: "boolean", default: false },
  },
});
const workers = Number(args.workers);
const capacity = Number(args.capacity);
const pastBound = Number(args["past-bound"]);
const maxSeconds = Number(args["max-seconds"]);
const prefill = Number(args["redis-prefill"]);
if (!(workers >= 1 && workers <= 1024) || !(capacity >= 1) || !(pastBound >= 0 && pastBound <= 7200)
  || !(maxSeconds > 0 && maxSeconds <= 7200) || !["memory", "redis"].includes(args.store)
  || !(Number.isInteger(prefill) && prefill >= 0)) {
  console.error("--store memory|redis, --workers 1..1024, --capacity >= 1, --past-bound 0..7200, --max-seconds 1..7200, --redis-prefill >= 0");
  process.exit(2);
}

const APP_ID = "cli_emulator_demo";
const SURFACES = ["browser", "client", "docWidget", "miniProgram"];
const b64url = (buf) => buf.toString("base64url");

function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** One command to Redis (inline protocol), its reply as text. */
function redisCommand(port, command) {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ port, host: "127.0.0.1" }, () => socket.write(command + "\r\n"));
    let reply = "";
    socket.on("data", (chunk) => {
      reply += chunk;
      const match = /^\$(\d+)\r\n/.exec(reply);
      if ((match && Buffer.byteLength(reply) >= match[0].length + Number(match[1]) + 2) || (!match && reply.endsWith("\r\n"))) {
        socket.end();
        resolve(match ? reply.slice(match[0].length, match[0].length + Number(match[1])) : reply.trim());
      }
    });
    socket.on("error", reject);
  });
}

async function redisInfo(port) {
  const info = await redisCommand(port, "INFO");
  return Object.fromEntries(info.split("\r\n").filter((l) => l.includes(":")).map((l) => l.split(":")));
}

/** A redis-server of this run: a free port, a temporary directory, bounded with allkeys-lru. */
async function startRedis() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "feishu-login-load-redis-"));
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "",
    "--appendonly", "no", "--maxmemory", args["redis-maxmemory"], "--maxmemory-policy", "allkeys-lru",
    // Redis's LRU compares a sample of keys: with the default 5, a session that has just logged in
    // is now and then the one evicted (the smoke saw 1 in 1,000). The README recommends 10.
    "--maxmemory-samples", "10", "--enable-debug-command", "local"],
  { stdio: ["ignore", "pipe", "ignore"] });
  await new Promise((resolve, reject) => {
    child.on("error", (e) => reject(new Error(`cannot start redis-server: ${e.message} (scripts/setup.sh installs it)`)));
    child.on("exit", (code) => reject(new Error(`redis-server exited with ${code}`)));
    let log = "";
    child.stdout.on("data", (chunk) => {
      log += chunk;
      if (log.includes("Ready to accept connections")) resolve();
    });
  });
  child.stdout.resume();
  if (prefill > 0) {
    // A store that is already full of older sessions, as in production: filler keys the size of a
    // session record, then one tick of Redis's LRU clock (1 s resolution), so that they are older
    // than every session of the run. Without them a tiny bound (the test command's smoke) turns
    // the whole keyspace over within a second, where Redis cannot tell old keys from new ones.
    await redisCommand(port, `DEBUG POPULATE ${prefill} load-filler 600`);
    while (Number(await redisCommand(port, "OBJECT IDLETIME load-filler:0").then((r) => r.replace(/^:/, ""))) < 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return { child, port, stop: () => { child.kill("SIGKILL"); rmSync(dir, { recursive: true, force: true }); } };
}

/** Starts the server on a free port; resolves with its base URL and process. */
async function startServer(env) {
  // stderr: one log line per login, not wanted here.
  const started = startDemo(root, { binary: args.server, stderr: "ignore", env });
  const { child, base } = await started.catch((e) => {
    throw new Error(`${e.message} (build it first: cargo build --release -p feishu-login-server)`);
  });
  return { server: child, base };
}

/** A process's resident memory in KiB (Linux /proc). */
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

const mib = (kib) => +(kib / 1024).toFixed(1);

async function main() {
  const redis = args.store === "redis" ? await startRedis() : null;
  const env = redis
    ? { REDIS_URL: `redis://127.0.0.1:${redis.port}/0`, SESSION_SECRET: randomBytes(32).toString("hex") }
    : { SESSION_STORE_CAPACITY: String(capacity) };
  const { server, base } = await startServer(env);
  const stats = Object.fromEntries(SURFACES.map((s) => [s, { ok: 0, failed: 0 }]));
  const failures = [];
  const latencies = [];
  const samples = [];
  let logins = 0;
  let boundAt = null; // performance.now() when the store became full
  const started = performance.now();
  const sample = async () => {
    const s = { t: (performance.now() - started) / 1000, logins, serverKiB: rssKiB(server.pid) };
    if (redis) {
      s.redisKiB = rssKiB(redis.child.pid);
      const info = await redisInfo(redis.port).catch(() => null);
      if (info) {
        s.redisUsedKiB = Math.round(Number(info.used_memory) / 1024);
        s.evictedKeys = Number(info.evicted_keys);
        if (boundAt === null && s.evictedKeys > 0) boundAt = performance.now();
      }
    } else if (boundAt === null && logins >= capacity) {
      boundAt = performance.now();
    }
    samples.push(s);
  };
  await sample();
  const sampler = setInterval(() => { sample().catch(() => {}); }, 1000);
  const hardDeadline = started + maxSeconds * 1000;
  const done = () => {
    const now = performance.now();
    return now >= hardDeadline || (boundAt !== null && now >= boundAt + pastBound * 1000);
  };
  let next = 0;
  await Promise.all(Array.from({ length: workers }, async () => {
    while (!done()) {
      const surface = SURFACES[next++ % SURFACES.length];
      try {
        latencies.push(await loginOnce(base, surface));
        stats[surface].ok++;
        logins++;
      } catch (e) {
        stats[surface].failed++;
        if (failures.length < 10) failures.push(String(e.message));
      }
    }
  }));
  const elapsed = (performance.now() - started) / 1000;
  clearInterval(sampler);
  await sample();
  server.kill();
  redis?.stop();

  latencies.sort((a, b) => a - b);
  const failed = SURFACES.reduce((n, s) => n + stats[s].failed, 0);
  const boundS = boundAt === null ? null : (boundAt - started) / 1000;
  const end = samples[samples.length - 1];
  // Memory one minute past the bound (allocator arenas, buffers and the emulator's stores settle).
  const settled = boundS === null ? null : samples.find((s) => s.t >= boundS + 60) ?? null;
  const ranPast = boundS === null ? 0 : elapsed - boundS;
  const grew = (key) => end[key] - settled[key];
  const flatFor = (key) => grew(key) <= Math.max(8 * 1024, settled[key] * 0.1);
  const judged = settled !== null && ranPast >= 120;
  const flat = judged ? flatFor("serverKiB") && (!redis || flatFor("redisKiB")) : null;
  // RSS over time: about a dozen rows, plus the bound.
  const step = Math.max(1, Math.floor(samples.length / 12));
  const timeline = samples.filter((_, i) => i % step === 0 || i === samples.length - 1).map((s) => ({
    t: Math.round(s.t), logins: s.logins, serverMiB: mib(s.serverKiB),
    ...(redis ? { redisMiB: mib(s.redisKiB ?? 0), redisUsedMiB: mib(s.redisUsedKiB ?? 0), evictedKeys: s.evictedKeys ?? 0 } : {}),
  }));
  const result = {
    store: args.store, workers, seconds: +elapsed.toFixed(1), logins, failed, perSecond: Math.round(logins / elapsed),
    bound: redis ? `Redis maxmemory ${args["redis-maxmemory"]}, allkeys-lru` : `${capacity} sessions`,
    boundReachedAtS: boundS === null ? null : +boundS.toFixed(1), secondsPastBound: +ranPast.toFixed(1),
    bySurface: stats, latencyMs: { p50: +percentile(latencies, 0.5).toFixed(1), p99: +percentile(latencies, 0.99).toFixed(1) },
    flatMemory: flat, timeline, failures,
  };
  if (args.json) console.log(JSON.stringify(result));
  else {
    console.log(`load (${args.store} store, bound ${result.bound}): ${workers} workers × ${result.seconds} s: ${logins} logins (${result.perSecond}/s), ${failed} failed`);
    console.log(`  the store was full at ${boundS === null ? "never" : boundS.toFixed(0) + " s"}; ran ${ranPast.toFixed(0)} s past it`);
    for (const s of SURFACES) console.log(`  ${s.padEnd(12)} ${stats[s].ok} ok, ${stats[s].failed} failed`);
    console.log(`  latency p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms`);
    console.log("  t (s)   logins   server RSS MiB" + (redis ? "   Redis RSS MiB   Redis used MiB   evicted keys" : ""));
    for (const r of timeline) {
      console.log(`  ${String(r.t).padStart(5)}   ${String(r.logins).padStart(7)}   ${String(r.serverMiB).padStart(14)}` +
        (redis ? `   ${String(r.redisMiB).padStart(13)}   ${String(r.redisUsedMiB).padStart(14)}   ${String(r.evictedKeys).padStart(12)}` : ""));
    }
    console.log(`  memory after the bound: ${flat === null ? "not judged (under two minutes past the bound)" : flat ? "flat" : "GROWING"}`);
    for (const f of failures) console.log("  failure: " + f);
  }
  process.exit(failed === 0 && flat !== false && boundS !== null ? 0 : 1);
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
