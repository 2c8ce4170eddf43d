//! The Feishu host APIs (`DocMiniApp`, `h5sdk`, `tt`) as the core's [`HostApi`]. Globals are
//! probed with `Reflect` before use; callback APIs go through `js/hosts.js`, which settles once
//! and times out.

use crate::prelude::*;
use js_sys::{Array, Function, Object, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::platform::WebPlatform;
use super::{get, object};
use crate::host::{HostApi, HostFailure};

#[wasm_bindgen(module = "/js/hosts.js")]
extern "C" {
    #[wasm_bindgen(js_name = callTt)]
    fn call_tt(api: &Function, this: &JsValue, params: &Object, timeout_ms: u32) -> Promise;
    #[wasm_bindgen(js_name = h5sdkReady)]
    fn h5sdk_ready(h5sdk: &JsValue, timeout_ms: u32) -> Promise;
    #[wasm_bindgen(js_name = withTimeout)]
    fn with_timeout(promise: &JsValue, timeout_ms: u32) -> Promise;
}

fn number(value: &JsValue) -> Option<i64> {
    // Integer parsing only: parsing a float string would pull core's dec2flt (~10 KB) into the wasm.
    if let Some(text) = value.as_string() {
        return text.trim().parse().ok();
    }
    let n = value.as_f64()?;
    // A finite whole number (`f64::fract` is not in `core`).
    (n.is_finite() && (n as i64) as f64 == n).then_some(n as i64)
}

/// Reads whatever a host rejected with: an `APIInvokeError` (`code`), a `tt` error object
/// (`errno` / `errCode`, `errMsg` / `errString`), a string, an `Error`, or `{ timeout: true }`
/// from `js/hosts.js`. Never fails: an unreadable value is a failure without code.
pub(crate) fn failure_from_js(value: &JsValue) -> HostFailure {
    if get(value, "timeout").as_bool() == Some(true) {
        return HostFailure::timeout();
    }
    let thrown = get(value, "thrown");
    let value = if thrown.is_undefined() { value.clone() } else { thrown };
    let code = ["errno", "errCode", "code"].iter().find_map(|key| number(&get(&value, key)));
    let message = value
        .as_string()
        .or_else(|| ["errMsg", "errString", "message"].iter().find_map(|key| get(&value, key).as_string()));
    HostFailure { code, message, ..HostFailure::default() }
}

fn code_of(value: &JsValue) -> Option<String> {
    value.as_string().or_else(|| get(value, "code").as_string())
}

async fn settle(promise: Promise) -> Result<JsValue, HostFailure> {
    JsFuture::from(promise).await.map_err(|e| failure_from_js(&e))
}

fn no_code() -> HostFailure {
    HostFailure { message: Some("the host answered without a code".into()), ..HostFailure::default() }
}

/// `tt` and its method `name`, when this page has them.
pub(crate) fn tt_method(name: &str) -> Option<(JsValue, Function)> {
    let tt = get(&js_sys::global(), "tt");
    let api = get(&tt, name).dyn_into::<Function>().ok()?;
    Some((tt, api))
}

/// `DocMiniApp.Service.User` and its `login`, from `config.docMiniApp` or the global.
pub(crate) fn doc_widget_login_method(doc_mini_app: Option<&JsValue>) -> Option<(JsValue, Function)> {
    let doc = doc_mini_app.cloned().unwrap_or_else(|| get(&js_sys::global(), "DocMiniApp"));
    let user = get(&get(&doc, "Service"), "User");
    let login = get(&user, "login").dyn_into::<Function>().ok()?;
    Some((user, login))
}

impl WebPlatform {
    async fn tt_call(&self, name: &str, params: Object) -> Result<JsValue, HostFailure> {
        let (tt, api) = tt_method(name).ok_or_else(HostFailure::unavailable)?;
        settle(call_tt(&api, &tt, &params, self.host_timeout_ms)).await
    }
}

impl HostApi for WebPlatform {
    async fn doc_widget_login(&self) -> Result<String, HostFailure> {
        let (user, login) = doc_widget_login_method(self.doc_mini_app.as_ref()).ok_or_else(HostFailure::unavailable)?;
        let promise = login.call0(&user).map_err(|e| failure_from_js(&e))?;
        let value = settle(with_timeout(&promise, self.host_timeout_ms)).await?;
        code_of(&value).ok_or_else(no_code)
    }

    async fn client_ready(&self) -> Result<(), HostFailure> {
        let h5sdk = get(&js_sys::global(), "h5sdk");
        if !h5sdk.is_object() {
            return Err(HostFailure::unavailable());
        }
        if !get(&h5sdk, "ready").is_function() {
            return Ok(());
        }
        settle(h5sdk_ready(&h5sdk, self.host_timeout_ms)).await.map(drop)
    }

    fn has_request_access(&self) -> bool {
        tt_method("requestAccess").is_some()
    }

    async fn request_access(
        &self,
        app_id: &str,
        scope: &[String],
        state: &str,
    ) -> Result<(String, Option<String>), HostFailure> {
        let scope_list: Array = scope.iter().map(|s| JsValue::from_str(s)).collect();
        // Note the capital D: requestAccess takes `appID`, requestAuthCode `appId`.
        let params = object(&[("appID", app_id.into()), ("scopeList", scope_list.into()), ("state", state.into())]);
        let value = self.tt_call("requestAccess", params).await?;
        let code = code_of(&value).ok_or_else(no_code)?;
        Ok((code, get(&value, "state").as_string()))
    }

    async fn request_auth_code(&self, app_id: &str) -> Result<String, HostFailure> {
        let value = self.tt_call("requestAuthCode", object(&[("appId", app_id.into())])).await?;
        code_of(&value).ok_or_else(no_code)
    }

    async fn mini_program_login(&self) -> Result<String, HostFailure> {
        let value = self.tt_call("login", Object::new()).await?;
        code_of(&value).ok_or_else(no_code)
    }
}
