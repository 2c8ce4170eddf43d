// Whether the built SDK (pkg/) has `auth.status` and `auth.onStatus` ("redirecting",
// "signingOut"). The binding tests that need those statuses from the real SDK run in full only
// then; before, they say what they wait for.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

export async function sdkHasStatuses(root) {
  const sdk = await import(pathToFileURL(join(root, "pkg", "index.js")).href);
  sdk.initSync({ module: readFileSync(join(root, "pkg", "feishu_login_bg.wasm")) });
  const auth = new sdk.FeishuLogin({ appId: "cli_statuses", backend: "https://app.example/login", storage: "memory" });
  try {
    return typeof auth.onStatus === "function" && typeof auth.status === "string";
  } finally {
    auth.free();
  }
}

export const WAITS_FOR_STATUSES = "the logout rounds need auth.status/onStatus from the SDK's engine (signingOut): not in this build yet";
