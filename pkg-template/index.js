// Package entry (web target): the wasm-bindgen module plus the FeishuLoginError class the wasm
// constructs. `await init()` once before `new FeishuLogin(...)`.
export * from "./feishu_login.js";
export { default } from "./feishu_login.js";
export { FeishuLoginError } from "./__ERROR_MODULE__";
