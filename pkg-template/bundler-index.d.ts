// `feishu-login/bundler` (and each entry's `/bundler`): the wasm is instantiated on import; no `init()`.
export * from "__TYPES__";
