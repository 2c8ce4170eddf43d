//! Web storage and app-supplied storage objects as [`KeyValueStore`]s.

use crate::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

use super::get;
use crate::storage::{KeyValueStore, StoreRefused};

/// `localStorage` or `sessionStorage`. Every call can throw (`SecurityError` in sandboxed
/// iframes, `QuotaExceededError`): a throw becomes [`StoreRefused`].
pub(crate) struct WebStorage(web_sys::Storage);

impl WebStorage {
    /// `localStorage`; `None` when even opening it throws (blocked third-party storage).
    pub(crate) fn local() -> Option<WebStorage> {
        super::window()?.local_storage().ok().flatten().map(WebStorage)
    }

    /// `sessionStorage`; `None` when opening it throws.
    pub(crate) fn session() -> Option<WebStorage> {
        super::window()?.session_storage().ok().flatten().map(WebStorage)
    }
}

impl KeyValueStore for WebStorage {
    fn get(&self, key: &str) -> Result<Option<String>, StoreRefused> {
        self.0.get_item(key).map_err(|_| StoreRefused)
    }
    fn set(&self, key: &str, value: &str) -> Result<(), StoreRefused> {
        self.0.set_item(key, value).map_err(|_| StoreRefused)
    }
    fn remove(&self, key: &str) -> Result<(), StoreRefused> {
        self.0.remove_item(key).map_err(|_| StoreRefused)
    }
}

/// The app's own `{ getItem, setItem, removeItem }` object (synchronous, like `Storage`).
pub(crate) struct ObjectStorage(JsValue);

impl ObjectStorage {
    /// Wraps `object` if it has the three methods.
    pub(crate) fn new(object: JsValue) -> Option<ObjectStorage> {
        let has_methods = ["getItem", "setItem", "removeItem"].iter().all(|m| get(&object, m).is_function());
        has_methods.then_some(ObjectStorage(object))
    }

    fn call(&self, method: &str, args: &[&JsValue]) -> Result<JsValue, StoreRefused> {
        let function: js_sys::Function = get(&self.0, method).dyn_into().map_err(|_| StoreRefused)?;
        match args {
            [a] => function.call1(&self.0, a),
            [a, b] => function.call2(&self.0, a, b),
            _ => function.call0(&self.0),
        }
        .map_err(|_| StoreRefused)
    }
}

impl KeyValueStore for ObjectStorage {
    fn get(&self, key: &str) -> Result<Option<String>, StoreRefused> {
        let value = self.call("getItem", &[&JsValue::from_str(key)])?;
        if value.is_null() || value.is_undefined() {
            return Ok(None);
        }
        // A Promise (async storage) or any non-string is not a usable answer.
        value.as_string().map(Some).ok_or(StoreRefused)
    }
    fn set(&self, key: &str, value: &str) -> Result<(), StoreRefused> {
        self.call("setItem", &[&JsValue::from_str(key), &JsValue::from_str(value)]).map(drop)
    }
    fn remove(&self, key: &str) -> Result<(), StoreRefused> {
        self.call("removeItem", &[&JsValue::from_str(key)]).map(drop)
    }
}
