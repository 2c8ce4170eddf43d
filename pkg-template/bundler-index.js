// Package entry (bundler target: `feishu-login/bundler`, `feishu-login/host/bundler`,
// `feishu-login/browser/bundler`): the wasm is instantiated on import.
// The texts of errors: the synchronous ones come with this module, the rest are imported from
// the entry's ../messages.js the first time one is needed (the bundler makes it a chunk of its own).
import { Engine } from "__GLUE__";
import { FeishuLoginError, makeFeishuLogin } from "__DRIVER_MODULE__";
import sync, { build } from "../messages-sync.js";

export { FeishuLoginError };
export const FeishuLogin = makeFeishuLogin(Engine, { sync, build, load: () => import("../messages.js") });
