//! # feishu-login-leptos
//!
//! [Leptos](https://leptos.dev) bindings of [`feishu_login::web`]: a provider that puts one
//! [`FeishuLogin`] in context, [`use_feishu_login`] returning signals (the status as an enum,
//! the session, the error), and a [`RequireLogin`] guard. They follow the rules of the npm
//! package's React and Vue bindings:
//!
//! - one callback exchange: the provider completes a Feishu callback in the URL once, and stays
//!   [`AuthStatus::Loading`] meanwhile, so nothing flashes "signed out" or an error;
//! - [`RequireLogin`] starts at most one login per visit (mount), only when signed out: never
//!   while loading, redirecting or signing out, never after a failure (no loop on a refused
//!   consent), and never because of a logout, here or in another tab.
//!
//! ```no_run
//! use feishu_login::web::Config;
//! use feishu_login_leptos::{use_feishu_login, FeishuLoginProvider, RequireLogin};
//! use leptos::prelude::*;
//! use leptos_router::components::Router;
//!
//! #[derive(Clone, serde::Deserialize)]
//! struct User { name: String }
//!
//! #[component]
//! fn Profile() -> impl IntoView {
//!     let auth = use_feishu_login::<User>();
//!     let name = move || auth.session().get().and_then(|s| s.user).map(|u| u.name);
//!     view! { <p>{name}</p> }
//! }
//!
//! #[component]
//! fn App() -> impl IntoView {
//!     // RequireLogin comes back to the router's page (default feature `router`): inside <Router>.
//!     view! {
//!         <Router>
//!             <FeishuLoginProvider<User> config=Config::new("cli_a5ca35a685b0x26e", "/api/feishu/login")>
//!                 <RequireLogin fallback=|| view! { <p>"Signing you in…"</p> }>
//!                     <Profile/>
//!                 </RequireLogin>
//!             </FeishuLoginProvider<User>>
//!         </Router>
//!     }
//! }
//! ```
//!
//! On a server build (SSR) the provider renders [`AuthStatus::Loading`] and creates nothing: the
//! login happens in the browser.
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

use core::future::Future;
use core::pin::Pin;
use feishu_login::web::{Config, FeishuLogin, LoginOptions, LogoutOptions, Session, Status, Subscription};
use feishu_login::{Error, Message, Msg, Surface};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::de::DeserializeOwned;
use std::cell::RefCell;
use std::rc::{Rc, Weak};
use std::time::Duration;

pub use feishu_login::web;

/// Where the login stands, as a binding sees it: the SDK's [`Status`] plus the moments before
/// the session is known (`Loading`) and a failure without a session (`Error`).
///
/// ```no_run
/// use feishu_login_leptos::{use_feishu_login, AuthStatus};
/// use leptos::prelude::*;
///
/// #[component]
/// fn LoginButton() -> impl IntoView {
///     let status = use_feishu_login::<serde_json::Value>().status();
///     // Nothing to click while the session is unknown or a navigation/logout is under way.
///     let idle = move || matches!(status.get(), AuthStatus::SignedOut | AuthStatus::Error);
///     view! { <button disabled=move || !idle()>"Log in with Feishu"</button> }
/// }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AuthStatus {
    /// The stored session is not known yet (a callback is being exchanged), or this is a server
    /// render.
    Loading,
    /// The page is navigating to Feishu.
    Redirecting,
    /// Signed in: the session is set.
    SignedIn,
    /// A logout is under way (here or in another tab).
    SigningOut,
    /// Signed out.
    SignedOut,
    /// A call failed and there is no session; the error is in [`FeishuLoginContext::error`].
    Error,
}

type Action = Rc<dyn Fn(LoginOptions) -> Pin<Box<dyn Future<Output = Result<(), Error>>>>>;

/// What a guard needs, whatever the app's user type.
#[derive(Clone, Copy)]
struct Guard {
    status: RwSignal<AuthStatus>,
    /// How many logouts (status `SigningOut`) the provider has seen.
    logouts: RwSignal<u32>,
    login: StoredValue<Option<Action>, LocalStorage>,
}

