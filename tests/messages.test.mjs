// The texts of errors and warnings have one source, src/messages.rs: the package's
// messages.js and each entry's messages-sync.js (written by scripts/build-pkg.mjs from a native
// run of scripts/messages.rs: the texts that entry's flows throw synchronously) hold the same
// texts under the same ids, the driver fills them in as Rust
// does, and the ids js/driver.js names its own texts by are theirs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const report = JSON.parse(readFileSync(join(root, "pkg", "size.json"), "utf8"));
const table = JSON.parse(execFileSync("cargo", ["run", "--quiet", "--example", "messages", "--", ...report.entries.map((e) => e.features.join(","))],
  { cwd: root, encoding: "utf8" }));
const load = async (path) => (await import(pathToFileURL(join(root, path)).href));

test("pkg/messages.js has every text of src/messages.rs, by id", async () => {
  const texts = (await load("pkg/messages.js")).default;
  assert.ok(table.texts.length >= 100, `${table.texts.length} texts`);
  assert.deepEqual(texts, table.texts);
});

test("every entry has every text next to its index.js (its bundler/ imports them from there)", () => {
  assert.equal(report.entries.length, 3);
  for (const { name, dir } of report.entries) {
    const path = join(root, "pkg", dir, "messages.js");
    assert.equal(readFileSync(path, "utf8"), readFileSync(join(root, "pkg", "messages.js"), "utf8"), name);
    assert.match(readFileSync(join(root, "pkg", dir, "bundler", "index.js"), "utf8"), /import\("\.\.\/messages\.js"\)/, name);
  }
});

test("each entry's messages-sync.js has exactly the texts its flows throw synchronously", async () => {
  const id = (name) => table.names.indexOf(name);
  for (const { name, dir, features } of report.entries) {
    const ids = table.syncIn[features.join(",")];
    const sync = (await load(join("pkg", dir, "messages-sync.js"))).default;
    assert.deepEqual(Object.keys(sync).map(Number), ids, name);
    for (const i of ids) assert.equal(sync[i], table.texts[i], `${name}: ${table.names[i]}`);
    // The driver's misuse errors and the constructor's config errors: in every entry.
    for (const always of ["NotLoaded", "Freed", "Reentered", "TakesFunction", "ConfigNotObject", "UnknownKey", "AppIdRequired"]) {
      assert.ok(ids.includes(id(always)), `${name}: ${always}`);
    }
    // What mountQrLogin() validates, only with it; "… is not in <entry>", only without a flow.
    const qr = features.includes("qr");
    for (const qrOnly of ["QrTarget", "QrOptions", "NeedsPage", "PendingRefused"]) assert.equal(ids.includes(id(qrOnly)), qr, `${name}: ${qrOnly}`);
    assert.equal(ids.includes(id("NotInEntry")), features.length < 4, `${name}: NotInEntry`);
  }
});

test("the texts some entry throws synchronously are every entry's, together", () => {
  assert.deepEqual([...new Set(Object.values(table.syncIn).flat())].sort((a, b) => a - b), table.sync);
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
