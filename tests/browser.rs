//! Browser tests (wasm-bindgen-test in headless Chromium): the adapters and the whole redirect
//! flow through the exported `FeishuLogin` class, with real `crypto.getRandomValues`, real web
//! storage, and real `fetch` to the test backend (`tests/support/backend.mjs`, started by
//! `scripts/test.sh`).
#![cfg(target_arch = "wasm32")]

use feishu_login::FeishuLogin;
use js_sys::{Array, Function, Object, Promise, Reflect, JSON};
use sha2::{Digest, Sha256};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

mod common;
use common::*;

fn param(url: &str, name: &str) -> String {
    let url = web_sys::Url::new(url).unwrap();
    url.search_params().get(name).unwrap_or_default()
}

/// Starts a login and returns the callback URL Feishu would send the browser to.
async fn callback_for(auth: &FeishuLogin, page: &str) -> (String, String) {
    let authorize = settle(auth.authorize_url(None)).await.unwrap().as_string().unwrap();
    let state = param(&authorize, "state");
    let challenge = param(&authorize, "code_challenge");
    let url = String::from(page) + "?code=test-code&state=" + &state;
    (url, challenge)
}

/// Starts a login on `auth` and completes it with the callback Feishu would send.
async fn complete_login(auth: &FeishuLogin) -> Result<JsValue, JsValue> {
    let (url, _) = callback_for(auth, &page()).await;
    settle(auth.handle_callback(Some(url))).await
}

/// `object` with `key` set to the number `value` (NaN and ±Infinity have no JSON spelling).
fn with_member(object: JsValue, key: &str, value: f64) -> JsValue {
    Reflect::set(&object, &key.into(), &JsValue::from_f64(value)).unwrap();
    object
}

fn page() -> String {
    let location = web_sys::window().unwrap().location();
    location.origin().unwrap() + &location.pathname().unwrap()
}

#[wasm_bindgen_test]
async fn authorize_url_uses_real_randomness_and_s256() {
    let auth = FeishuLogin::new(login_config("cli_rand", "/login", "").unchecked_into()).unwrap();
    let a = settle(auth.authorize_url(None)).await.unwrap().as_string().unwrap();
    let b = settle(auth.authorize_url(None)).await.unwrap().as_string().unwrap();
    assert!(a.starts_with(
        "https://accounts.feishu.cn/open-apis/authen/v1/authorize?client_id=cli_rand&response_type=code&redirect_uri="
    ));
    assert_eq!(param(&a, "code_challenge_method"), "S256");
    assert_eq!(param(&a, "redirect_uri"), page());
    assert_ne!(param(&a, "state"), param(&b, "state"));
    assert_ne!(param(&a, "code_challenge"), param(&b, "code_challenge"));
    assert_eq!(param(&a, "state").len(), 43);
    // Only the newest pending login is kept, in sessionStorage, with the verifier.
    let pending = web_sys::window()
        .unwrap()
        .session_storage()
        .unwrap()
        .unwrap()
        .get_item("feishu-login/v1/cli_rand/pending")
        .unwrap()
        .unwrap();
    assert!(pending.contains(&param(&b, "state")));
}

