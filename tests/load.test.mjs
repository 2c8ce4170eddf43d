// A short smoke of the load test (scripts/load.mjs): a few workers log in across every surface
// for a few seconds against the debug demo server; any failed login or growing memory fails it.
// The long run is `node scripts/load.mjs` (README, "Load test").
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

test("load smoke: parallel logins on every surface, none fails", async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [
    join(root, "scripts", "load.mjs"), "--workers", "8", "--seconds", "3", "--json",
    "--server", join(root, "target", "debug", "feishu-login-server"),
  ]).catch((e) => { throw new Error(`load.mjs failed:\n${e.stdout}\n${e.stderr}`); });
  const result = JSON.parse(stdout);
  assert.equal(result.failed, 0);
  for (const surface of ["browser", "client", "docWidget", "miniProgram"]) {
    assert.ok(result.bySurface[surface].ok > 0, `${surface} logged in`);
  }
});
