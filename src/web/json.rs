//! [`Json`] ↔ JS values, and the browser's `JSON` as the core's [`JsonCodec`].

use crate::prelude::*;
use js_sys::{Array, Object, Reflect, JSON};
use wasm_bindgen::{JsCast, JsValue};

use crate::json::Json;

/// Deeper values are refused: a hostile backend must not overflow the wasm stack.
const MAX_DEPTH: u32 = 64;

/// `value` as a plain JS value (objects, not `Map`s).
pub(crate) fn json_to_js(value: &Json) -> JsValue {
    match value {
        Json::Null => JsValue::NULL,
        Json::Bool(b) => JsValue::from_bool(*b),
        Json::Number(n) => JsValue::from_f64(*n),
        Json::String(s) => JsValue::from_str(s),
        Json::Array(items) => items.iter().map(json_to_js).collect::<Array>().into(),
        Json::Object(members) => {
            let object = Object::new();
            for (key, member) in members {
                let _ = Reflect::set(&object, &JsValue::from_str(key), &json_to_js(member));
            }
            object.into()
        }
    }
}

/// A JS value as [`Json`]; `None` for what JSON cannot hold (functions, symbols, BigInts) or
/// nesting deeper than 64.
pub(crate) fn js_to_json(value: &JsValue) -> Option<Json> {
    walk(value, 0)
}

fn walk(value: &JsValue, depth: u32) -> Option<Json> {
    if depth > MAX_DEPTH {
        return None;
    }
    if value.is_null() || value.is_undefined() {
        return Some(Json::Null);
    }
    if let Some(b) = value.as_bool() {
        return Some(Json::Bool(b));
    }
    if let Some(n) = value.as_f64() {
        return Some(Json::Number(n));
    }
    if let Some(s) = value.as_string() {
        return Some(Json::String(s));
    }
    if Array::is_array(value) {
        return value
            .unchecked_ref::<Array>()
            .iter()
            .map(|item| walk(&item, depth + 1))
            .collect::<Option<_>>()
            .map(Json::Array);
    }
    if value.is_object() && !value.is_function() {
        let entries = Object::entries(value.unchecked_ref());
        let mut members = Vec::with_capacity(entries.length() as usize);
        for entry in entries.iter() {
            let pair: Array = entry.unchecked_into();
            members.push((pair.get(0).as_string()?, walk(&pair.get(1), depth + 1)?));
        }
        return Some(Json::Object(members));
    }
    None
}

/// `JSON.parse`, then the walk.
pub(crate) fn parse(text: &str) -> Option<Json> {
    js_to_json(&JSON::parse(text).ok()?)
}

/// The walk back, then `JSON.stringify`.
pub(crate) fn stringify(value: &Json) -> String {
    JSON::stringify(&json_to_js(value)).ok().and_then(|s| s.as_string()).unwrap_or_default()
}