#[wasm_bindgen_test]
fn config_errors_are_typed_and_name_the_field() {
    let cases = [
        (JsValue::from_str("nope"), "`config`"),
        (config("", ",\"backend\":\"/x\""), "`appId`"),
        (config("cli_c", ""), "`backend`"),
        (config("cli_c", ",\"backend\":\"/x\",\"scope\":[\"a\",5]"), "`scope`"),
        (config("cli_c", ",\"backend\":\"/x\",\"brand\":\"dingtalk\""), "`brand`"),
        (config("cli_c", ",\"backend\":\"/x\",\"storage\":\"cookies\""), "`storage`"),
        (config("cli_c", ",\"backend\":{\"url\":\"/x\",\"timeoutMs\":\"10\"}"), "`backend.timeoutMs`"),
        (config("cli_c", ",\"backend\":{\"url\":\"/x\",\"timeoutMs\":0.5}"), "`backend.timeoutMs`"),
        (config("cli_c", ",\"backend\":{\"url\":\"/x\",\"retries\":1.5}"), "`backend.retries`"),
        (config("cli_c", ",\"backend\":{\"url\":\"/x\",\"retries\":1e400}"), "`backend.retries`"),
        (with_member(config("cli_c", ",\"backend\":\"/x\""), "hostTimeoutMs", f64::NAN), "`hostTimeoutMs`"),
        (with_member(config("cli_c", ",\"backend\":\"/x\""), "hostTimeoutMs", f64::INFINITY), "`hostTimeoutMs`"),
        (config("cli_c", ",\"backend\":\"/x\",\"redirectUri\":\"https://u:p@h/\""), "`redirectUri`"),
        (config("cli_c", ",\"backend\":\"javascript:alert(1)\""), "`backend`"),
    ];
    for (value, field) in cases {
        let error = FeishuLogin::new(value.unchecked_into()).err().expect("must throw");
        assert_sdk_error(&error, "config");
        assert!(text(&error, "message").contains(field), "{} should name {field}", text(&error, "message"));
    }
}

#[wasm_bindgen_test]
async fn cross_origin_return_to_is_a_config_error() {
    let auth = FeishuLogin::new(login_config("cli_ret", "/login", "").unchecked_into()).unwrap();
    let options = JSON::parse("{\"returnTo\":\"https://evil.example/\"}").unwrap();
    let error = settle(auth.authorize_url(Some(options.unchecked_into()))).await.unwrap_err();
    assert_sdk_error(&error, "config");
}

#[wasm_bindgen_test]
async fn full_redirect_flow_against_the_backend() {
    let auth = FeishuLogin::new(login_config("cli_flow", "/login", "").unchecked_into()).unwrap();
    let (url, challenge) = callback_for(&auth, &page()).await;
    let session = settle(auth.handle_callback(Some(url))).await.unwrap();
    assert!(text(&session, "token").starts_with("tok-"));
    assert_eq!(text(&session, "surface"), "browser");
    let expires = get(&session, "expiresAt").as_f64().unwrap() - get(&session, "obtainedAt").as_f64().unwrap();
    assert_eq!(expires, 3_600_000.0);

    // The backend got the contract body, and the verifier matches the challenge sent to Feishu.
    let received = get(&get(&session, "user"), "received");
    assert_eq!(text(&received, "code"), "test-code");
    assert_eq!(text(&received, "appId"), "cli_flow");
    assert_eq!(text(&received, "redirectUri"), page());
    let verifier = text(&received, "codeVerifier");
    use base64::Engine;
    let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    assert_eq!(computed, challenge);
    let last = get(&calls("cli_flow").await, "last");
    assert_eq!(text(&get(&last, "headers"), "content-type"), "application/json");
    assert!(!text(&last, "url").contains("test-code"), "the code is not in the URL with codeIn body");

    // Persisted, readable, and exposed.
    assert_eq!(text(&auth.session(), "token"), text(&session, "token"));
    let again = FeishuLogin::new(login_config("cli_flow", "/login", "").unchecked_into()).unwrap();
    assert_eq!(text(&again.session(), "token"), text(&session, "token"), "a new instance (a reload) sees it");
    let headers = auth.auth_headers();
    assert_eq!(text(&headers, "Authorization"), String::from("Bearer ") + &text(&session, "token"));
    let stored = web_sys::window()
        .unwrap()
        .local_storage()
        .unwrap()
        .unwrap()
        .get_item("feishu-login/v1/cli_flow/session")
        .unwrap()
        .unwrap();
    assert!(stored.starts_with("{\"v\":1,"));

    auth.logout();
    assert!(auth.session().is_null());
    assert_eq!(Object::keys(&auth.auth_headers().unchecked_into::<Object>()).length(), 0);
}

