//! The user's configuration, validated once in the constructor.
//!
//! The browser adapter reads the JS object field by field into a [`ConfigInput`] (reporting wrong
//! JS types itself); [`ConfigInput::validate`] checks the values and resolves defaults into a
//! [`Config`] that the rest of the SDK can trust.

use crate::error::Error;
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
}

impl ConfigInput {
    /// Checks every field and fills in defaults. `page_url` is the current `location.href`;
    /// every URL is read by `urls`, the browser's WHATWG parser, so that the SDK and the browser
    /// agree on where a URL points.
    ///
    /// # Errors
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) naming the first field at fault.
    pub fn validate(self, page_url: &str, urls: &dyn UrlParser) -> Result<Config, Error> {
        let app_id = self.app_id.map(|s| s.trim().to_owned()).unwrap_or_default();
        if app_id.is_empty() {
            return Err(Error::config(
                "appId",
                "is required: pass the App ID (cli_…) from the Feishu developer console",
            ));
        }
        let page = urls.parse_url(page_url, None).filter(Url::is_http);
        let page_origin = page.as_ref().map(|p| p.origin.clone());

        let backend = validate_backend(self.backend, page.as_ref(), urls)?;

        let redirect_uri = match self.redirect_uri {
            Some(uri) => Some(validate_absolute_http("redirectUri", &uri, urls)?),
            None => page.as_ref().map(Url::without_query_and_fragment),
        };

        let scope = validate_scope("scope", self.scope)?;

        let brand = match self.brand.as_deref() {
            None | Some("feishu") => Brand::Feishu,
            Some("lark") => Brand::Lark,
            Some(_) => return Err(Error::config("brand", "must be \"feishu\" or \"lark\"")),
        };
        let authorize_url = match self.authorize_url {
            Some(url) => validate_absolute_http("authorizeUrl", &url, urls)?,
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
            Some(_) => return Err(Error::config("storage", STORAGE_PROBLEM)),
        };
        let surface = match self.surface.as_deref() {
            None | Some("auto") => None,
            Some(name) => Some(Surface::from_name(name).ok_or_else(|| {
                Error::config("surface", "must be \"auto\", \"docWidget\", \"client\", \"miniProgram\" or \"browser\"")
            })?),
        };
        let host_timeout_ms = match self.host_timeout_ms {
            None => DEFAULT_HOST_TIMEOUT_MS,
            Some(ms) => positive_ms("hostTimeoutMs", &ms)?,
        };
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
        })
    }
}

pub(crate) fn string_field(object: &Json, key: &str, field: &str) -> Result<Option<String>, Error> {
    match object.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(Error::config(field, "must be a string")),
    }
}

fn number_field(object: &Json, key: &str, field: &str) -> Result<Option<Number>, Error> {
    match object.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::Number(n)) => Ok(Some(n.clone())),
        Some(_) => Err(Error::config(field, "must be a number")),
    }
}

pub(crate) fn string_list(object: &Json, key: &str, field: &str) -> Result<Option<Vec<String>>, Error> {
    let problem = || Error::config(field, "must be an array of strings");
    match object.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::Array(items)) => {
            items.iter().map(|i| i.as_str().map(str::to_owned).ok_or_else(problem)).collect::<Result<_, _>>().map(Some)
        }
        Some(_) => Err(problem()),
    }
}

/// What `storage` may be (one message for a wrong name and a wrong type).
const STORAGE_PROBLEM: &str =
    "must be \"local\", \"session\", \"memory\" or an object with getItem, setItem and removeItem";