/// The provider's bookkeeping, shared by its listeners and actions.
struct State<User> {
    auth: Option<FeishuLogin<User>>,
    /// The SDK's status as `on_status` last told it.
    heard: Option<Status>,
    /// The last failure (shown while signed in, or as `AuthStatus::Error`); a change of the
    /// session clears it.
    error: Option<Error>,
    /// The stored session is known (and a callback in the URL was exchanged).
    known: bool,
    subscriptions: Vec<Subscription>,
}

/// The signals and actions of the nearest provider: [`use_feishu_login`]. `Copy`: move it into
/// as many closures as needed.
///
/// ```no_run
/// use feishu_login::web::LoginOptions;
/// use feishu_login_leptos::use_feishu_login;
/// use leptos::{prelude::*, task::spawn_local};
///
/// #[component]
/// fn Login() -> impl IntoView {
///     let auth = use_feishu_login::<serde_json::Value>();
///     // A failure also lands in auth.error().
///     let login = move |_| spawn_local(async move { let _ = auth.login(LoginOptions::default()).await; });
///     view! { <button on:click=login>"Log in"</button> <p>{move || auth.error().get().map(|e| e.to_string())}</p> }
/// }
/// ```
pub struct FeishuLoginContext<User: 'static> {
    guard: Guard,
    session: RwSignal<Option<Session<User>>, LocalStorage>,
    error: RwSignal<Option<Error>>,
    state: StoredValue<Rc<RefCell<State<User>>>, LocalStorage>,
}

impl<User> Clone for FeishuLoginContext<User> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<User> Copy for FeishuLoginContext<User> {}

/// The same session: the driver hands out one object per change.
fn same<User>(a: &Option<Session<User>>, b: &Option<Session<User>>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.token == b.token && a.obtained_at == b.obtained_at && a.expires_at == b.expires_at,
        (None, None) => true,
        _ => false,
    }
}

