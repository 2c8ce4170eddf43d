// Starts the demo server (emulator + reference backend) serving `www` as its page root: the
// emulator only accepts the redirect URI http://127.0.0.1:<port>/, so an app under test must be
// the server's own `/`. Needs target/debug/feishu-login-server (scripts/test.sh builds it).
import { mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDemo } from "./listening.mjs";

export async function startDemoServer(root, www) {
  const fakeRoot = mkdtempSync(join(tmpdir(), "feishu-login-root-"));
  symlinkSync(www, join(fakeRoot, "www"));
  const { child: server, base } = await startDemo(root, { feishuRoot: fakeRoot, stderr: "ignore" });
  return { base, stop: () => server.kill() };
}

/** Counts the page's POSTs to the login backend. */
export function countBackendPosts(page) {
  const counter = { posts: 0 };
  page.on("request", (r) => {
    if (r.method() === "POST" && new URL(r.url()).pathname === "/api/feishu/login") counter.posts++;
  });
  return counter;
}

/** Clicks through the emulator's consent page (the app has navigated to it). */
export async function consent(page, { deny = false } = {}) {
  await page.waitForSelector("#allow");
  await page.click(deny ? "#deny" : "#allow");
}
