// Every JavaScript and TypeScript snippet of README.md and README.zh-CN.md is compiled under
// `tsc --strict` against the built package's declarations (pkg/) and the libraries the snippet
// imports (tests/readme/, installed once): fenced ts/tsx/js/jsx blocks (js with checkJs), and the
// module scripts of html blocks. A snippet may use what tests/readme/prelude.d.ts declares (the
// reader's own functions, `auth` from the quickstart, Nuxt's auto-imports); a block that cannot
// compile at all is marked on the line before its fence with `<!-- not compiled: <reason> -->`.
// The two READMEs carry the same code, so each distinct snippet is compiled once. Libraries'
// declarations are not re-checked here (skipLibCheck: what apps do; Feishu's doc widget package
// even needs it): the package's own declarations are checked without skipLibCheck by tests/types
// (tests/bindings.test.mjs), and the snippets' use of every declaration is checked here.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, dirname, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { installDeps } from "./support/npm.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dir = join(root, "tests", "readme");
const out = join(dir, "snippets");
const COMPILED = new Set(["ts", "tsx", "js", "jsx", "mjs", "html"]);
// The READMEs import the package by name, and plain pages by the URL they serve it at.
const PACKAGE = {
  "feishu-login": "index.d.ts",
  "feishu-login/bundler": "bundler/index.d.ts",
  "feishu-login/react": "react.d.ts",
  "feishu-login/vue": "vue.d.ts",
  "feishu-login/vite": "vite.d.ts",
  "feishu-login/wasm-url": "wasm-url.d.ts",
  ...Object.fromEntries(["host", "browser"].flatMap((e) => [
    [`feishu-login/${e}`, `${e}/index.d.ts`], [`feishu-login/${e}/bundler`, `${e}/bundler/index.d.ts`], [`feishu-login/${e}/react`, `${e}/react.d.ts`],
    [`feishu-login/${e}/vue`, `${e}/vue.d.ts`], [`feishu-login/${e}/wasm-url`, `${e}/wasm-url.d.ts`]])),
  "/vendor/feishu-login/index.js": "index.d.ts",
  "/node_modules/feishu-login/index.js": "index.d.ts",
  "/node_modules/feishu-login/host/index.js": "host/index.d.ts",
};
/** `{ file, line, lang, code, skip }` for each fenced block of a markdown file. */
function blocks(markdown, file) {
  const found = [];
  let block = null;
  const lines = markdown.split("\n");
  lines.forEach((line, i) => {
    const fence = /^\s*```(.*)$/.exec(line);
    if (fence && block === null) {
      const before = lines.slice(0, i).reverse().find((l) => l.trim() !== "") ?? "";
      const skip = /^<!-- not compiled: (.+) -->$/.exec(before.trim())?.[1] ?? null;
      block = { file, line: i + 1, lang: fence[1].trim().split(/\s+/)[0], lines: [], skip };
    } else if (fence) {
      found.push({ ...block, code: block.lines.join("\n") });
      block = null;
    } else if (block) {
      block.lines.push(line);
    }
  });
  return found;
}

/** The code tsc sees: the block itself, or an html block's module scripts. */
function source({ lang, code }) {
  if (lang !== "html") return { ext: lang === "mjs" ? "js" : lang, text: code };
  const scripts = [...code.matchAll(/<script type="module">([\s\S]*?)<\/script>/g)].map((m) => m[1]);
  return scripts.length ? { ext: "js", text: scripts.join("\n") } : null;
}

function readmeSnippets() {
  const all = ["README.md", "README.zh-CN.md"].flatMap((f) => blocks(readFileSync(join(root, f), "utf8"), f));
  const distinct = new Map();
  for (const b of all.filter((b) => COMPILED.has(b.lang))) {
    const key = `${b.lang}\n${b.code}`;
    if (distinct.has(key)) distinct.get(key).at.push(`${b.file}:${b.line}`);
    else distinct.set(key, { ...b, at: [`${b.file}:${b.line}`] });
  }
  return [...distinct.values()];
}

function tsconfig(files) {
  const paths = Object.fromEntries(Object.entries(PACKAGE).map(([name, file]) => [name, [relative(out, join(root, "pkg", file))]]));
  // pkg/ is outside tests/readme: its declarations find React and Vue here.
  Object.assign(paths, {
    react: ["../node_modules/@types/react/index.d.ts"],
    "react/*": ["../node_modules/@types/react/*"],
    vue: ["../node_modules/vue/dist/vue.d.mts"],
  });
  return {
    compilerOptions: {
      strict: true, noEmit: true, skipLibCheck: true,
      target: "es2022", module: "esnext", moduleResolution: "bundler", moduleDetection: "force",
      lib: ["esnext", "dom", "dom.iterable"], jsx: "react-jsx", allowJs: true, checkJs: true,
      baseUrl: ".", paths,
    },
    files: ["../prelude.d.ts", ...files],
  };
}

test("every ts/tsx/js/jsx snippet (and html module script) of both READMEs compiles under tsc --strict", () => {
  installDeps(dir);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const snippets = readmeSnippets();
  const where = new Map();
  const skipped = [];
  for (const s of snippets) {
    if (s.skip) {
      skipped.push(`${s.at.join(", ")}: ${s.skip}`);
      continue;
    }
    const src = source(s);
    if (!src) continue;
    const name = `${s.file.replace(/\W/g, "_")}-L${s.line}.${src.ext}`;
    writeFileSync(join(out, name), src.text + "\n");
    where.set(name, s.at.join(", "));
  }
  assert.ok(where.size >= 12, `snippets found: ${where.size}`);
  if (skipped.length) console.log(`# not compiled (marked): ${skipped.join("; ")}`);
  const config = join(out, "tsconfig.json");
  writeFileSync(config, JSON.stringify(tsconfig([...where.keys()]), null, 2));
  try {
    execFileSync(join(root, "node_modules", ".bin", "tsc"), ["-p", config], { cwd: out, encoding: "utf8" });
  } catch (e) {
    // Each error names the snippet's README lines, not the generated file.
    const errors = e.stdout.replace(/^([\w.-]+)\((\d+),(\d+)\)/gm, (_, f, l, c) => `${where.get(f) ?? f} (snippet line ${l}, column ${c})`);
    assert.fail(`README snippets that do not compile:\n${errors}`);
  }
});

test("the snippet extractor sees fences, languages and the not-compiled mark", () => {
  const md = "text\n\n```tsx\nconst a = 1;\n```\n<!-- not compiled: pseudo-code -->\n\n```js\nwhat ever\n```\n";
  assert.deepEqual(blocks(md, "x.md").map(({ line, lang, code, skip }) => [line, lang, code, skip]),
    [[3, "tsx", "const a = 1;", null], [8, "js", "what ever", "pseudo-code"]]);
});

test("the quickstart runs as pasted: it defines the page functions it calls", () => {
  // The prelude declares the reader's own functions for the later snippets; the first snippet a
  // reader copies must not lean on them.
  const prelude = readFileSync(join(dir, "prelude.d.ts"), "utf8");
  const declared = [...prelude.matchAll(/^declare function (\w+)/gm)].map((m) => m[1]);
  assert.ok(declared.includes("showMessage"), declared.join());
  for (const file of ["README.md", "README.zh-CN.md"]) {
    const markdown = readFileSync(join(root, file), "utf8");
    const start = markdown.search(/^## (Quickstart|快速开始)/m);
    const quickstart = blocks(markdown.slice(start), file).find((b) => b.lang === "js");
    assert.ok(quickstart, `${file}: the quickstart's js block`);
    for (const name of declared.filter((n) => new RegExp(`\\b${n}\\(`).test(quickstart.code))) {
      assert.match(quickstart.code, new RegExp(`(const|function) ${name}\\b`), `${file}: the quickstart calls ${name}() without defining it`);
    }
  }
});
