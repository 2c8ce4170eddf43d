// The package in Node (tests, workers, tooling), from pkg/ as built: init() without the wasm's
// bytes says to use initSync; what needs a browser page says so, with kind "unsupported".
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const sdk = await import(pathToFileURL(join(root, "pkg", "index.js")).href);

test("init() in Node without the wasm rejects with kind unsupported, saying to use initSync", async () => {
  await assert.rejects(sdk.default(), (e) => {
    assert.ok(e instanceof sdk.FeishuLoginError, String(e));
    assert.equal(e.kind, "unsupported");
    assert.match(e.message, /^in Node, init\(\) cannot fetch the wasm \(.+\): use initSync with its bytes \(README: Node\)$/);
    assert.ok(!e.message.includes("Content-Type"), "no advice for a web server: " + e.message);
    return true;
  });
});

test("members that need a browser page say so in Node, with kind unsupported", async () => {
  // The engine decides: the driver tells it whether there is a page (a `document`).
  sdk.initSync({ module: readFileSync(join(root, "pkg", "feishu_login_bg.wasm")) });
  const auth = new sdk.FeishuLogin({ appId: "cli_a5ca35a685b0x26e", backend: "https://app.example/api/feishu/login", storage: "memory", redirectUri: "https://app.example/" });
  try {
    const needsBrowser = (e) => {
      assert.equal(e.kind, "unsupported", e.message);
      assert.match(e.message, /browser/);
      return true;
    };
    await assert.rejects(auth.login(), needsBrowser, "login() would redirect");
    await assert.rejects(auth.loginWithRedirect(), needsBrowser);
    await assert.rejects(auth.loginWithPopup(), needsBrowser);
    assert.throws(() => auth.mountQrLogin("qr"), needsBrowser);
    // What works without a page still does.
    assert.match(await auth.authorizeUrl(), /^https:\/\/accounts\.feishu\.cn\/open-apis\/authen\/v1\/authorize\?/);
    assert.equal(await auth.getSession(), null);
  } finally {
    auth.free();
  }
});
