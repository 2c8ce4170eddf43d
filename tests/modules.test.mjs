// No import circles between sibling Rust modules, in the SDK (src/) and the server (server/src/):
// a newcomer reads each module after the ones it uses. scripts/module-cycles.mjs lists them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const cycles = (...dirs) => spawnSync(process.execPath, [join(root, "scripts", "module-cycles.mjs"), ...dirs], { cwd: root, encoding: "utf8" });

test("no module of src/ or server/src/ imports a sibling that imports it back", () => {
  const run = cycles("src", "server/src");
  assert.equal(run.status, 0, `import circles:\n${run.stdout}`);
});

test("the check sees a circle through `use crate::`, a `super::` path and a #[path] module", () => {
  const dir = mkdtempSync(join(tmpdir(), "module-cycles-"));
  mkdirSync(join(dir, "a"));
  writeFileSync(join(dir, "lib.rs"), "mod a;\nmod b;\n#[path = \"elsewhere.rs\"]\nmod c;\n");
  writeFileSync(join(dir, "a", "mod.rs"), "mod inner;\n");
  writeFileSync(join(dir, "a", "inner.rs"), "use crate::b::Thing; // a → b\n");
  writeFileSync(join(dir, "b.rs"), "fn f() { super::c::g(); } // b → c\n");
  writeFileSync(join(dir, "elsewhere.rs"), "pub fn g() { let _ = \"crate::b in a string does not count\"; crate::a::h(); }\n");
  const run = cycles(dir);
  assert.equal(run.status, 1);
  assert.match(run.stdout, /a → b → c → a/);
});
