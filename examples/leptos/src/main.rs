//! A client-side-rendered Leptos app signing in with Feishu through feishu-login: a home page, a
//! guarded `/profile` that calls the backend with the bearer token, logout back to `/?bye`.
//! Served by the demo server (its Feishu emulator and reference backend); see README.md.
use feishu_login::web::{Config, LoginOptions, LogoutOptions};
use feishu_login_leptos::{use_feishu_login, AuthStatus, FeishuLoginContext, FeishuLoginProvider, RequireLogin};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::hooks::use_navigate;
use leptos_router::{path, NavigateOptions};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

mod readme;

/// What the reference backend returns as `user` (and `/api/me` answers).
#[derive(Clone, Debug, serde::Deserialize)]
struct User {
    name: String,
}

type Auth = FeishuLoginContext<User>;

/// Without a real App ID the app talks to the demo server's local Feishu emulator.
fn config() -> Config {
    let origin = window().location().origin().unwrap_or_default();
    Config::new("cli_emulator_demo", "/api/feishu/login")
        .authorize_url(origin + "/open-apis/authen/v1/authorize")
        .scope(["contact:user.base:readonly"])
        // The reference backend ends the session server-side too.
        .logout_url("/api/logout")
}

fn status_name(status: AuthStatus) -> &'static str {
    match status {
        AuthStatus::Loading => "loading",
        AuthStatus::Redirecting => "redirecting",
        AuthStatus::SignedIn => "signedIn",
        AuthStatus::SigningOut => "signingOut",
        AuthStatus::SignedOut => "signedOut",
        AuthStatus::Error => "error",
    }
}

#[component]
fn App() -> impl IntoView {
    view! {
        <Router>
            <Provided/>
        </Router>
    }
}

/// The provider inside the router: after a login the address bar shows `returnTo` (set with
/// history.replaceState, which the router does not hear), so the router is told.
#[component]
fn Provided() -> impl IntoView {
    let navigate = use_navigate();
    let to_router =
        Callback::new(move |to: String| navigate(&to, NavigateOptions { replace: true, ..Default::default() }));
    view! {
        <FeishuLoginProvider<User> config=config() on_redirect_callback=to_router>
            <Shell/>
        </FeishuLoginProvider<User>>
    }
}

#[component]
fn Shell() -> impl IntoView {
    let auth: Auth = use_feishu_login();
    let status = auth.status();
    let name = move || auth.session().get().and_then(|s| s.user).map(|u| u.name).unwrap_or_default();
    let bye = move || window().location().search().unwrap_or_default() == "?bye";
    let login = move |_| spawn_local(async move { drop(auth.login(LoginOptions::default()).await) });
    let logout =
        move |_| spawn_local(async move { drop(auth.logout(LogoutOptions::default().return_to("/?bye")).await) });
    view! {
        <main>
            <h1>"feishu-login · Leptos"</h1>
            <nav><A href="/">"Home"</A>" · "<A href="/profile" attr:id="profile-link">"Profile (requires login)"</A></nav>
            <p>"Status: "<b id="status">{move || status_name(status.get())}</b>" · "<span id="user">{name}</span></p>
            <Show when=bye><p id="bye">"You signed out."</p></Show>
            <Show when=move || auth.error().get().is_some()>
                <p id="error">{move || auth.error().get().map(|e| format!("{}: {}", e.kind().as_str(), e.message()))}</p>
            </Show>
            <Show
                when=move || matches!(status.get(), AuthStatus::SignedOut | AuthStatus::Error)
                fallback=move || view! {
                    <button id="logout" disabled=move || status.get() != AuthStatus::SignedIn on:click=logout>"Log out"</button>
                }
            >
                <button id="login" on:click=login>"Log in with Feishu"</button>
            </Show>
            <Routes fallback=|| "Not found.">
                <Route path=path!("/") view=|| view! { <p id="home">"Home"</p> }/>
                <Route path=path!("/profile") view=|| view! {
                    // Signed out, this starts the login and comes back to /profile afterwards.
                    <RequireLogin fallback=|| view! { <p id="guard">"Not signed in."</p> }>
                        <Profile/>
                    </RequireLogin>
                }/>
            </Routes>
        </main>
    }
}

/// Calls the app's backend with the session's bearer token.
#[component]
fn Profile() -> impl IntoView {
    let auth: Auth = use_feishu_login();
    let (me, set_me) = signal(String::new());
    let ask = move |_| {
        let headers = auth.auth_headers();
        spawn_local(async move { set_me.set(who_am_i(headers).await) });
    };
    view! {
        <section id="profile">
            <button id="me" on:click=ask>"Ask the backend who I am"</button>" "<span id="me-result">{me}</span>
        </section>
    }
}

/// `GET /api/me` with `Authorization: Bearer …`: the user's name, or what went wrong.
async fn who_am_i(auth_headers: Vec<(String, String)>) -> String {
    let result: Result<String, wasm_bindgen::JsValue> = async {
        let headers = web_sys::Headers::new()?;
        for (name, value) in &auth_headers {
            headers.set(name, value)?;
        }
        let init = web_sys::RequestInit::new();
        init.set_headers(&headers);
        let response: web_sys::Response =
            JsFuture::from(window().fetch_with_str_and_init("/api/me", &init)).await?.unchecked_into();
        if !response.ok() {
            return Ok(format!("HTTP {}", response.status()));
        }
        let body = JsFuture::from(response.json()?).await?;
        Ok(js_sys_name(&body))
    }
    .await;
    result.unwrap_or_else(|e| format!("failed: {e:?}"))
}

fn js_sys_name(body: &wasm_bindgen::JsValue) -> String {
    web_sys::js_sys::Reflect::get(body, &"name".into()).ok().and_then(|v| v.as_string()).unwrap_or_default()
}

fn main() {
    leptos::mount::mount_to_body(App)
}
