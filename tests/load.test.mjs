// A short smoke of the load test (scripts/load.mjs): a few workers log in across every surface
// against the debug demo server until its session store is full, then two seconds more, with the
// memory store and with a Redis store of its own; any failed request fails it. The long run (ten
// minutes past the bound, memory judged flat) is `node scripts/load.mjs` (README, "Load test").
// Without redis-server the Redis smoke fails, unless FEISHU_SKIP_REDIS=1 skips it explicitly.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

async function load(extra) {
  const { stdout } = await promisify(execFile)(process.execPath, [
    join(root, "scripts", "load.mjs"), "--workers", "8", "--past-bound", "2", "--max-seconds", "120", "--json",
    "--server", join(root, "target", "debug", "feishu-login-server"), ...extra,
  ]).catch((e) => { throw new Error(`load.mjs failed:\n${e.stdout}\n${e.stderr}`); });
  const result = JSON.parse(stdout);
  assert.equal(result.failed, 0);
  assert.notEqual(result.boundReachedAtS, null, "the store filled up");
  for (const surface of ["browser", "client", "docWidget", "miniProgram"]) {
    assert.ok(result.bySurface[surface].ok > 0, `${surface} logged in`);
  }
  return result;
}

test("load smoke, memory store: logins past its bound, none fails", async () => {
  const result = await load(["--store", "memory", "--capacity", "100"]);
  assert.ok(result.logins > 100, "past the bound");
});

test("load smoke, Redis store: logins past Redis's maxmemory, none fails", { skip: process.env.FEISHU_SKIP_REDIS === "1" }, async () => {
  // Full from the start with older keys (Redis's LRU clock ticks once a second; a keyspace that
  // turns over within a second would evict just-made sessions too). Enough of them that the run's
  // sessions never outnumber them: once most keys were new, Redis's sampling (10 keys) could pick
  // a session made a moment ago (seen once: 1,911 of 3,000 fillers gone after 2 s at 2 MB).
  const result = await load(["--store", "redis", "--redis-maxmemory", "4mb", "--redis-prefill", "7000"]);
  assert.ok(result.timeline.at(-1).evictedKeys > 0, "Redis evicted sessions to make room");
});
