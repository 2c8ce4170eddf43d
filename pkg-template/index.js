// Package entry (web target; `feishu-login`, `feishu-login/host`, `feishu-login/browser`): the
// driver's FeishuLogin around the entry's wasm engine, and an `init` whose failures are
// FeishuLoginErrors. `await init()` once before `new FeishuLogin(...)`.
import glueInit, { initSync as glueInitSync, Engine } from "__GLUE__";
import { FeishuLoginError, makeFeishuLogin, wrapInit } from "__DRIVER_MODULE__";

export { FeishuLoginError };
export const FeishuLogin = makeFeishuLogin(Engine);
const load = wrapInit(glueInit, FeishuLogin);
// Without an argument init() fetches the wasm next to this module, which Node's fetch cannot
// (a file: URL): there the answer is initSync.
export default (input) => load(input).catch((e) => {
  throw input == null && globalThis.process?.versions?.node
    ? new FeishuLoginError("unsupported", "in Node, use initSync (README: Node): " + e.message)
    : e;
});
export const initSync = (module) => void glueInitSync(module);
