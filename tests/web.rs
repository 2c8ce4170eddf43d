//! The Rust API (`feishu_login::web`, feature `web`) in Chromium: wasm-bindgen-test with Debian's
//! chromedriver (`scripts/test.sh` runs it). The backend is the page's `fetch`, replaced by a
//! recording stub; doc-widget logins use a stub `DocMiniApp`; another tab is a same-origin iframe
//! writing the shared localStorage.
#![cfg(all(target_arch = "wasm32", feature = "web"))]

use feishu_login::web::{Config, FeishuLogin, LoginOptions, LogoutOptions, Status, Storage};
use feishu_login::{ErrorKind, Surface};
use js_sys::{Function, Object, Promise, Reflect};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[derive(Clone, Debug, PartialEq, serde::Deserialize)]
struct User {
    name: String,
}

fn set(o: &JsValue, key: &str, value: &JsValue) {
    Reflect::set(o, &key.into(), value).unwrap();
}

fn get(o: &JsValue, key: &str) -> JsValue {
    Reflect::get(o, &key.into()).unwrap()
}

/// Replaces `fetch`: every request is recorded (url, body) and answered `status` with `body`.
fn backend(status: u16, body: &str) -> Rc<RefCell<Vec<(String, String)>>> {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let record = Rc::clone(&seen);
    let body = body.to_owned();
    let fetch = Closure::<dyn FnMut(String, JsValue) -> Promise>::new(move |url: String, init: JsValue| {
        record.borrow_mut().push((url, get(&init, "body").as_string().unwrap_or_default()));
        let init = web_sys::ResponseInit::new();
        init.set_status(status);
        let response = web_sys::Response::new_with_opt_str_and_init(Some(&body), &init).unwrap();
        Promise::resolve(&JsValue::from(response))
    });
    set(&js_sys::global(), "fetch", fetch.as_ref());
    fetch.forget();
    seen
}

/// A doc widget's `DocMiniApp` whose login resolves with `code`.
fn doc_mini_app(code: &str) -> JsValue {
    let code = JsValue::from_str(code);
    let login = Closure::<dyn FnMut() -> Promise>::new(move || Promise::resolve(&code));
    let user = Object::new();
    set(&user, "login", login.as_ref());
    login.forget();
    let service = Object::new();
    set(&service, "User", &user);
    let app = Object::new();
    set(&app, "Service", &service);
    app.into()
}

const SESSION: &str = r#"{"token":"tok-1","expiresIn":3600,"user":{"name":"张三"}}"#;

/// Resolves with the next value a listener pushes.
struct Heard<T>(Rc<RefCell<(Vec<T>, Option<Function>)>>);

impl<T: Clone + 'static> Heard<T> {
    fn new() -> Self {
        Heard(Rc::new(RefCell::new((Vec::new(), None))))
    }

    fn push(&self) -> impl FnMut(T) + 'static {
        let inner = Rc::clone(&self.0);
        move |value| {
            inner.borrow_mut().0.push(value);
            if let Some(wake) = inner.borrow_mut().1.take() {
                wake.call0(&JsValue::NULL).unwrap();
            }
        }
    }

    async fn at_least(&self, n: usize) -> Vec<T> {
        while self.0.borrow().0.len() < n {
            let inner = Rc::clone(&self.0);
            JsFuture::from(Promise::new(&mut |resolve, _| inner.borrow_mut().1 = Some(resolve))).await.unwrap();
        }
        self.0.borrow().0.clone()
    }
}

#[wasm_bindgen_test]
fn a_bad_config_is_the_engines_config_error() {
    // The JS constructor's message, word for word: the engine validated it.
    let error = FeishuLogin::<User>::new(Config::new("  ", "/api/feishu/login")).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Config);
    assert_eq!(
        error.message(),
        "invalid config: `appId` is required: pass the App ID (cli_…) from the Feishu developer console"
    );
    let error = FeishuLogin::<User>::new(Config::new("cli_rust_cfg", "")).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Config);
    assert!(error.message().contains("backend"), "{}", error.message());
}

#[wasm_bindgen_test]
async fn login_on_a_doc_widget_posts_the_code_stores_and_announces_the_session() {
    let posts = backend(200, SESSION);
    let config = Config::new("cli_rust_login", "/api/feishu/login").doc_mini_app(doc_mini_app("code-1"));
    let auth = FeishuLogin::<User>::new(config).unwrap();
    assert_eq!(auth.surface(), Surface::DocWidget);
    assert_eq!(auth.session(), None);
    let heard = Heard::new();
    let _subscription = auth.on_change(heard.push());

    let session = auth.login(LoginOptions::default()).await.unwrap();
    assert_eq!(session.user, Some(User { name: "张三".into() }));
    assert_eq!(session.token, "tok-1");
    assert!(session.expires_at.is_some());
    assert_eq!(auth.session().as_ref(), Some(&session));
    assert_eq!(auth.status(), Status::SignedIn);
    assert_eq!(auth.auth_headers(), vec![("Authorization".to_owned(), "Bearer tok-1".to_owned())]);
    assert_eq!(heard.at_least(1).await, vec![Some(session)]);
    let posts = posts.borrow();
    assert_eq!(posts.len(), 1);
    assert!(posts[0].0.ends_with("/api/feishu/login"));
    assert!(posts[0].1.contains("\"code\":\"code-1\""), "{}", posts[0].1);
    // The JS API's key: a JS page of this origin reads the same session.
    let stored = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    assert!(stored.get_item("feishu-login/v1/cli_rust_login/session").unwrap().is_some());
    assert!(
        format!("{:?}", auth.session()).contains("[redacted]") && !format!("{:?}", auth.session()).contains("tok-1")
    );
}

