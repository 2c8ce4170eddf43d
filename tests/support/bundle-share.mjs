// How much of a built JS file comes from given sources, by its source map: every generated
// character is attributed to the source of the mapping segment it falls in (unmapped text to
// none), and the attributed text is measured gzip -9. Used to print what feishu-login adds to
// each example's bundle.
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Base64 VLQ fields of one source map segment. */
function fields(segment) {
  const out = [];
  let value = 0, shift = 0;
  for (const ch of segment) {
    const digit = B64.indexOf(ch);
    value += (digit & 31) << shift;
    if (digit & 32) { shift += 5; continue; }
    out.push(value & 1 ? -(value >>> 1) : value >>> 1);
    value = 0; shift = 0;
  }
  return out;
}

/** gzip -9 bytes of the text of `file` mapped to sources matching `belongs`. */
export function sharedBytes(file, belongs) {
  const map = JSON.parse(readFileSync(file + ".map", "utf8"));
  const lines = readFileSync(file, "utf8").split("\n");
  const mine = map.sources.map((s) => belongs(s));
  let source = 0;
  let picked = "";
  map.mappings.split(";").forEach((line, n) => {
    const text = lines[n] ?? "";
    let column = 0;
    const segments = line ? line.split(",").map(fields) : [];
    segments.forEach((f, i) => {
      column += f[0];
      if (f.length >= 4) source += f[1];
      const end = i + 1 < segments.length ? column + segments[i + 1][0] : text.length;
      if (f.length >= 4 && mine[source]) picked += text.slice(column, end);
    });
    picked += "\n";
  });
  return gzipSync(picked, { level: 9 }).length;
}
