//! The authorize URL of the browser redirect flow and the pending login it creates.
//!
//! Implements the authorization request of [RFC 6749 §4.1.1](https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1)
//! with PKCE ([RFC 7636 §4.3](https://www.rfc-editor.org/rfc/rfc7636#section-4.3)) against
//! [Feishu's authorize page](https://open.feishu.cn/document/common-capabilities/sso/api/obtain-oauth-code).

use crate::config::{string_field, string_list, validate_scope, Config};
use crate::error::Error;
use crate::json::Json;
use crate::pkce::{random_token, CodeVerifier, RandomSource};
use crate::ports::UrlParser;
use crate::prelude::*;
use crate::url::append_query;

/// How long a pending login stays valid: Feishu's code lives 5 minutes, the user may take a
/// while on the consent page, and a longer window only helps an attacker.
pub const PENDING_TTL_MS: i64 = 10 * 60 * 1000;

/// The browser-side half of a redirect login, kept in sessionStorage for the round trip.
///
/// # Security
/// Holds the state and the PKCE verifier; `Debug` is redacted through [`CodeVerifier`] and the
/// state is not printed either.
pub struct PendingLogin {
    /// The `state` sent to the authorize page.
    pub state: String,
    /// The PKCE verifier whose challenge was sent.
    pub verifier: CodeVerifier,
    /// The `redirect_uri` sent (the backend must send the same one to Feishu).
    pub redirect_uri: String,
    /// Where to put the address bar after the callback.
    pub return_to: Option<String>,
    /// When the login started, ms since the epoch.
    pub created_at: i64,
    /// The logout epoch the login started in: its callback after a later logout (in any tab)
    /// signs nobody in.
    pub epoch: i64,
}

impl core::fmt::Debug for PendingLogin {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PendingLogin").field("created_at", &self.created_at).finish_non_exhaustive()
    }
}

impl PendingLogin {
    /// Whether the pending login is too old to accept at `now`.
    pub fn is_expired(&self, now: i64) -> bool {
        !(self.created_at <= now && now.saturating_sub(self.created_at) < PENDING_TTL_MS)
    }

    /// The record as JSON: `{v, state, verifier, redirectUri, returnTo, createdAt}`.
    pub fn to_json(&self) -> Json {
        Json::object([
            ("v", Json::integer(1)),
            ("state", Json::string(&self.state)),
            ("verifier", Json::string(self.verifier.secret())),
            ("redirectUri", Json::string(&self.redirect_uri)),
            ("returnTo", Json::optional_string(self.return_to.as_deref())),
            ("createdAt", Json::integer(self.created_at)),
            ("epoch", Json::integer(self.epoch)),
        ])
    }

    /// Reads a record from its JSON; `None` when it is not a well-formed record of this version.
    pub fn from_json(record: &Json) -> Option<PendingLogin> {
        if record.get("v")?.as_i64()? != 1 {
            return None;
        }
        let text_of = |key: &str| record.get(key).and_then(Json::as_str).filter(|s| !s.is_empty()).map(str::to_owned);
        Some(PendingLogin {
            state: text_of("state")?,
            verifier: CodeVerifier::from_stored(text_of("verifier")?),
            redirect_uri: text_of("redirectUri")?,
            return_to: text_of("returnTo"),
            created_at: record.get("createdAt")?.as_i64()?,
            // Records of 0.1 have none: the epoch before any logout.
            epoch: record.get("epoch").and_then(Json::as_i64).unwrap_or(0),
        })
    }
}

/// An authorize URL together with the pending login it must be checked against, so that one
/// cannot be made without the other.
#[derive(Debug)]
pub struct AuthorizeRequest {
    /// The URL to send the browser to.
    pub url: String,
    /// What to store until the callback.
    pub pending: PendingLogin,
}

/// Options of one login attempt.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LoginOptions {
    /// Scopes for this attempt instead of the configured ones.
    pub scope: Option<Vec<String>>,
    /// Ignore a valid stored session.
    pub force: bool,
    /// Where the address bar goes after the callback (same origin only).
    pub return_to: Option<String>,
}

impl LoginOptions {
    /// Reads the `options` of `login`, `authorizeUrl` and `loginWithRedirect`; `null` means none.
    ///
    /// # Errors
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) naming the option.
    pub fn from_json(options: &Json) -> Result<LoginOptions, Error> {
        match options {
            Json::Null => return Ok(LoginOptions::default()),
            Json::Object(_) => {}
            _ => return Err(Error::config("options", "must be an object { scope?, force?, returnTo? }")),
        }
        let force = match options.get("force") {
            None | Some(Json::Null) => false,
            Some(Json::Bool(b)) => *b,
            Some(_) => return Err(Error::config("options.force", "must be a boolean")),
        };
        Ok(LoginOptions {
            scope: string_list(options, "scope", "options.scope")?,
            force,
            return_to: string_field(options, "returnTo", "options.returnTo")?,
        })
    }
}