impl ConfigInput {
    /// Reads the JS config object (as JSON; the browser adapter walks it) field by field, so
    /// that a value of the wrong type is reported with its field's name. A `storage` object
    /// reads as `"custom"` (the adapter checks its methods).
    ///
    /// # Errors
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) naming the field.
    pub fn from_json(config: &Json) -> Result<ConfigInput, Error> {
        if !matches!(config, Json::Object(_)) {
            return Err(Error::config(
                "config",
                "must be an object such as { appId: \"cli_…\", backend: \"/api/feishu/login\" }",
            ));
        }
        let backend = match config.get("backend") {
            None | Some(Json::Null) => BackendInput::default(),
            Some(value) => read_endpoint(value, "backend")?,
        };
        let storage = match config.get("storage") {
            None | Some(Json::Null) => None,
            Some(Json::String(name)) => Some(name.clone()),
            Some(Json::Object(_)) => Some("custom".to_owned()),
            Some(_) => return Err(Error::config("storage", STORAGE_PROBLEM)),
        };
        Ok(ConfigInput {
            app_id: string_field(config, "appId", "appId")?,
            backend,
            redirect_uri: string_field(config, "redirectUri", "redirectUri")?,
            scope: string_list(config, "scope", "scope")?.unwrap_or_default(),
            brand: string_field(config, "brand", "brand")?,
            authorize_url: string_field(config, "authorizeUrl", "authorizeUrl")?,
            storage,
            surface: string_field(config, "surface", "surface")?,
            host_timeout_ms: number_field(config, "hostTimeoutMs", "hostTimeoutMs")?,
        })
    }
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
        const PROBLEM: &str = "must be a path (\"/after-login\") or a URL on this page's origin";
        let origin =
            self.page_origin.as_deref().ok_or_else(|| Error::config("returnTo", "needs a page served over http(s)"))?;
        let absolute = urls.parse_url(return_to, None).is_some();
        // A path must start with one '/': "after" would resolve against the page's directory.
        if !absolute && !return_to.starts_with('/') || hides_characters(return_to) {
            return Err(Error::config("returnTo", PROBLEM));
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
            _ => Err(Error::config("returnTo", PROBLEM)),
        }
    }
}

/// Whether `url` holds what the URL parser silently drops: ASCII tab or newline anywhere, or C0
/// controls and spaces around it. Browsers remove them, so such a URL points elsewhere than it
/// reads (`https://app.example\t@evil.example`).
fn hides_characters(url: &str) -> bool {
    url.contains(['\t', '\n', '\r']) || url.trim_matches(|c: char| c <= ' ') != url
}

fn validate_backend(input: BackendInput, page: Option<&Url>, urls: &dyn UrlParser) -> Result<BackendConfig, Error> {
    validate_endpoint("backend", input, page, urls)
}

