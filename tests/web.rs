//! The Rust API (`feishu_login::web`, feature `web`) in Chromium: wasm-bindgen-test with Debian's
//! chromedriver (`scripts/test.sh` runs it). The backend is the page's `fetch`, replaced by a
//! recording stub (which can hold a request: a slow server); doc-widget logins use a stub
//! `DocMiniApp`; another tab is a same-origin iframe writing the shared localStorage; the page's
//! navigations (a browser login) are cancelled through the Navigation API's `navigate` event.
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

/// The requests `fetch` saw: (url, body).
type Requests = Rc<RefCell<Vec<(String, String)>>>;

/// Replaces `fetch`: every request is recorded (url, body) and answered `status` with `body`.
fn backend(status: u16, body: &str) -> Requests {
    backend_holding(status, body, "/never-held").0
}

/// Requests [`backend_holding`] holds: unanswered until [`Held::release`].
struct Held(Rc<RefCell<Vec<Function>>>);

impl Held {
    fn len(&self) -> usize {
        self.0.borrow().len()
    }

    /// Answers every held request `204 No Content` (what a logout endpoint answers).
    fn release(&self) {
        for resolve in self.0.borrow_mut().drain(..) {
            let init = web_sys::ResponseInit::new();
            init.set_status(204);
            let response = web_sys::Response::new_with_opt_str_and_init(None, &init).unwrap();
            resolve.call1(&JsValue::NULL, &response).unwrap();
        }
    }
}

/// As [`backend`], except that requests to a URL ending with `held` get no answer until the
/// test releases them (a slow server).
fn backend_holding(status: u16, body: &str, held: &str) -> (Requests, Held) {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let waiting = Rc::new(RefCell::new(Vec::new()));
    let (record, hold) = (Rc::clone(&seen), Rc::clone(&waiting));
    let (body, held) = (body.to_owned(), held.to_owned());
    let fetch = Closure::<dyn FnMut(String, JsValue) -> Promise>::new(move |url: String, init: JsValue| {
        record.borrow_mut().push((url.clone(), get(&init, "body").as_string().unwrap_or_default()));
        if url.ends_with(&held) {
            return Promise::new(&mut |resolve, _| hold.borrow_mut().push(resolve));
        }
        let init = web_sys::ResponseInit::new();
        init.set_status(status);
        let response = web_sys::Response::new_with_opt_str_and_init(Some(&body), &init).unwrap();
        Promise::resolve(&JsValue::from(response))
    });
    set(&js_sys::global(), "fetch", fetch.as_ref());
    fetch.forget();
    (seen, Held(waiting))
}

std::thread_local! {
    static NAVIGATIONS: Rc<RefCell<Vec<String>>> = {
        // The Navigation API's `navigate` event, cancelled: the page stays (as after a
        // `beforeunload` "stay" or a 204), so the test runner's page survives a login.
        let seen = Rc::new(RefCell::new(Vec::new()));
        let record = Rc::clone(&seen);
        let listener = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
            record.borrow_mut().push(get(&get(&event, "destination"), "url").as_string().unwrap_or_default());
            get(&event, "preventDefault").unchecked_into::<Function>().call0(&event).unwrap();
        });
        let navigation = get(&js_sys::global(), "navigation");
        let add: Function = get(&navigation, "addEventListener").unchecked_into();
        add.call2(&navigation, &"navigate".into(), listener.as_ref()).unwrap();
        listener.forget();
        seen
    };
}

