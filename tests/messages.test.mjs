// The texts of errors and warnings have one source, src/messages.rs: the package's
// messages.js and messages-sync.js (written by scripts/build-pkg.mjs from a native run of
// scripts/messages.rs) hold the same texts under the same ids, the driver fills them in as Rust
// does, and the ids js/driver.js names its own texts by are theirs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const table = JSON.parse(execFileSync("cargo", ["run", "--quiet", "--example", "messages"], { cwd: root, encoding: "utf8" }));
const load = async (path) => (await import(pathToFileURL(join(root, path)).href));

test("pkg/messages.js has every text of src/messages.rs, by id", async () => {
  const texts = (await load("pkg/messages.js")).default;
  assert.ok(table.texts.length >= 100, `${table.texts.length} texts`);
  assert.deepEqual(texts, table.texts);
});

test("every entry has the same texts next to its index.js (its bundler/ imports them from there)", () => {
  const report = JSON.parse(readFileSync(join(root, "pkg", "size.json"), "utf8"));
  assert.equal(report.entries.length, 3);
  for (const { name, dir } of report.entries) {
    for (const file of ["messages.js", "messages-sync.js"]) {
      const path = join(root, "pkg", dir, file);
      assert.equal(readFileSync(path, "utf8"), readFileSync(join(root, "pkg", file), "utf8"), `${name}: ${file}`);
    }
    assert.match(readFileSync(join(root, "pkg", dir, "bundler", "index.js"), "utf8"), /import\("\.\.\/messages\.js"\)/, name);
  }
});

test("pkg/messages-sync.js has exactly the texts that can be thrown synchronously", async () => {
  const sync = (await load("pkg/messages-sync.js")).default;
  assert.deepEqual(Object.keys(sync).map(Number), table.sync);
  for (const id of table.sync) assert.equal(sync[id], table.texts[id]);
  // Every config text is among them: the constructor throws them.
  table.texts.forEach((text, id) => {
    if (text.startsWith("invalid config: ") && !["LogoutOptions", "MinValidityMs"].includes(table.names[id])) {
      assert.ok(table.sync.includes(id), `${table.names[id]} is thrown by the constructor or mountQrLogin()`);
    }
  });
});

test("the driver fills in a text as Rust does: parameters, what follows, odd characters", async () => {
  const { fill } = await load("js/driver.js");
  assert.ok(table.samples.length > table.texts.length);
  for (const { message, text } of table.samples) assert.equal(fill(table.texts, message), text, JSON.stringify(message));
  // A text the table lacks is no text (the driver then says which id it could not load).
  assert.equal(fill(table.texts, { m: table.texts.length }), null);
  assert.equal(fill(table.texts, { m: 0, t: { m: table.texts.length } }), null);
});

test("the ids js/driver.js names its own texts by are src/messages.rs's", () => {
  const driver = readFileSync(join(root, "js", "driver.js"), "utf8");
  const named = [...driver.matchAll(/^const \w+ = (\d+); \/\/ Msg::(\w+)$/gm)];
  assert.ok(named.length >= 9, `${named.length} ids named`);
  for (const [, id, name] of named) assert.equal(table.names[Number(id)], name, `id ${id}`);
});
