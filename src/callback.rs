//! Reading and validating the redirect callback (`redirect_uri?code=…&state=…` or
//! `?error=access_denied&state=…`), per [RFC 6749 §4.1.2](https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2)
//! and the state rules of [RFC 9700 §4.7](https://www.rfc-editor.org/rfc/rfc9700#section-4.7).
//!
//! Feishu puts the parameters in the query even for hash-routed apps: when the `redirect_uri`
//! has a `#fragment`, Feishu re-appends it after `?code=…&state=…`. So only the query is read.

use crate::prelude::*;
use subtle::ConstantTimeEq;

use crate::authorize::PendingLogin;
use crate::error::{Error, ErrorKind};
use crate::pkce::CodeVerifier;
use crate::ports::UrlParser;
use crate::url::remove_query_params;

/// The parameters a callback adds to the URL, and the only ones removed from the address bar.
pub const CALLBACK_PARAMS: [&str; 4] = ["code", "state", "error", "error_description"];

/// The callback parameters found in a URL.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct CallbackParams {
    /// `code`
    pub code: Option<String>,
    /// `state`
    pub state: Option<String>,
    /// `error` (`access_denied` when the user refused)
    pub error: Option<String>,
}

impl core::fmt::Debug for CallbackParams {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CallbackParams").field("error", &self.error).finish_non_exhaustive()
    }
}

impl CallbackParams {
    /// Reads the callback parameters of `url`'s query.
    ///
    /// # Errors
    /// `callback` when a parameter occurs twice (parameter pollution: which one would Feishu
    /// have meant?).
    pub fn parse(url: &str, urls: &dyn UrlParser) -> Result<CallbackParams, Error> {
        let search = urls.parse_url(url, None).map(|u| u.search).unwrap_or_default();
        let query = search.strip_prefix('?').unwrap_or(&search);
        let mut params = CallbackParams::default();
        for (name, value) in crate::form::parse(query) {
            let slot = match name.as_str() {
                "code" => &mut params.code,
                "state" => &mut params.state,
                "error" => &mut params.error,
                _ => continue,
            };
            if slot.is_some() {
                return Err(Error::new(
                    ErrorKind::Callback,
                    String::from("the callback URL has more than one `") + &name + "` parameter: start the login again",
                ));
            }
            *slot = Some(value);
        }
        Ok(params)
    }

    /// Whether these make a callback: `code`+`state` or `error`+`state`.
    pub fn is_callback(&self) -> bool {
        self.state.is_some() && (self.code.is_some() || self.error.is_some())
    }
}

/// Whether `url` is a redirect callback (`code`+`state` or `error`+`state` in its query).
pub fn is_callback(url: &str, urls: &dyn UrlParser) -> bool {
    CallbackParams::parse(url, urls).is_ok_and(|p| p.is_callback())
}

/// `url` (as the browser serializes it) without `code`, `state`, `error` and
/// `error_description`; every other query parameter and the fragment (even an empty one) stay as
/// they were.
pub fn strip_callback_params(url: &str, urls: &dyn UrlParser) -> String {
    let Some(parsed) = urls.parse_url(url, None) else { return url.to_owned() };
    // In a serialized URL the first '#' starts the fragment and the first '?' before it the
    // query: both are percent-encoded anywhere else. (`search`/`hash` cannot tell an empty
    // query or fragment from none.)
    let (before_hash, fragment) = match parsed.href.split_once('#') {
        Some((before, fragment)) => (before, Some(fragment)),
        None => (parsed.href.as_str(), None),
    };
    let (path, query) = before_hash.split_once('?').unwrap_or((before_hash, ""));
    let mut out = String::from(path);
    let kept = remove_query_params(query, &CALLBACK_PARAMS);
    if !kept.is_empty() {
        out.push('?');
        out += &kept;
    }
    if let Some(fragment) = fragment {
        out.push('#');
        out += fragment;
    }
    out
}

/// A callback whose state matched an unexpired pending login of this browser: the only thing
/// that can be exchanged for a session (its constructor is private to this module).
///
/// # Security
/// `Debug` redacts the code (and the verifier redacts itself).
pub struct ValidatedCallback {
    code: String,
    verifier: CodeVerifier,
    redirect_uri: String,
    return_to: Option<String>,
}

impl ValidatedCallback {
    /// The authorization code.
    pub fn code(&self) -> &str {
        &self.code
    }
    /// The PKCE verifier of the pending login.
    pub fn verifier(&self) -> &CodeVerifier {
        &self.verifier
    }
    /// The `redirect_uri` the authorize request used.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }
    /// Where the address bar goes after a successful login.
    pub fn return_to(&self) -> Option<&str> {
        self.return_to.as_deref()
    }
}

