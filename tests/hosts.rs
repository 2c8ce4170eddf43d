//! Browser tests of the Feishu host surfaces: fake `DocMiniApp`, `h5sdk` and `tt` objects that
//! behave as Feishu documents them (and as badly as real hosts do), the real SDK, and the test
//! backend (`tests/support/backend.mjs`).
#![cfg(target_arch = "wasm32")]

mod common;
use common::*;

use feishu_login::FeishuLogin;
use js_sys::{Array, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Installs `window.h5sdk` and `window.tt` with the given `requestAccess` / `requestAuthCode` /
/// `login` behaviours (JS functions of the params object, or "" for absent). Returns the call log.
fn install_client(request_access: &str, request_auth_code: &str, login: &str, ready: &str) -> Array {
    let source = format!(
        "(() => {{ const log = []; \
           window.h5sdk = {{ ready: {ready} }}; \
           const tt = {{}}; \
           const wrap = (name, f) => (p) => {{ log.push([name, p.appID, p.appId, JSON.stringify(p.scopeList), p.state]); f(p); }}; \
           {a} {b} {c} \
           window.tt = tt; return log; }})()",
        ready = if ready.is_empty() { "(cb) => setTimeout(cb, 0)" } else { ready },
        a = if request_access.is_empty() { String::new() } else { format!("tt.requestAccess = wrap('requestAccess', {request_access});") },
        b = if request_auth_code.is_empty() { String::new() } else { format!("tt.requestAuthCode = wrap('requestAuthCode', {request_auth_code});") },
        c = if login.is_empty() { String::new() } else { format!("tt.login = wrap('login', {login});") },
    );
    js(&source).unchecked_into()
}

fn uninstall() {
    js("(delete window.h5sdk, delete window.tt, delete window.DocMiniApp, 0)");
}

fn api_names(log: &Array) -> Vec<String> {
    log.iter().map(|entry| entry.unchecked_into::<Array>().get(0).as_string().unwrap()).collect()
}

async fn login(auth: &FeishuLogin, force: bool) -> Result<JsValue, JsValue> {
    let options = js(if force { "({ force: true })" } else { "({})" });
    settle(auth.login(Some(options.unchecked_into()))).await
}

/// A doc widget API object whose login behaves as `login_source` (a JS function).
fn doc_mini_app(login_source: &str) -> JsValue {
    js(&format!("(() => {{ const api = {{ calls: 0, Service: {{ User: {{}} }} }}; const f = {login_source}; api.Service.User.login = function () {{ api.calls++; return f(); }}; return api; }})()"))
}

fn widget_login(app_id: &str, api: &JsValue) -> FeishuLogin {
    let config = login_config(app_id, "/login", "");
    Reflect::set(&config, &"docMiniApp".into(), api).unwrap();
    Reflect::set(&config, &"hostTimeoutMs".into(), &JsValue::from_f64(500.0)).unwrap();
    FeishuLogin::new(config.unchecked_into()).unwrap()
}

/// Signs `app_id` in once through a doc widget, so later failures can be checked to keep it.
async fn signed_in(app_id: &str) -> String {
    let auth = widget_login(app_id, &doc_mini_app("() => Promise.resolve('first-code')"));
    text(&login(&auth, false).await.unwrap(), "token")
}

#[wasm_bindgen_test]
async fn doc_widget_login_posts_the_code_and_persists() {
    let api = doc_mini_app("() => Promise.resolve('widget-code')");
    let auth = widget_login("cli_widget", &api);
    assert_eq!(auth.surface(), "docWidget");
    let session = login(&auth, false).await.unwrap();
    assert_eq!(text(&session, "surface"), "docWidget");
    let body = get(&get(&calls("cli_widget").await, "last"), "body");
    assert_eq!(text(&body, "code"), "widget-code");
    assert_eq!(text(&body, "surface"), "docWidget");
    assert_eq!(text(&body, "appId"), "cli_widget");
    assert!(get(&body, "codeVerifier").is_undefined());
    assert_eq!(text(&auth.session(), "token"), text(&session, "token"));
    // A valid session is returned without asking the host again, unless forced.
    login(&auth, false).await.unwrap();
    assert_eq!(get(&api, "calls").as_f64(), Some(1.0));
    login(&auth, true).await.unwrap();
    assert_eq!(get(&api, "calls").as_f64(), Some(2.0));
}

#[wasm_bindgen_test]
async fn doc_widget_global_is_detected() {
    js("(window.DocMiniApp = { Service: { User: { login: () => Promise.resolve('global-code') } } }, 0)");
    let auth = FeishuLogin::new(login_config("cli_widget_global", "/login", "").unchecked_into()).unwrap();
    let surface = auth.surface();
    let result = login(&auth, false).await;
    uninstall();
    assert_eq!(surface, "docWidget");
    assert_eq!(text(&result.unwrap(), "surface"), "docWidget");
}

#[wasm_bindgen_test]
async fn doc_widget_rejections_become_typed_errors_and_keep_the_session() {
    let token = signed_in("cli_widget_fail").await;
    let cases = [
        // The real library's APIInvokeError: not an Error, a numeric code.
        ("() => Promise.reject(Object.assign(Object.create({ name: 'APIInvokeError' }), { code: 10110006, message: 'forbidden' }))", "host", Some(10110006.0), false),
        ("() => Promise.reject({ code: 10110002, message: 'timeout' })", "timeout", Some(10110002.0), true),
        ("() => Promise.reject({ code: 10110007 })", "host", Some(10110007.0), true),
        // A `tt` errno number means nothing here (issue #9 item 10): not a refusal.
        ("() => Promise.reject({ code: 107 })", "host", Some(107.0), false),
        ("() => Promise.reject('plain string')", "host", None, false),
        ("() => Promise.reject(new Error('boom'))", "host", None, false),
        ("() => Promise.reject(undefined)", "host", None, false),
        ("() => { throw new TypeError('sync throw'); }", "host", None, false),
        ("() => new Promise(() => {})", "timeout", None, true),
        ("() => Promise.resolve(42)", "host", None, false),
    ];
    for (source, kind, code, retryable) in cases {
        let auth = widget_login("cli_widget_fail", &doc_mini_app(source));
        let error = login(&auth, true).await.unwrap_err();
        assert_sdk_error(&error, kind, retryable);
        assert_eq!(get(&error, "code").as_f64(), code, "{source}");
        assert_eq!(text(&auth.session(), "token"), token, "{source}: the stored session survives");
    }
    assert_eq!(call_count("cli_widget_fail").await, 1.0, "no failed attempt reached the backend");
}

#[wasm_bindgen_test]
async fn client_request_access_sends_app_id_scope_and_state() {
    let log =
        install_client("(p) => setTimeout(() => p.success({ code: 'access-code', state: p.state }), 0)", "", "", "");
    let auth = new_login("cli_client", ",\"scope\":[\"contact:user.base:readonly\"]");
    let surface = auth.surface();
    let result = login(&auth, false).await;
    uninstall();
    assert_eq!(surface, "client");
    assert_eq!(text(&result.unwrap(), "surface"), "client");
    let call: Array = log.get(0).unchecked_into();
    assert_eq!(call.get(1).as_string().as_deref(), Some("cli_client"), "appID with a capital D");
    assert_eq!(call.get(3).as_string().as_deref(), Some("[\"contact:user.base:readonly\"]"));
    assert!(call.get(4).as_string().unwrap().len() >= 22, "a random state");
    let body = get(&get(&calls("cli_client").await, "last"), "body");
    assert_eq!((text(&body, "code"), text(&body, "surface")), ("access-code".into(), "client".into()));
}

#[wasm_bindgen_test]
async fn client_falls_back_to_request_auth_code_on_errno_103() {
    let log = install_client(
        "(p) => p.fail({ errno: 103, errString: 'not supported' })",
        "(p) => p.success({ code: 'old-code' })",
        "",
        "",
    );
    let auth = new_login("cli_client_103", "");
    let result = login(&auth, false).await;
    uninstall();
    result.unwrap();
    assert_eq!(api_names(&log), vec!["requestAccess", "requestAuthCode"]);
    let call: Array = log.get(1).unchecked_into();
    assert_eq!(call.get(2).as_string().as_deref(), Some("cli_client_103"), "appId, lowercase d");
    assert_eq!(text(&get(&get(&calls("cli_client_103").await, "last"), "body"), "code"), "old-code");
}

#[wasm_bindgen_test]
async fn old_client_without_request_access_uses_request_auth_code() {
    let log = install_client("", "(p) => p.success({ code: 'old-code' })", "", "");
    let auth = new_login("cli_client_old", "");
    let result = login(&auth, false).await;
    uninstall();
    assert_eq!(text(&result.unwrap(), "surface"), "client");
    assert_eq!(api_names(&log), vec!["requestAuthCode"]);
}

#[wasm_bindgen_test]
async fn client_failures_are_typed_and_keep_the_session() {
    let token = signed_in("cli_client_fail").await;
    // requestAccess, requestAuthCode, h5sdk.ready, kind, code, retryable.
    type Case = (&'static str, &'static str, &'static str, &'static str, Option<f64>, bool);
    let cases: [Case; 6] = [
        ("(p) => p.fail({ errno: 2700002, errMsg: 'user refused' })", "", "", "denied", Some(2700002.0), false),
        ("(p) => p.fail({ errno: 107 })", "", "", "denied", Some(107.0), false),
        ("(p) => p.fail({ errno: 111 })", "", "", "host", Some(111.0), true),
        (
            "(p) => p.fail({ errno: 103 })",
            "(p) => p.fail({ errCode: 10236, errMsg: 'url not allowed' })",
            "",
            "host",
            Some(10236.0),
            false,
        ),
        ("(p) => p.success({ code: 'c', state: 'forged-state' })", "", "", "state", None, false),
        ("(p) => {}", "", "", "timeout", None, true),
    ];
    for (access, auth_code, ready, kind, code, retryable) in cases {
        install_client(access, auth_code, "", ready);
        let auth = new_login("cli_client_fail", ",\"hostTimeoutMs\":300");
        let result = login(&auth, true).await;
        uninstall();
        let error = result.unwrap_err();
        assert_sdk_error(&error, kind, retryable);
        assert_eq!(get(&error, "code").as_f64(), code, "{access}");
        if code == Some(10236.0) {
            assert!(text(&error, "message").contains("redirect URLs"), "{}", text(&error, "message"));
        }
        assert_eq!(text(&auth.session(), "token"), token);
    }
    assert_eq!(call_count("cli_client_fail").await, 1.0, "only the first login reached the backend");
}

#[wasm_bindgen_test]
async fn h5sdk_ready_that_never_fires_is_a_timeout() {
    install_client("(p) => p.success({ code: 'c' })", "", "", "() => {}");
    let auth = new_login("cli_ready", ",\"hostTimeoutMs\":300");
    let result = login(&auth, false).await;
    uninstall();
    assert_sdk_error(&result.unwrap_err(), "timeout", true);
    assert_eq!(call_count("cli_ready").await, 0.0);
}

#[wasm_bindgen_test]
async fn a_host_calling_back_twice_is_heard_once() {
    install_client(
        "(p) => { p.success({ code: 'first', state: p.state }); p.success({ code: 'second', state: p.state }); p.fail({ errno: 1 }); }",
        "",
        "",
        "",
    );
    let auth = new_login("cli_twice", "");
    let result = login(&auth, false).await;
    sleep(50).await;
    uninstall();
    result.unwrap();
    assert_eq!(call_count("cli_twice").await, 1.0);
    assert_eq!(text(&get(&get(&calls("cli_twice").await, "last"), "body"), "code"), "first");
}

#[wasm_bindgen_test]
async fn mini_program_uses_tt_login() {
    js("(window.tt = { login: (p) => p.success({ code: 'mini-code' }) }, 0)");
    let auth = new_login("cli_mini", "");
    let surface = auth.surface();
    let result = login(&auth, false).await;
    uninstall();
    assert_eq!(surface, "miniProgram");
    assert_eq!(text(&result.unwrap(), "surface"), "miniProgram");
    let body = get(&get(&calls("cli_mini").await, "last"), "body");
    assert_eq!((text(&body, "code"), text(&body, "surface")), ("mini-code".into(), "miniProgram".into()));
}

#[wasm_bindgen_test]
async fn forced_surface_without_its_api_is_unsupported() {
    let auth = new_login("cli_forced", ",\"surface\":\"miniProgram\"");
    assert_sdk_error(&login(&auth, false).await.unwrap_err(), "unsupported", false);
    let auth = new_login("cli_forced", ",\"surface\":\"docWidget\"");
    assert_sdk_error(&login(&auth, false).await.unwrap_err(), "unsupported", false);
}

#[wasm_bindgen_test]
async fn concurrent_logins_share_one_attempt() {
    let api = doc_mini_app("() => new Promise((r) => setTimeout(() => r('shared-code'), 50))");
    let auth = widget_login("cli_concurrent", &api);
    let all = Promise::all(&Array::of3(&auth.login(None), &auth.login(None), &auth.login(None)));
    let sessions: Array = settle(all).await.unwrap().unchecked_into();
    assert_eq!(get(&api, "calls").as_f64(), Some(1.0), "one host call");
    assert_eq!(call_count("cli_concurrent").await, 1.0, "one backend post");
    let token = text(&sessions.get(0), "token");
    assert!(sessions.iter().all(|s| text(&s, "token") == token), "one session");
}
