// `feishu-login/bundler`: the wasm is instantiated on import; no `init()`.
export * from "../types.js";