impl<User: DeserializeOwned + Clone + 'static> FeishuLoginContext<User> {
    /// Where the login stands.
    pub fn status(&self) -> ReadSignal<AuthStatus> {
        self.guard.status.read_only()
    }

    /// The session (`Some` exactly when [`status`](Self::status) is `SignedIn`).
    pub fn session(&self) -> ReadSignal<Option<Session<User>>, LocalStorage> {
        self.session.read_only()
    }

    /// The last failure: set with `AuthStatus::Error`, or while signed in when a call failed and
    /// left the session valid.
    pub fn error(&self) -> ReadSignal<Option<Error>> {
        self.error.read_only()
    }

    /// The instance, once created in the browser (`None` on a server render or after a bad
    /// config, whose error is in [`error`](Self::error)).
    pub fn instance(&self) -> Option<FeishuLogin<User>> {
        self.state.with_value(|state| state.borrow().auth.clone())
    }

    /// Recomputes the state from the SDK and sets the signals that changed.
    fn publish(&self) {
        let Some(state) = self.state.try_get_value() else { return };
        let state = state.borrow();
        let Some(auth) = state.auth.as_ref().filter(|_| state.known) else { return };
        let session = auth.session();
        let mut status = match state.heard {
            Some(Status::Redirecting) => AuthStatus::Redirecting,
            Some(Status::SigningOut) => AuthStatus::SigningOut,
            _ if session.is_some() => AuthStatus::SignedIn,
            _ => AuthStatus::SignedOut,
        };
        if status == AuthStatus::SignedOut && state.error.is_some() {
            status = AuthStatus::Error;
        }
        let error = if status == AuthStatus::SignedOut { None } else { state.error.clone() };
        drop(state);
        // The session before the status: a view that shows the session when signed in has it.
        if !self.session.with_untracked(|old| same(old, &session)) {
            self.session.set(session);
        }
        if self.error.with_untracked(|old| *old != error) {
            self.error.set(error);
        }
        if self.guard.status.get_untracked() != status {
            self.guard.status.set(status);
        }
    }

    fn fail(&self, error: Error) {
        if let Some(state) = self.state.try_get_value() {
            state.borrow_mut().error = Some(error);
            self.publish();
        }
    }

    /// The instance, or why there is none.
    fn ready(&self) -> Result<FeishuLogin<User>, Error> {
        self.instance().ok_or_else(|| {
            self.error.get_untracked().unwrap_or_else(|| {
                let text =
                    "feishu-login-leptos: there is no FeishuLogin here (a server render?): log in from the browser";
                Error::new(feishu_login::ErrorKind::Unsupported, Message::new(Msg::Said).arg(text))
            })
        })
    }

    /// The SDK's `login` (see [`FeishuLogin::login`]); a failure is also put in
    /// [`error`](Self::error).
    ///
    /// # Errors
    /// As [`FeishuLogin::login`].
    pub fn login(&self, options: LoginOptions) -> impl Future<Output = Result<Session<User>, Error>> + 'static {
        let this = *self;
        let call = self.ready().map(|auth| auth.login(options));
        async move {
            let result = match call {
                Ok(call) => call.await,
                Err(error) => Err(error),
            };
            if let Err(error) = &result {
                this.fail(error.clone());
            }
            result
        }
    }

    /// The SDK's `logout` (see [`FeishuLogin::logout`]); a failure is also put in
    /// [`error`](Self::error).
    ///
    /// # Errors
    /// As [`FeishuLogin::logout`].
    pub fn logout(&self, options: LogoutOptions) -> impl Future<Output = Result<(), Error>> + 'static {
        let this = *self;
        let call = self.ready().map(|auth| auth.logout(options));
        async move {
            let result = match call {
                Ok(call) => call.await,
                Err(error) => Err(error),
            };
            match &result {
                Err(error) => this.fail(error.clone()),
                Ok(()) => this.publish(),
            }
            result
        }
    }

    /// The SDK's renewing `get_session` (see [`FeishuLogin::get_session`]).
    ///
    /// # Errors
    /// As [`FeishuLogin::get_session`].
    pub fn get_session(
        &self,
        min_validity: Duration,
    ) -> impl Future<Output = Result<Option<Session<User>>, Error>> + 'static {
        let this = *self;
        let call = self.ready().map(|auth| auth.get_session(min_validity));
        async move {
            let result = match call {
                Ok(call) => call.await,
                Err(error) => Err(error),
            };
            if let Err(error) = &result {
                this.fail(error.clone());
            }
            result
        }
    }

    /// `[("Authorization", "Bearer …")]` while signed in, else empty.
    pub fn auth_headers(&self) -> Vec<(String, String)> {
        self.instance().map(|auth| auth.auth_headers()).unwrap_or_default()
    }
}

/// The current path, query and fragment: where a router should be after a callback.
fn here() -> String {
    let location = leptos::prelude::window().location();
    let part = |r: Result<String, _>| r.unwrap_or_default();
    part(location.pathname()) + &part(location.search()) + &part(location.hash())
}

/// Creates a [`FeishuLogin`] from `config` and provides it (with its signals) to this
/// component's descendants; returns the context, as [`use_feishu_login`] would.
///
/// On the browser surface with a Feishu callback in the URL, the code is exchanged once, the
/// status stays [`AuthStatus::Loading`] meanwhile, and `on_redirect_callback` is called with the
/// page the address bar now shows (`returnTo`, set with `history.replaceState`, which routers do
/// not hear): navigate the router there.
///
/// On a server build it provides a context that stays `Loading`.
///
/// ```no_run
/// use feishu_login::web::Config;
/// use feishu_login_leptos::provide_feishu_login;
/// use leptos::prelude::*;
///
/// #[component]
/// fn App() -> impl IntoView {
///     provide_feishu_login::<serde_json::Value>(Config::new("cli_a5ca35a685b0x26e", "/api/feishu/login"), None);
///     view! { <p>"…"</p> }
/// }
/// ```
pub fn provide_feishu_login<User: DeserializeOwned + Clone + 'static>(
    config: Config,
    on_redirect_callback: Option<Callback<String>>,
) -> FeishuLoginContext<User> {
    let auth = if cfg!(target_arch = "wasm32") { Some(FeishuLogin::<User>::new(config)) } else { None };
    provide(auth, on_redirect_callback)
}