/// Builds the authorize URL: `client_id`, `response_type=code`, `redirect_uri`, `scope`
/// (space-joined, omitted when empty), `state`, `code_challenge`, `code_challenge_method=S256`.
///
/// # Errors
/// `config` for a bad `scope`/`returnTo` or no usable redirect URI; `crypto` without a secure
/// random source.
pub fn build_authorize_request(
    config: &Config,
    options: &LoginOptions,
    random: &dyn RandomSource,
    urls: &dyn UrlParser,
    now: i64,
) -> Result<AuthorizeRequest, Error> {
    build_request_at(config, &config.authorize_url, true, options, random, urls, now)
}

/// [`build_authorize_request`] at `endpoint`; without `oauth` (the passport endpoint)
/// neither `scope` nor the PKCE challenge is sent.
pub(crate) fn build_request_at(
    config: &Config,
    endpoint: &str,
    oauth: bool,
    options: &LoginOptions,
    random: &dyn RandomSource,
    urls: &dyn UrlParser,
    now: i64,
) -> Result<AuthorizeRequest, Error> {
    let redirect_uri = config
        .redirect_uri
        .clone()
        .ok_or_else(|| Error::config("redirectUri", "is required when the page is not served over http(s)"))?;
    let scope = match &options.scope {
        Some(scope) => validate_scope("options.scope", scope.clone())?,
        None => config.scope.clone(),
    };
    let return_to = options.return_to.as_deref().map(|r| config.resolve_return_to(r, urls)).transpose()?;
    let verifier = CodeVerifier::generate(random)?;
    let state = random_token(random)?;
    let challenge = verifier.challenge_s256();
    let scope = scope.join(" ");
    let mut params: Vec<(&str, &str)> =
        vec![("client_id", &config.app_id), ("response_type", "code"), ("redirect_uri", &redirect_uri)];
    if oauth && !scope.is_empty() {
        params.push(("scope", &scope));
    }
    params.push(("state", &state));
    if oauth {
        params.extend([("code_challenge", challenge.as_str()), ("code_challenge_method", "S256")]);
    }
    let url = append_query(endpoint, &params);
    let pending = PendingLogin { state, verifier, redirect_uri, return_to, created_at: now, epoch: 0 };
    Ok(AuthorizeRequest { url, pending })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{BackendInput, ConfigInput};
    use crate::pkce::tests::CountingRandom;
    use crate::testing::Whatwg;
    use crate::url::query_values;
    use crate::ErrorKind;
    use core::cell::Cell;

    fn config(redirect: Option<&str>, scope: &[&str]) -> Config {
        ConfigInput {
            app_id: Some("cli_a5ca35a685b0x26e".into()),
            backend: BackendInput { url: Some("/api/login".into()), ..Default::default() },
            redirect_uri: redirect.map(str::to_owned),
            scope: scope.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
        .validate("https://app.example/page", &Whatwg)
        .unwrap()
    }

    fn param(url: &str, name: &str) -> Vec<String> {
        query_values(url::Url::parse(url).unwrap().query().unwrap(), name)
    }

    #[test]
    fn url_has_every_parameter_once_and_matches_pending() {
        let config = config(
            Some("https://app.example/cb#/after%20login?x=%C3%A9"),
            &["contact:user.base:readonly", "offline_access"],
        );
        let request =
            build_authorize_request(&config, &LoginOptions::default(), &CountingRandom(Cell::new(0)), &Whatwg, 5)
                .unwrap();
        let url = &request.url;
        assert!(url.starts_with("https://accounts.feishu.cn/open-apis/authen/v1/authorize?client_id=cli_a5ca35a685b0x26e&response_type=code&redirect_uri="), "{url}");
        // The redirect URI as the browser serializes it (its fragment's ' ' and 'é' percent-encoded),
        // then encoded as a query value, so the URL has no fragment of its own.
        assert!(
            url.contains("redirect_uri=https%3A%2F%2Fapp.example%2Fcb%23%2Fafter%2520login%3Fx%3D%25C3%25A9&"),
            "{url}"
        );
        assert!(!url.contains('#') && !url.contains(' ') && !url.contains('+'));
        assert!(url.contains("&scope=contact%3Auser.base%3Areadonly%20offline_access&"));
        for name in
            ["client_id", "response_type", "redirect_uri", "scope", "state", "code_challenge", "code_challenge_method"]
        {
            assert_eq!(param(url, name).len(), 1, "{name} once");
        }
        assert_eq!(param(url, "redirect_uri")[0], "https://app.example/cb#/after%20login?x=%C3%A9");
        assert_eq!(param(url, "code_challenge_method")[0], "S256");
        assert_eq!(param(url, "state")[0], request.pending.state);
        assert_eq!(param(url, "code_challenge")[0], request.pending.verifier.challenge_s256());
        assert!(!url.contains(request.pending.verifier.secret()), "the verifier never leaves the browser in the URL");
        assert_eq!(request.pending.redirect_uri, "https://app.example/cb#/after%20login?x=%C3%A9");
        assert_eq!(request.pending.created_at, 5);
    }

    #[test]
    fn state_has_at_least_128_bits_and_differs_from_verifier() {
        let request = build_authorize_request(
            &config(None, &[]),
            &LoginOptions::default(),
            &CountingRandom(Cell::new(7)),
            &Whatwg,
            0,
        )
        .unwrap();
        assert!(request.pending.state.len() >= 22, "≥ 128 bits of base64url");
        assert_ne!(request.pending.state, request.pending.verifier.secret());
    }

    #[test]
    fn empty_scope_is_omitted_and_options_override_scope() {
        let config = config(None, &[]);
        let random = CountingRandom(Cell::new(0));
        let plain = build_authorize_request(&config, &LoginOptions::default(), &random, &Whatwg, 0).unwrap();
        assert!(!plain.url.contains("scope="));
        assert_eq!(param(&plain.url, "redirect_uri")[0], "https://app.example/page");
        let options = LoginOptions { scope: Some(vec!["a".into(), "b".into()]), ..Default::default() };
        let scoped = build_authorize_request(&config, &options, &random, &Whatwg, 0).unwrap();
        assert_eq!(param(&scoped.url, "scope")[0], "a b");
        let bad = LoginOptions { scope: Some(vec!["a".into(), "a".into()]), ..Default::default() };
        let err = build_authorize_request(&config, &bad, &random, &Whatwg, 0).unwrap_err();
        assert!(err.message().contains("`options.scope`"));
    }

    #[test]
    fn override_endpoint_with_query_keeps_it() {
        let mut config = config(None, &[]);
        config.authorize_url = "http://127.0.0.1:8080/open-apis/authen/v1/authorize?tenant=t1".into();
        let request =
            build_authorize_request(&config, &LoginOptions::default(), &CountingRandom(Cell::new(0)), &Whatwg, 0)
                .unwrap();
        assert!(request.url.starts_with("http://127.0.0.1:8080/open-apis/authen/v1/authorize?tenant=t1&client_id="));
    }

    #[test]
    fn cross_origin_return_to_is_refused() {
        let options = LoginOptions { return_to: Some("https://evil.example/".into()), ..Default::default() };
        let err = build_authorize_request(&config(None, &[]), &options, &CountingRandom(Cell::new(0)), &Whatwg, 0)
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
    }

    #[test]
    fn no_redirect_uri_is_a_config_error() {
        let mut config = config(None, &[]);
        config.redirect_uri = None;
        let err = build_authorize_request(&config, &LoginOptions::default(), &CountingRandom(Cell::new(0)), &Whatwg, 0)
            .unwrap_err();
        assert!(err.message().contains("`redirectUri`"));
    }

    #[test]
    fn pending_record_round_trips_and_expires() {
        let options = LoginOptions { return_to: Some("/home".into()), ..Default::default() };
        let request =
            build_authorize_request(&config(None, &[]), &options, &CountingRandom(Cell::new(0)), &Whatwg, 1_000)
                .unwrap();
        let text = request.pending.to_json().to_text();
        let back = PendingLogin::from_json(&Json::parse(&text).unwrap()).unwrap();
        assert_eq!(back.state, request.pending.state);
        assert_eq!(back.verifier, request.pending.verifier);
        assert_eq!(back.return_to.as_deref(), Some("https://app.example/home"));
        assert!(!back.is_expired(1_000 + PENDING_TTL_MS - 1));
        assert!(back.is_expired(1_000 + PENDING_TTL_MS));
        assert!(back.is_expired(999), "a record from the future is not trusted");
        assert!(PendingLogin::from_json(&Json::parse("{\"v\":1}").unwrap()).is_none());
        assert!(!format!("{back:?}").contains(&back.state));
    }

    #[test]
    fn options_from_json() {
        let options =
            LoginOptions::from_json(&Json::parse(r#"{"scope":["a"],"force":true,"returnTo":"/x"}"#).unwrap()).unwrap();
        assert_eq!(options, LoginOptions { scope: Some(vec!["a".into()]), force: true, return_to: Some("/x".into()) });
        assert_eq!(LoginOptions::from_json(&Json::Null).unwrap(), LoginOptions::default());
        for (text, field) in
            [("5", "`options`"), (r#"{"force":"yes"}"#, "`options.force`"), (r#"{"returnTo":1}"#, "`options.returnTo`")]
        {
            assert!(LoginOptions::from_json(&Json::parse(text).unwrap()).unwrap_err().message().contains(field));
        }
    }
}
