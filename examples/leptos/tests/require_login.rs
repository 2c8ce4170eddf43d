//! feishu-login-leptos's `RequireLogin` in Chromium (wasm-bindgen-test, Debian's chromedriver):
//! the guard rules the npm package's bindings follow too. It starts at most one login per visit
//! (mount), only when signed out: never while redirecting or signing out, never because of a
//! logout (here or in another tab), never again after a refused consent.
//!
//! Compiled with the example app in one cargo invocation (`cargo test --no-run` builds the app's
//! binary for its integration tests), so the Leptos stack is built once for both; run by
//! `scripts/build-leptos-example.sh --test`. A login the guard starts is seen as a host login
//! (the doc widget's stub `DocMiniApp`) or as a navigation to Feishu (the browser surface; the
//! navigation is cancelled, so the page stays): see tests/support/browser.rs.
#![cfg(target_arch = "wasm32")]

#[path = "../../../tests/support/browser.rs"]
mod browser;

use browser::*;
use feishu_login::web::{Config, FeishuLogin, LoginOptions, LogoutOptions, Status, Storage};
use feishu_login::{ErrorKind, Surface};
use feishu_login_leptos::{provide_feishu_login_instance, AuthStatus, FeishuLoginContext, RequireLogin};
use leptos::prelude::*;
use leptos_router::components::Router;
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[derive(Clone, Debug, serde::Deserialize)]
struct User {
    #[allow(dead_code)]
    name: String,
}

/// A mounted app: the provider around a guarded page, inside the router.
struct Visit {
    root: web_sys::HtmlElement,
    context: FeishuLoginContext<User>,
    /// The statuses the app rendered (a Leptos effect: changes within one task coalesce).
    statuses: Heard<AuthStatus>,
    _mounted: Box<dyn std::any::Any>,
}

impl Visit {
    fn status(&self) -> AuthStatus {
        self.context.status().get_untracked()
    }

    /// Whether the page shows `selector` (`.signed-in`: the guarded children; `.fallback`).
    fn shows(&self, selector: &str) -> bool {
        self.root.query_selector(selector).unwrap().is_some()
    }
}

impl Drop for Visit {
    fn drop(&mut self) {
        self.root.remove();
    }
}

/// Mounts a provider of `auth` and a `RequireLogin` page: a visit.
fn visit(auth: &FeishuLogin<User>) -> Visit {
    let document = web_sys::window().unwrap().document().unwrap();
    let root: web_sys::HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&root).unwrap();
    let provided = Rc::new(Cell::new(None));
    let (auth, out) = (auth.clone(), Rc::clone(&provided));
    let statuses = Heard::new();
    let mut push = statuses.push();
    let mounted = leptos::mount::mount_to(root.clone(), move || {
        let context = provide_feishu_login_instance(auth, None);
        out.set(Some(context));
        let status = context.status();
        Effect::new(move |_| push(status.get()));
        view! {
            <Router>
                <RequireLogin fallback=|| view! { <p class="fallback">"Not signed in."</p> }>
                    <p class="signed-in">"Signed in."</p>
                </RequireLogin>
            </Router>
        }
    });
    Visit { root, context: provided.get().unwrap(), statuses, _mounted: Box::new(mounted) }
}

/// Lets the reactive system run what a change scheduled: Leptos runs effects (the guard's) as
/// tasks of the page's executor, and a task spawned now runs after them.
async fn effects_ran() {
    leptos::task::tick().await;
    leptos::task::tick().await;
}

/// A browser-surface instance: its logins navigate to Feishu (cancelled here: the page stays).
fn browser_app(app_id: &str) -> FeishuLogin<User> {
    let config = Config::new(app_id, "/api/feishu/login")
        .surface(Surface::Browser)
        .storage(Storage::Memory)
        .authorize_url("https://accounts.feishu.cn/open-apis/authen/v1/authorize");
    FeishuLogin::new(config).unwrap()
}

/// A doc-widget instance, signed in, whose `logoutUrl` the returned [`Held`] holds; the count of
/// host logins (1: the one that signed it in).
async fn signed_in_doc_widget(app_id: &str) -> (FeishuLogin<User>, Rc<Cell<u32>>, Held) {
    let (_posts, held) = backend_holding(200, SESSION, "/api/logout");
    let (app, logins) = counting_doc_mini_app("code-guard");
    let config = Config::new(app_id, "/api/feishu/login").logout_url("/api/logout").doc_mini_app(app);
    let auth = FeishuLogin::<User>::new(config).unwrap();
    auth.login(LoginOptions::default()).await.unwrap();
    assert_eq!(logins.get(), 1);
    (auth, logins, held)
}

#[wasm_bindgen_test]
async fn signed_out_it_starts_one_login_per_visit() {
    let _posts = backend(200, SESSION);
    let (app, logins) = counting_doc_mini_app("code-guard");
    let auth = FeishuLogin::<User>::new(Config::new("cli_guard_once", "/api/feishu/login").doc_mini_app(app)).unwrap();
    let sdk = Heard::new();
    let _statuses = auth.on_status(sdk.push());

    let page = visit(&auth);
    sdk.until(|status| *status == Status::SignedIn).await;
    effects_ran().await;
    assert_eq!(logins.get(), 1, "signed out: the guard logged in");
    assert!(page.shows(".signed-in"));

    // The session ends during the visit (not by a logout): the visit has had its login.
    OtherTab::open().storage().remove_item("feishu-login/v1/cli_guard_once/session").unwrap();
    sdk.until(|status| *status == Status::SignedOut).await;
    effects_ran().await;
    assert_eq!(page.status(), AuthStatus::SignedOut);
    assert_eq!(logins.get(), 1, "one login per visit");

    drop(page);
    let _again = visit(&auth);
    sdk.until(|status| *status == Status::SignedIn).await;
    assert_eq!(logins.get(), 2, "the next visit logs in again");
}