/// Checks an endpoint of the app's server (`backend`, `refreshUrl`, `logoutUrl`): `field` names
/// it in errors.
fn validate_endpoint(
    field: &str,
    input: BackendInput,
    page: Option<&Url>,
    urls: &dyn UrlParser,
) -> Result<BackendConfig, Error> {
    let sub = |name: &str| String::from(field) + "." + name;
    let url = input.url.map(|u| u.trim().to_owned()).unwrap_or_default();
    if url.is_empty() {
        return Err(Error::config(
            field,
            "is required: the URL (absolute or relative) of this endpoint of your server",
        ));
    }
    if hides_characters(&url) {
        return Err(Error::config(field, "must not contain tabs or newlines"));
    }
    // Absolute, or relative to the page as fetch() will resolve it.
    let parsed = urls.parse_url(&url, None).or_else(|| urls.parse_url(&url, page.map(|p| p.href.as_str())));
    match parsed {
        Some(parsed) if !parsed.is_http() => {
            return Err(Error::config(field, "must be an http(s) URL or a relative path"));
        }
        Some(parsed) if parsed.has_credentials() => {
            return Err(Error::config(field, "must not contain credentials (user:password@)"));
        }
        Some(_) => {}
        // No page to resolve against (a worker, a test): a relative path is fine, a scheme is not.
        None if url.contains(':') && !url.starts_with('/') && !url.starts_with('.') => {
            return Err(Error::config(field, "must be an http(s) URL or a relative path"));
        }
        None => {}
    }
    for (name, value) in &input.headers {
        let valid_name =
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
        // fetch() throws on a value outside visible ASCII; refuse it here, with the field named.
        let valid_value = value.chars().all(|c| c == '\t' || (' '..='~').contains(&c));
        if !valid_name || !valid_value {
            return Err(Error::config(&sub("headers"), "must map header names to single-line ASCII string values"));
        }
    }
    let credentials = match input.credentials.as_deref() {
        None | Some("same-origin") => Credentials::SameOrigin,
        Some("omit") => Credentials::Omit,
        Some("include") => Credentials::Include,
        Some(_) => return Err(Error::config(&sub("credentials"), "must be \"omit\", \"same-origin\" or \"include\"")),
    };
    let timeout_ms = match input.timeout_ms {
        None => DEFAULT_TIMEOUT_MS,
        Some(ms) => positive_ms(&sub("timeoutMs"), &ms)?,
    };
    let retries = match input.retries.map(|n| n.truncated(0)) {
        None => DEFAULT_RETRIES,
        // `2.0` and `-0` are whole numbers too, as they are in JavaScript.
        Some(Some((n @ 0..=10, true))) => n as u32,
        Some(_) => return Err(Error::config(&sub("retries"), "must be a whole number from 0 to 10")),
    };
    let code_in = match input.code_in.as_deref() {
        None | Some("body") => CodeIn::Body,
        Some("query") => CodeIn::Query,
        Some(_) => return Err(Error::config(&sub("codeIn"), "must be \"body\" or \"query\"")),
    };
    Ok(BackendConfig { url, headers: input.headers, credentials, timeout_ms, retries, code_in })
}

/// A number of milliseconds from 1 to 2^31-1 (setTimeout's limit), fractions cut off.
fn positive_ms(field: &str, ms: &Number) -> Result<u32, Error> {
    const MAX: i64 = i32::MAX as i64;
    match ms.truncated(0) {
        // 2147483647.5 is above the limit although its whole part is not.
        Some((whole @ 1..MAX, _)) | Some((whole @ MAX, true)) => Ok(whole as u32),
        _ => Err(Error::config(field, "must be a positive number of milliseconds")),
    }
}

fn validate_absolute_http(field: &str, url: &str, urls: &dyn UrlParser) -> Result<String, Error> {
    if hides_characters(url) {
        return Err(Error::config(field, "must not contain tabs, newlines or surrounding spaces"));
    }
    match urls.parse_url(url, None).filter(Url::is_http) {
        None => Err(Error::config(field, "must be an absolute http(s) URL")),
        Some(parsed) if parsed.has_credentials() => {
            Err(Error::config(field, "must not contain credentials (user:password@)"))
        }
        // The browser's serialization: what Feishu compares with the app's redirect URL list.
        Some(parsed) => Ok(parsed.href),
    }
}

/// Checks a scope list: non-empty entries without spaces, no duplicates (Feishu 20067), at most
/// [`MAX_SCOPES`].
pub(crate) fn validate_scope(field: &str, scope: Vec<String>) -> Result<Vec<String>, Error> {
    if scope.len() > MAX_SCOPES {
        return Err(Error::config(field, "has more than 50 entries, Feishu's limit"));
    }
    for (i, entry) in scope.iter().enumerate() {
        if entry.is_empty() || entry.contains(char::is_whitespace) {
            return Err(Error::config(field, "entries must be non-empty scope names without spaces"));
        }
        if scope[..i].contains(entry) {
            return Err(Error::config(field, "has a duplicate entry (Feishu rejects it with 20067)"));
        }
    }
    Ok(scope)
}

