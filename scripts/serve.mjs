#!/usr/bin/env node
// Serves the demo on 127.0.0.1: www/ at /, the built package at /pkg/, a stand-in app backend
// at /api/ and a stand-in Feishu authorize page at /authorize (both from tests/support).
import { createServer } from "node:http";
import { readFileSync, existsSync, statSync } from "node:fs";
import { join, dirname, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { handleBackend } from "../tests/support/backend.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const port = Number(process.env.PORT || 8080);
const types = { ".js": "text/javascript", ".wasm": "application/wasm", ".html": "text/html; charset=utf-8", ".css": "text/css", ".json": "application/json" };

function serve(res, file) {
  if (!existsSync(file) || statSync(file).isDirectory()) return res.writeHead(404).end("not found");
  res.writeHead(200, { "Content-Type": types[file.slice(file.lastIndexOf("."))] || "application/octet-stream", "Cache-Control": "no-store" });
  res.end(readFileSync(file));
}

createServer((req, res) => {
  const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
  if (path.startsWith("/api/")) { req.url = req.url.slice(4); return handleBackend(req, res); }
  if (path === "/authorize") return handleBackend(req, res);
  if (path.startsWith("/pkg/")) return serve(res, join(root, "pkg", normalize(path.slice(5))));
  serve(res, join(root, "www", normalize(path === "/" ? "index.html" : path.slice(1))));
}).listen(port, "127.0.0.1", () => console.log(`feishu-login demo: http://127.0.0.1:${port}/`));