/// The URLs the page was asked to navigate to from now on; none of them happens.
fn navigations() -> Rc<RefCell<Vec<String>>> {
    NAVIGATIONS.with(|seen| {
        seen.borrow_mut().clear();
        Rc::clone(seen)
    })
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

/// Another document of this origin (as another tab would), to write the shared localStorage.
struct OtherTab(web_sys::HtmlIFrameElement);

impl OtherTab {
    fn open() -> Self {
        let document = web_sys::window().unwrap().document().unwrap();
        let frame: web_sys::HtmlIFrameElement = document.create_element("iframe").unwrap().unchecked_into();
        document.body().unwrap().append_child(&frame).unwrap();
        OtherTab(frame)
    }

    fn storage(&self) -> web_sys::Storage {
        self.0.content_window().unwrap().local_storage().unwrap().unwrap()
    }

    /// What `logout()` writes there: the logout epoch moves, then the session goes.
    fn log_out(&self, app_id: &str) {
        let storage = self.storage();
        let key = format!("feishu-login/v1/{app_id}/logout");
        let epoch: i64 = storage.get_item(&key).unwrap().and_then(|t| t.parse().ok()).unwrap_or(0);
        storage.set_item(&key, &(epoch + 1).to_string()).unwrap();
        storage.remove_item(&format!("feishu-login/v1/{app_id}/session")).unwrap();
    }
}

impl Drop for OtherTab {
    fn drop(&mut self) {
        self.0.remove();
    }
}

#[wasm_bindgen_test]
async fn a_session_removed_by_another_tab_without_a_logout_is_signed_out_directly() {
    let _posts = backend(200, SESSION);
    let config = Config::new("cli_rust_tabs", "/api/feishu/login").doc_mini_app(doc_mini_app("code-4"));
    let auth = FeishuLogin::<User>::new(config).unwrap();
    auth.login(LoginOptions::default()).await.unwrap();
    let heard = Heard::new();
    let _subscription = auth.on_change(heard.push());
    let statuses = Heard::new();
    let _statuses = auth.on_status(statuses.push());

    // Cleared storage, a session ended elsewhere: no logout, so no SigningOut.
    let other = OtherTab::open();
    other.storage().remove_item("feishu-login/v1/cli_rust_tabs/session").unwrap();

    assert_eq!(heard.at_least(1).await, vec![None]);
    assert_eq!(auth.session(), None);
    assert_eq!(statuses.at_least(1).await, vec![Status::SignedOut]);
}

#[wasm_bindgen_test]
async fn a_logout_in_another_tab_is_heard_as_signing_out_then_signed_out_in_one_step() {
    let _posts = backend(200, SESSION);
    let config = Config::new("cli_rust_tab_logout", "/api/feishu/login").doc_mini_app(doc_mini_app("code-6"));
    let auth = FeishuLogin::<User>::new(config).unwrap();
    auth.login(LoginOptions::default()).await.unwrap();
    let heard = Heard::new();
    let _subscription = auth.on_change(heard.push());
    let statuses = Heard::new();
    let _statuses = auth.on_status(statuses.push());

    OtherTab::open().log_out("cli_rust_tab_logout");

    // One step: by the time the first status wakes this task, the second was told too.
    assert_eq!(statuses.at_least(1).await, vec![Status::SigningOut, Status::SignedOut]);
    assert_eq!(heard.at_least(1).await, vec![None]);
    assert_eq!(auth.session(), None);
    assert_eq!(auth.status(), Status::SignedOut);
}

#[wasm_bindgen_test]
async fn logout_is_signing_out_until_the_server_answered_and_refuses_logins_meanwhile() {
    let (posts, held) = backend_holding(200, SESSION, "/api/feishu/logout");
    let config = Config::new("cli_rust_signing_out", "/api/feishu/login")
        .logout_url("/api/feishu/logout")
        .doc_mini_app(doc_mini_app("code-7"));
    let auth = FeishuLogin::<User>::new(config).unwrap();
    auth.login(LoginOptions::default()).await.unwrap();
    let heard = Rc::new(RefCell::new(Vec::new()));
    let _subscription = auth.on_change({
        // What a listener of the session sees: the status is SigningOut already.
        let (auth, heard) = (auth.clone(), Rc::clone(&heard));
        move |session| heard.borrow_mut().push((session.is_some(), auth.status()))
    });
    let statuses = Heard::new();
    let _statuses = auth.on_status(statuses.push());

    let logout = auth.logout(LogoutOptions::default());
    assert_eq!(held.len(), 1, "logoutUrl was posted");
    assert_eq!(*heard.borrow(), vec![(false, Status::SigningOut)]);
    assert_eq!(statuses.0.borrow().0, vec![Status::SigningOut]);
    assert_eq!(auth.status(), Status::SigningOut);
    assert_eq!(auth.session(), None);

    // Nothing starts a login while the server has not answered.
    let logins = posts.borrow().len();
    let refused = auth.login(LoginOptions::default()).await.unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::Cancelled, "{refused}");
    assert!(refused.message().contains("logout"), "says why: {}", refused.message());
    assert_eq!(posts.borrow().len(), logins, "no login reached the backend");
    assert_eq!(auth.status(), Status::SigningOut, "still waiting for the server");

    held.release();
    logout.await.unwrap();
    assert_eq!(statuses.at_least(2).await, vec![Status::SigningOut, Status::SignedOut]);
    assert_eq!(auth.status(), Status::SignedOut);
    assert_eq!(heard.borrow().len(), 1, "the session was announced once");
}

#[wasm_bindgen_test]
async fn a_browser_login_is_redirecting_until_the_page_leaves_and_refuses_other_logins() {
    let navigations = navigations();
    let config = Config::new("cli_rust_redirecting", "/api/feishu/login")
        .surface(Surface::Browser)
        .storage(Storage::Memory)
        .authorize_url("https://accounts.feishu.cn/open-apis/authen/v1/authorize");
    let auth = FeishuLogin::<User>::new(config).unwrap();
    let statuses = Heard::new();
    let _statuses = auth.on_status(statuses.push());

    let first = auth.login(LoginOptions::default());
    assert_eq!(navigations.borrow().len(), 1);
    assert!(navigations.borrow()[0].starts_with("https://accounts.feishu.cn/"), "{:?}", navigations.borrow());
    assert_eq!(auth.status(), Status::Redirecting);
    assert_eq!(statuses.0.borrow().0, vec![Status::Redirecting]);

    for refused in [
        auth.login(LoginOptions::default()).await.unwrap_err(),
        auth.login_with_redirect(LoginOptions::default()).await.unwrap_err(),
        auth.login_with_popup(LoginOptions::default()).await.unwrap_err(),
    ] {
        assert_eq!(refused.kind(), ErrorKind::Cancelled, "{refused}");
    }
    assert_eq!(navigations.borrow().len(), 1, "no second navigation");

    // The page never left (the navigation was cancelled): after the grace the login hears it
    // and the status is back.
    let cancelled = first.await.unwrap_err();
    assert_eq!(cancelled.kind(), ErrorKind::Cancelled, "{cancelled}");
    assert_eq!(statuses.at_least(2).await, vec![Status::Redirecting, Status::SignedOut]);
    assert_eq!(auth.status(), Status::SignedOut);
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