/// Reads an endpoint of the app's server as the config gives it: a URL string, or the
/// `backend` object shape `{ url, headers?, credentials?, timeoutMs?, retries?, codeIn? }`;
/// `field` (`backend`, `refreshUrl`, `logoutUrl`) names it in errors.
fn read_endpoint(value: &Json, field: &str) -> Result<BackendInput, Error> {
    let sub = |name: &str| String::from(field) + "." + name;
    match value {
        Json::String(url) => Ok(BackendInput { url: Some(url.clone()), ..Default::default() }),
        Json::Object(_) => {
            let headers_problem = || Error::config(&sub("headers"), "must map header names to string values");
            let headers = match value.get("headers") {
                None | Some(Json::Null) => Vec::new(),
                Some(Json::Object(members)) => members
                    .iter()
                    .map(|(name, value)| match value {
                        Json::String(v) => Ok((name.clone(), v.clone())),
                        _ => Err(headers_problem()),
                    })
                    .collect::<Result<_, _>>()?,
                Some(_) => return Err(headers_problem()),
            };
            Ok(BackendInput {
                url: string_field(value, "url", &sub("url"))?,
                headers,
                credentials: string_field(value, "credentials", &sub("credentials"))?,
                timeout_ms: number_field(value, "timeoutMs", &sub("timeoutMs"))?,
                retries: number_field(value, "retries", &sub("retries"))?,
                code_in: string_field(value, "codeIn", &sub("codeIn"))?,
            })
        }
        _ => Err(Error::config(
            field,
            "must be a URL string or an object { url, headers?, credentials?, timeoutMs?, retries?, codeIn? }",
        )),
    }
}

/// How long before its expiry a session is renewed automatically when `renewBeforeMs` is not
/// configured.
pub const DEFAULT_RENEW_BEFORE_MS: u32 = 60_000;

/// The session lifecycle settings: where a session is renewed and where it is ended
/// server-side, and when automatic renewal runs.
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

impl Lifecycle {
    /// Reads and checks `refreshUrl`, `logoutUrl` and `renewBeforeMs` of the app's config, with
    /// the same rules as `backend` (`page_url`: the current `location.href`).
    ///
    /// # Errors
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) naming the field at fault.
    pub fn from_json(config: &Json, page_url: &str, urls: &dyn UrlParser) -> Result<Lifecycle, Error> {
        let page = urls.parse_url(page_url, None).filter(Url::is_http);
        let endpoint = |field: &str| match config.get(field) {
            None | Some(Json::Null) => Ok(None),
            Some(value) => validate_endpoint(field, read_endpoint(value, field)?, page.as_ref(), urls).map(Some),
        };
        let renew_before_ms = match number_field(config, "renewBeforeMs", "renewBeforeMs")? {
            None => DEFAULT_RENEW_BEFORE_MS,
            Some(ms) if ms.truncated(0) == Some((0, true)) => 0,
            Some(ms) => positive_ms("renewBeforeMs", &ms).map_err(|_| {
                Error::config("renewBeforeMs", "must be 0 (no automatic renewal) or a positive number of milliseconds")
            })?,
        };
        Ok(Lifecycle { renewal: endpoint("refreshUrl")?, logout: endpoint("logoutUrl")?, renew_before_ms })
    }
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
                "storage":{},"surface":"client","hostTimeoutMs":7,"unknownKey":1}"#,
        ))
        .unwrap();
        assert_eq!(input.app_id.as_deref(), Some("cli_x"));
        assert_eq!(input.backend.headers, vec![("X-A".to_owned(), "1".to_owned())]);
        assert_eq!((input.backend.timeout_ms, input.backend.retries), (Some(number("5")), Some(number("1"))));
        assert_eq!(input.backend.code_in.as_deref(), Some("query"));
        assert_eq!(input.scope, vec!["a", "b"]);
        assert_eq!(input.storage.as_deref(), Some("custom"));
        assert_eq!(input.host_timeout_ms, Some(number("7")));
        let short = ConfigInput::from_json(&json(r#"{"appId":"cli_x","backend":"/l","storage":"session"}"#)).unwrap();
        assert_eq!(short.backend.url.as_deref(), Some("/l"));
        assert_eq!(short.storage.as_deref(), Some("session"));
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