#[wasm_bindgen_test]
async fn replayed_callback_url_fails_and_keeps_the_session() {
    let auth = FeishuLogin::new(login_config("cli_replay", "/login", "").unchecked_into()).unwrap();
    let (url, _) = callback_for(&auth, &page()).await;
    let session = settle(auth.handle_callback(Some(url.clone()))).await.unwrap();
    let error = settle(auth.handle_callback(Some(url))).await.unwrap_err();
    assert_sdk_error(&error, "state");
    assert_eq!(call_count("cli_replay").await, 1.0, "the replay never reached the backend");
    assert_eq!(text(&auth.session(), "token"), text(&session, "token"));
}

#[wasm_bindgen_test]
async fn callback_strips_only_its_params_from_the_address_bar() {
    let window = web_sys::window().unwrap();
    let history = window.history().unwrap();
    let original = window.location().href().unwrap();
    let auth = FeishuLogin::new(login_config("cli_strip", "/login", "").unchecked_into()).unwrap();
    let (url, _) = callback_for(&auth, &page()).await;
    let in_bar = url.replace("?code=", "?keep=a%20b&code=") + "&error_description=x#/route?y=1";
    history.replace_state_with_url(&JsValue::NULL, "", Some(&in_bar)).unwrap();
    let result = settle(auth.handle_callback(None)).await;
    let location = window.location();
    let (search, hash) = (location.search().unwrap(), location.hash().unwrap());
    history.replace_state_with_url(&JsValue::NULL, "", Some(&original)).unwrap();
    result.unwrap();
    assert_eq!(search, "?keep=a%20b");
    assert_eq!(hash, "#/route?y=1");
}

#[wasm_bindgen_test]
async fn denied_stores_nothing() {
    let auth = FeishuLogin::new(login_config("cli_denied", "/login", "").unchecked_into()).unwrap();
    let (url, _) = callback_for(&auth, &page()).await;
    let error =
        settle(auth.handle_callback(Some(url.replace("code=test-code", "error=access_denied")))).await.unwrap_err();
    assert_sdk_error(&error, "denied");
    assert!(auth.session().is_null());
    assert_eq!(call_count("cli_denied").await, 0.0);
}

#[wasm_bindgen_test]
async fn backend_timeout_is_typed() {
    let auth = FeishuLogin::new(login_config("cli_timeout", "/hang", ",\"timeoutMs\":300").unchecked_into()).unwrap();
    let error = complete_login(&auth).await.unwrap_err();
    assert_sdk_error(&error, "timeout");
    assert_eq!(call_count("cli_timeout").await, 1.0, "a timeout is not retried: the code may be used up");
}

#[wasm_bindgen_test]
async fn unreachable_backend_is_network_and_retried() {
    let config = config("cli_net", ",\"backend\":{\"url\":\"http://127.0.0.1:9/login\",\"retries\":1}");
    let auth = FeishuLogin::new(config.unchecked_into()).unwrap();
    let error = complete_login(&auth).await.unwrap_err();
    assert_sdk_error(&error, "network");
    assert_eq!(get(&error, "retryable").as_bool(), Some(true));
}

#[wasm_bindgen_test]
async fn transient_failures_are_retried_then_succeed() {
    let auth = FeishuLogin::new(login_config("cli_flaky", "/flaky?fail=1&status=503", "").unchecked_into()).unwrap();
    complete_login(&auth).await.unwrap();
    assert_eq!(call_count("cli_flaky").await, 2.0);

    let auth = FeishuLogin::new(login_config("cli_flaky2", "/flaky?fail=1&status=500&code=20050", "").unchecked_into())
        .unwrap();
    complete_login(&auth).await.unwrap();
    assert_eq!(call_count("cli_flaky2").await, 2.0);
}

#[wasm_bindgen_test]
async fn persistent_backend_failure_keeps_the_earlier_session() {
    let good = FeishuLogin::new(login_config("cli_keep", "/login", "").unchecked_into()).unwrap();
    let (url, _) = callback_for(&good, &page()).await;
    let session = settle(good.handle_callback(Some(url))).await.unwrap();

    // Same app, a backend that keeps failing with 500 + 20050: retried, then a typed error.
    let failing = login_config("cli_keep", "/status?status=500&code=20050", ",\"retries\":1");
    let auth = FeishuLogin::new(failing.unchecked_into()).unwrap();
    let error = complete_login(&auth).await.unwrap_err();
    assert_sdk_error(&error, "backend");
    assert_eq!(get(&error, "status").as_f64(), Some(500.0));
    assert_eq!(get(&error, "code").as_f64(), Some(20050.0));
    assert_eq!(call_count("cli_keep").await, 3.0, "1 login + 1 try + 1 retry");
    assert_eq!(text(&auth.session(), "token"), text(&session, "token"));
}

