//! The one error type every failure of the SDK becomes.
//!
//! In JavaScript it surfaces as `FeishuLoginError` (a real `Error` subclass, see `js/error.js`)
//! with the same [`ErrorKind`] string, Feishu `code`, HTTP `status` and `retryable` flag.

use crate::prelude::*;
use alloc::borrow::Cow;

/// What kind of failure an [`Error`] is. The strings from [`ErrorKind::as_str`] are stable API:
/// applications branch on them (`err.kind === "denied"`).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Invalid configuration or options.
    Config,
    /// The requested login surface is not available on this page.
    Unsupported,
    /// The user refused (`error=access_denied`, requestAccess 2700002, errno 107).
    Denied,
    /// A Feishu host API failed (tt errno/errCode, doc widget API error).
    Host,
    /// Callback `state` missing, mismatched, expired or already used.
    State,
    /// A malformed callback (no code, duplicated parameters).
    Callback,
    /// The backend could not be reached.
    Network,
    /// The backend or the host did not answer in time.
    Timeout,
    /// The backend answered non-2xx.
    Backend,
    /// The backend answered 2xx with an unusable body.
    Response,
    /// The session could not be stored or read.
    Storage,
    /// No secure random source.
    Crypto,
    /// The login was abandoned: the page did not navigate to Feishu, or the user came back
    /// without logging in (api.md v1).
    Cancelled,
}

impl ErrorKind {
    /// The stable kind string of the public API contract (`"config"`, `"denied"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Config => "config",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::Denied => "denied",
            ErrorKind::Host => "host",
            ErrorKind::State => "state",
            ErrorKind::Callback => "callback",
            ErrorKind::Network => "network",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Backend => "backend",
            ErrorKind::Response => "response",
            ErrorKind::Storage => "storage",
            ErrorKind::Crypto => "crypto",
            ErrorKind::Cancelled => "cancelled",
        }
    }
}

/// A failure of the SDK: a stable [`ErrorKind`], a message that says what went wrong and what to
/// do, and the Feishu/host `code` and HTTP `status` where there is one.
///
/// # Security
/// Messages never contain authorization codes, PKCE verifiers, states or tokens.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    kind: ErrorKind,
    message: Cow<'static, str>,
    code: Option<i64>,
    status: Option<u16>,
    retryable: bool,
}

impl Error {
    /// An error of `kind` with `message`; not retryable, no code, no status.
    // Errors are the cold path: one out-of-line copy keeps every call site small in the wasm.
    #[cold]
    #[inline(never)]
    pub fn new(kind: ErrorKind, message: impl Into<Cow<'static, str>>) -> Self {
        Error { kind, message: message.into(), code: None, status: None, retryable: false }
    }

    /// A [`ErrorKind::Config`] error: `field` names the config field or option at fault.
    #[cold]
    #[inline(never)]
    pub fn config(field: &str, problem: &str) -> Self {
        Error::new(ErrorKind::Config, String::from("invalid config: `") + field + "` " + problem)
    }

    /// Attaches a Feishu or host error code (kept even when this SDK does not know it).
    pub fn with_code(mut self, code: i64) -> Self {
        self.code = Some(code);
        self
    }

    /// Attaches the HTTP status of the backend's answer.
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// Marks whether trying the same thing again later may succeed.
    pub fn with_retryable(mut self, retryable: bool) -> Self {
        self.retryable = retryable;
        self
    }

    /// The stable kind.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// What went wrong and what to do.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The Feishu or host error code, if any.
    pub fn code(&self) -> Option<i64> {
        self.code
    }

    /// The HTTP status of the backend's answer, if any.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// Whether trying again later may succeed (network trouble, timeouts, Feishu 20050/20072, …).
    pub fn retryable(&self) -> bool {
        self.retryable
    }
}

