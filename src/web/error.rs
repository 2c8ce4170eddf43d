//! Core errors → JS `FeishuLoginError` instances.

use wasm_bindgen::prelude::*;

use crate::error::Error;

#[wasm_bindgen(module = "/js/error.js")]
extern "C" {
    #[wasm_bindgen(js_name = FeishuLoginError)]
    type JsFeishuLoginError;

    #[wasm_bindgen(constructor, js_class = "FeishuLoginError")]
    fn new(kind: &str, message: &str, code: Option<f64>, status: Option<u16>, retryable: bool) -> JsFeishuLoginError;
}

/// The `FeishuLoginError` for `error`.
pub(crate) fn to_js(error: &Error) -> JsValue {
    JsFeishuLoginError::new(
        error.kind().as_str(),
        error.message(),
        error.code().map(|c| c as f64),
        error.status(),
        error.retryable(),
    )
    .into()
}
