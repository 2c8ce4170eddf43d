//! The async Rust API for Rust frontends (Leptos, Yew, Dioxus, plain `wasm-bindgen`), with the
//! cargo feature `web`: the JS `FeishuLogin`'s members as Rust methods, with the same
//! behaviour, errors and storage keys.
//!
//! It is the npm package's own machinery, linked into the app's wasm: the engine of this crate
//! decides, and `js/driver.js` (a wasm-bindgen snippet, the very file the npm package ships)
//! performs its effects. Nothing is decided a second time in Rust, and each I/O rule (fetch and
//! its timeout, Web Locks, host APIs, popups, QR messages, storage events) lives in one place.
//! A Rust page and a JS page of one origin share the session (`localStorage`,
//! `feishu-login/v1/<appId>/session`) and hear each other's changes.
//!
//! It runs in a web page's main thread: elsewhere (a worker, a native build such as a Leptos
//! server build) [`FeishuLogin::new`] answers [`ErrorKind::Unsupported`](crate::ErrorKind).
//!
//! ```no_run
//! use feishu_login::web::{Config, FeishuLogin, LoginOptions};
//!
//! #[derive(Clone, serde::Deserialize)]
//! struct User { name: String }
//!
//! # async fn run() -> Result<(), feishu_login::Error> {
//! let auth = FeishuLogin::<User>::new(Config::new("cli_a5ca35a685b0x26e", "/api/feishu/login"))?;
//! // On every page load: a callback in the URL completes, a stored session is returned, or the
//! // page goes to Feishu's authorize page.
//! let session = match auth.session() {
//!     Some(session) => session,
//!     None => auth.login(LoginOptions::default()).await?,
//! };
//! let name = session.user.map(|u| u.name);
//! let headers = auth.auth_headers(); // [("Authorization", "Bearer …")]
//! let _subscription = auth.on_change(|session| { /* re-render */ });
//! # Ok(()) }
//! ```

mod config;
mod js;

/// Which Feishu deployment the app belongs to ([`Config::brand`]).
///
/// ```no_run
/// use feishu_login::web::{Brand, Config};
/// let config = Config::new("cli_a5ca35a685b0x26e", "/api/feishu/login").brand(Brand::Lark);
/// ```
#[doc(inline)]
pub use crate::config::Brand;
/// Where the code travels to the backend ([`Endpoint::code_in`]).
///
/// ```no_run
/// use feishu_login::web::{CodeIn, Config, Endpoint};
/// let backend = Endpoint::new("/api/feishu/login").code_in(CodeIn::Query);
/// let config = Config::new("cli_a5ca35a685b0x26e", backend);
/// ```
#[doc(inline)]
pub use crate::config::CodeIn;
/// Whether the browser sends cookies with the backend's requests ([`Endpoint::credentials`]).
#[doc(inline)]
pub use crate::config::Credentials;
/// Where a login stands (`status` of the JS API; the engine's own status, so the names are the
/// driver's).
///
/// ```no_run
/// # fn f(auth: &feishu_login::web::FeishuLogin<serde_json::Value>) {
/// use feishu_login::web::Status;
/// // A guard starts no login while a logout or a navigation to Feishu is under way.
/// let may_log_in = auth.status() == Status::SignedOut;
/// # }
/// ```
#[doc(inline)]
pub use crate::engine::Status;
pub use config::{Config, Endpoint, LoginOptions, LogoutOptions, QrOptions, Storage};

use crate::error::{Error, ErrorKind};
use crate::host::Surface;
use crate::prelude::*;
use alloc::boxed::Box;
use alloc::rc::Rc;
use alloc::string::ToString;
use core::cell::RefCell;
use core::future::Future;
use core::time::Duration;
use js::{get, object, set, settle, Auth};
use js_sys::Function;
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;

/// The status named `name` by the driver (`"signedIn"`, …; [`Status::as_str`] the other way).
fn status_named(name: &str) -> Option<Status> {
    [Status::SignedIn, Status::SignedOut, Status::Redirecting, Status::SigningOut]
        .into_iter()
        .find(|status| status.as_str() == name)
}

