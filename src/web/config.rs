//! Reading the JS config and options objects field by field, so that a value of the wrong JS
//! type is reported with its field's name (serde would only say "invalid type").

use wasm_bindgen::{JsCast, JsValue};

use super::get;
use crate::authorize::LoginOptions;
use crate::config::{BackendInput, ConfigInput};
use crate::error::Error;

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

fn is_object(value: &JsValue) -> bool {
    value.is_object() && !js_sys::Array::is_array(value)
}

fn string_field(object: &JsValue, key: &str, field: &str) -> Result<Option<String>, Error> {
    let value = get(object, key);
    if absent(&value) {
        return Ok(None);
    }
    value.as_string().map(Some).ok_or_else(|| Error::config(field, "must be a string"))
}

fn number_field(object: &JsValue, key: &str, field: &str) -> Result<Option<f64>, Error> {
    let value = get(object, key);
    if absent(&value) {
        return Ok(None);
    }
    value.as_f64().map(Some).ok_or_else(|| Error::config(field, "must be a number"))
}

fn string_list(object: &JsValue, key: &str, field: &str) -> Result<Option<Vec<String>>, Error> {
    let value = get(object, key);
    if absent(&value) {
        return Ok(None);
    }
    let problem = "must be an array of strings";
    let array: js_sys::Array = value.dyn_into().map_err(|_| Error::config(field, problem))?;
    array.iter().map(|v| v.as_string().ok_or_else(|| Error::config(field, problem))).collect::<Result<_, _>>().map(Some)
}

fn read_backend(config: &JsValue) -> Result<BackendInput, Error> {
    let backend = get(config, "backend");
    if let Some(url) = backend.as_string() {
        return Ok(BackendInput { url: Some(url), ..Default::default() });
    }
    if absent(&backend) {
        return Ok(BackendInput::default());
    }
    if !is_object(&backend) {
        return Err(Error::config(
            "backend",
            "must be a URL string or an object { url, headers?, credentials?, timeoutMs?, retries?, codeIn? }",
        ));
    }
    let headers_value = get(&backend, "headers");
    let mut headers = Vec::new();
    if !absent(&headers_value) {
        let problem = "must be an object of header names to string values";
        if !is_object(&headers_value) {
            return Err(Error::config("backend.headers", problem));
        }
        for entry in js_sys::Object::entries(headers_value.unchecked_ref()).iter() {
            let pair: js_sys::Array = entry.unchecked_into();
            let name = pair.get(0).as_string().unwrap_or_default();
            let value = pair.get(1).as_string().ok_or_else(|| Error::config("backend.headers", problem))?;
            headers.push((name, value));
        }
    }
    Ok(BackendInput {
        url: string_field(&backend, "url", "backend.url")?,
        headers,
        credentials: string_field(&backend, "credentials", "backend.credentials")?,
        timeout_ms: number_field(&backend, "timeoutMs", "backend.timeoutMs")?,
        retries: number_field(&backend, "retries", "backend.retries")?,
        code_in: string_field(&backend, "codeIn", "backend.codeIn")?,
    })
}

/// Reads `new FeishuLogin(config)`'s argument.
///
/// # Errors
/// `config`, naming the field whose JS type is wrong.
pub(crate) fn read_config(config: &JsValue) -> Result<JsConfig, Error> {
    if !is_object(config) {
        return Err(Error::config(
            "config",
            "must be an object such as { appId: \"cli_…\", backend: \"/api/feishu/login\" }",
        ));
    }
    let storage = get(config, "storage");
    let (storage_name, storage_object) = if absent(&storage) {
        (None, None)
    } else if let Some(name) = storage.as_string() {
        (Some(name), None)
    } else if super::storage::ObjectStorage::new(storage.clone()).is_some() {
        (Some("custom".to_owned()), Some(storage))
    } else {
        return Err(Error::config(
            "storage",
            "must be \"local\", \"session\", \"memory\" or an object with getItem, setItem and removeItem",
        ));
    };
    let doc_mini_app = get(config, "docMiniApp");
    let doc_mini_app = if absent(&doc_mini_app) {
        None
    } else if doc_mini_app.is_object() {
        Some(doc_mini_app)
    } else {
        return Err(Error::config("docMiniApp", "must be the object from new BlockitClient().initAPI()"));
    };
    let input = ConfigInput {
        app_id: string_field(config, "appId", "appId")?,
        backend: read_backend(config)?,
        redirect_uri: string_field(config, "redirectUri", "redirectUri")?,
        scope: string_list(config, "scope", "scope")?.unwrap_or_default(),
        brand: string_field(config, "brand", "brand")?,
        authorize_url: string_field(config, "authorizeUrl", "authorizeUrl")?,
        storage: storage_name,
        surface: string_field(config, "surface", "surface")?,
        host_timeout_ms: number_field(config, "hostTimeoutMs", "hostTimeoutMs")?,
    };
    Ok(JsConfig { input, storage_object, doc_mini_app })
}

/// Reads the `options` of `login`, `authorizeUrl` and `loginWithRedirect`.
///
/// # Errors
/// `config`, naming the option whose JS type is wrong.
pub(crate) fn read_options(options: Option<&JsValue>) -> Result<LoginOptions, Error> {
    let Some(options) = options.filter(|o| !absent(o)) else { return Ok(LoginOptions::default()) };
    if !is_object(options) {
        return Err(Error::config("options", "must be an object { scope?, force?, returnTo? }"));
    }
    let force = get(options, "force");
    let force = if absent(&force) {
        false
    } else {
        force.as_bool().ok_or_else(|| Error::config("options.force", "must be a boolean"))?
    };
    Ok(LoginOptions {
        scope: string_list(options, "scope", "options.scope")?,
        force,
        return_to: string_field(options, "returnTo", "options.returnTo")?,
    })
}
