// Package entry (bundler target, `feishu-login/bundler`): the wasm is instantiated on import.
import { Engine } from "./feishu_login.js";
import { FeishuLoginError, makeFeishuLogin } from "./__DRIVER_MODULE__";

export { FeishuLoginError };
export const FeishuLogin = makeFeishuLogin(Engine);
