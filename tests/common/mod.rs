//! Helpers shared by the browser test binaries.
#![allow(dead_code)]

use feishu_login::FeishuLogin;
use js_sys::{Function, Promise, Reflect, JSON};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

pub const BACKEND: &str = match option_env!("FEISHU_TEST_BACKEND") {
    Some(url) => url,
    None => "http://127.0.0.1:8787",
};

pub fn js(source: &str) -> JsValue {
    Function::new_no_args(&(String::from("return (") + source + ");")).call0(&JsValue::NULL).unwrap()
}

pub fn get(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &key.into()).unwrap()
}

pub fn text(value: &JsValue, key: &str) -> String {
    get(value, key).as_string().unwrap_or_default()
}

/// A config object built from JSON text (`appId` made unique per test so storage keys differ).
pub fn config(app_id: &str, rest: &str) -> JsValue {
    let text = String::from("{\"appId\":\"") + app_id + "\"" + rest + "}";
    JSON::parse(&text).unwrap()
}

pub fn backend(path: &str, key: &str) -> String {
    let sep = if path.contains('?') { "&" } else { "?" };
    String::from(BACKEND) + path + sep + "key=" + key
}

pub fn login_config(app_id: &str, path: &str, extra: &str) -> JsValue {
    let backend = backend(path, app_id);
    config(app_id, &(String::from(",\"backend\":{\"url\":\"") + &backend + "\",\"credentials\":\"omit\"" + extra + "}"))
}

pub async fn settle(promise: Promise) -> Result<JsValue, JsValue> {
    JsFuture::from(promise).await
}

pub async fn calls(key: &str) -> JsValue {
    let url = String::from(BACKEND) + "/calls?key=" + key;
    let response = settle(web_sys::window().unwrap().fetch_with_str(&url)).await.unwrap();
    let json = settle(response.unchecked_into::<web_sys::Response>().json().unwrap()).await.unwrap();
    json
}

pub async fn call_count(key: &str) -> f64 {
    get(&calls(key).await, "count").as_f64().unwrap()
}

/// `error` is a `FeishuLoginError` of `kind` whose `retryable` is `retryable`.
pub fn assert_sdk_error(error: &JsValue, kind: &str, retryable: bool) {
    assert!(error.is_instance_of::<js_sys::Error>(), "a real Error: {error:?}");
    assert_eq!(text(error, "name"), "FeishuLoginError");
    assert_eq!(text(error, "kind"), kind, "{}", text(error, "message"));
    assert_eq!(get(error, "retryable").as_bool(), Some(retryable), "{}", text(error, "message"));
}

/// A fresh instance for `app_id` posting to the test backend's `/login`.
pub fn new_login(app_id: &str, extra_config: &str) -> FeishuLogin {
    let config = login_config(app_id, "/login", "");
    let extra = JSON::parse(&(String::from("{") + extra_config.trim_start_matches(',') + "}")).unwrap();
    js_sys::Object::assign(
        &config.clone().unchecked_into::<js_sys::Object>(),
        &extra.unchecked_into::<js_sys::Object>(),
    );
    FeishuLogin::new(config.unchecked_into()).unwrap()
}

/// Waits `ms` milliseconds.
pub async fn sleep(ms: i32) {
    settle(Promise::new(&mut |resolve, _| {
        web_sys::window().unwrap().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms).unwrap();
    }))
    .await
    .unwrap();
}