#[wasm_bindgen_test]
async fn a_backend_failure_is_the_same_error_as_in_js() {
    let _posts = backend(400, r#"{"code":20049,"message":"bad verifier"}"#);
    let config = Config::new("cli_rust_fail", "/api/feishu/login").doc_mini_app(doc_mini_app("code-2"));
    let auth = FeishuLogin::<User>::new(config).unwrap();
    let error = auth.login(LoginOptions::default()).await.unwrap_err();
    assert_eq!((error.kind(), error.code(), error.status()), (ErrorKind::Backend, Some(20049), Some(400)));
    assert!(!error.message().is_empty());
}

#[wasm_bindgen_test]
async fn a_browser_callback_is_validated_exchanged_once_and_its_state_is_spent() {
    let posts = backend(200, SESSION);
    let config = Config::new("cli_rust_callback", "/api/feishu/login")
        .surface(Surface::Browser)
        .storage(Storage::Memory)
        .authorize_url("https://accounts.feishu.cn/open-apis/authen/v1/authorize");
    let auth = FeishuLogin::<User>::new(config).unwrap();
    let url = auth.authorize_url(LoginOptions::default()).await.unwrap();
    let url = web_sys::Url::new(&url).unwrap();
    let state = url.search_params().get("state").unwrap();
    assert_eq!(url.search_params().get("code_challenge_method").as_deref(), Some("S256"));
    let page = web_sys::window().unwrap().location().href().unwrap();
    let page = page.split(['?', '#']).next().unwrap().to_owned();
    let callback = format!("{page}?code=the-code&state={state}");
    assert!(auth.is_callback(Some(&callback)));
    assert!(!auth.is_callback(Some(&page)));

    let session = auth.handle_callback(Some(&callback)).await.unwrap();
    assert_eq!(session.user.unwrap().name, "张三");
    assert_eq!(posts.borrow().len(), 1);
    assert!(posts.borrow()[0].1.contains("\"codeVerifier\""));
    let again = auth.handle_callback(Some(&callback)).await.unwrap_err();
    assert_eq!(again.kind(), ErrorKind::State);
    assert_eq!(posts.borrow().len(), 1, "a spent state posts nothing");
}

#[wasm_bindgen_test]
async fn logout_removes_the_session_and_listeners_hear_it() {
    let _posts = backend(200, SESSION);
    let config = Config::new("cli_rust_logout", "/api/feishu/login").doc_mini_app(doc_mini_app("code-3"));
    let auth = FeishuLogin::<User>::new(config).unwrap();
    auth.login(LoginOptions::default()).await.unwrap();
    let heard = Heard::new();
    let _subscription = auth.on_change(heard.push());
    auth.logout(LogoutOptions::default()).await.unwrap();
    assert_eq!(heard.at_least(1).await, vec![None]);
    assert_eq!(auth.session(), None);
    assert_eq!(auth.status(), Status::SignedOut);
    assert!(auth.auth_headers().is_empty());
}

#[wasm_bindgen_test]
async fn another_tab_signing_out_is_heard() {
    let _posts = backend(200, SESSION);
    let config = Config::new("cli_rust_tabs", "/api/feishu/login").doc_mini_app(doc_mini_app("code-4"));
    let auth = FeishuLogin::<User>::new(config).unwrap();
    auth.login(LoginOptions::default()).await.unwrap();
    let heard = Heard::new();
    let _subscription = auth.on_change(heard.push());

    // Another document of this origin (as another tab would) removes the session.
    let document = web_sys::window().unwrap().document().unwrap();
    let frame: web_sys::HtmlIFrameElement = document.create_element("iframe").unwrap().unchecked_into();
    document.body().unwrap().append_child(&frame).unwrap();
    let other = frame.content_window().unwrap().local_storage().unwrap().unwrap();
    other.remove_item("feishu-login/v1/cli_rust_tabs/session").unwrap();

    assert_eq!(heard.at_least(1).await, vec![None]);
    assert_eq!(auth.session(), None);
    frame.remove();
}

#[wasm_bindgen_test]
async fn dropping_the_subscription_stops_the_listener_and_the_last_clone_frees() {
    let _posts = backend(200, SESSION);
    let config = Config::new("cli_rust_drop", "/api/feishu/login").doc_mini_app(doc_mini_app("code-5"));
    let auth = FeishuLogin::<User>::new(config).unwrap();
    let heard = Heard::<Option<feishu_login::web::Session<User>>>::new();
    drop(auth.on_change(heard.push()));
    let kept = auth.clone();
    kept.login(LoginOptions::default()).await.unwrap();
    assert!(heard.0.borrow().0.is_empty());
    let pending = kept.get_session(core::time::Duration::from_secs(1));
    drop(auth);
    drop(kept);
    let error = pending.await;
    // Settled before the free, or by it with the freed error: never left pending.
    assert!(error.is_ok() || error.unwrap_err().kind() == ErrorKind::Config);
}
