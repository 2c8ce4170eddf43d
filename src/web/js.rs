//! The Rust API's bindings: `js/driver.js`'s `FeishuLogin` class (the same driver the npm
//! package ships, so every I/O rule lives there once), made around this wasm's own `Engine`,
//! and the conversions of its values (errors, sessions) into Rust types.

use crate::error::{Error, ErrorKind};
use crate::prelude::*;
use alloc::string::ToString;
use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/js/driver.js")]
extern "C" {
    /// The driver's class, around an `Engine` class the driver `new`s.
    #[wasm_bindgen(js_name = makeFeishuLogin)]
    fn make_feishu_login(engine: &JsValue, messages: &JsValue) -> Function;
}

#[wasm_bindgen(module = "/js/rust-api.js")]
extern "C" {
    #[wasm_bindgen(js_name = engineClass)]
    fn engine_class(make: &Closure<dyn Fn() -> JsValue>) -> JsValue;
}

#[wasm_bindgen]
extern "C" {
    /// An instance of the driver's `FeishuLogin`.
    #[derive(Clone)]
    pub(super) type Auth;

    #[wasm_bindgen(method, getter, catch)]
    pub(super) fn session(this: &Auth) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter)]
    pub(super) fn surface(this: &Auth) -> JsValue;
    #[wasm_bindgen(method, getter)]
    pub(super) fn status(this: &Auth) -> JsValue;
    #[wasm_bindgen(method)]
    pub(super) fn login(this: &Auth, options: &JsValue) -> Promise;
    #[wasm_bindgen(method, js_name = loginWithRedirect)]
    pub(super) fn login_with_redirect(this: &Auth, options: &JsValue) -> Promise;
    #[wasm_bindgen(method, js_name = loginWithPopup)]
    pub(super) fn login_with_popup(this: &Auth, options: &JsValue) -> Promise;
    #[wasm_bindgen(method, js_name = authorizeUrl)]
    pub(super) fn authorize_url(this: &Auth, options: &JsValue) -> Promise;
    #[wasm_bindgen(method, catch, js_name = mountQrLogin)]
    pub(super) fn mount_qr_login(this: &Auth, target: &JsValue, options: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, js_name = isCallback)]
    pub(super) fn is_callback(this: &Auth, url: &JsValue) -> Result<bool, JsValue>;
    #[wasm_bindgen(method, js_name = handleCallback)]
    pub(super) fn handle_callback(this: &Auth, url: &JsValue) -> Promise;
    #[wasm_bindgen(method, js_name = getSession)]
    pub(super) fn get_session(this: &Auth, options: &JsValue) -> Promise;
    #[wasm_bindgen(method)]
    pub(super) fn logout(this: &Auth, options: &JsValue) -> Promise;
    #[wasm_bindgen(method, catch, js_name = onChange)]
    pub(super) fn on_change(this: &Auth, listener: &Function) -> Result<Function, JsValue>;
    #[wasm_bindgen(method, catch, js_name = onStatus)]
    pub(super) fn on_status(this: &Auth, listener: &Function) -> Result<Function, JsValue>;
    #[wasm_bindgen(method, catch, js_name = authHeaders)]
    pub(super) fn auth_headers(this: &Auth) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method)]
    pub(super) fn free(this: &Auth);
}

std::thread_local! {
    /// The driver's class for this wasm, made once per page. Its engine factory lives as long
    /// as the page (the class keeps calling it).
    static CLASS: Function = {
        let make = Closure::<dyn Fn() -> JsValue>::new(new_engine);
        let class = make_feishu_login(&engine_class(&make), &texts());
        make.forget();
        class
    };
}

/// Every text of src/messages.rs by id, as the driver's synchronous table: this build has the
/// `messages` feature, so the Rust API's errors are complete at once, with no module to load.
fn texts() -> JsValue {
    let all = Object::new();
    for m in Msg::ALL {
        set(&all, &(*m as u8).to_string(), m.template());
    }
    let messages = Object::new();
    set(&messages, "sync", all);
    messages.into()
}