/// The app's session, as the backend issued it: `Session<User>` of the JS API, with the
/// backend's `user` read into the app's type.
///
/// # Security
/// `Debug` redacts the token.
///
/// ```no_run
/// # fn f(auth: &feishu_login::web::FeishuLogin<serde_json::Value>) {
/// if let Some(session) = auth.session() {
///     let name = session.user.as_ref().and_then(|u| u["name"].as_str());
///     let ends = session.expires_at; // ms since the epoch
/// }
/// # }
/// ```
#[derive(Clone, PartialEq)]
pub struct Session<User> {
    /// The backend's session token, sent as `Authorization: Bearer …`
    /// ([`FeishuLogin::auth_headers`]).
    pub token: String,
    /// When the session ends, in ms since the Unix epoch; `None` when the backend gave no
    /// `expiresIn`.
    pub expires_at: Option<i64>,
    /// The user the backend returned; `None` when it returned none, or one that does not
    /// deserialize into `User` (which [`FeishuLogin::login`] reports as kind `response`).
    pub user: Option<User>,
    /// The surface it was obtained on.
    pub surface: Surface,
    /// When it was obtained, in ms since the Unix epoch.
    pub obtained_at: i64,
}

impl<User> core::fmt::Debug for Session<User> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Session")
            .field("token", &"[redacted]")
            .field("expires_at", &self.expires_at)
            .field("surface", &self.surface)
            .field("obtained_at", &self.obtained_at)
            .finish_non_exhaustive()
    }
}

/// The session object as the driver hands it out.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Wire<User> {
    token: String,
    expires_at: Option<f64>,
    user: Option<User>,
    surface: String,
    obtained_at: f64,
}

/// A subscription of [`FeishuLogin::on_change`] or [`FeishuLogin::on_status`]: dropping it
/// unsubscribes; [`forget`](Subscription::forget) keeps it for the page's life.
///
/// ```no_run
/// # fn f(auth: &feishu_login::web::FeishuLogin<serde_json::Value>) {
/// let subscription = auth.on_change(|session| { /* re-render */ });
/// drop(subscription); // no longer called
/// auth.on_status(|status| { /* … */ }).forget(); // called for as long as the page lives
/// # }
/// ```
#[must_use = "dropping a Subscription unsubscribes at once"]
pub struct Subscription {
    unsubscribe: Option<Function>,
    _listener: Option<Box<dyn core::any::Any>>,
}

impl Subscription {
    /// Keeps listening for as long as the page lives.
    pub fn forget(mut self) {
        self.unsubscribe = None;
        if let Some(listener) = self._listener.take() {
            core::mem::forget(listener);
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        if let Some(unsubscribe) = self.unsubscribe.take() {
            let _ = unsubscribe.call0(&JsValue::NULL);
        }
    }
}

impl core::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Subscription")
    }
}

/// Where [`FeishuLogin::mount_qr_login`] renders: an element, or the id of one.
///
/// ```no_run
/// # fn f(auth: &feishu_login::web::FeishuLogin<serde_json::Value>, element: &web_sys::Element) {
/// use feishu_login::web::QrOptions;
/// let by_id = auth.mount_qr_login("qr", QrOptions::default());
/// let by_element = auth.mount_qr_login(element, QrOptions::default());
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct QrTarget(JsValue);

impl From<&str> for QrTarget {
    fn from(id: &str) -> Self {
        QrTarget(JsValue::from_str(id))
    }
}

impl From<&web_sys::Element> for QrTarget {
    fn from(element: &web_sys::Element) -> Self {
        QrTarget(element.into())
    }
}

/// A mounted QR login ([`FeishuLogin::mount_qr_login`]).
///
/// ```no_run
/// # async fn f(auth: &feishu_login::web::FeishuLogin<serde_json::Value>) -> Result<(), feishu_login::Error> {
/// use feishu_login::web::QrOptions;
/// let qr = auth.mount_qr_login("qr", QrOptions::default().width(300).height(300))?;
/// qr.ready().await?; // shown; a scan navigates through the usual callback
/// qr.dispose(); // e.g. when the user picks another way to log in
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct QrLogin {
    handle: JsValue,
}