/// As [`provide_feishu_login`], with an instance the app created.
pub fn provide_feishu_login_instance<User: DeserializeOwned + Clone + 'static>(
    instance: FeishuLogin<User>,
    on_redirect_callback: Option<Callback<String>>,
) -> FeishuLoginContext<User> {
    provide(Some(Ok(instance)), on_redirect_callback)
}

fn provide<User: DeserializeOwned + Clone + 'static>(
    auth: Option<Result<FeishuLogin<User>, Error>>,
    on_redirect_callback: Option<Callback<String>>,
) -> FeishuLoginContext<User> {
    let state =
        Rc::new(RefCell::new(State { auth: None, heard: None, error: None, known: false, subscriptions: Vec::new() }));
    let context = FeishuLoginContext {
        guard: Guard {
            status: RwSignal::new(AuthStatus::Loading),
            logouts: RwSignal::new(0),
            login: StoredValue::new_local(None),
        },
        session: RwSignal::new_local(None),
        error: RwSignal::new(None),
        state: StoredValue::new_local(Rc::clone(&state)),
    };
    provide_context(context);
    provide_context(context.guard);
    let auth = match auth {
        // A server render: stays loading.
        None => return context,
        Some(Err(error)) => {
            context.error.set(Some(error));
            context.guard.status.set(AuthStatus::Error);
            return context;
        }
        Some(Ok(auth)) => auth,
    };
    let login: Action = Rc::new(move |options| {
        let call = context.login(options);
        Box::pin(async move { call.await.map(drop) })
    });
    context.guard.login.set_value(Some(login));
    let weak: Weak<RefCell<State<User>>> = Rc::downgrade(&state);
    let on_change = auth.on_change({
        let weak = weak.clone();
        move |_| {
            let Some(state) = weak.upgrade() else { return };
            let publish = {
                let mut state = state.borrow_mut();
                state.error = None;
                // A step that changed the status too (a logout) tells the status listeners
                // next: the state is published from there, so no view sees the session
                // without its status.
                state.heard.is_none() || state.auth.as_ref().map(FeishuLogin::status) == state.heard
            };
            if publish {
                context.publish();
            }
        }
    });
    let on_status = auth.on_status(move |status| {
        let Some(state) = weak.upgrade() else { return };
        if status == Status::SigningOut {
            context.guard.logouts.update(|n| *n += 1);
        }
        state.borrow_mut().heard = Some(status);
        context.publish();
    });
    {
        let mut state = state.borrow_mut();
        state.heard = Some(auth.status());
        state.subscriptions = vec![on_change, on_status];
        state.auth = Some(auth.clone());
    }
    if auth.surface() == Surface::Browser && auth.is_callback(None) {
        // Stays loading while the code is exchanged: no signed-out or error flash.
        let exchange = auth.handle_callback(None);
        spawn_local(async move {
            let result = exchange.await;
            let Some(state) = context.state.try_get_value() else { return };
            state.borrow_mut().known = true;
            match result {
                Ok(_) => {
                    // The router first, then the state: the app renders signed in on returnTo.
                    if let Some(callback) = on_redirect_callback {
                        callback.run(here());
                    }
                }
                Err(error) => state.borrow_mut().error = Some(error),
            }
            context.publish();
        });
    } else {
        state.borrow_mut().known = true;
        context.publish();
    }
    context
}

