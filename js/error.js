// FeishuLoginError: a real Error subclass, which wasm-bindgen cannot declare from Rust. The Rust
// side constructs it through an `extern` binding (src/web/error.rs); the package entry
// (pkg-template/index.js) re-exports this very class, so `instanceof` holds.
export class FeishuLoginError extends Error {
  constructor(kind, message, code, status, retryable) {
    super(message);
    this.name = "FeishuLoginError";
    this.kind = kind;
    if (code !== undefined) this.code = code;
    if (status !== undefined) this.status = status;
    this.retryable = retryable;
  }
}