impl QrLogin {
    /// Resolves when the QR code is shown.
    ///
    /// # Errors
    /// Kind `host` when Feishu's QR SDK cannot be loaded or defines no `QRLogin`; `cancelled`
    /// when disposed first.
    pub fn ready(&self) -> impl Future<Output = Result<(), Error>> + 'static {
        let promise = get(&self.handle, "ready").unchecked_into::<js_sys::Promise>();
        async move { settle(promise).await.map(drop) }
    }

    /// Removes the QR code and stops listening for its scan.
    pub fn dispose(&self) {
        if let Ok(dispose) = get(&self.handle, "dispose").dyn_into::<Function>() {
            let _ = dispose.call0(&self.handle);
        }
    }
}

struct Inner<User> {
    auth: Auth,
    /// The last session object read and what it became: the driver hands out the same frozen
    /// object until the session changes, so it is deserialized once per change.
    last: RefCell<Option<(JsValue, Option<Session<User>>)>>,
}

impl<User> Drop for Inner<User> {
    fn drop(&mut self) {
        self.auth.free();
    }
}

/// Signs people in with their Feishu account: the JS `FeishuLogin` for Rust frontends.
///
/// Cloning is cheap and shares the instance; the last clone dropped releases it (its timers,
/// listeners and the calls in flight, which settle with a `config` error).
///
/// `User` is the type the backend's `user` deserializes into (`serde_json::Value` when the app
/// does not care).
pub struct FeishuLogin<User> {
    inner: Rc<Inner<User>>,
}

impl<User> Clone for FeishuLogin<User> {
    fn clone(&self) -> Self {
        FeishuLogin { inner: Rc::clone(&self.inner) }
    }
}

impl<User> core::fmt::Debug for FeishuLogin<User> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FeishuLogin").finish_non_exhaustive()
    }
}

/// Where this API can run, or why not.
fn in_a_page() -> Result<(), Error> {
    if !cfg!(target_arch = "wasm32") {
        return Err(Error::new(ErrorKind::Unsupported, Msg::WebNativeBuild));
    }
    if !js_sys::Reflect::has(&js_sys::global(), &JsValue::from_str("document")).unwrap_or(false) {
        return Err(Error::new(ErrorKind::Unsupported, Msg::WebNoDocument));
    }
    Ok(())
}

