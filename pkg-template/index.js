// Package entry (web target): the driver's FeishuLogin around the wasm engine, and an `init`
// whose failures are FeishuLoginErrors. `await init()` once before `new FeishuLogin(...)`.
import glueInit, { initSync as glueInitSync, Engine } from "./feishu_login.js";
import { FeishuLoginError, makeFeishuLogin, wrapInit } from "./__DRIVER_MODULE__";

export { FeishuLoginError };
export const FeishuLogin = makeFeishuLogin(Engine);
export default wrapInit(glueInit, FeishuLogin);
export const initSync = (module) => void glueInitSync(module);
