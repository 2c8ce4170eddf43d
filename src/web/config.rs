//! The typed config and options of the Rust API. They are written into the same plain objects a
//! JS app passes, and the engine validates them exactly as it validates the JS ones: a bad value
//! is the same `config` error with the same message, never a second check written here.

use super::js::{object, set};
use crate::config::{Brand, CodeIn, Credentials};
use crate::host::Surface;
use crate::prelude::*;
use js_sys::{Array, Object};
use wasm_bindgen::JsValue;

/// Where the session persists (`storage` of the JS config).
///
/// ```
/// use feishu_login::web::{Config, Storage};
/// // This tab only: a JS page of the origin in another tab does not share it.
/// let config = Config::new("cli_a5ca35a685b0x26e", "/api/feishu/login").storage(Storage::Session);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub enum Storage {
    /// `localStorage` (the default): shared by the origin's tabs, JS pages and Rust pages alike.
    #[default]
    Local,
    /// `sessionStorage`: this tab only.
    Session,
    /// In memory: gone on reload.
    Memory,
    /// The app's own `{ getItem, setItem, removeItem }` object.
    Custom(JsValue),
}

/// An endpoint of the app's backend (`backend`, `refreshUrl`, `logoutUrl` of the JS config).
///
/// ```
/// use feishu_login::web::Endpoint;
/// use feishu_login::Credentials;
///
/// let backend = Endpoint::new("/api/feishu/login").header("x-tenant", "acme").credentials(Credentials::Include);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Endpoint {
    url: String,
    headers: Vec<(String, String)>,
    credentials: Option<Credentials>,
    timeout_ms: Option<u32>,
    retries: Option<u32>,
    code_in: Option<CodeIn>,
}

impl Endpoint {
    /// The endpoint at `url` (absolute, or relative to the page).
    pub fn new(url: impl Into<String>) -> Self {
        Endpoint {
            url: url.into(),
            headers: Vec::new(),
            credentials: None,
            timeout_ms: None,
            retries: None,
            code_in: None,
        }
    }

    /// Adds a header sent with every request to it.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The request's `credentials` mode (default [`Credentials::SameOrigin`]).
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// How long one request may take (default 10 000 ms).
    pub fn timeout_ms(mut self, ms: u32) -> Self {
        self.timeout_ms = Some(ms);
        self
    }

    /// How many times a failed request that is safe to repeat is tried again (default 2).
    pub fn retries(mut self, retries: u32) -> Self {
        self.retries = Some(retries);
        self
    }

    /// Where the code travels (default [`CodeIn::Body`]).
    pub fn code_in(mut self, code_in: CodeIn) -> Self {
        self.code_in = Some(code_in);
        self
    }

    fn to_js(&self) -> JsValue {
        let o = object();
        set(&o, "url", &self.url);
        if !self.headers.is_empty() {
            let headers = object();
            for (name, value) in &self.headers {
                set(&headers, name, value);
            }
            set(&o, "headers", headers);
        }
        if let Some(credentials) = self.credentials {
            let mode = match credentials {
                Credentials::Omit => "omit",
                Credentials::SameOrigin => "same-origin",
                Credentials::Include => "include",
            };
            set(&o, "credentials", mode);
        }
        if let Some(ms) = self.timeout_ms {
            set(&o, "timeoutMs", ms);
        }
        if let Some(retries) = self.retries {
            set(&o, "retries", retries);
        }
        if let Some(code_in) = self.code_in {
            set(&o, "codeIn", if code_in == CodeIn::Query { "query" } else { "body" });
        }
        o.into()
    }
}

impl<T: Into<String>> From<T> for Endpoint {
    fn from(url: T) -> Self {
        Endpoint::new(url)
    }
}

/// The config of a [`FeishuLogin`](super::FeishuLogin): the fields of the JS `FeishuLoginConfig`,
/// with the same defaults and the same validation (by the engine, when the instance is created).
///
/// ```
/// use feishu_login::web::{Config, Endpoint};
///
/// let config = Config::new("cli_a5ca35a685b0x26e", "/api/feishu/login")
///     .scope(["contact:user.base:readonly", "offline_access"])
///     .refresh_url("/api/feishu/refresh")
///     .logout_url(Endpoint::new("/api/logout"));
/// ```
#[derive(Clone, Debug)]
pub struct Config {
    app_id: String,
    backend: Endpoint,
    redirect_uri: Option<String>,
    scope: Option<Vec<String>>,
    brand: Option<Brand>,
    authorize_url: Option<String>,
    passport: Option<bool>,
    storage: Option<Storage>,
    surface: Option<Surface>,
    host_timeout_ms: Option<u32>,
    refresh_url: Option<Endpoint>,
    logout_url: Option<Endpoint>,
    renew_before_ms: Option<u32>,
    doc_mini_app: Option<JsValue>,
}