impl<User: DeserializeOwned + Clone + 'static> FeishuLogin<User> {
    /// `new FeishuLogin(config)`: validates the config (with the engine, as in JS) and reads the
    /// page (surface, a stored session).
    ///
    /// # Errors
    /// Kind `config` for an invalid config, with the JS constructor's message; `unsupported`
    /// outside a web page's main thread.
    pub fn new(config: Config) -> Result<Self, Error> {
        in_a_page()?;
        let auth = js::construct(&config.to_js())?;
        Ok(FeishuLogin { inner: Rc::new(Inner { auth, last: RefCell::new(None) }) })
    }

    /// The detected (or forced) login surface.
    pub fn surface(&self) -> Surface {
        self.inner.auth.surface().as_string().as_deref().and_then(Surface::from_name).unwrap_or(Surface::Browser)
    }

    /// Where the login stands.
    pub fn status(&self) -> Status {
        // js/driver.js, linked into this wasm, always answers one of the four names.
        self.inner.auth.status().as_string().as_deref().and_then(status_named).unwrap_or(Status::SignedOut)
    }

    /// The stored, unexpired session (an expired or corrupt one is removed), or `None`.
    pub fn session(&self) -> Option<Session<User>> {
        let value = self.inner.auth.session().ok()?;
        self.read(&value)
    }

    /// The session object `value` of the driver, deserialized once per change.
    fn read(&self, value: &JsValue) -> Option<Session<User>> {
        if value.is_null() || value.is_undefined() {
            return None;
        }
        if let Some((last, session)) = &*self.inner.last.borrow() {
            if js_sys::Object::is(last, value) {
                return session.clone();
            }
        }
        let session = convert::<User>(value).or_else(|_| {
            convert::<serde::de::IgnoredAny>(value).map(|s| Session {
                token: s.token,
                expires_at: s.expires_at,
                user: None,
                surface: s.surface,
                obtained_at: s.obtained_at,
            })
        });
        let session = session.ok();
        *self.inner.last.borrow_mut() = Some((value.clone(), session.clone()));
        session
    }

    /// A session a call resolved with; a `user` that does not fit `User` is an error here.
    fn resolved(&self, value: JsValue) -> Result<Option<Session<User>>, Error> {
        if value.is_null() || value.is_undefined() {
            return Ok(None);
        }
        convert::<User>(&value)?;
        Ok(self.read(&value))
    }

    /// Logs in on the detected surface: in a doc widget, the Feishu client or a mini program,
    /// asks the host for a code and posts it to the backend; in a browser, completes a callback
    /// in the URL, else navigates to Feishu's authorize page (the future then never resolves:
    /// the page unloads). Concurrent calls share one attempt.
    ///
    /// # Errors
    /// The kinds of the JS `login()`: `denied`, `host`, `state`, `network`, `backend`, …;
    /// `cancelled` while signing out or redirecting; `response` also when the backend's user
    /// does not deserialize into `User`.
    pub fn login(&self, options: LoginOptions) -> impl Future<Output = Result<Session<User>, Error>> + 'static {
        let promise = self.inner.auth.login(&options.to_js());
        self.session_of(promise)
    }

    /// Navigates to Feishu's authorize page (browser surface).
    ///
    /// # Errors
    /// As [`login`](Self::login).
    pub fn login_with_redirect(&self, options: LoginOptions) -> impl Future<Output = Result<(), Error>> + 'static {
        let promise = self.inner.auth.login_with_redirect(&options.to_js());
        async move { settle(promise).await.map(drop) }
    }

    /// Logs in through a popup (browser surface). Call it from a click handler: the popup is
    /// opened during this call, before the future is polled.
    ///
    /// # Errors
    /// Kind `popup` when the browser blocked it, `cancelled` when the user closed it; then as
    /// [`login`](Self::login).
    pub fn login_with_popup(
        &self,
        options: LoginOptions,
    ) -> impl Future<Output = Result<Session<User>, Error>> + 'static {
        let promise = self.inner.auth.login_with_popup(&options.to_js());
        self.session_of(promise)
    }

    /// A fresh authorize URL (PKCE S256 and state), recording the pending login.
    ///
    /// # Errors
    /// Kind `config` for bad options, `storage` when the pending login cannot be kept.
    pub fn authorize_url(&self, options: LoginOptions) -> impl Future<Output = Result<String, Error>> + 'static {
        let promise = self.inner.auth.authorize_url(&options.to_js());
        async move { Ok(settle(promise).await?.as_string().unwrap_or_default()) }
    }

    /// Renders Feishu's QR code into `target`; a scan logs in through the usual callback.
    ///
    /// # Errors
    /// Kind `config` (no such element, bad options) or `unsupported` (not the browser surface).
    pub fn mount_qr_login(&self, target: impl Into<QrTarget>, options: QrOptions) -> Result<QrLogin, Error> {
        let handle = self.inner.auth.mount_qr_login(&target.into().0, &options.to_js()).map_err(js::error)?;
        Ok(QrLogin { handle })
    }

    /// Whether `url` (default: the address bar's) carries a login callback (`code`/`error` and
    /// `state`).
    pub fn is_callback(&self, url: Option<&str>) -> bool {
        self.inner.auth.is_callback(&url.map(JsValue::from_str).unwrap_or(JsValue::UNDEFINED)).unwrap_or(false)
    }

    /// Completes the callback in `url` (default: the address bar's): validates the state,
    /// posts the code with its verifier, stores the session and cleans the address bar
    /// (`returnTo`). Concurrent calls share one attempt.
    ///
    /// # Errors
    /// Kind `state`, `callback`, `denied`, then as [`login`](Self::login).
    pub fn handle_callback(&self, url: Option<&str>) -> impl Future<Output = Result<Session<User>, Error>> + 'static {
        let promise = self.inner.auth.handle_callback(&url.map(JsValue::from_str).unwrap_or(JsValue::UNDEFINED));
        self.session_of(promise)
    }

    /// A session valid for at least `min_validity`, renewed when needed and possible (one
    /// renewal shared by concurrent calls and tabs); `None` when signed out.
    ///
    /// # Errors
    /// As the JS `getSession()`.
    pub fn get_session(
        &self,
        min_validity: Duration,
    ) -> impl Future<Output = Result<Option<Session<User>>, Error>> + 'static {
        let options = object();
        set(&options, "minValidityMs", min_validity.as_millis().min(u32::MAX as u128) as f64);
        let promise = self.inner.auth.get_session(&options.into());
        let this = self.clone();
        async move { this.resolved(settle(promise).await?) }
    }

    /// Signs out: removes the session at once (every tab hears it), posts `logout_url` with the
    /// bearer token when configured, then navigates to `return_to` when given. The status is
    /// [`Status::SigningOut`] from this call until the server answered (with `return_to`, until
    /// the page unloads), and logins are refused meanwhile; a logout supersedes every login in
    /// flight, in every tab.
    ///
    /// # Errors
    /// Kind `config` for a `return_to` of another origin.
    pub fn logout(&self, options: LogoutOptions) -> impl Future<Output = Result<(), Error>> + 'static {
        let promise = self.inner.auth.logout(&options.to_js());
        async move { settle(promise).await.map(drop) }
    }

    /// Calls `listener` with the session (or `None`) on every change: login, logout, renewal,
    /// expiry, and changes made by other tabs (JS or Rust pages of the origin).
    pub fn on_change(&self, mut listener: impl FnMut(Option<Session<User>>) + 'static) -> Subscription {
        let this = Rc::downgrade(&self.inner);
        let closure = Closure::<dyn FnMut(JsValue)>::new(move |value: JsValue| {
            if let Some(inner) = this.upgrade() {
                listener(FeishuLogin { inner }.read(&value));
            }
        });
        let function: &Function = closure.as_ref().unchecked_ref();
        let unsubscribe = self.inner.auth.on_change(function).ok();
        Subscription { unsubscribe, _listener: Some(Box::new(closure)) }
    }

    /// Calls `listener` with the [`Status`] on every change, in order, after that step's
    /// [`on_change`](Self::on_change) listeners. In a logout's step the status is
    /// [`Status::SigningOut`] already while `on_change` listeners hear `None`; a logout heard
    /// from another tab is `SigningOut` then `SignedOut`, so a guard can tell "signed out by a
    /// logout" from "never signed in".
    pub fn on_status(&self, mut listener: impl FnMut(Status) + 'static) -> Subscription {
        let closure = Closure::<dyn FnMut(JsValue)>::new(move |value: JsValue| {
            if let Some(status) = value.as_string().as_deref().and_then(status_named) {
                listener(status);
            }
        });
        let function: &Function = closure.as_ref().unchecked_ref();
        let unsubscribe = self.inner.auth.on_status(function).ok();
        Subscription { unsubscribe, _listener: Some(Box::new(closure)) }
    }

    /// `[("Authorization", "Bearer …")]` while signed in, else empty: the headers for calls to
    /// the app's backend.
    ///
    /// ```no_run
    /// # fn f(auth: &feishu_login::web::FeishuLogin<serde_json::Value>) {
    /// // e.g. with gloo-net: for (name, value) in auth.auth_headers() { request = request.header(&name, &value) }
    /// let bearer = auth.auth_headers().into_iter().find(|(name, _)| name == "Authorization");
    /// # }
    /// ```
    pub fn auth_headers(&self) -> Vec<(String, String)> {
        self.inner.auth.auth_headers().map(|h| js::headers(&h)).unwrap_or_default()
    }

    fn session_of(&self, promise: js_sys::Promise) -> impl Future<Output = Result<Session<User>, Error>> + 'static {
        let this = self.clone();
        async move {
            let value = settle(promise).await?;
            this.resolved(value)?.ok_or_else(|| Error::new(ErrorKind::Response, Msg::WebNoSession))
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn natively_the_api_says_it_runs_in_a_web_page() {
        let error = FeishuLogin::<serde::de::IgnoredAny>::new(Config::new("cli_x", "/api")).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Unsupported);
        assert!(error.message().contains("web page"), "{}", error.message());
    }
}

/// The driver's session object as a [`Session`].
fn convert<User: DeserializeOwned>(value: &JsValue) -> Result<Session<User>, Error> {
    let wire: Wire<User> = serde_wasm_bindgen::from_value(value.clone())
        .map_err(|e| Error::new(ErrorKind::Response, Message::new(Msg::WebUserType).arg(&e.to_string())))?;
    Ok(Session {
        token: wire.token,
        expires_at: wire.expires_at.map(|ms| ms as i64),
        user: wire.user,
        surface: Surface::from_name(&wire.surface).unwrap_or(Surface::Browser),
        obtained_at: wire.obtained_at as i64,
    })
}
