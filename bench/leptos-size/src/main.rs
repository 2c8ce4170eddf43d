//! The app whose bytes the README's "what a Leptos app pays" table measures
//! (`node scripts/leptos-size.mjs`): a Leptos CSR counter; with feature `api` it also signs in
//! through `feishu_login::web`, with `bindings` through feishu-login-leptos's provider and guard.
use leptos::prelude::*;

#[component]
fn Counter() -> impl IntoView {
    let (count, set_count) = signal(0);
    view! { <button on:click=move |_| set_count.update(|n| *n += 1)>{count}</button> }
}

#[cfg(any(feature = "api", feature = "bindings"))]
#[derive(Clone, serde::Deserialize)]
struct User {
    name: String,
}

#[cfg(not(any(feature = "api", feature = "bindings")))]
fn app() -> impl IntoView {
    view! { <Counter/> }
}

/// The Rust API as a Yew or Dioxus app would use it.
#[cfg(all(feature = "api", not(feature = "bindings")))]
fn app() -> impl IntoView {
    use feishu_login::web::{Config, FeishuLogin, LoginOptions};
    let (name, set_name) = signal(None::<String>);
    if let Ok(auth) = FeishuLogin::<User>::new(Config::new("cli_a5ca35a685b0x26e", "/api/feishu/login")) {
        set_name.set(auth.session().and_then(|s| s.user).map(|u| u.name));
        auth.on_change(move |session| set_name.set(session.and_then(|s| s.user).map(|u| u.name))).forget();
        if auth.session().is_none() {
            let login = auth.login(LoginOptions::default());
            leptos::task::spawn_local(async move { drop(login.await) });
        }
    }
    view! { <Counter/><p>{name}</p> }
}

/// The Leptos quickstart's pieces.
#[cfg(feature = "bindings")]
fn app() -> impl IntoView {
    use feishu_login::web::Config;
    use feishu_login_leptos::{use_feishu_login, FeishuLoginProvider, RequireLogin};

    #[component]
    fn Profile() -> impl IntoView {
        let auth = use_feishu_login::<User>();
        view! { <p>{move || auth.session().get().and_then(|s| s.user).map(|u| u.name)}</p> }
    }

    view! {
        <FeishuLoginProvider<User> config=Config::new("cli_a5ca35a685b0x26e", "/api/feishu/login")>
            <Counter/>
            <RequireLogin fallback=|| "Signing you in…"><Profile/></RequireLogin>
        </FeishuLoginProvider<User>>
    }
}

fn main() {
    leptos::mount::mount_to_body(app)
}
