//! The JS config and options objects → the core's [`ConfigInput`] / [`LoginOptions`]: one walk
//! into [`Json`] (the core checks the types and names the field), with the two members that are
//! live JS objects (`storage` as an object, `docMiniApp`) kept aside.

use crate::prelude::*;
use js_sys::{Array, Object};
use wasm_bindgen::{JsCast, JsValue};

use super::get;
use super::json::js_to_json;
use crate::authorize::LoginOptions;
use crate::config::ConfigInput;
use crate::error::Error;
use crate::json::Json;

/// The config, plus the JS objects the core does not model.
pub(crate) struct JsConfig {
    pub input: ConfigInput,
    /// The app's `{ getItem, setItem, removeItem }` storage object, if `storage` was one.
    pub storage_object: Option<JsValue>,
    /// `config.docMiniApp`.
    pub doc_mini_app: Option<JsValue>,
}

fn absent(value: &JsValue) -> bool {
    value.is_undefined() || value.is_null()
}

/// Walks a plain object's own members, leaving out `skip`. A member JSON cannot hold (a
/// function, a symbol) reads as `null`, i.e. absent.
fn walk_object(value: &JsValue, skip: &[&str]) -> Json {
    if !value.is_object() || Array::is_array(value) {
        return js_to_json(value).unwrap_or(Json::Null);
    }
    let mut members = Vec::new();
    for entry in Object::entries(value.unchecked_ref()).iter() {
        let pair: Array = entry.unchecked_into();
        let Some(key) = pair.get(0).as_string() else { continue };
        if !skip.contains(&key.as_str()) {
            members.push((key, js_to_json(&pair.get(1)).unwrap_or(Json::Null)));
        }
    }
    Json::Object(members)
}

/// Reads `new FeishuLogin(config)`'s argument.
///
/// # Errors
/// `config`, naming the field whose type is wrong.
pub(crate) fn read_config(config: &JsValue) -> Result<JsConfig, Error> {
    let mut json = walk_object(config, &["storage", "docMiniApp"]);
    let storage = get(config, "storage");
    let storage_object = (storage.is_object()).then(|| storage.clone());
    if let (Json::Object(members), false) = (&mut json, absent(&storage)) {
        // A storage object stands as `{}` for the core; its methods are checked here.
        let value = match &storage_object {
            Some(object) if super::storage::ObjectStorage::new(object.clone()).is_some() => Json::Object(Vec::new()),
            Some(_) => Json::Bool(false),
            None => js_to_json(&storage).unwrap_or(Json::Bool(false)),
        };
        members.push(("storage".to_owned(), value));
    }
    let doc_mini_app = get(config, "docMiniApp");
    let doc_mini_app = match (absent(&doc_mini_app), doc_mini_app.is_object()) {
        (true, _) => None,
        (false, true) => Some(doc_mini_app),
        (false, false) => {
            return Err(Error::config("docMiniApp", "must be the object from new BlockitClient().initAPI()"))
        }
    };
    Ok(JsConfig { input: ConfigInput::from_json(&json)?, storage_object, doc_mini_app })
}

/// Reads the `options` of `login`, `authorizeUrl` and `loginWithRedirect`.
///
/// # Errors
/// `config`, naming the option whose type is wrong.
pub(crate) fn read_options(options: Option<&JsValue>) -> Result<LoginOptions, Error> {
    match options {
        Some(options) if !absent(options) => LoginOptions::from_json(&walk_object(options, &[])),
        _ => Ok(LoginOptions::default()),
    }
}