#[wasm_bindgen_test]
async fn client_errors_are_not_retried_and_keep_the_feishu_code() {
    let auth = FeishuLogin::new(login_config("cli_400", "/status?status=400&code=20049", "").unchecked_into()).unwrap();
    let error = complete_login(&auth).await.unwrap_err();
    assert_sdk_error(&error, "backend");
    assert_eq!(get(&error, "code").as_f64(), Some(20049.0));
    assert!(!text(&error, "message").contains("test-code"));
    assert_eq!(call_count("cli_400").await, 1.0);

    let auth = FeishuLogin::new(login_config("cli_garbage", "/garbage", "").unchecked_into()).unwrap();
    assert_sdk_error(&complete_login(&auth).await.unwrap_err(), "response");
}

#[wasm_bindgen_test]
async fn code_in_query_and_custom_headers() {
    let auth = FeishuLogin::new(
        login_config("cli_query", "/login", ",\"codeIn\":\"query\",\"headers\":{\"X-App\":\"demo\"}").unchecked_into(),
    )
    .unwrap();
    complete_login(&auth).await.unwrap();
    let last = get(&calls("cli_query").await, "last");
    assert!(text(&last, "url").contains("&code=test-code"));
    assert_eq!(text(&get(&last, "headers"), "x-app"), "demo");
}

#[wasm_bindgen_test]
async fn throwing_web_storage_falls_back_to_memory() {
    let restore = js("(() => { const s = Storage.prototype.setItem, g = Storage.prototype.getItem; \
        Storage.prototype.setItem = function () { throw new DOMException('blocked', 'SecurityError'); }; \
        Storage.prototype.getItem = function () { throw new DOMException('blocked', 'SecurityError'); }; \
        return () => { Storage.prototype.setItem = s; Storage.prototype.getItem = g; }; })()");
    let result = async {
        let auth = FeishuLogin::new(login_config("cli_blocked", "/login", "").unchecked_into()).unwrap();
        let (url, _) = callback_for(&auth, &page()).await;
        let session = settle(auth.handle_callback(Some(url))).await.unwrap();
        (text(&session, "token"), text(&auth.session(), "token"))
    }
    .await;
    restore.unchecked_ref::<Function>().call0(&JsValue::NULL).unwrap();
    assert!(!result.0.is_empty());
    assert_eq!(result.0, result.1, "the session lives in memory");
}

#[wasm_bindgen_test]
async fn custom_storage_object_is_used_and_its_throws_are_survived() {
    let store = js("(() => { const m = new Map(); return { m, getItem: k => m.has(k) ? m.get(k) : null, setItem: (k, v) => m.set(k, v), removeItem: k => m.delete(k) }; })()");
    let config = login_config("cli_custom", "/login", "");
    Reflect::set(&config, &"storage".into(), &store).unwrap();
    let auth = FeishuLogin::new(config.unchecked_into()).unwrap();
    complete_login(&auth).await.unwrap();
    let map: js_sys::Map = get(&store, "m").unchecked_into();
    assert!(map.has(&"feishu-login/v1/cli_custom/session".into()));

    let throwing = js("({ getItem() { throw new Error('x'); }, setItem() { throw new Error('x'); }, removeItem() { throw new Error('x'); } })");
    let config = login_config("cli_custom2", "/login", "");
    Reflect::set(&config, &"storage".into(), &throwing).unwrap();
    let auth = FeishuLogin::new(config.unchecked_into()).unwrap();
    assert!(auth.session().is_null());
    complete_login(&auth).await.unwrap();
    assert!(!auth.session().is_null());
}