/// Provides one [`FeishuLogin`] to its children (see [`provide_feishu_login`]): `config`, or an
/// existing `instance`; `on_redirect_callback` hears where the address bar went after a
/// callback (tell the router).
#[component]
pub fn FeishuLoginProvider<User: DeserializeOwned + Clone + 'static>(
    /// The config of the instance to create (ignored with `instance`).
    #[prop(optional)]
    config: Option<Config>,
    /// An instance the app created.
    #[prop(optional)]
    instance: Option<FeishuLogin<User>>,
    /// Called with `returnTo` once a callback completed.
    #[prop(optional, into)]
    on_redirect_callback: Option<Callback<String>>,
    /// The app.
    children: Children,
) -> impl IntoView {
    match (instance, config) {
        (Some(instance), _) => {
            provide_feishu_login_instance(instance, on_redirect_callback);
        }
        (None, Some(config)) => {
            provide_feishu_login::<User>(config, on_redirect_callback);
        }
        (None, None) => {
            let text = "FeishuLoginProvider needs `config` or `instance`";
            let missing = Error::new(feishu_login::ErrorKind::Config, Message::new(Msg::Said).arg(text));
            provide::<User>(Some(Err(missing)), on_redirect_callback);
        }
    }
    children()
}

/// The nearest provider's signals and actions.
///
/// # Panics
/// Outside a [`FeishuLoginProvider`] (or [`provide_feishu_login`]) of this `User` type.
pub fn use_feishu_login<User: DeserializeOwned + Clone + 'static>() -> FeishuLoginContext<User> {
    use_context::<FeishuLoginContext<User>>().unwrap_or_else(|| {
        panic!(
            "use_feishu_login::<{}>() outside a FeishuLoginProvider of that user type",
            core::any::type_name::<User>()
        )
    })
}

/// Renders its children when signed in, else `fallback`. It starts at most one login per mount
/// (a visit), only when signed out: never while loading, redirecting or signing out, never after
/// a failure, and never because of a logout (during this visit, here or in another tab). A
/// browser redirect comes back to this page unless `login_options` says otherwise (with the
/// default feature `router`, the router's URL: it must be inside leptos_router's `<Router>`).
#[component]
pub fn RequireLogin(
    /// Shown while not signed in (loading, signing in, after a failure).
    #[prop(optional, into)]
    fallback: ViewFn,
    /// Options of the login it starts (`return_to` defaults to the current page).
    #[prop(optional)]
    login_options: Option<LoginOptions>,
    /// Shown when signed in.
    children: ChildrenFn,
) -> impl IntoView {
    let guard = use_context::<Guard>().expect("RequireLogin outside a FeishuLoginProvider");
    let return_to = page_here();
    // This visit: whether it asked for a login, and whether a logout happened during it.
    let status = guard.status.get_untracked();
    let visit = StoredValue::new_local((false, guard.logouts.get_untracked(), status == AuthStatus::SigningOut));
    Effect::new(move |_| {
        let status = guard.status.get();
        let logouts = guard.logouts.get_untracked();
        let (asked, seen, logged_out) = visit.get_value();
        let mut logged_out = logged_out || status == AuthStatus::SigningOut || logouts != seen;
        let mut seen = seen;
        if status == AuthStatus::SignedIn {
            // Signed in again (here or in another tab): a later sign-out is judged afresh.
            logged_out = false;
            seen = logouts;
        }
        let start = status == AuthStatus::SignedOut && !asked && !logged_out;
        visit.set_value((asked || start, seen, logged_out));
        if !start {
            return;
        }
        let options = login_options.clone().unwrap_or_default();
        let options = if options.return_to_path().is_some() { options } else { options.return_to(return_to()) };
        if let Some(login) = guard.login.get_value() {
            let call = login(options);
            // The failure is in the context's `error`.
            spawn_local(async move { drop(call.await) });
        }
    });
    move || {
        if guard.status.get() == AuthStatus::SignedIn {
            children().into_any()
        } else {
            fallback.run()
        }
    }
}

/// Where a guard's login comes back to: the router's URL (path, query, fragment).
#[cfg(feature = "router")]
fn page_here() -> impl Fn() -> String + 'static {
    let url = leptos_router::hooks::use_url();
    move || {
        url.with_untracked(|url| {
            let mut path = url.path().to_owned();
            if !url.search().is_empty() {
                path.push('?');
                path += url.search();
            }
            if !url.hash().is_empty() && !url.hash().starts_with('#') {
                path.push('#');
            }
            path + url.hash()
        })
    }
}

/// Where a guard's login comes back to: the address bar.
#[cfg(not(feature = "router"))]
fn page_here() -> impl Fn() -> String + 'static {
    here
}
