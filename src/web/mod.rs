//! Browser adapters (wasm32 only): each turns one browser API into what the core asks for.

use crate::prelude::*;
pub(crate) mod config;
pub(crate) mod error;
pub(crate) mod host;
pub(crate) mod json;
pub(crate) mod platform;
pub(crate) mod storage;
pub(crate) mod timer;

use wasm_bindgen::JsValue;

/// `Reflect.get(target, key)`, `undefined` when the lookup throws (a hostile getter or proxy).
pub(crate) fn get(target: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// The global `window`, if this realm has one.
pub(crate) fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

/// `location.href`, or an empty string outside a window.
pub(crate) fn location_href() -> String {
    window().and_then(|w| w.location().href().ok()).unwrap_or_default()
}

/// A plain object with `pairs` as its members.
pub(crate) fn object(pairs: &[(&str, JsValue)]) -> js_sys::Object {
    let object = js_sys::Object::new();
    for (key, value) in pairs {
        let _ = js_sys::Reflect::set(&object, &JsValue::from_str(key), value);
    }
    object
}