#[wasm_bindgen_test]
fn corrupt_and_expired_sessions_are_cleared() {
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    storage.set_item("feishu-login/v1/cli_corrupt/session", "{not json").unwrap();
    let auth = FeishuLogin::new(login_config("cli_corrupt", "/login", "").unchecked_into()).unwrap();
    assert!(auth.session().is_null());
    assert_eq!(storage.get_item("feishu-login/v1/cli_corrupt/session").unwrap(), None);

    let expired =
        "{\"v\":1,\"token\":\"old\",\"expiresAt\":1000,\"user\":null,\"surface\":\"browser\",\"obtainedAt\":1}";
    storage.set_item("feishu-login/v1/cli_expired/session", expired).unwrap();
    let auth = FeishuLogin::new(login_config("cli_expired", "/login", "").unchecked_into()).unwrap();
    assert!(auth.session().is_null());
    assert_eq!(storage.get_item("feishu-login/v1/cli_expired/session").unwrap(), None);
}

#[wasm_bindgen_test]
async fn on_change_hears_login_logout_expiry_and_other_tabs() {
    let auth = FeishuLogin::new(login_config("cli_events", "/login?expiresIn=0.4", "").unchecked_into()).unwrap();
    let seen = Array::new();
    let record: Function = {
        let seen = seen.clone();
        wasm_bindgen::closure::Closure::<dyn FnMut(JsValue)>::new(move |s: JsValue| {
            seen.push(&if s.is_null() { JsValue::from_str("null") } else { get(&s, "token") });
        })
        .into_js_value()
        .unchecked_into()
    };
    let broken: Function = js("() => { throw new Error('listener bug'); }").unchecked_into();
    let _ = auth.on_change(broken.unchecked_into()).unwrap();
    let unsubscribe = auth.on_change(record.unchecked_into()).unwrap();
    complete_login(&auth).await.unwrap();
    assert_eq!(seen.length(), 1, "login heard despite a throwing listener");
    // The session expires after 0.4 s: the timer removes it and listeners hear null.
    settle(Promise::new(&mut |resolve, _| {
        web_sys::window().unwrap().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 700).unwrap();
    }))
    .await
    .unwrap();
    assert_eq!(seen.get(1).as_string().as_deref(), Some("null"));
    assert!(auth.session().is_null());

    // Another tab writing the key: a storage event.
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    let record = "{\"v\":1,\"token\":\"from-other-tab\",\"expiresAt\":null,\"user\":null,\"surface\":\"browser\",\"obtainedAt\":1}";
    storage.set_item("feishu-login/v1/cli_events/session", record).unwrap();
    let init = web_sys::StorageEventInit::new();
    init.set_key(Some("feishu-login/v1/cli_events/session"));
    let event = web_sys::StorageEvent::new_with_event_init_dict("storage", &init).unwrap();
    web_sys::window().unwrap().dispatch_event(&event).unwrap();
    assert_eq!(seen.get(2).as_string().as_deref(), Some("from-other-tab"));

    auth.logout();
    assert_eq!(seen.get(3).as_string().as_deref(), Some("null"));
    unsubscribe.unchecked_ref::<Function>().call0(&JsValue::NULL).unwrap();
    unsubscribe.unchecked_ref::<Function>().call0(&JsValue::NULL).unwrap(); // twice is harmless
    storage.set_item("feishu-login/v1/cli_events/session", record).unwrap();
    web_sys::window().unwrap().dispatch_event(&event).unwrap();
    assert_eq!(seen.length(), 4, "unsubscribed");
}

#[wasm_bindgen_test]
fn surface_detection_defaults_to_browser_and_honours_config() {
    let auth = FeishuLogin::new(login_config("cli_surface", "/login", "").unchecked_into()).unwrap();
    assert_eq!(auth.surface(), "browser");
    let forced = config("cli_surface", ",\"backend\":\"/x\",\"surface\":\"docWidget\"");
    assert_eq!(FeishuLogin::new(forced.unchecked_into()).unwrap().surface(), "docWidget");
}