#[wasm_bindgen_test]
async fn a_login_that_failed_is_not_retried() {
    let navigations = navigations();
    let auth = browser_app("cli_guard_failed");
    let sdk = Heard::new();
    let _statuses = auth.on_status(sdk.push());

    let page = visit(&auth);
    effects_ran().await;
    assert_eq!(navigations.borrow().len(), 1, "signed out: the guard logs in");
    assert_eq!(page.status(), AuthStatus::Redirecting);
    assert!(page.shows(".fallback"));

    // The page stayed (the navigation was cancelled): after the grace the login failed.
    sdk.until(|status| *status == Status::SignedOut).await;
    effects_ran().await;
    assert_eq!(page.status(), AuthStatus::Error);
    assert_eq!(page.context.error().get_untracked().map(|e| e.kind()), Some(ErrorKind::Cancelled));
    assert_eq!(navigations.borrow().len(), 1, "no second try");
}

#[wasm_bindgen_test]
async fn it_starts_no_login_while_redirecting() {
    let navigations = navigations();
    let auth = browser_app("cli_guard_redirecting");
    // The app's own login button: the page is leaving for Feishu.
    let first = auth.login(LoginOptions::default());
    assert_eq!(navigations.borrow().len(), 1);

    let page = visit(&auth);
    effects_ran().await;
    assert_eq!(page.status(), AuthStatus::Redirecting);
    assert_eq!(navigations.borrow().len(), 1, "no login while redirecting");

    // The navigation did not happen: once signed out again, this visit's one login starts.
    assert_eq!(first.await.unwrap_err().kind(), ErrorKind::Cancelled);
    effects_ran().await;
    assert_eq!(navigations.borrow().len(), 2);
}

#[wasm_bindgen_test]
async fn a_logout_here_starts_no_login_while_or_after_signing_out() {
    let (auth, logins, held) = signed_in_doc_widget("cli_guard_logout").await;
    let page = visit(&auth);
    effects_ran().await;
    assert!(page.shows(".signed-in"));

    let logout = page.context.logout(LogoutOptions::default());
    effects_ran().await;
    assert_eq!(page.status(), AuthStatus::SigningOut);
    assert!(page.shows(".fallback"));
    // A visit that begins while signing out asks for nothing either.
    let during = visit(&auth);
    effects_ran().await;
    assert_eq!(held.len(), 1, "the server has not answered the logout yet");

    held.release();
    logout.await.unwrap();
    effects_ran().await;
    assert_eq!((page.status(), during.status()), (AuthStatus::SignedOut, AuthStatus::SignedOut));
    assert_eq!(logins.get(), 1, "no login during or because of the logout");
}

#[wasm_bindgen_test]
async fn a_logout_in_another_tab_starts_no_login() {
    let (auth, logins, _held) = signed_in_doc_widget("cli_guard_tab_logout").await;
    let sdk = Heard::new();
    let _statuses = auth.on_status(sdk.push());
    let page = visit(&auth);
    effects_ran().await;
    assert!(page.shows(".signed-in"));

    OtherTab::open().log_out("cli_guard_tab_logout");
    sdk.until(|status| *status == Status::SignedOut).await;
    effects_ran().await;
    assert_eq!(page.status(), AuthStatus::SignedOut);
    assert!(page.shows(".fallback"));
    assert_eq!(logins.get(), 1, "no login because of another tab's logout");
}

#[wasm_bindgen_test]
async fn a_session_ended_elsewhere_without_a_logout_is_logged_in_again() {
    // The other side of the rule above: signed out, but not by a logout.
    let (auth, logins, _held) = signed_in_doc_widget("cli_guard_session_gone").await;
    let sdk = Heard::new();
    let _statuses = auth.on_status(sdk.push());
    let page = visit(&auth);
    effects_ran().await;

    OtherTab::open().storage().remove_item("feishu-login/v1/cli_guard_session_gone/session").unwrap();
    sdk.until(|status| *status == Status::SignedOut).await;
    sdk.until(|status| *status == Status::SignedIn).await;
    effects_ran().await;
    assert_eq!(logins.get(), 2, "the guard logged in again");
    assert!(page.shows(".signed-in"));
}

/// The address bar, for the test that puts a callback in it.
fn replace_url(url: &str) {
    let history = get(&js_sys::global(), "history");
    let replace: js_sys::Function = get(&history, "replaceState").unchecked_into();
    replace.call3(&history, &wasm_bindgen::JsValue::NULL, &"".into(), &url.into()).unwrap();
}

#[wasm_bindgen_test]
async fn a_refused_consent_is_not_asked_again() {
    let navigations = navigations();
    let auth = browser_app("cli_guard_refused");
    let url = auth.authorize_url(LoginOptions::default()).await.unwrap();
    let state = web_sys::Url::new(&url).unwrap().search_params().get("state").unwrap();
    let page_url = web_sys::window().unwrap().location().href().unwrap();
    // Back from Feishu's consent page, refused: the provider completes the callback.
    replace_url(&format!("?error=access_denied&state={state}"));

    let page = visit(&auth);
    page.statuses.until(|status| *status != AuthStatus::Loading).await;
    effects_ran().await;
    replace_url(&page_url);
    assert_eq!(page.status(), AuthStatus::Error, "{:?}", page.statuses.all());
    assert_eq!(page.context.error().get_untracked().map(|e| e.kind()), Some(ErrorKind::Denied));
    assert!(page.shows(".fallback"));
    assert_eq!(*navigations.borrow(), Vec::<String>::new(), "no second trip to the consent page");
}
