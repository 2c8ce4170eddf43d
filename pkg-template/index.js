// Package entry (web target; `feishu-login`, `feishu-login/host`, `feishu-login/browser`): the
// driver's FeishuLogin around the entry's wasm engine, and an `init` whose failures are
// FeishuLoginErrors. `await init()` once before `new FeishuLogin(...)`.
// The texts of errors: the synchronous ones come with this module, the rest are imported from
// ./messages.js the first time one is needed (bundlers make it a chunk of its own).
import glueInit, { initSync as glueInitSync, Engine } from "__GLUE__";
import { FeishuLoginError, makeFeishuLogin, wrapInit } from "__DRIVER_MODULE__";
import sync, { build } from "./messages-sync.js";

export { FeishuLoginError };
export const FeishuLogin = makeFeishuLogin(Engine, { sync, build, load: () => import("./messages.js") });
export default wrapInit(glueInit, FeishuLogin);
export const initSync = (module) => void glueInitSync(module);