impl Config {
    /// `appId` (the app's App ID, `cli_…`) and `backend` (where codes are posted).
    pub fn new(app_id: impl Into<String>, backend: impl Into<Endpoint>) -> Self {
        Config {
            app_id: app_id.into(),
            backend: backend.into(),
            redirect_uri: None,
            scope: None,
            brand: None,
            authorize_url: None,
            passport: None,
            storage: None,
            surface: None,
            host_timeout_ms: None,
            refresh_url: None,
            logout_url: None,
            renew_before_ms: None,
            doc_mini_app: None,
        }
    }

    /// The browser flow's callback (default: the page without query and fragment); it must be in
    /// the app's redirect-URL list.
    pub fn redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.redirect_uri = Some(uri.into());
        self
    }

    /// The scopes to request.
    pub fn scope<S: Into<String>>(mut self, scope: impl IntoIterator<Item = S>) -> Self {
        self.scope = Some(scope.into_iter().map(Into::into).collect());
        self
    }

    /// Feishu (default) or Lark domains.
    pub fn brand(mut self, brand: Brand) -> Self {
        self.brand = Some(brand);
        self
    }

    /// Overrides the authorize endpoint (a gateway, the local `feishu-emulator`).
    pub fn authorize_url(mut self, url: impl Into<String>) -> Self {
        self.authorize_url = Some(url.into());
        self
    }

    /// The historical passport endpoint (no scope, no PKCE sent; state still enforced).
    pub fn passport(mut self, passport: bool) -> Self {
        self.passport = Some(passport);
        self
    }

    /// Where the session persists (default [`Storage::Local`]).
    pub fn storage(mut self, storage: Storage) -> Self {
        self.storage = Some(storage);
        self
    }

    /// Forces a login surface instead of detecting it.
    pub fn surface(mut self, surface: Surface) -> Self {
        self.surface = Some(surface);
        self
    }

    /// How long a Feishu host API may take to answer.
    pub fn host_timeout_ms(mut self, ms: u32) -> Self {
        self.host_timeout_ms = Some(ms);
        self
    }

    /// The backend's renewal endpoint (browser surface).
    pub fn refresh_url(mut self, endpoint: impl Into<Endpoint>) -> Self {
        self.refresh_url = Some(endpoint.into());
        self
    }

    /// The backend's logout endpoint, posted with the bearer token by
    /// [`logout`](super::FeishuLogin::logout).
    pub fn logout_url(mut self, endpoint: impl Into<Endpoint>) -> Self {
        self.logout_url = Some(endpoint.into());
        self
    }

    /// How long before expiry the session is renewed (default 60 000; 0 turns renewal off).
    pub fn renew_before_ms(mut self, ms: u32) -> Self {
        self.renew_before_ms = Some(ms);
        self
    }

    /// The object `new BlockitClient().initAPI()` returned (a doc widget); default
    /// `globalThis.DocMiniApp`.
    pub fn doc_mini_app(mut self, doc_mini_app: JsValue) -> Self {
        self.doc_mini_app = Some(doc_mini_app);
        self
    }

    /// The JS config object `new FeishuLogin(config)` takes.
    pub(super) fn to_js(&self) -> JsValue {
        let o = object();
        set(&o, "appId", &self.app_id);
        set(&o, "backend", self.backend.to_js());
        if let Some(uri) = &self.redirect_uri {
            set(&o, "redirectUri", uri);
        }
        if let Some(scope) = &self.scope {
            set(&o, "scope", strings(scope));
        }
        if let Some(brand) = self.brand {
            set(&o, "brand", if brand == Brand::Lark { "lark" } else { "feishu" });
        }
        if let Some(url) = &self.authorize_url {
            set(&o, "authorizeUrl", url);
        }
        if let Some(passport) = self.passport {
            set(&o, "passport", passport);
        }
        match &self.storage {
            None => {}
            Some(Storage::Local) => set(&o, "storage", "local"),
            Some(Storage::Session) => set(&o, "storage", "session"),
            Some(Storage::Memory) => set(&o, "storage", "memory"),
            Some(Storage::Custom(store)) => set(&o, "storage", store),
        }
        if let Some(surface) = self.surface {
            set(&o, "surface", surface.as_str());
        }
        if let Some(ms) = self.host_timeout_ms {
            set(&o, "hostTimeoutMs", ms);
        }
        if let Some(endpoint) = &self.refresh_url {
            set(&o, "refreshUrl", endpoint.to_js());
        }
        if let Some(endpoint) = &self.logout_url {
            set(&o, "logoutUrl", endpoint.to_js());
        }
        if let Some(ms) = self.renew_before_ms {
            set(&o, "renewBeforeMs", ms);
        }
        if let Some(doc_mini_app) = &self.doc_mini_app {
            set(&o, "docMiniApp", doc_mini_app);
        }
        o.into()
    }
}

