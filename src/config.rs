//! The user's configuration, read once and validated once in the constructor.
//!
//! [`ConfigInput::from_json`] is the one reader: it reads every field of the config the driver
//! sends (as JSON), reporting a value of the wrong type and a key it does not know by name;
//! [`ConfigInput::validate`] is the one validation: it checks the values and resolves defaults
//! into a [`Config`] that the rest of the SDK can trust.

use crate::error::{Error, ErrorKind};
use crate::host::Surface;
use crate::json::{Json, Number};
use crate::ports::{Url, UrlParser};
use crate::prelude::*;

/// Feishu's new authorize endpoint (feishu.md §2).
pub const FEISHU_AUTHORIZE_URL: &str = "https://accounts.feishu.cn/open-apis/authen/v1/authorize";
/// Lark's new authorize endpoint (feishu.md §2).
pub const LARK_AUTHORIZE_URL: &str = "https://accounts.larksuite.com/open-apis/authen/v1/authorize";
/// Feishu accepts at most this many scopes in one authorization.
pub const MAX_SCOPES: usize = 50;
/// The backend timeout when none is configured.
pub const DEFAULT_TIMEOUT_MS: u32 = 10_000;
/// How long a Feishu host API may take to call back (the doc widget library's own limit).
pub const DEFAULT_HOST_TIMEOUT_MS: u32 = 30_000;
/// How many times a safely retryable backend failure is retried when not configured.
pub const DEFAULT_RETRIES: u32 = 2;

/// Which Feishu deployment the app belongs to (a Feishu app must use the feishu domains and a
/// Lark app the larksuite ones, Feishu error 20046).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Brand {
    /// feishu.cn
    Feishu,
    /// larksuite.com
    Lark,
}

/// Where the session persists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StorageChoice {
    /// `localStorage` (shared by tabs, survives restarts).
    Local,
    /// `sessionStorage` (this tab only).
    Session,
    /// In memory, gone on reload.
    Memory,
    /// A `{ getItem, setItem, removeItem }` object supplied by the app.
    Custom,
}

/// The `credentials` mode of the backend request
/// ([Fetch standard](https://fetch.spec.whatwg.org/#concept-request-credentials-mode)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Credentials {
    /// Never send cookies.
    Omit,
    /// Send cookies to the page's own origin only (the default).
    SameOrigin,
    /// Send cookies cross-origin too (the backend must allow credentials in CORS).
    Include,
}

/// Where the code travels to the backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeIn {
    /// In the JSON body only.
    Body,
    /// Also as `?code=` in the URL, like Feishu's widget sample.
    Query,
}

/// The backend as the user configured it, before validation.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BackendInput {
    /// `url` (or the string form of `backend`).
    pub url: Option<String>,
    /// Extra request headers.
    pub headers: Vec<(String, String)>,
    /// `"omit" | "same-origin" | "include"`.
    pub credentials: Option<String>,
    /// Milliseconds before the request is aborted.
    pub timeout_ms: Option<Number>,
    /// How often a safely retryable failure is retried.
    pub retries: Option<Number>,
    /// `"body" | "query"`.
    pub code_in: Option<String>,
}

/// The configuration as read from JavaScript, before validation. `None` means "not given".
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConfigInput {
    /// The app's App ID (`cli_…`).
    pub app_id: Option<String>,
    /// Where codes are posted.
    pub backend: BackendInput,
    /// The browser flow's callback URL.
    pub redirect_uri: Option<String>,
    /// Scopes to request.
    pub scope: Vec<String>,
    /// `"feishu" | "lark"`.
    pub brand: Option<String>,
    /// Override of the brand's authorize endpoint.
    pub authorize_url: Option<String>,
    /// `"local" | "session" | "memory" | "custom"` (the adapter says `custom` for an object).
    pub storage: Option<String>,
    /// `"auto" | "docWidget" | "client" | "miniProgram" | "browser"`.
    pub surface: Option<String>,
    /// Milliseconds a host API (`h5sdk.ready`, `tt.*`, `DocMiniApp`) may take to answer.
    pub host_timeout_ms: Option<Number>,
    /// `refreshUrl`: the backend's renewal endpoint (the `backend` shapes).
    pub refresh_url: Option<BackendInput>,
    /// `logoutUrl`: where `logout()` ends the session server-side (the `backend` shapes).
    pub logout_url: Option<BackendInput>,
    /// `renewBeforeMs`.
    pub renew_before_ms: Option<Number>,
    /// `passport: true`: the historical passport endpoint.
    pub passport: bool,
}

/// The validated backend settings.
#[derive(Clone, Debug, PartialEq)]
pub struct BackendConfig {
    /// The URL codes are posted to, as given (relative URLs are resolved by `fetch`).
    pub url: String,
    /// Extra request headers.
    pub headers: Vec<(String, String)>,
    /// The request's credentials mode.
    pub credentials: Credentials,
    /// Milliseconds before the request is aborted.
    pub timeout_ms: u32,
    /// How often a safely retryable failure is retried.
    pub retries: u32,
    /// Where the code travels.
    pub code_in: CodeIn,
}

/// A configuration that passed [`ConfigInput::validate`].
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// The app's App ID.
    pub app_id: String,
    /// Where codes are posted.
    pub backend: BackendConfig,
    /// The browser flow's callback URL; `None` when the page is not http(s) and none was given.
    pub redirect_uri: Option<String>,
    /// Scopes requested by default.
    pub scope: Vec<String>,
    /// The deployment.
    pub brand: Brand,
    /// The authorize endpoint in use.
    pub authorize_url: String,
    /// Where the session persists.
    pub storage: StorageChoice,
    /// A forced surface, or `None` for detection.
    pub surface: Option<Surface>,
    /// Milliseconds a host API may take to answer.
    pub host_timeout_ms: u32,
    /// The origin of the page the SDK runs in, if it is http(s) (for `returnTo` checks).
    pub page_origin: Option<String>,
    /// Renewal and logout endpoints, and when renewal runs.
    pub lifecycle: Lifecycle,
    /// `passport: true`: the browser flow on the historical passport endpoint.
    pub passport: bool,
}