impl core::fmt::Debug for ValidatedCallback {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ValidatedCallback")
            .field("code", &"[redacted]")
            .field("redirect_uri", &self.redirect_uri)
            .field("return_to", &self.return_to)
            .finish_non_exhaustive()
    }
}

fn state_error(message: &'static str) -> Error {
    Error::new(ErrorKind::State, message)
}

/// Checks `params` against the pending login (already removed from storage by the caller, so
/// each pending login is checked once).
///
/// # Errors
/// - `state`: no pending login (already used, another tab, storage cleared), no `state`, an
///   expired pending login, or a mismatch;
/// - `denied`: `error=access_denied`; `callback`: another `error`, or no `code`.
///
/// # Security
/// The state is compared in constant time, and before the `error` is believed: an attacker
/// must not be able to fake a refusal or inject a code.
pub fn validate_callback(
    params: CallbackParams,
    pending: Option<PendingLogin>,
    now: i64,
) -> Result<ValidatedCallback, Error> {
    if params.code.is_none() && params.error.is_none() {
        return Err(Error::new(
            ErrorKind::Callback,
            "the URL carries no `code` or `error`: it is not a Feishu login callback",
        ));
    }
    let pending = pending.ok_or_else(|| {
        state_error("no login is pending in this tab: the callback was already used, or the login was started in another tab or more than 10 minutes ago; start the login again")
    })?;
    let state = params.state.ok_or_else(|| state_error("the callback has no `state`: start the login again"))?;
    if pending.is_expired(now) {
        return Err(state_error("the login took more than 10 minutes: start it again"));
    }
    if !bool::from(state.as_bytes().ct_eq(pending.state.as_bytes())) {
        return Err(state_error(
            "the callback's `state` does not match the login started in this tab (a forged or stale callback): start the login again",
        ));
    }
    match (params.error, params.code) {
        (Some(error), _) if error == "access_denied" => {
            Err(Error::new(ErrorKind::Denied, "the user declined the authorization on Feishu's page"))
        }
        (Some(error), _) => {
            let shown: String = error.chars().filter(|c| c.is_ascii_graphic()).take(64).collect();
            Err(Error::new(
                ErrorKind::Callback,
                String::from("Feishu returned the error `") + &shown + "`: start the login again",
            ))
        }
        (None, Some(code)) if !code.is_empty() => Ok(ValidatedCallback {
            code,
            verifier: pending.verifier,
            redirect_uri: pending.redirect_uri,
            return_to: pending.return_to,
        }),
        (None, _) => Err(Error::new(ErrorKind::Callback, "the callback's `code` is empty: start the login again")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authorize::PENDING_TTL_MS;
    use crate::testing::Whatwg;

    fn pending(state: &str) -> Option<PendingLogin> {
        Some(PendingLogin {
            state: state.into(),
            verifier: CodeVerifier::from_stored("v".repeat(43)),
            redirect_uri: "https://app.example/cb".into(),
            return_to: None,
            created_at: 1_000,
            epoch: 0,
        })
    }

    fn check(url: &str, pending: Option<PendingLogin>, now: i64) -> Result<ValidatedCallback, Error> {
        validate_callback(CallbackParams::parse(url, &Whatwg)?, pending, now)
    }

    #[test]
    fn valid_callback_yields_code_and_verifier() {
        let ok = check("https://app.example/cb?code=c%2B1&state=S", pending("S"), 2_000).unwrap();
        assert_eq!(ok.code(), "c+1");
        assert_eq!(ok.verifier().secret(), "v".repeat(43));
        assert_eq!(ok.redirect_uri(), "https://app.example/cb");
    }

    #[test]
    fn state_matrix() {
        let cases: [(&str, Option<PendingLogin>, i64, ErrorKind); 8] = [
            ("https://a/cb?code=c", pending("S"), 2_000, ErrorKind::State), // state missing
            ("https://a/cb?code=c&state=T", pending("S"), 2_000, ErrorKind::State), // mismatch
            ("https://a/cb?code=c&state=S", None, 2_000, ErrorKind::State), // nothing pending (replay)
            ("https://a/cb?code=c&state=S", pending("S"), 1_000 + PENDING_TTL_MS, ErrorKind::State), // expired
            ("https://a/cb?code=c&state=", pending("S"), 2_000, ErrorKind::State), // empty state
            ("https://a/cb?code=c&state=S2", pending("S"), 2_000, ErrorKind::State), // prefix of longer
            ("https://a/cb?error=access_denied&state=T", pending("S"), 2_000, ErrorKind::State), // forged refusal
            ("https://a/cb?code=c&state=s", pending("S"), 2_000, ErrorKind::State), // case differs
        ];
        for (url, pending, now, kind) in cases {
            assert_eq!(check(url, pending, now).unwrap_err().kind(), kind, "{url}");
        }
    }

    #[test]
    fn refusal_and_malformed_callbacks() {
        let denied = check("https://a/cb?error=access_denied&state=S", pending("S"), 2_000).unwrap_err();
        assert_eq!(denied.kind(), ErrorKind::Denied);
        let other = check("https://a/cb?error=server_error&state=S", pending("S"), 2_000).unwrap_err();
        assert_eq!(other.kind(), ErrorKind::Callback);
        assert!(other.message().contains("server_error"));
        let duplicated = check("https://a/cb?code=a&code=b&state=S", pending("S"), 2_000).unwrap_err();
        assert_eq!(duplicated.kind(), ErrorKind::Callback);
        let twice_state = check("https://a/cb?code=a&state=S&state=S", pending("S"), 2_000).unwrap_err();
        assert_eq!(twice_state.kind(), ErrorKind::Callback);
        let empty = check("https://a/cb?code=&state=S", pending("S"), 2_000).unwrap_err();
        assert_eq!(empty.kind(), ErrorKind::Callback);
        let none = check("https://a/cb?x=1", pending("S"), 2_000).unwrap_err();
        assert_eq!(none.kind(), ErrorKind::Callback);
    }

    #[test]
    fn error_messages_never_echo_the_code() {
        let err = check("https://a/cb?code=SECRETCODE&state=T", pending("S"), 2_000).unwrap_err();
        assert!(!err.message().contains("SECRETCODE"));
    }

    #[test]
    fn hash_routed_callbacks_are_read_from_the_query() {
        // Feishu re-appends the redirect URI's fragment after its own query.
        let url = "https://app.example/?code=c&state=S#/login?code=fake";
        let ok = check(url, pending("S"), 2_000).unwrap();
        assert_eq!(ok.code(), "c");
        assert!(is_callback(url, &Whatwg));
        assert!(!is_callback("https://app.example/#/cb?code=c&state=S", &Whatwg));
    }

    #[test]
    fn is_callback_needs_state() {
        assert!(is_callback("https://a/?code=c&state=s", &Whatwg));
        assert!(is_callback("https://a/?error=access_denied&state=s", &Whatwg));
        assert!(!is_callback("https://a/?code=c", &Whatwg));
        assert!(!is_callback("https://a/?state=s", &Whatwg));
        assert!(!is_callback("https://a/?code=a&code=b&state=s", &Whatwg));
        assert!(!is_callback("not a url", &Whatwg));
    }

    #[test]
    fn strip_removes_only_callback_params() {
        assert_eq!(
            strip_callback_params("https://a/p?tab=2&code=c&state=s&q=a%20b#/route?x=1", &Whatwg),
            "https://a/p?tab=2&q=a%20b#/route?x=1"
        );
        assert_eq!(strip_callback_params("https://a/p?code=c&state=s", &Whatwg), "https://a/p");
        assert_eq!(
            strip_callback_params("https://a/p?error=access_denied&error_description=no&state=s#f", &Whatwg),
            "https://a/p#f"
        );
    }

    #[test]
    fn debug_never_shows_the_code() {
        let url = "https://app.example/cb?code=CODE-SECRET&state=S";
        let validated = check(url, pending("S"), 1_000).unwrap();
        let shown = format!("{validated:?}");
        assert!(!shown.contains("CODE-SECRET") && shown.contains("redacted"), "{shown}");
    }

    // Found by the callback fuzz target: the browser's `hash` and `search` are "" for an empty
    // fragment or query, while `href` keeps the '#' or '?': the split by lengths went wrong.
    #[test]
    fn strip_keeps_empty_fragments_and_queries_apart() {
        assert_eq!(
            strip_callback_params("https://app.example/p?x=1&code=c&state=s#", &Whatwg),
            "https://app.example/p?x=1#"
        );
        assert_eq!(strip_callback_params("https://a/p?#f", &Whatwg), "https://a/p#f");
        assert_eq!(strip_callback_params("https://a/p?code=c&state=s#", &Whatwg), "https://a/p#");
        assert_eq!(strip_callback_params("https://a/p?#", &Whatwg), "https://a/p#");
    }
}