/// What a Feishu error code means and what to do about it, for the codes the SDK's users meet.
///
/// Sources: [OAuth token v2 error codes](https://open.feishu.cn/document/authentication-management/access-token/get-user-access-token),
/// [tokenLoginValidate](https://open.feishu.cn/document/uYjL24iN/ukjM04SOyQjL5IDN), the `tt.*` errno
/// tables and the doc widget `APIInvokeError` codes (see `shared/design/feishu.md` §4).
/// Unknown codes return `None` and are still kept on the error.
pub fn feishu_code_hint(code: i64) -> Option<&'static str> {
    Some(match code {
        20001 => "a required parameter is missing from the token request: the backend must send grant_type, client_id, client_secret and code",
        20002 => "the app secret is wrong: check the backend's FEISHU_APP_SECRET",
        20003 => "the authorization code was not found: log in again",
        20004 => "the authorization code expired (it lives 5 minutes): log in again",
        20008 => "the user does not exist",
        20009 => "the app is not installed in the user's tenant",
        20010 => "the user may not use this app: grant access in the Feishu admin console",
        20024 => "the code was issued to another app: check that appId and the backend use the same App ID",
        20029 => "redirect_uri is not valid: add it to the app's redirect URL list in the developer console",
        20036 => "grant_type must be authorization_code",
        20046 => "a Feishu app must use the feishu domains and a Lark app the larksuite ones: check `brand`",
        20048 => "the app does not exist: check appId",
        20049 => "PKCE verification failed: the backend must send codeVerifier unchanged as code_verifier",
        20050 => "Feishu had a server error: try again",
        20063 => "the token request is malformed",
        20065 => "the authorization code was already used: log in again",
        20066 => "the user's status is invalid",
        20067 => "the scope list has duplicates",
        20068 => "a requested scope was not granted to the app: enable it in the developer console",
        20069 => "the app is disabled",
        20070 => "the token request used two client authentication methods",
        20071 => "redirect_uri differs from the one used to authorize: the backend must send redirectUri unchanged",
        20072 => "Feishu is temporarily unavailable: try again",
        10202 => "the app_access_token is invalid: the backend must fetch a fresh one",
        10213 => "the code belongs to another app or was already used: log in again",
        10226 => "the code is invalid: log in again",
        10228 => "the user cannot see this app: make it available to them in the admin console",
        10200 => "the App ID is invalid: check appId",
        10210 => "the Feishu session is invalid: log in to Feishu again",
        10232 => "Feishu asks to try again",
        10235 => "the app has no redirect URL configured: add this page's URL in the developer console",
        10236 => "add this page's URL (without query and fragment) to the app's redirect URLs in the developer console",
        103 => "this Feishu client does not support the API",
        104 => "an invalid parameter was passed to the Feishu API",
        107 => "the user refused permission",
        111 => "too many calls: wait a moment and try again",
        301..=307 => "the Feishu client has network trouble: try again",
        2700002 => "the user refused the authorization",
        10110002 => "the doc widget login timed out: try again",
        10110006 => "the doc widget may not log in: check the widget's permissions",
        10110007 => "too many doc widget login requests: wait a moment and try again",
        10110008 => "the doc widget login request was rejected as malformed",
        _ => return None,
    })
}

/// Whether a Feishu code says that trying again later may succeed.
pub fn feishu_code_is_transient(code: i64) -> bool {
    matches!(code, 20050 | 20072 | 10232 | 111 | 301..=307 | 10110002 | 10110007)
}

/// Joins `base` with the hint for `code` (if any) into one message.
pub(crate) fn message_with_hint(base: String, code: Option<i64>) -> String {
    match code.and_then(feishu_code_hint) {
        Some(hint) => base + ": " + hint,
        None => base,
    }
}

/// A decimal rendering of an integer without `core::fmt` (it stays out of the shipped wasm).
pub(crate) fn decimal(value: i64) -> String {
    let mut digits = Vec::with_capacity(20);
    let mut rest = value.unsigned_abs();
    loop {
        digits.push(b'0' + (rest % 10) as u8);
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    if value < 0 {
        digits.push(b'-');
    }
    digits.reverse();
    // Only ASCII digits and '-' were pushed.
    String::from_utf8(digits).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_strings_are_the_contract() {
        let all = [
            (ErrorKind::Config, "config"),
            (ErrorKind::Unsupported, "unsupported"),
            (ErrorKind::Denied, "denied"),
            (ErrorKind::Host, "host"),
            (ErrorKind::State, "state"),
            (ErrorKind::Callback, "callback"),
            (ErrorKind::Network, "network"),
            (ErrorKind::Timeout, "timeout"),
            (ErrorKind::Backend, "backend"),
            (ErrorKind::Response, "response"),
            (ErrorKind::Storage, "storage"),
            (ErrorKind::Crypto, "crypto"),
        ];
        for (kind, text) in all {
            assert_eq!(kind.as_str(), text);
        }
    }

    #[test]
    fn config_error_names_the_field() {
        let err = Error::config("appId", "must not be empty");
        assert_eq!(err.kind(), ErrorKind::Config);
        assert_eq!(err.to_string(), "invalid config: `appId` must not be empty");
        assert!(!err.retryable());
    }

    #[test]
    fn unknown_codes_are_kept_without_hint() {
        assert_eq!(feishu_code_hint(99_999), None);
        let err = Error::new(ErrorKind::Host, "x").with_code(99_999);
        assert_eq!(err.code(), Some(99_999));
        assert_eq!(message_with_hint("x".into(), Some(99_999)), "x");
        assert!(message_with_hint("x".into(), Some(10236)).contains("redirect URLs"));
    }

    #[test]
    fn decimal_matches_std() {
        for v in [0, 7, 10, 20049, -5, i64::MAX, i64::MIN] {
            assert_eq!(decimal(v), v.to_string());
        }
    }
}
