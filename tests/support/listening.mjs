// Starts a server binary of this repository (the demo server, feishu-emulator) and resolves with
// its base URL once it printed `http://127.0.0.1:<port>` (they listen on port 0: a free port).
import { spawn } from "node:child_process";
import { join } from "node:path";

/** `{ child, base }`; rejects when the binary cannot start or exits first. */
export function startListening(command, args = [], { env = process.env, stderr = "inherit" } = {}) {
  const child = spawn(command, args, { env, stdio: ["ignore", "pipe", stderr] });
  return new Promise((resolve, reject) => {
    child.on("error", (e) => reject(new Error(`cannot start ${command}: ${e.message}`)));
    child.on("exit", (code) => reject(new Error(`${command} exited with ${code}`)));
    child.stdout.on("data", (chunk) => {
      const match = /http:\/\/127\.0\.0\.1:\d+/.exec(String(chunk));
      if (match) resolve({ child, base: match[0] });
    });
  });
}

/**
 * The demo server (`target/debug/feishu-login-server` unless `binary`) on a free port in emulator
 * mode, serving `feishuRoot` (www/ and pkg/; the repository by default), with `extra` variables
 * (e.g. the store's): `{ child, base }`.
 */
export function startDemo(root, { feishuRoot = root, binary, stderr, env: extra = {} } = {}) {
  const env = { ...process.env, PORT: "0", FEISHU_APP_ID: "", FEISHU_APP_SECRET: "", FEISHU_LOGIN_ROOT: feishuRoot, ...extra };
  return startListening(binary ?? join(root, "target", "debug", "feishu-login-server"), [], { env, stderr });
}
