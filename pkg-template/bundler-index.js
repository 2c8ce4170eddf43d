// Package entry (bundler target, `feishu-login/bundler`): the wasm is instantiated on import.
export * from "./feishu_login.js";
export { FeishuLoginError } from "./__ERROR_MODULE__";