fn strings(list: &[String]) -> Array {
    list.iter().map(|s| JsValue::from_str(s)).collect()
}

/// Options of [`login`](super::FeishuLogin::login) and the other calls that start a login.
///
/// ```
/// use feishu_login::web::LoginOptions;
///
/// let options = LoginOptions::default().return_to("/profile").force(true);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoginOptions {
    scope: Option<Vec<String>>,
    force: Option<bool>,
    return_to: Option<String>,
}

impl LoginOptions {
    /// Scopes for this login instead of the config's.
    pub fn scope<S: Into<String>>(mut self, scope: impl IntoIterator<Item = S>) -> Self {
        self.scope = Some(scope.into_iter().map(Into::into).collect());
        self
    }

    /// Log in again even with a valid session.
    pub fn force(mut self, force: bool) -> Self {
        self.force = Some(force);
        self
    }

    /// Where the address bar goes after a browser callback (same origin).
    pub fn return_to(mut self, path: impl Into<String>) -> Self {
        self.return_to = Some(path.into());
        self
    }

    /// The `return_to` set, if any.
    pub fn return_to_path(&self) -> Option<&str> {
        self.return_to.as_deref()
    }

    pub(super) fn write(&self, o: &Object) {
        if let Some(scope) = &self.scope {
            set(o, "scope", strings(scope));
        }
        if let Some(force) = self.force {
            set(o, "force", force);
        }
        if let Some(to) = &self.return_to {
            set(o, "returnTo", to);
        }
    }

    pub(super) fn to_js(&self) -> JsValue {
        let o = object();
        self.write(&o);
        o.into()
    }
}

/// Options of [`mount_qr_login`](super::FeishuLogin::mount_qr_login): the login's options and
/// the QR code's size and style.
///
/// ```
/// use feishu_login::web::{LoginOptions, QrOptions};
/// let options = QrOptions::default().width(300).height(300).login(LoginOptions::default().return_to("/home"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QrOptions {
    login: LoginOptions,
    width: Option<u32>,
    height: Option<u32>,
    style: Option<String>,
    sdk_url: Option<String>,
}

impl QrOptions {
    /// The login's options (scope, return address).
    pub fn login(mut self, options: LoginOptions) -> Self {
        self.login = options;
        self
    }

    /// The QR code's width in CSS pixels.
    pub fn width(mut self, width: u32) -> Self {
        self.width = Some(width);
        self
    }

    /// The QR code's height in CSS pixels.
    pub fn height(mut self, height: u32) -> Self {
        self.height = Some(height);
        self
    }

    /// The QR iframe's CSS.
    pub fn style(mut self, style: impl Into<String>) -> Self {
        self.style = Some(style.into());
        self
    }

    /// Where Feishu's QR SDK is loaded from when the page has no `QRLogin`.
    pub fn sdk_url(mut self, url: impl Into<String>) -> Self {
        self.sdk_url = Some(url.into());
        self
    }

    pub(super) fn to_js(&self) -> JsValue {
        let o = object();
        self.login.write(&o);
        if let Some(width) = self.width {
            set(&o, "width", width);
        }
        if let Some(height) = self.height {
            set(&o, "height", height);
        }
        if let Some(style) = &self.style {
            set(&o, "style", style);
        }
        if let Some(url) = &self.sdk_url {
            set(&o, "sdkUrl", url);
        }
        o.into()
    }
}

/// Options of [`logout`](super::FeishuLogin::logout).
///
/// ```
/// use feishu_login::web::LogoutOptions;
/// let options = LogoutOptions::default().return_to("/signed-out");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogoutOptions {
    return_to: Option<String>,
}

impl LogoutOptions {
    /// Navigate here (same origin) once signed out.
    pub fn return_to(mut self, path: impl Into<String>) -> Self {
        self.return_to = Some(path.into());
        self
    }

    pub(super) fn to_js(&self) -> JsValue {
        let o = object();
        if let Some(to) = &self.return_to {
            set(&o, "returnTo", to);
        }
        o.into()
    }
}