impl ConfigInput {
    /// Checks every field and fills in defaults. `page_url` is the current `location.href`;
    /// every URL is read by `urls`, the browser's WHATWG parser, so that the SDK and the browser
    /// agree on where a URL points.
    ///
    /// # Errors
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) naming the first field at fault.
    pub fn validate(&self, page_url: &str, urls: &dyn UrlParser) -> Result<Config, Error> {
        let app_id = self.app_id.as_deref().unwrap_or_default().trim().to_owned();
        if app_id.is_empty() {
            return Err(Error::new(ErrorKind::Config, Msg::AppIdRequired));
        }
        let page = urls.parse_url(page_url, None).filter(Url::is_http);
        let page_origin = page.as_ref().map(|p| p.origin.clone());

        let backend = validate_endpoint("backend", &self.backend, page.as_ref(), urls)?;

        let redirect_uri = match &self.redirect_uri {
            Some(uri) => Some(validate_absolute_http("redirectUri", uri, urls)?),
            None => page.as_ref().map(Url::without_query_and_fragment),
        };

        let scope = validate_scope("scope", self.scope.clone())?;

        let brand = match self.brand.as_deref() {
            None | Some("feishu") => Brand::Feishu,
            Some("lark") => Brand::Lark,
            Some(_) => return Err(Error::new(ErrorKind::Config, Msg::Brand)),
        };
        let authorize_url = match &self.authorize_url {
            Some(url) => validate_absolute_http("authorizeUrl", url, urls)?,
            None => match brand {
                Brand::Feishu => FEISHU_AUTHORIZE_URL.to_owned(),
                Brand::Lark => LARK_AUTHORIZE_URL.to_owned(),
            },
        };
        let storage = match self.storage.as_deref() {
            None | Some("local") => StorageChoice::Local,
            Some("session") => StorageChoice::Session,
            Some("memory") => StorageChoice::Memory,
            Some("custom") => StorageChoice::Custom,
            Some(_) => return Err(Error::new(ErrorKind::Config, Msg::Storage)),
        };
        let surface = match self.surface.as_deref() {
            None | Some("auto") => None,
            Some(name) => Some(Surface::from_name(name).ok_or_else(|| Error::new(ErrorKind::Config, Msg::Surface))?),
        };
        let host_timeout_ms = match &self.host_timeout_ms {
            None => DEFAULT_HOST_TIMEOUT_MS,
            Some(ms) => positive_ms("hostTimeoutMs", ms)?,
        };
        let endpoint = |field: &str, input: &Option<BackendInput>| {
            input.as_ref().map(|input| validate_endpoint(field, input, page.as_ref(), urls)).transpose()
        };
        let renew_before_ms = match &self.renew_before_ms {
            None => DEFAULT_RENEW_BEFORE_MS,
            Some(ms) if ms.truncated(0) == Some((0, true)) => 0,
            Some(ms) => {
                positive_ms("renewBeforeMs", ms).map_err(|_| Error::new(ErrorKind::Config, Msg::RenewBeforeMs))?
            }
        };
        let lifecycle = Lifecycle {
            renewal: endpoint("refreshUrl", &self.refresh_url)?,
            logout: endpoint("logoutUrl", &self.logout_url)?,
            renew_before_ms,
        };
        if self.passport && !scope.is_empty() {
            return Err(Error::config("scope", Msg::PassportScope));
        }
        Ok(Config {
            app_id,
            backend,
            redirect_uri,
            scope,
            brand,
            authorize_url,
            storage,
            surface,
            host_timeout_ms,
            page_origin,
            lifecycle,
            passport: self.passport,
        })
    }
}

/// What a member of an options object must be.
#[derive(Clone, Copy)]
pub(crate) enum Shape {
    Text,
    Number,
    Boolean,
    Texts,
    /// A URL string or the `backend` object shape.
    Endpoint,
    /// `storage`: a name or the storage object.
    Storage,
    /// `docMiniApp`: the object.
    DocMiniApp,
    /// Header names to string values.
    Headers,
    /// Read by someone else (the QR code's options).
    Any,
}

