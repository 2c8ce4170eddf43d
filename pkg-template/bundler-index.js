// Package entry (bundler target: `feishu-login/bundler`, `feishu-login/host/bundler`,
// `feishu-login/browser/bundler`): the wasm is instantiated on import.
import { Engine } from "__GLUE__";
import { FeishuLoginError, makeFeishuLogin } from "__DRIVER_MODULE__";

export { FeishuLoginError };
export const FeishuLogin = makeFeishuLogin(Engine);
