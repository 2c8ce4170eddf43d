#!/usr/bin/env node
// Lists the import circles between sibling Rust modules of a crate: for every module, its child
// modules are the nodes, and A → B when code in A (or below it) names B (or below it) by a path
// (`use crate::b`, `crate::b::x`, `super::b` …). A parent and its children are not siblings, so
// the usual `mod.rs` ↔ child references do not count; `use` of a sibling does.
// Usage: node scripts/module-cycles.mjs <src dir> [<src dir> …]; exits 1 when it finds a circle.
import { readFileSync, readdirSync, statSync, existsSync } from "node:fs";
import { join, normalize, relative, sep } from "node:path";

function files(dir) {
  const out = [];
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (f.endsWith(".rs")) out.push(p);
  }
  return out;
}

/** The module path of a file: src/lib.rs → [], src/a.rs and src/a/mod.rs → [a], src/a/b.rs → [a, b]. */
function modulePath(root, file) {
  const parts = relative(root, file).split(sep);
  const last = parts.pop().replace(/\.rs$/, "");
  if (!["lib", "main", "mod"].includes(last)) parts.push(last);
  return parts;
}

/** Strips comments and string literals (roughly) so that paths in docs do not count. */
function code(text) {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/\/\/.*$/gm, "")
    .replace(/\br(#*)"[\s\S]*?"\1(?!#)/g, '""')
    .replace(/"(?:[^"\\]|\\.)*"/g, '""');
}

/** Every absolute module path (from the crate root) the file names. */
function references(text, self) {
  const refs = [];
  const src = code(text);
  // crate::a::b, super::a, super::super::a, self::a
  for (const m of src.matchAll(/\b(crate|super|self)((?:::super)*)::([A-Za-z_][A-Za-z0-9_:]*)/g)) {
    let base;
    if (m[1] === "crate") base = [];
    else {
      base = self.slice();
      const ups = (m[1] === "super" ? 1 : 0) + (m[2] ? m[2].split("::super").length - 1 : 0);
      base = base.slice(0, Math.max(0, base.length - ups));
    }
    refs.push([...base, ...m[3].split("::").filter(Boolean)]);
  }
  // use crate::{a::x, b::y}
  for (const m of src.matchAll(/\buse\s+crate::\{([^;]*)\};/g)) {
    for (const item of m[1].split(",")) {
      const name = item.trim().split("::")[0].replace(/[{}\s]/g, "");
      if (name) refs.push([name]);
    }
  }
  return refs;
}

function cycles(root) {
  const mods = new Map(); // path string → refs
  // `#[path = "x.rs"] mod name;` puts a file under the module that declares it.
  const moved = new Map();
  for (const f of files(root)) {
    const text = code(readFileSync(f, "utf8").replace(/#\[path\s*=\s*"([^"]+)"\]/g, "PATHATTR($1)"));
    for (const m of text.matchAll(/PATHATTR\(([^)]+)\)\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;/g)) {
      moved.set(normalize(join(f, "..", m[1])), [...modulePath(root, f), m[2]]);
    }
  }
  for (const f of files(root)) {
    const self = moved.get(f) ?? modulePath(root, f);
    mods.set(self.join("::"), references(readFileSync(f, "utf8"), self));
  }
  const known = [...mods.keys()].map((k) => (k ? k.split("::") : []));
  const found = [];
  // Every module with children: its children are siblings.
  const parents = new Set(known.filter((p) => p.length > 0).map((p) => p.slice(0, -1).join("::")));
  for (const parent of parents) {
    const depth = parent ? parent.split("::").length : 0;
    const under = (p) => (parent ? p.slice(0, depth).join("::") === parent : true) && p.length > depth;
    const edges = new Map();
    for (const [name, refs] of mods) {
      const from = name ? name.split("::") : [];
      if (!under(from)) continue;
      const a = from[depth];
      for (const ref of refs) {
        if (!under(ref)) continue;
        const b = ref[depth];
        if (b === a || !known.some((k) => k.length > depth && k[depth] === b && under(k))) continue;
        if (!edges.has(a)) edges.set(a, new Set());
        edges.get(a).add(b);
      }
    }
    // Tarjan-free: DFS for back edges, report each circle once.
    const state = new Map();
    const stack = [];
    const visit = (n) => {
      state.set(n, 1);
      stack.push(n);
      for (const m of edges.get(n) ?? []) {
        if (state.get(m) === 1) found.push([...stack.slice(stack.indexOf(m)), m].map((x) => (parent ? parent + "::" : "") + x).join(" → "));
        else if (!state.has(m)) visit(m);
      }
      stack.pop();
      state.set(n, 2);
    };
    for (const n of edges.keys()) if (!state.has(n)) visit(n);
  }
  return found;
}

let bad = false;
for (const root of process.argv.slice(2)) {
  if (!existsSync(root)) continue;
  for (const c of cycles(root)) {
    bad = true;
    console.log(`${root}: ${c}`);
  }
}
process.exit(bad ? 1 : 0);