/// The wasm's exported `Engine` (src/facade.rs), the one the npm package's driver steps too.
#[cfg(target_arch = "wasm32")]
fn new_engine() -> JsValue {
    JsValue::from(crate::facade::WasmEngine::new())
}

// Never called: `FeishuLogin::new` answers `unsupported` off wasm32 before any JS is touched.
#[cfg(not(target_arch = "wasm32"))]
fn new_engine() -> JsValue {
    JsValue::UNDEFINED
}

/// `new FeishuLogin(config)`.
pub(super) fn construct(config: &JsValue) -> Result<Auth, Error> {
    let class = CLASS.with(Function::clone);
    let args = js_sys::Array::of1(config);
    Reflect::construct(&class, &args).map(JsCast::unchecked_into).map_err(error)
}

/// A new empty object.
pub(super) fn object() -> Object {
    Object::new()
}

/// `o[key] = value`; setting a property of a fresh plain object cannot fail.
pub(super) fn set(o: &Object, key: &str, value: impl Into<JsValue>) {
    let _ = Reflect::set(o, &JsValue::from_str(key), &value.into());
}

/// `o[key]`, or `undefined`.
pub(super) fn get(o: &JsValue, key: &str) -> JsValue {
    Reflect::get(o, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// The kind named by a `FeishuLoginError`'s stable `kind` string.
fn kind(name: &str) -> Option<ErrorKind> {
    Some(match name {
        "config" => ErrorKind::Config,
        "unsupported" => ErrorKind::Unsupported,
        "denied" => ErrorKind::Denied,
        "host" => ErrorKind::Host,
        "state" => ErrorKind::State,
        "callback" => ErrorKind::Callback,
        "network" => ErrorKind::Network,
        "timeout" => ErrorKind::Timeout,
        "backend" => ErrorKind::Backend,
        "response" => ErrorKind::Response,
        "storage" => ErrorKind::Storage,
        "crypto" => ErrorKind::Crypto,
        "cancelled" => ErrorKind::Cancelled,
        "popup" => ErrorKind::Popup,
        _ => return None,
    })
}

/// A `FeishuLoginError` the driver threw or rejected with, as the same [`Error`]: kind, message,
/// code, status and retryable carried over as they are. Anything else the JS side threw (it
/// should not) is a `config` error with its text.
pub(super) fn error(thrown: JsValue) -> Error {
    let text = |v: JsValue| v.as_string();
    let message = text(get(&thrown, "message")).unwrap_or_else(|| String::from(js_sys::JsString::from(thrown.clone())));
    let Some(kind) = text(get(&thrown, "kind")).as_deref().and_then(kind) else {
        return Error::new(ErrorKind::Config, Message::new(Msg::Said).arg(&message));
    };
    let mut error =
        Error::new(kind, Message::new(Msg::Said).arg(&message)).with_retryable(get(&thrown, "retryable").is_truthy());
    if let Some(code) = get(&thrown, "code").as_f64() {
        error = error.with_code(code as i64);
    }
    if let Some(status) = get(&thrown, "status").as_f64() {
        error = error.with_status(status as u16);
    }
    error
}

/// Awaits a promise of the driver, its rejection as an [`Error`].
pub(super) async fn settle(promise: Promise) -> Result<JsValue, Error> {
    wasm_bindgen_futures::JsFuture::from(promise).await.map_err(error)
}

/// The `{ Authorization: "Bearer …" }` object as name/value pairs.
pub(super) fn headers(value: &JsValue) -> Vec<(String, String)> {
    let Some(o) = value.dyn_ref::<Object>() else { return Vec::new() };
    Object::entries(o)
        .iter()
        .filter_map(|pair| {
            let pair: js_sys::Array = pair.unchecked_into();
            Some((pair.get(0).as_string()?, pair.get(1).as_string()?))
        })
        .collect()
}
