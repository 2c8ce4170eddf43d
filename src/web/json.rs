//! [`Json`] ↔ JS values, for the objects the JS API takes and returns. JSON text is the core's
//! business (`Json::parse` / `Json::to_text`); numbers cross as text, converted by JS itself, so
//! that no float parsing or formatting is compiled into the wasm.

use crate::prelude::*;
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::json::{Json, Number, MAX_DEPTH};

#[wasm_bindgen]
extern "C" {
    /// The global `String`. For a number it is `Number.prototype.toString()`: the shortest text
    /// that reads back as the number (`-0` gives `"0"`, as `JSON.stringify` writes it), always a
    /// JSON number literal for a finite number. Bound directly: it cannot throw for a number, so
    /// no `catch` glue.
    #[wasm_bindgen(js_name = String)]
    fn js_string(value: &JsValue) -> String;
}

/// `value` as a plain JS value (objects, not `Map`s).
pub(crate) fn json_to_js(value: &Json) -> JsValue {
    match value {
        Json::Null => JsValue::NULL,
        Json::Bool(b) => JsValue::from_bool(*b),
        // parseFloat reads a JSON number literal exactly as JSON.parse does.
        Json::Number(n) => JsValue::from_f64(js_sys::Number::parse_float(n.as_str())),
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

/// A JS value (the config and options objects) as [`Json`]: `undefined` reads as `null`, as
/// `JSON.stringify` reads it. `None` for what JSON cannot hold (functions, symbols, BigInts) or
/// arrays and objects nested more than 128 deep.
///
/// Unlike `JSON.stringify`, a non-finite number (NaN, ±Infinity) reads as the literal `1e400`
/// (what JSON.parse reads as Infinity), not `null`: `timeoutMs: NaN` must be refused as out of
/// range with the field's message, not taken for "not given".
pub(crate) fn js_to_json(value: &JsValue) -> Option<Json> {
    walk(value, 0)
}

/// `value`, inside `depth` arrays and objects.
fn walk(value: &JsValue, depth: usize) -> Option<Json> {
    if value.is_null() || value.is_undefined() {
        return Some(Json::Null);
    }
    if let Some(b) = value.as_bool() {
        return Some(Json::Bool(b));
    }
    if let Some(n) = value.as_f64() {
        if !n.is_finite() {
            return Number::parse("1e400").map(Json::Number);
        }
        return Number::parse(&js_string(value)).map(Json::Number);
    }
    if let Some(s) = value.as_string() {
        return Some(Json::String(s));
    }
    if depth >= MAX_DEPTH {
        return None;
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
