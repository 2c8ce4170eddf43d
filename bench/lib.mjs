// What bench/run.mjs and bench/trace.mjs share: the SDKs measured, their bundles (bench/dist/),
// the page server (gzip, preload links) and one cold load in a fresh browser context, on
// loopback or throttled by Chromium's network emulation.
import { createServer } from "node:http";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

export const here = dirname(fileURLToPath(import.meta.url));
export const root = join(here, "..");

// The package entries measured, one line each: the name apps import, the module that entry
// loads and the wasm its init() fetches (repository paths, after scripts/build-pkg.mjs), and the
// job (bench/entries/): the browser redirect login, as for every SDK below. An entry without the
// browser flow has no job (`job: null`): only its size is measured.
export const ENTRIES = [
  { name: "feishu-login", module: "pkg/index.js", wasm: "pkg/feishu_login_bg.wasm" },
  { name: "feishu-login/host", module: "pkg/host/index.js", wasm: "pkg/host/feishu_login_host_bg.wasm", job: null },
  { name: "feishu-login/browser", module: "pkg/browser/index.js", wasm: "pkg/browser/feishu_login_browser_bg.wasm" },
];
// The JS SDKs it is measured against, each with bench/entries/<slug>.js doing the same job.
export const ANCHORS = ["@auth0/auth0-spa-js", "oidc-client-ts", "oauth4webapi", "keycloak-js"];
export const SDKS = [...ENTRIES.map((e) => e.name), ...ANCHORS];