/// Checks the members of `object` against `fields` (a key, its shape), naming a member of
/// another shape by `prefix` + its key, and a key `fields` lacks with the closest one it has
/// (`unknown`: the message, given the key and that closest key). `null` is "not given".
///
/// Every member is checked before anything is read, so that reading cannot fail half-way.
pub(crate) fn check(
    object: &Json,
    fields: &[(&'static str, Shape)],
    prefix: &str,
    unknown: &dyn Fn(&str) -> Message,
) -> Result<(), Error> {
    let Json::Object(members) = object else { return Ok(()) };
    for (key, value) in members {
        let Some(&(_, shape)) = fields.iter().find(|(known, _)| known == key) else {
            return Err(Error::new(ErrorKind::Config, unknown(&shown(key)).then(meant(key, fields))));
        };
        let field = || String::from(prefix) + key;
        let fits = match (shape, value) {
            (_, Json::Null) | (Shape::Any, _) => true,
            (Shape::Text, value) => value.as_str().is_some(),
            (Shape::Number, value) => value.as_number().is_some(),
            (Shape::Boolean, value) => matches!(value, Json::Bool(_)),
            (Shape::Texts, Json::Array(items)) => items.iter().all(|i| i.as_str().is_some()),
            (Shape::Headers, Json::Object(headers)) => headers.iter().all(|(_, v)| v.as_str().is_some()),
            (Shape::Storage, value) => matches!(value, Json::String(_) | Json::Object(_)),
            (Shape::DocMiniApp, value) => matches!(value, Json::Object(_)),
            (Shape::Endpoint, Json::String(_)) => true,
            (Shape::Endpoint, endpoint @ Json::Object(_)) => {
                let unknown = |key: &str| Message::new(Msg::UnknownNestedKey).arg(key).arg(&field());
                check(endpoint, ENDPOINT_FIELDS, &(field() + "."), &unknown)?;
                true
            }
            _ => false,
        };
        if !fits {
            let problem = match shape {
                Shape::Number => Msg::MustBeNumber,
                Shape::Boolean => Msg::MustBeBoolean,
                Shape::Texts => Msg::MustBeStrings,
                Shape::Endpoint => Msg::EndpointShape,
                Shape::Headers => Msg::Headers,
                Shape::Storage => return Err(Error::new(ErrorKind::Config, Msg::Storage)),
                Shape::DocMiniApp => return Err(Error::new(ErrorKind::Config, Msg::DocMiniApp)),
                Shape::Text | Shape::Any => Msg::MustBeString,
            };
            return Err(Error::config(&field(), problem));
        }
    }
    Ok(())
}

/// The config's fields and their shapes. `storage` and `docMiniApp` objects stay with the driver
/// (it sends what they are: `{}` for an object).
const CONFIG_FIELDS: &[(&str, Shape)] = &[
    ("appId", Shape::Text),
    ("backend", Shape::Endpoint),
    ("redirectUri", Shape::Text),
    ("scope", Shape::Texts),
    ("brand", Shape::Text),
    ("authorizeUrl", Shape::Text),
    ("passport", Shape::Boolean),
    ("storage", Shape::Storage),
    ("docMiniApp", Shape::DocMiniApp),
    ("surface", Shape::Text),
    ("hostTimeoutMs", Shape::Number),
    ("refreshUrl", Shape::Endpoint),
    ("logoutUrl", Shape::Endpoint),
    ("renewBeforeMs", Shape::Number),
];

/// The fields of an endpoint object (`backend`, `refreshUrl`, `logoutUrl`).
const ENDPOINT_FIELDS: &[(&str, Shape)] = &[
    ("url", Shape::Text),
    ("headers", Shape::Headers),
    ("credentials", Shape::Text),
    ("timeoutMs", Shape::Number),
    ("retries", Shape::Number),
    ("codeIn", Shape::Text),
];

/// The string member `key` of `object` (its shape checked), if any.
pub(crate) fn text(object: &Json, key: &str) -> Option<String> {
    object.get(key).and_then(Json::as_str).map(str::to_owned)
}

/// The array-of-strings member `key` of `object` (its shape checked), if any.
pub(crate) fn texts(object: &Json, key: &str) -> Option<Vec<String>> {
    match object.get(key) {
        Some(Json::Array(items)) => Some(items.iter().filter_map(Json::as_str).map(str::to_owned).collect()),
        _ => None,
    }
}

fn number(object: &Json, key: &str) -> Option<Number> {
    object.get(key).and_then(Json::as_number).cloned()
}

/// The endpoint member `key` of the config (its shape checked), if any.
fn endpoint(config: &Json, key: &str) -> Option<BackendInput> {
    match config.get(key)? {
        Json::String(url) => Some(BackendInput { url: Some(url.clone()), ..Default::default() }),
        value @ Json::Object(_) => Some(BackendInput {
            url: text(value, "url"),
            headers: match value.get("headers") {
                Some(Json::Object(headers)) => {
                    headers.iter().filter_map(|(name, v)| Some((name.clone(), v.as_str()?.to_owned()))).collect()
                }
                _ => Vec::new(),
            },
            credentials: text(value, "credentials"),
            timeout_ms: number(value, "timeoutMs"),
            retries: number(value, "retries"),
            code_in: text(value, "codeIn"),
        }),
        _ => None,
    }
}

/// Checks the options object of `member` (`"login"`, …) against its `fields`.
///
/// # Errors
/// `config` naming an option of the wrong type (`options.…`), or a key `member` does not take
/// with the closest one it does.
pub(crate) fn check_options(options: &Json, member: &str, fields: &[(&'static str, Shape)]) -> Result<(), Error> {
    let unknown = |key: &str| Message::new(Msg::UnknownOption).arg(key).arg(member);
    check(options, fields, "options.", &unknown)
}

impl ConfigInput {
    /// Reads the JS config object (as JSON; the driver reads it with `JSON.stringify`): a value
    /// of the wrong type is reported with its field's name, and a key the config does not take
    /// with the closest one it does (`redirectUrl`: did you mean `redirectUri`?). A `storage`
    /// object reads as `"custom"` (the driver checks its methods).
    ///
    /// # Errors
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) naming the field or the key.
    pub fn from_json(config: &Json) -> Result<ConfigInput, Error> {
        if !matches!(config, Json::Object(_)) {
            return Err(Error::new(ErrorKind::Config, Msg::ConfigNotObject));
        }
        let unknown = |key: &str| Message::new(Msg::UnknownKey).arg(key);
        check(config, CONFIG_FIELDS, "", &unknown)?;
        Ok(ConfigInput {
            app_id: text(config, "appId"),
            backend: endpoint(config, "backend").unwrap_or_default(),
            redirect_uri: text(config, "redirectUri"),
            scope: texts(config, "scope").unwrap_or_default(),
            brand: text(config, "brand"),
            authorize_url: text(config, "authorizeUrl"),
            storage: match config.get("storage") {
                Some(Json::Object(_)) => Some("custom".to_owned()),
                // "custom" names an object the driver holds: as a string it is no storage.
                Some(Json::String(name)) if name == "custom" => Some("\"custom\"".to_owned()),
                _ => text(config, "storage"),
            },
            surface: text(config, "surface"),
            host_timeout_ms: number(config, "hostTimeoutMs"),
            refresh_url: endpoint(config, "refreshUrl"),
            logout_url: endpoint(config, "logoutUrl"),
            renew_before_ms: number(config, "renewBeforeMs"),
            passport: matches!(config.get("passport"), Some(Json::Bool(true))),
        })
    }
}

/// A key as messages show it: at most 100 characters.
pub(crate) fn shown(key: &str) -> String {
    key.chars().take(100).collect()
}

/// What an unknown `key` most likely meant: the known key at most [`MEANT_EDITS`] edits away
/// (ignoring ASCII case), else the list of every known key (`constructor` is no typo of anything).
fn meant(key: &str, fields: &[(&'static str, Shape)]) -> Message {
    let closest = fields.iter().map(|(known, _)| *known).min_by_key(|known| edit_distance(key, known));
    match closest.filter(|known| edit_distance(key, known) <= MEANT_EDITS) {
        Some(known) => Message::new(Msg::DidYouMean).arg(known),
        None => {
            let mut keys = String::new();
            for (known, _) in fields {
                let sep = if keys.is_empty() { "`" } else { ", `" };
                keys = keys + sep + known + "`";
            }
            Message::new(Msg::KeysTaken).arg(&keys)
        }
    }
}

/// How many edits apart a misspelt key and the key it meant may be (`redirectUrl` → `redirectUri`
/// is 1, `renewBefore` → `renewBeforeMs` 2, `credential` → `credentials` 1).
const MEANT_EDITS: usize = 3;

/// The Levenshtein distance between `a` and `b`, ASCII case ignored.
fn edit_distance(a: &str, b: &str) -> usize {
    let b = b.as_bytes();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, x) in a.bytes().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, y) in b.iter().enumerate() {
            let replaced = diagonal + usize::from(!x.eq_ignore_ascii_case(y));
            diagonal = row[j + 1];
            row[j + 1] = replaced.min(diagonal + 1).min(row[j] + 1);
        }
    }
    row[b.len()]
}

impl Config {
    /// Resolves a `returnTo` option to an absolute URL on the page's own origin, the way the
    /// browser will read it (`urls`: the WHATWG parser).
    ///
    /// # Errors
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) when it points at another origin (an open
    /// redirect after login is a phishing tool), hides characters browsers drop, resolves to a
    /// path starting with `//` (which the app's own router would read as another host), or is not
    /// a path or an http(s) URL.
    pub fn resolve_return_to(&self, return_to: &str, urls: &dyn UrlParser) -> Result<String, Error> {
        let origin =
            self.page_origin.as_deref().ok_or_else(|| Error::new(ErrorKind::Config, Msg::ReturnToNeedsPage))?;
        let absolute = urls.parse_url(return_to, None).is_some();
        // A path must start with one '/': "after" would resolve against the page's directory.
        if !absolute && !return_to.starts_with('/') || hides_characters(return_to) {
            return Err(Error::new(ErrorKind::Config, Msg::ReturnTo));
        }
        let base = String::from(origin) + "/";
        match urls.parse_url(return_to, Some(&base)) {
            Some(url)
                if url.is_http()
                    && url.origin == origin
                    && !url.has_credentials()
                    && !url.pathname.starts_with("//") =>
            {
                Ok(url.href)
            }
            _ => Err(Error::new(ErrorKind::Config, Msg::ReturnTo)),
        }
    }
}

/// Whether `url` holds what the URL parser silently drops: ASCII tab or newline anywhere, or C0
/// controls and spaces around it. Browsers remove them, so such a URL points elsewhere than it
/// reads (`https://app.example\t@evil.example`).
fn hides_characters(url: &str) -> bool {
    url.contains(['\t', '\n', '\r']) || url.trim_matches(|c: char| c <= ' ') != url
}

/// Checks an endpoint of the app's server (`backend`, `refreshUrl`, `logoutUrl`): `field` names
/// it in errors.
fn validate_endpoint(
    field: &str,
    input: &BackendInput,
    page: Option<&Url>,
    urls: &dyn UrlParser,
) -> Result<BackendConfig, Error> {
    let sub = |name: &str| String::from(field) + "." + name;
    let url = input.url.as_deref().unwrap_or_default().trim().to_owned();
    if url.is_empty() {
        return Err(Error::config(field, Msg::EndpointRequired));
    }
    if hides_characters(&url) {
        return Err(Error::config(field, Msg::HiddenCharacters));
    }
    // Absolute, or relative to the page as fetch() will resolve it.
    let parsed = urls.parse_url(&url, None).or_else(|| urls.parse_url(&url, page.map(|p| p.href.as_str())));
    match parsed {
        Some(parsed) if !parsed.is_http() => {
            return Err(Error::config(field, Msg::HttpOrRelative));
        }
        Some(parsed) if parsed.has_credentials() => {
            return Err(Error::config(field, Msg::Credentialed));
        }
        Some(_) => {}
        // No page to resolve against (a worker, a test): a relative path is fine, a scheme is not.
        None if url.contains(':') && !url.starts_with('/') && !url.starts_with('.') => {
            return Err(Error::config(field, Msg::HttpOrRelative));
        }
        None => {}
    }
    for (name, value) in &input.headers {
        let valid_name =
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
        // fetch() throws on a value outside visible ASCII; refuse it here, with the field named.
        let valid_value = value.chars().all(|c| c == '\t' || (' '..='~').contains(&c));
        if !valid_name || !valid_value {
            return Err(Error::config(&sub("headers"), Msg::Headers));
        }
    }
    let credentials = match input.credentials.as_deref() {
        None | Some("same-origin") => Credentials::SameOrigin,
        Some("omit") => Credentials::Omit,
        Some("include") => Credentials::Include,
        Some(_) => return Err(Error::config(&sub("credentials"), Msg::Credentials)),
    };
    let timeout_ms = match &input.timeout_ms {
        None => DEFAULT_TIMEOUT_MS,
        Some(ms) => positive_ms(&sub("timeoutMs"), ms)?,
    };
    let retries = match input.retries.as_ref().map(|n| n.truncated(0)) {
        None => DEFAULT_RETRIES,
        // `2.0` and `-0` are whole numbers too, as they are in JavaScript.
        Some(Some((n @ 0..=10, true))) => n as u32,
        Some(_) => return Err(Error::config(&sub("retries"), Msg::Retries)),
    };
    let code_in = match input.code_in.as_deref() {
        None | Some("body") => CodeIn::Body,
        Some("query") => CodeIn::Query,
        Some(_) => return Err(Error::config(&sub("codeIn"), Msg::CodeIn)),
    };
    Ok(BackendConfig { url, headers: input.headers.clone(), credentials, timeout_ms, retries, code_in })
}

/// A number of milliseconds from 1 to 2^31-1 (setTimeout's limit), fractions cut off.
fn positive_ms(field: &str, ms: &Number) -> Result<u32, Error> {
    const MAX: i64 = i32::MAX as i64;
    match ms.truncated(0) {
        // 2147483647.5 is above the limit although its whole part is not.
        Some((whole @ 1..MAX, _)) | Some((whole @ MAX, true)) => Ok(whole as u32),
        _ => Err(Error::config(field, Msg::PositiveMs)),
    }
}

fn validate_absolute_http(field: &str, url: &str, urls: &dyn UrlParser) -> Result<String, Error> {
    if hides_characters(url) {
        return Err(Error::config(field, Msg::HiddenCharacters));
    }
    match urls.parse_url(url, None).filter(Url::is_http) {
        None => Err(Error::config(field, Msg::AbsoluteHttp)),
        Some(parsed) if parsed.has_credentials() => Err(Error::config(field, Msg::Credentialed)),
        // The browser's serialization: what Feishu compares with the app's redirect URL list.
        Some(parsed) => Ok(parsed.href),
    }
}

/// Checks a scope list: non-empty entries without spaces, no duplicates (Feishu 20067), at most
/// [`MAX_SCOPES`].
pub(crate) fn validate_scope(field: &str, scope: Vec<String>) -> Result<Vec<String>, Error> {
    if scope.len() > MAX_SCOPES {
        return Err(Error::config(field, Msg::ScopeTooLong));
    }
    for (i, entry) in scope.iter().enumerate() {
        if entry.is_empty() || entry.contains(char::is_whitespace) {
            return Err(Error::config(field, Msg::ScopeEntry));
        }
        if scope[..i].contains(entry) {
            return Err(Error::config(field, Msg::ScopeDuplicate));
        }
    }
    Ok(scope)
}

/// How long before its expiry a session is renewed automatically when `renewBeforeMs` is not
/// configured.
pub const DEFAULT_RENEW_BEFORE_MS: u32 = 60_000;

/// The session lifecycle settings (part of [`Config`]): where a session is renewed and where it
/// is ended server-side, and when automatic renewal runs.
#[derive(Clone, Debug, PartialEq)]
pub struct Lifecycle {
    /// The backend's renewal endpoint for the browser surface, the `refreshUrl` option (`POST`
    /// with the bearer token, empty JSON body, answered like the login backend).
    pub renewal: Option<BackendConfig>,
    /// `logoutUrl`: `POST`ed with the bearer token by `logout()` before the local removal.
    pub logout: Option<BackendConfig>,
    /// `renewBeforeMs`: how long before expiry automatic renewal runs; `0` disables it.
    pub renew_before_ms: u32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::Whatwg;
    use crate::ErrorKind;

    const PAGE: &str = "https://app.example/login?x=1#top";

    fn input() -> ConfigInput {
        ConfigInput {
            app_id: Some("cli_a5ca35a685b0x26e".into()),
            backend: BackendInput { url: Some("/api/feishu/login".into()), ..Default::default() },
            ..Default::default()
        }
    }

    fn with_backend(backend: BackendInput) -> ConfigInput {
        ConfigInput { backend, ..input() }
    }

    fn config_error(input: ConfigInput) -> String {
        let err = input.validate(PAGE, &Whatwg).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        err.message().to_owned()
    }

    #[test]
    fn defaults_follow_the_contract() {
        let config = input().validate(PAGE, &Whatwg).unwrap();
        assert_eq!(config.redirect_uri.as_deref(), Some("https://app.example/login"));
        assert_eq!(config.authorize_url, FEISHU_AUTHORIZE_URL);
        assert_eq!(config.storage, StorageChoice::Local);
        assert_eq!(config.surface, None);
        assert_eq!(config.backend.timeout_ms, 10_000);
        assert_eq!(config.host_timeout_ms, 30_000);
        assert_eq!(config.backend.retries, 2);
        assert_eq!(config.backend.credentials, Credentials::SameOrigin);
        assert_eq!(config.backend.code_in, CodeIn::Body);
        assert!(config.scope.is_empty());
    }

    #[test]
    fn lark_brand_uses_larksuite_endpoint() {
        let config = ConfigInput { brand: Some("lark".into()), ..input() }.validate(PAGE, &Whatwg).unwrap();
        assert_eq!(config.authorize_url, LARK_AUTHORIZE_URL);
    }

    #[test]
    fn each_invalid_field_is_named() {
        let cases: Vec<(ConfigInput, &str)> = vec![
            (ConfigInput { app_id: Some("  ".into()), ..input() }, "`appId`"),
            (ConfigInput { app_id: None, ..input() }, "`appId`"),
            (ConfigInput { backend: BackendInput::default(), ..input() }, "`backend`"),
            (with_backend(BackendInput { url: Some("javascript:alert(1)".into()), ..Default::default() }), "`backend`"),
            (with_backend(BackendInput { url: Some("ftp://x/y".into()), ..Default::default() }), "`backend`"),
            (with_backend(BackendInput { url: Some("https://u:p@x/y".into()), ..Default::default() }), "`backend`"),
            (ConfigInput { redirect_uri: Some("https://user:pw@app.example/cb".into()), ..input() }, "`redirectUri`"),
            (ConfigInput { redirect_uri: Some("/cb".into()), ..input() }, "`redirectUri`"),
            (ConfigInput { brand: Some("dingtalk".into()), ..input() }, "`brand`"),
            (ConfigInput { storage: Some("cookie".into()), ..input() }, "`storage`"),
            (ConfigInput { surface: Some("desktop".into()), ..input() }, "`surface`"),
            (ConfigInput { host_timeout_ms: Some(Number::from_i64(-1)), ..input() }, "`hostTimeoutMs`"),
            (ConfigInput { authorize_url: Some("accounts.feishu.cn".into()), ..input() }, "`authorizeUrl`"),
            (ConfigInput { scope: vec!["a b".into()], ..input() }, "`scope`"),
            (ConfigInput { scope: vec!["a".into(), "a".into()], ..input() }, "`scope`"),
            (ConfigInput { scope: (0..51).map(|i| i.to_string()).collect(), ..input() }, "`scope`"),
            (
                with_backend(BackendInput {
                    url: Some("/x".into()),
                    timeout_ms: Some(number("0")),
                    ..Default::default()
                }),
                "`backend.timeoutMs`",
            ),
            (
                with_backend(BackendInput {
                    url: Some("/x".into()),
                    retries: Some(number("1.5")),
                    ..Default::default()
                }),
                "`backend.retries`",
            ),
            (
                with_backend(BackendInput {
                    url: Some("/x".into()),
                    credentials: Some("all".into()),
                    ..Default::default()
                }),
                "`backend.credentials`",
            ),
            (
                with_backend(BackendInput {
                    url: Some("/x".into()),
                    code_in: Some("header".into()),
                    ..Default::default()
                }),
                "`backend.codeIn`",
            ),
            (
                with_backend(BackendInput {
                    url: Some("/x".into()),
                    headers: vec![("X-A".into(), "1\r\nSet-Cookie: x".into())],
                    ..Default::default()
                }),
                "`backend.headers`",
            ),
        ];
        for (case, field) in cases {
            let message = config_error(case);
            assert!(message.contains(field), "{message} should name {field}");
        }
    }

    fn json(text: &str) -> Json {
        Json::parse(text).unwrap()
    }

    fn number(text: &str) -> Number {
        Number::parse(text).unwrap()
    }

    #[test]
    fn numbers_are_judged_as_the_f64_rules_judged_js_numbers() {
        // The rules as they were written on f64 (JS numbers), kept as the oracle.
        fn f64_ms(ms: f64) -> Option<u32> {
            (ms.is_finite() && ms >= 1.0 && ms <= i32::MAX as f64).then_some(ms as u32)
        }
        fn f64_retries(n: f64) -> Option<u32> {
            (n.is_finite() && n.fract() == 0.0 && (0.0..=10.0).contains(&n)).then_some(n as u32)
        }
        let mut values = vec![
            0.0,
            -0.0,
            0.5,
            0.999,
            1.0,
            1.5,
            2.0,
            9.99,
            10.0,
            10.5,
            11.0,
            -1.0,
            -0.5,
            1e3,
            1e21,
            5e-7,
            1e300,
            2147483646.5,
            2147483647.0,
            2147483647.5,
            2147483648.0,
            4294967296.0,
            -2147483648.0,
        ];
        let mut random = crate::testing::XorShift(23);
        for _ in 0..3_000 {
            let bits = random.next();
            values.push(f64::from_bits(bits));
            values.push((bits % 3_000_000_000) as f64 / [1.0, 2.0, 4.0, 1000.0][random.below(4)]);
            values.push(random.below(24) as f64 / 2.0 - 1.0);
        }
        // The browser adapter reads NaN and ±Infinity as 1e400 (beyond every limit).
        for text in ["1e400", "-1e400"] {
            let backend = BackendInput { url: Some("/x".into()), timeout_ms: Some(number(text)), ..Default::default() };
            assert!(config_error(with_backend(backend)).contains("`backend.timeoutMs`"));
            let backend = BackendInput { url: Some("/x".into()), retries: Some(number(text)), ..Default::default() };
            assert!(config_error(with_backend(backend)).contains("`backend.retries`"));
            assert!(config_error(ConfigInput { host_timeout_ms: Some(number(text)), ..input() })
                .contains("`hostTimeoutMs`"));
        }
        for value in values.into_iter().filter(|v| v.is_finite()) {
            // Both of Rust's spellings are shortest round-trip digits, as JavaScript's String(n) is.
            for text in [format!("{value}"), format!("{value:?}")] {
                let n = number(&text);
                let backend = |timeout_ms, retries| BackendInput {
                    url: Some("/x".into()),
                    timeout_ms,
                    retries,
                    ..Default::default()
                };
                let timeout =
                    with_backend(backend(Some(n.clone()), None)).validate(PAGE, &Whatwg).map(|c| c.backend.timeout_ms);
                assert_eq!(timeout.as_ref().ok().copied(), f64_ms(value), "timeoutMs {text}");
                let host = ConfigInput { host_timeout_ms: Some(n.clone()), ..input() }.validate(PAGE, &Whatwg);
                assert_eq!(host.map(|c| c.host_timeout_ms).ok(), f64_ms(value), "hostTimeoutMs {text}");
                let retries = with_backend(backend(None, Some(n))).validate(PAGE, &Whatwg).map(|c| c.backend.retries);
                assert_eq!(retries.as_ref().ok().copied(), f64_retries(value), "retries {text}");
                if let Err(err) = timeout {
                    assert!(err.message().contains("`backend.timeoutMs` must be a positive number of milliseconds"));
                }
                if let Err(err) = retries {
                    assert!(err.message().contains("`backend.retries` must be a whole number from 0 to 10"));
                }
            }
        }
    }

    #[test]
    fn from_json_reads_every_field() {
        let input = ConfigInput::from_json(&json(
            r#"{"appId":"cli_x","backend":{"url":"/l","headers":{"X-A":"1"},"credentials":"include","timeoutMs":5,"retries":1,"codeIn":"query"},
                "redirectUri":"https://a/cb","scope":["a","b"],"brand":"lark","authorizeUrl":"https://gw/authorize",
                "storage":{},"surface":"client","hostTimeoutMs":7,"refreshUrl":{"url":"/r","retries":0},
                "logoutUrl":"/o","renewBeforeMs":0,"passport":true,"docMiniApp":{}}"#,
        ))
        .unwrap();
        assert_eq!(input.refresh_url.as_ref().and_then(|r| r.url.as_deref()), Some("/r"));
        assert_eq!(input.logout_url.as_ref().and_then(|r| r.url.as_deref()), Some("/o"));
        assert_eq!((input.renew_before_ms.clone(), input.passport), (Some(number("0")), true));
        assert_eq!(input.app_id.as_deref(), Some("cli_x"));
        assert_eq!(input.backend.headers, vec![("X-A".to_owned(), "1".to_owned())]);
        assert_eq!((input.backend.timeout_ms, input.backend.retries), (Some(number("5")), Some(number("1"))));
        assert_eq!(input.backend.code_in.as_deref(), Some("query"));
        assert_eq!(input.scope, vec!["a", "b"]);
        assert_eq!(input.storage.as_deref(), Some("custom"));
        // The string "custom" is not an object: refused like any unknown storage name.
        let named = ConfigInput::from_json(&json(r#"{"appId":"cli_x","backend":"/l","storage":"custom"}"#)).unwrap();
        assert_ne!(named.storage.as_deref(), Some("custom"));
        assert_eq!(input.host_timeout_ms, Some(number("7")));
        let short = ConfigInput::from_json(&json(r#"{"appId":"cli_x","backend":"/l","storage":"session"}"#)).unwrap();
        assert_eq!(short.backend.url.as_deref(), Some("/l"));
        assert_eq!(short.storage.as_deref(), Some("session"));
    }

    /// The error of `from_json` for a config of `text` (JSON).
    fn read_error(text: &str) -> String {
        let err = ConfigInput::from_json(&json(text)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        err.message()
    }

    #[test]
    fn an_unknown_key_far_from_every_known_one_lists_the_known_keys() {
        for text in [
            r#"{"appId":"cli_x","backend":"/l","constructor":1}"#,
            r#"{"appId":"cli_x","backend":"/l","onRedirectCallback":{}}"#,
        ] {
            let message = read_error(text);
            assert!(!message.contains("did you mean"), "{message}");
            assert!(message.contains(": the keys it takes are `appId`, `backend`,"), "{message}");
        }
        let message = read_error(r#"{"appId":"cli_x","backend":{"url":"/l","onError":{}}}"#);
        assert!(
            message.starts_with("unknown key `onError` in the config's `backend`: the keys it takes are `url`,"),
            "{message}"
        );
    }

    #[test]
    fn an_unknown_key_is_named_with_the_closest_known_one() {
        for (text, message) in [
            (
                r#"{"appId":"cli_x","backend":"/l","redirectUrl":"https://app.example/cb"}"#,
                "unknown key `redirectUrl` in the config: did you mean `redirectUri`?",
            ),
            (r#"{"appid":"cli_x","backend":"/l"}"#, "unknown key `appid` in the config: did you mean `appId`?"),
            (r#"{"appId":"cli_x","backend":"/l","storag":"memory"}"#, "did you mean `storage`?"),
            (r#"{"appId":"cli_x","backend":"/l","renewBefore":0}"#, "did you mean `renewBeforeMs`?"),
            (r#"{"appId":"cli_x","backend":"/l","logoutURL":"/o"}"#, "did you mean `logoutUrl`?"),
            (
                r#"{"appId":"cli_x","backend":{"url":"/l","timeout":5}}"#,
                "unknown key `timeout` in the config's `backend`: did you mean `timeoutMs`?",
            ),
            (
                r#"{"appId":"cli_x","backend":"/l","refreshUrl":{"url":"/r","header":{}}}"#,
                "the config's `refreshUrl`: did you mean `headers`?",
            ),
            (
                r#"{"appId":"cli_x","backend":"/l","logoutUrl":{"URL":"/o"}}"#,
                "the config's `logoutUrl`: did you mean `url`?",
            ),
        ] {
            let error = read_error(text);
            assert!(error.contains(message), "{text}: {error}");
        }
        // Keys the driver adds or keeps (storage and docMiniApp objects) are known; header names
        // are the app's.
        let known =
            r#"{"appId":"cli_x","backend":{"url":"/l","headers":{"X-Anything":"1"}},"storage":{},"docMiniApp":null}"#;
        assert!(ConfigInput::from_json(&json(known)).is_ok());
        // A long key is cut in the message.
        let long = String::from(r#"{"appId":"cli_x","backend":"/l",""#) + &"k".repeat(500) + r#"":1}"#;
        let error = read_error(&long);
        assert!(error.contains("kkkk") && !error.contains(&"k".repeat(101)), "{error}");
    }

    #[test]
    fn edit_distance_counts_edits_ignoring_ascii_case() {
        for (a, b, n) in [
            ("redirectUrl", "redirectUri", 1),
            ("APPID", "appId", 0),
            ("", "url", 3),
            ("timeout", "timeoutMs", 2),
            ("kitten", "sitting", 3),
        ] {
            assert_eq!(edit_distance(a, b), n, "{a} {b}");
        }
        let options = json(r#"{"force":true,"retrunTo":"/"}"#);
        let fields = [("scope", Shape::Texts), ("force", Shape::Boolean), ("returnTo", Shape::Text)];
        let error = check_options(&options, "login", &fields).unwrap_err();
        assert_eq!(error.message(), "unknown key `retrunTo` in the options of login(): did you mean `returnTo`?");
        assert!(check_options(&options, "login", &[("force", Shape::Boolean), ("retrunTo", Shape::Any)]).is_ok());
        let error = check_options(&json(r#"{"force":1}"#), "login", &fields).unwrap_err();
        assert_eq!(error.message(), "invalid config: `options.force` must be a boolean");
    }

    #[test]
    fn from_json_names_the_field_of_the_wrong_type() {
        for (text, field) in [
            ("[]", "`config`"),
            ("\"cli_x\"", "`config`"),
            (r#"{"appId":5}"#, "`appId`"),
            (r#"{"backend":5}"#, "`backend`"),
            (r#"{"backend":{"url":5}}"#, "`backend.url`"),
            (r#"{"backend":{"headers":{"X":1}}}"#, "`backend.headers`"),
            (r#"{"backend":{"timeoutMs":"10"}}"#, "`backend.timeoutMs`"),
            (r#"{"scope":"a b"}"#, "`scope`"),
            (r#"{"scope":["a",5]}"#, "`scope`"),
            (r#"{"hostTimeoutMs":true}"#, "`hostTimeoutMs`"),
        ] {
            let err = ConfigInput::from_json(&json(text)).unwrap_err();
            assert!(err.message().contains(field), "{text}: {}", err.message());
        }
        for storage in ["5", "true", "[]"] {
            let text = String::from(r#"{"appId":"cli_x","backend":"/x","storage":"#) + storage + "}";
            let err = ConfigInput::from_json(&json(&text)).unwrap_err();
            assert!(err.message().contains("`storage`"), "{text}: {}", err.message());
        }
    }

    #[test]
    fn accepts_absolute_and_relative_backends() {
        for url in ["https://api.example/login", "http://127.0.0.1:8080/api", "/api/login", "./login", "login"] {
            let backend = BackendInput { url: Some(url.into()), ..Default::default() };
            assert!(ConfigInput { backend, ..input() }.validate(PAGE, &Whatwg).is_ok(), "{url}");
        }
    }

    #[test]
    fn non_http_page_has_no_default_redirect() {
        let config = input().validate("file:///home/me/index.html", &Whatwg).unwrap();
        assert_eq!(config.redirect_uri, None);
        assert_eq!(config.page_origin, None);
    }

    // Issue #9 item 9: a hand-written splitter accepted these; Chromium reads the first as host
    // evil.example with credentials, and drops the tab and newline of the others.
    #[test]
    fn urls_browsers_read_differently_are_refused() {
        for (uri, problem) in [
            ("https://\\/user:pw@evil.example/cb", "credentials"),
            ("https://app.exa\tmple/cb", "tabs"),
            ("https://evil.example\n@app.example/cb", "tabs"),
            (" https://app.example/cb", "tabs"),
        ] {
            let err = ConfigInput { redirect_uri: Some(uri.into()), ..input() }.validate(PAGE, &Whatwg);
            let message = match err {
                Err(e) => e.message().to_owned(),
                Ok(c) => panic!("{uri:?} was accepted as {:?}", c.redirect_uri),
            };
            assert!(message.contains("`redirectUri`"), "{uri:?}: {message}");
            if problem == "tabs" {
                assert!(message.contains("tabs"), "{uri:?}: {message}");
            }
        }
        for uri in ["https://u:p@evil.example/api", "https://evil.example\t/api"] {
            let backend = BackendInput { url: Some(uri.into()), ..Default::default() };
            assert!(ConfigInput { backend, ..input() }.validate(PAGE, &Whatwg).is_err(), "{uri:?}");
        }
    }

    #[test]
    fn return_to_must_stay_on_origin() {
        let config = input().validate(PAGE, &Whatwg).unwrap();
        assert_eq!(config.resolve_return_to("/after?x=1#y", &Whatwg).unwrap(), "https://app.example/after?x=1#y");
        assert_eq!(config.resolve_return_to("https://APP.example:443/x", &Whatwg).unwrap(), "https://app.example/x");
        for evil in [
            "https://evil.example/",
            "//evil.example/x",
            "/\\evil.example",
            "javascript:alert(1)",
            "http://app.example/x",
            "https://u@app.example/",
            // Issue #9 item 9: what browsers drop or normalize must not smuggle another host in.
            "/\t/evil.example",
            "/\n/evil.example",
            " //evil.example",
            "/a/..//evil.example",
            "/./\\evil.example",
            "after",
        ] {
            let err = config.resolve_return_to(evil, &Whatwg).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Config, "{evil}");
            assert!(err.message().contains("`returnTo`"));
        }
    }
}
