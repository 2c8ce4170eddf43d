// README.md and README.zh-CN.md are kept in step: the same sections (heading levels in order),
// the same code blocks (byte for byte: code is not translated), and the Chinese error tables
// cover every error kind and every Feishu code with a hint that src/error.rs knows (the English
// table with the hint's text in src/messages.rs).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const en = readFileSync(join(root, "README.md"), "utf8");
const zh = readFileSync(join(root, "README.zh-CN.md"), "utf8");
const errorRs = readFileSync(join(root, "src", "error.rs"), "utf8");
const messagesRs = readFileSync(join(root, "src", "messages.rs"), "utf8");
const CJK = /[\u4e00-\u9fff]/;

/** Headings (outside code blocks) and fenced code blocks, in order. */
function outline(markdown) {
  const headings = [];
  const blocks = [];
  let block = null;
  for (const line of markdown.split("\n")) {
    const fence = /^(\s*)```(.*)$/.exec(line);
    if (fence && block === null) block = { lang: fence[2].trim(), lines: [] };
    else if (fence && block) {
      blocks.push(`${block.lang}\n${block.lines.join("\n")}`);
      block = null;
    } else if (block) block.lines.push(line);
    else if (/^#{1,6} /.test(line)) headings.push(line.match(/^#+/)[0].length);
  }
  assert.equal(block, null, "every code block is closed");
  return { headings, blocks };
}

test("README.zh-CN.md has README.md's sections, in the same order and nesting", () => {
  const a = outline(en).headings;
  const b = outline(zh).headings;
  assert.ok(a.length >= 25, `README.md has its sections (${a.length})`);
  assert.deepEqual(b, a);
});

test("README.zh-CN.md has README.md's code blocks, unchanged", () => {
  const a = outline(en).blocks;
  const b = outline(zh).blocks;
  assert.equal(b.length, a.length, "as many code blocks");
  a.forEach((block, i) => assert.equal(b[i], block, `code block ${i + 1}`));
});

test("no README calls initAPI() (new BlockitClient() already does: Docs logs a duplicate)", () => {
  for (const doc of [en, zh]) for (const block of outline(doc).blocks) assert.doesNotMatch(block, /\.initAPI\(\)/);
});

/** The table rows (lines starting with "|") of a document. */
const rows = (doc) => doc.split("\n").filter((l) => l.startsWith("|"));

test("every error kind has a row in both error tables, in Chinese in README.zh-CN.md", () => {
  const kinds = [...errorRs.matchAll(/ErrorKind::\w+ => "(\w+)"/g)].map((m) => m[1]);
  assert.ok(kinds.length >= 13, kinds.join());
  for (const kind of kinds) {
    const pick = (doc) => rows(doc).find((r) => r.startsWith(`| \`${kind}\` |`));
    assert.ok(pick(en), `README.md: ${kind}`);
    assert.match(pick(zh) ?? "", CJK, `README.zh-CN.md: ${kind} in Chinese`);
  }
});

test("every Feishu code with a hint in src/error.rs has a row in both code tables, in Chinese in README.zh-CN.md", () => {
  // `20001 => (Failed, Msg::OAuth20001),` in src/error.rs; `OAuth20001 = "text",` in src/messages.rs.
  const codes = [...errorRs.matchAll(/^\s*(\d+(?:\.\.=\d+)?) => \(\w+, Msg::(\w+)\)/gm)].map((m) => [m[1].replace("..=", "–"), m[2]]);
  assert.ok(codes.length >= 40, `codes read from src/error.rs: ${codes.length}`);
  const hint = (name) => JSON.parse(new RegExp(`^\\s*${name} = ("(?:[^"\\\\]|\\\\.)*"),$`, "m").exec(messagesRs)?.[1] ?? "null");
  for (const doc of [en, zh]) {
    const table = rows(doc).filter((r) => /^\| [^|]+ \| [\d–]+ \|/.test(r));
    for (const [code, name] of codes) {
      const row = table.find((r) => r.split("|")[2].trim() === code);
      assert.ok(row, `${doc === zh ? "README.zh-CN.md" : "README.md"}: code ${code}`);
      if (doc === zh) assert.match(row.split("|")[3], CJK, `code ${code} has a Chinese hint`);
      else assert.equal(row.split("|")[3].trim(), hint(name), `code ${code}: README.md shows the hint of src/messages.rs`);
    }
  }
});