/** "feishu-login/host" → "feishu-login-host", "@auth0/auth0-spa-js" → "auth0-spa-js". */
export const slug = (name) => name.replace(/^@[^/]+\//, "").replace(/\//g, "-");
export const entryOf = (name) => ENTRIES.find((e) => e.name === name);
/** Whether `name` does the job (every anchor; an entry with the browser redirect). */
export const timed = (name) => entryOf(name)?.job !== null;

// The network profiles: loopback as is, and a mobile-ish network emulated by Chromium
// (Network.emulateNetworkConditions: every request waits `latency` ms before its response
// starts, and bytes flow at `Mbps`). Every response is served gzip -9, as a CDN would.
export const PROFILES = {
  loopback: { label: "loopback", network: null },
  throttled: { label: "throttled: 60 ms RTT, 9 Mbps down and up", network: { latency: 60, Mbps: 9 } },
};

const gz = (buf) => gzipSync(buf, { level: 9 }).length;

/** The module name "feishu-login" of a job, resolved to the entry's module. */
const packageEntry = (module) => ({
  name: "feishu-login-entry",
  setup(b) {
    b.onResolve({ filter: /^feishu-login$/ }, () => ({ path: join(root, module) }));
  },
});

/**
 * Bundles each SDK's job with esbuild (--bundle --minify --format=esm) into
 * bench/dist/<slug>/sdk.js, an entry's wasm copied beside it (where its init() looks: the
 * glue's `new URL("<name>.wasm", import.meta.url)`). Returns each SDK's size: what a page loads
 * for it (gzip -9 and raw; an entry's: its module, bundled alone, plus its wasm).
 */
export async function buildAll(sdks = SDKS) {
  rmSync(join(here, "dist"), { recursive: true, force: true });
  const sizes = {};
  const bundle = async (entryPoint, outfile, plugins = []) => {
    await build({ entryPoints: [entryPoint], bundle: true, minify: true, format: "esm", platform: "browser", outfile, plugins, logLevel: "error", write: true });
    return readFileSync(outfile);
  };
  for (const name of sdks) {
    const dir = join(here, "dist", slug(name));
    mkdirSync(dir, { recursive: true });
    const entry = entryOf(name);
    if (!entry) {
      const code = await bundle(join(here, "entries", slug(name) + ".js"), join(dir, "sdk.js"));
      sizes[name] = { minified: code.length, gzip: gz(code) };
      continue;
    }
    if (entry.job !== null) {
      await bundle(join(here, "entries", entry.job ?? "feishu-login.js"), join(dir, "sdk.js"), [packageEntry(entry.module)]);
      copyFileSync(join(root, entry.wasm), join(dir, basename(entry.wasm)));
    }
    const module = await bundle(join(root, entry.module), join(here, "dist", slug(name) + ".module.js"));
    const wasm = readFileSync(join(root, entry.wasm));
    sizes[name] = { minified: module.length + wasm.length, gzip: gz(module) + gz(wasm), wasmGzip: gz(wasm) };
  }
  return sizes;
}

/** The hints `?preload=1` puts in the page's head: modulepreload of the SDK's bundle, and an entry's wasm. */
export function preloadLinks(name) {
  const dir = `/bench/dist/${slug(name)}`;
  const links = [`<link rel="modulepreload" href="${dir}/sdk.js">`];
  const entry = entryOf(name);
  if (entry) links.push(`<link rel="preload" href="${dir}/${basename(entry.wasm)}" as="fetch" type="application/wasm" crossorigin>`);
  return links.join("\n");
}

const types = { ".js": "text/javascript", ".wasm": "application/wasm", ".html": "text/html; charset=utf-8", ".json": "application/json" };

/** Serves bench/page.html (with the preload links asked for), bench/dist/, pkg/ and the mock endpoints. */
export async function startServer() {
  const zipped = new Map(); // path → [mtime, gzip]
  const server = createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    const path = url.pathname;
    const gzipOk = /\bgzip\b/.test(req.headers["accept-encoding"] || "");
    const send = (status, type, body, cacheKey) => {
      const headers = { "Content-Type": type, "Cache-Control": "no-store" };
      if (gzipOk && body.length) {
        const cached = cacheKey && zipped.get(cacheKey.path);
        body = cached && cached[0] === cacheKey.mtime ? cached[1] : gzipSync(body, { level: 9 });
        if (cacheKey) zipped.set(cacheKey.path, [cacheKey.mtime, body]);
        headers["Content-Encoding"] = "gzip";
      }
      headers["Content-Length"] = body.length;
      res.writeHead(status, headers);
      res.end(body);
    };
    if (req.method === "POST") {
      req.resume();
      req.on("end", () => {
        if (path === "/idp/token") return send(200, types[".json"], Buffer.from(JSON.stringify({ access_token: "at", token_type: "Bearer", expires_in: 3600 })));
        if (path === "/api/login") return send(200, types[".json"], Buffer.from(JSON.stringify({ token: "t", expiresIn: 3600, user: { name: "bench" } })));
        send(404, "text/plain", Buffer.alloc(0));
      });
      return;
    }
    if (path === "/bench/page.html") {
      const sdk = SDKS.find((s) => slug(s) === url.searchParams.get("sdk"));
      const links = url.searchParams.get("preload") === "1" && sdk ? preloadLinks(sdk) : "";
      const html = readFileSync(join(here, "page.html"), "utf8").replace("<!--preload-->", links);
      return send(200, types[".html"], Buffer.from(html));
    }
    const file = path.startsWith("/pkg/") ? join(root, normalize(path)) : path.startsWith("/bench/dist/") ? join(here, normalize(path.slice(7))) : null;
    if (!file || !existsSync(file)) return send(404, "text/plain", Buffer.alloc(0));
    send(200, types[file.slice(file.lastIndexOf("."))] || "application/octet-stream", readFileSync(file), { path: file, mtime: statSync(file).mtimeMs });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { base: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}

/**
 * One load of bench/page.html in a fresh context (empty cache and storage): `mode` cold,
 * throughput, callback or wasm; `profile` a key of PROFILES; `preload` adds the hints. Waits for
 * the page's console message and returns its window.result. `around(page)` may start tracing.
 */
export async function load(browser, base, { sdk, mode, profile = "loopback", preload = false, around }) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const network = PROFILES[profile].network;
    if (network) {
      const cdp = await context.newCDPSession(page);
      await cdp.send("Network.enable");
      const bytesPerSecond = (network.Mbps * 1e6) / 8;
      await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: network.latency, downloadThroughput: bytesPerSecond, uploadThroughput: bytesPerSecond });
    }
    const stop = around ? await around(page) : null;
    // Waits for the page's console message (see page.html): nothing is injected while it runs.
    const done = page.waitForEvent("console", { predicate: (m) => m.text() === "bench:done", timeout: 120_000 });
    await page.goto(`${base}/bench/page.html?sdk=${encodeURIComponent(slug(sdk))}&mode=${mode}${preload ? "&preload=1" : ""}`);
    await done;
    const result = await page.evaluate(() => window.result);
    if (stop) result.trace = await stop();
    if (result.error) throw new Error(`${sdk} ${mode} ${profile}${preload ? " preload" : ""}: ${result.error}`);
    return result;
  } finally {
    await context.close();
  }
}
