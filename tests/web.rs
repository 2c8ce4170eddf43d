//! The Rust API (`feishu_login::web`, feature `web`) in Chromium: wasm-bindgen-test with Debian's
//! chromedriver (`scripts/test.sh` runs it), around the stand-ins of tests/support/browser.rs (a
//! stub backend, a stub `DocMiniApp`, another tab as an iframe, cancelled navigations).
#![cfg(all(target_arch = "wasm32", feature = "web"))]

#[path = "support/browser.rs"]
mod browser;

use browser::*;
use feishu_login::web::{Config, FeishuLogin, LoginOptions, LogoutOptions, Status, Storage};
use feishu_login::{ErrorKind, Surface};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[derive(Clone, Debug, PartialEq, serde::Deserialize)]
struct User {
    name: String,
}

const SESSION: &str = r#"{"token":"tok-1","expiresIn":3600,"user":{"name":"张三"}}"#;

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
    assert_eq!(statuses.all(), vec![Status::SigningOut]);
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
    assert_eq!(statuses.all(), vec![Status::Redirecting]);

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
    assert!(heard.all().is_empty());
    let pending = kept.get_session(core::time::Duration::from_secs(1));
    drop(auth);
    drop(kept);
    let error = pending.await;
    // Settled before the free, or by it with the freed error: never left pending.
    assert!(error.is_ok() || error.unwrap_err().kind() == ErrorKind::Config);
}