#[wasm_bindgen_test]
async fn session_and_memory_storage_keep_the_session_out_of_local_storage() {
    let window = web_sys::window().unwrap();
    let local = window.local_storage().unwrap().unwrap();
    let session_storage = window.session_storage().unwrap().unwrap();
    for (storage, app_id) in [("session", "cli_store_session"), ("memory", "cli_store_memory")] {
        let auth =
            FeishuLogin::new(login_config(app_id, "/login", "").tap_set("storage", storage).unchecked_into()).unwrap();
        let (url, _) = callback_for(&auth, &page()).await;
        settle(auth.handle_callback(Some(url))).await.unwrap();
        let key = String::from("feishu-login/v1/") + app_id + "/session";
        assert_eq!(local.get_item(&key).unwrap(), None, "{storage}");
        assert_eq!(session_storage.get_item(&key).unwrap().is_some(), storage == "session");
        assert!(!auth.session().is_null());
    }
}

#[wasm_bindgen_test]
async fn login_on_the_browser_returns_a_valid_stored_session_without_redirecting() {
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    let record =
        "{\"v\":1,\"token\":\"stored\",\"expiresAt\":null,\"user\":null,\"surface\":\"browser\",\"obtainedAt\":1}";
    storage.set_item("feishu-login/v1/cli_stored/session", record).unwrap();
    let auth = FeishuLogin::new(login_config("cli_stored", "/login", "").unchecked_into()).unwrap();
    let session = settle(auth.login(None)).await.unwrap();
    assert_eq!(text(&session, "token"), "stored");
}

/// Sets `key` to a string on a config object, for chaining.
trait TapSet {
    fn tap_set(self, key: &str, value: &str) -> JsValue;
}

impl TapSet for JsValue {
    fn tap_set(self, key: &str, value: &str) -> JsValue {
        Reflect::set(&self, &key.into(), &value.into()).unwrap();
        self
    }
}

#[wasm_bindgen_test]
async fn no_secure_random_source_is_a_crypto_error() {
    let auth = FeishuLogin::new(login_config("cli_crypto", "/login", "").unchecked_into()).unwrap();
    let restore = js("(() => { const d = Object.getOwnPropertyDescriptor(globalThis, 'crypto'); \
        Object.defineProperty(globalThis, 'crypto', { value: undefined, configurable: true }); \
        return () => Object.defineProperty(globalThis, 'crypto', d); })()");
    let result = settle(auth.authorize_url(None)).await;
    restore.unchecked_ref::<Function>().call0(&JsValue::NULL).unwrap();
    assert_sdk_error(&result.unwrap_err(), "crypto");
    let pending = web_sys::window()
        .unwrap()
        .session_storage()
        .unwrap()
        .unwrap()
        .get_item("feishu-login/v1/cli_crypto/pending")
        .unwrap();
    assert_eq!(pending, None, "no login is recorded without secure randomness");
}

#[wasm_bindgen_test]
async fn a_listener_may_call_back_into_the_sdk() {
    // A (JS) listener that logs out and unsubscribes while it is being called must not break the
    // SDK: listeners are called from a snapshot and no borrow is held across the call.
    let auth: JsValue = FeishuLogin::new(login_config("cli_reentrant", "/login", "").unchecked_into()).unwrap().into();
    let run = js("(async (auth, callbackFor) => { \
        const seen = []; let off; \
        off = auth.onChange((s) => { seen.push(s ? 'in' : 'out'); if (s) { auth.logout(); auth.session; off(); } }); \
        await auth.handleCallback(await callbackFor(auth)); \
        auth.logout(); \
        return { seen: seen.join(','), session: auth.session }; })");
    let callback_for = js("(async (auth) => { const u = new URL(await auth.authorizeUrl()); \
        return location.origin + location.pathname + '?code=c&state=' + encodeURIComponent(u.searchParams.get('state')); })");
    let result =
        settle(run.unchecked_ref::<Function>().call2(&JsValue::NULL, &auth, &callback_for).unwrap().unchecked_into())
            .await
            .unwrap();
    assert_eq!(text(&result, "seen"), "in,out", "login, the nested logout, then unsubscribed");
    assert!(get(&result, "session").is_null());
}
