//! The one error type every failure of the SDK becomes.
//!
//! In JavaScript it surfaces as `FeishuLoginError` (a real `Error` subclass, see `js/error.js`)
//! with the same [`ErrorKind`] string, Feishu `code`, HTTP `status` and `retryable` flag.

use crate::messages::{Message, Msg};
use crate::prelude::*;

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
    /// without logging in, or a logout superseded the login.
    Cancelled,
    /// The login popup could not be opened (blocked by the browser), or lost its link to the
    /// page and never handed the login back.
    Popup,
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
            ErrorKind::Popup => "popup",
        }
    }
}

/// A failure of the SDK: a stable [`ErrorKind`], a [`Message`] that says what went wrong and what
/// to do (its text is [`Error::message`] with the `messages` feature; the shipped wasm carries only
/// its id and parameters, see [`crate::messages`]), and the Feishu/host `code` and HTTP `status`
/// where there is one.
///
/// # Security
/// Messages never contain authorization codes, PKCE verifiers, states or tokens.
#[derive(Clone, Debug, PartialEq)]
pub struct Error {
    kind: ErrorKind,
    message: Message,
    code: Option<i64>,
    status: Option<u16>,
    retryable: bool,
}

impl Error {
    /// An error of `kind` with `message`; not retryable, no code, no status.
    // Errors are the cold path: one out-of-line copy keeps every call site small in the wasm.
    #[cold]
    #[inline(never)]
    pub fn new(kind: ErrorKind, message: impl Into<Message>) -> Self {
        Error { kind, message: message.into(), code: None, status: None, retryable: false }
    }

    /// A [`ErrorKind::Config`] error: `field` (its text's first parameter) names the config field
    /// or option at fault.
    #[cold]
    #[inline(never)]
    pub fn config(field: &str, problem: Msg) -> Self {
        Error::new(ErrorKind::Config, Message::new(problem).arg(field))
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

    /// What went wrong and what to do, as data: the text's id and parameters.
    pub fn content(&self) -> &Message {
        &self.message
    }

    /// What went wrong and what to do.
    #[cfg(feature = "messages")]
    pub fn message(&self) -> String {
        self.message.text()
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

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        #[cfg(feature = "messages")]
        return f.write_str(&self.message());
        #[cfg(not(feature = "messages"))]
        return write!(f, "feishu-login {} error (message {:?})", self.kind.as_str(), self.message.id());
    }
}

impl core::error::Error for Error {}

/// Which Feishu API a code came from. Each API numbers its failures on its own (the `tt` errno
/// 107 is a refusal, the same number from the backend is not), so a code is only read in the
/// table of the API that produced it (`shared/design/feishu.md` §4).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeSource {
    /// The OAuth token endpoint v2, `POST /open-apis/authen/v2/oauth/token` (codes 20001–20072),
    /// which redeems the codes of the browser and client surfaces; relayed by the backend.
    /// [Get user_access_token](https://open.feishu.cn/document/authentication-management/access-token/get-user-access-token).
    OAuthToken,
    /// `POST /open-apis/mina/v2/tokenLoginValidate` (codes 102xx), which redeems the codes of the
    /// doc widget and mini program surfaces; relayed by the backend.
    /// [code2session](https://open.feishu.cn/document/uYjL24iN/ukjM04SOyQjL5IDN).
    TokenLoginValidate,
    /// The `errno` of a `tt.*` API's `fail` callback (`tt.requestAccess`, `tt.login`, and
    /// `h5sdk.ready`'s container), including requestAccess's refusal 2700002.
    /// [tt.requestAccess](https://open.feishu.cn/document/uYjL24iN/uUzMuUzMuUzM/requestaccess).
    TtErrno,
    /// The `errCode` of `tt.requestAuthCode`'s `fail` callback (codes 102xx). A failure does not
    /// say whether its code was read from `errno` or `errCode` (`src/web/host.rs` takes the first
    /// present), so codes this table does not know are read in the [`CodeSource::TtErrno`] table:
    /// the two tables share no number.
    RequestAuthCode,
    /// The `code` of the doc widget's `APIInvokeError`, rejected by
    /// `DocMiniApp.Service.User.login()` (codes 10110xxx).
    /// [Service.User.login](https://open.feishu.cn/document/client-docs/docs-add-on/05-api-doc/service/User/Service.User.login).
    DocWidget,
}

/// What a known code says about the failure.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Meaning {
    /// Fix something, then log in again.
    Failed,
    /// Trying the same again later may succeed.
    Transient,
    /// The host gave up waiting; trying again may succeed.
    TimedOut,
    /// The user refused.
    Refused,
}

use Meaning::{Failed, Refused, TimedOut, Transient};

type Entry = (Meaning, Msg);

/// [OAuth token v2 error codes](https://open.feishu.cn/document/authentication-management/access-token/get-user-access-token).
fn oauth_token(code: i64) -> Option<Entry> {
    Some(match code {
        20001 => (Failed, Msg::OAuth20001),
        20002 => (Failed, Msg::OAuth20002),
        20003 => (Failed, Msg::OAuth20003),
        20004 => (Failed, Msg::OAuth20004),
        20008 => (Failed, Msg::OAuth20008),
        20009 => (Failed, Msg::OAuth20009),
        20010 => (Failed, Msg::OAuth20010),
        20024 => (Failed, Msg::OAuth20024),
        20029 => (Failed, Msg::OAuth20029),
        20036 => (Failed, Msg::OAuth20036),
        20046 => (Failed, Msg::OAuth20046),
        20048 => (Failed, Msg::OAuth20048),
        20049 => (Failed, Msg::OAuth20049),
        20050 => (Transient, Msg::OAuth20050),
        20063 => (Failed, Msg::OAuth20063),
        20065 => (Failed, Msg::OAuth20065),
        20066 => (Failed, Msg::OAuth20066),
        20067 => (Failed, Msg::OAuth20067),
        20068 => (Failed, Msg::OAuth20068),
        20069 => (Failed, Msg::OAuth20069),
        20070 => (Failed, Msg::OAuth20070),
        20071 => (Failed, Msg::OAuth20071),
        20072 => (Transient, Msg::OAuth20072),
        _ => return None,
    })
}

/// [tokenLoginValidate](https://open.feishu.cn/document/uYjL24iN/ukjM04SOyQjL5IDN) error codes.
fn token_login_validate(code: i64) -> Option<Entry> {
    Some(match code {
        10202 => (Failed, Msg::Validate10202),
        10213 => (Failed, Msg::Validate10213),
        10226 => (Failed, Msg::Validate10226),
        10228 => (Failed, Msg::NotVisible10228),
        _ => return None,
    })
}

/// The `tt.*` errno table, with requestAccess's refusal.
fn tt_errno(code: i64) -> Option<Entry> {
    Some(match code {
        103 => (Failed, Msg::Errno103),
        104 => (Failed, Msg::Errno104),
        107 => (Refused, Msg::Errno107),
        111 => (Transient, Msg::Errno111),
        301..=307 => (Transient, Msg::Errno301),
        2700002 => (Refused, Msg::Access2700002),
        _ => return None,
    })
}

/// `tt.requestAuthCode`'s errCode table.
fn request_auth_code(code: i64) -> Option<Entry> {
    Some(match code {
        10200 => (Failed, Msg::AuthCode10200),
        10210 => (Failed, Msg::AuthCode10210),
        10228 => (Failed, Msg::NotVisible10228),
        10232 => (Transient, Msg::AuthCode10232),
        10235 => (Failed, Msg::AuthCode10235),
        10236 => (Failed, Msg::AuthCode10236),
        _ => return None,
    })
}

/// The doc widget's `APIInvokeError` codes.
fn doc_widget(code: i64) -> Option<Entry> {
    Some(match code {
        10110002 => (TimedOut, Msg::Widget10110002),
        10110006 => (Failed, Msg::Widget10110006),
        10110007 => (Transient, Msg::Widget10110007),
        10110008 => (Failed, Msg::Widget10110008),
        _ => return None,
    })
}

impl CodeSource {
    fn entry(self, code: i64) -> Option<Entry> {
        match self {
            CodeSource::OAuthToken => oauth_token(code),
            // The other APIs are the Feishu hosts' (their codes reach only entries that have them).
            // The flag is engine::entry::HOSTS, read here so that error imports no engine module.
            _ if !cfg!(feature = "hosts") => None,
            CodeSource::TokenLoginValidate => token_login_validate(code),
            CodeSource::TtErrno => tt_errno(code),
            CodeSource::RequestAuthCode => request_auth_code(code).or_else(|| tt_errno(code)),
            CodeSource::DocWidget => doc_widget(code),
        }
    }

    /// What `code` from this API means and what to do about it. Unknown codes return `None` and
    /// are still kept on the error.
    pub fn hint(self, code: i64) -> Option<Msg> {
        self.entry(code).map(|(_, hint)| hint)
    }

    /// Whether `code` from this API says that trying again later may succeed (OAuth 20050/20072,
    /// `tt` errno 111 and 301–307, requestAuthCode 10232, doc widget 10110002/10110007).
    pub fn is_transient(self, code: i64) -> bool {
        matches!(self.entry(code), Some((Transient | TimedOut, _)))
    }

    /// Whether `code` from this API says the user refused (`tt` errno 107, requestAccess 2700002).
    pub fn is_refusal(self, code: i64) -> bool {
        matches!(self.entry(code), Some((Refused, _)))
    }

    /// Whether `code` from this API says the host gave up waiting (doc widget 10110002).
    pub fn is_timeout(self, code: i64) -> bool {
        matches!(self.entry(code), Some((TimedOut, _)))
    }
}

/// `base` followed by the hint for `code` from `source`, if any.
pub(crate) fn message_with_hint(base: Message, source: CodeSource, code: Option<i64>) -> Message {
    match code.and_then(|code| source.hint(code)) {
        Some(hint) => base.then(hint.into()),
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
        let err = Error::config("appId", Msg::MustBeString);
        assert_eq!(err.kind(), ErrorKind::Config);
        assert_eq!(err.to_string(), "invalid config: `appId` must be a string");
        assert!(!err.retryable());
    }

    #[test]
    fn unknown_codes_are_kept_without_hint() {
        for source in SOURCES {
            assert_eq!(source.hint(99_999), None);
        }
        let err = Error::new(ErrorKind::Host, Message::new(Msg::HostFailed).arg("x")).with_code(99_999);
        assert_eq!(err.code(), Some(99_999));
        let x = || Message::new(Msg::HostFailed).arg("x");
        assert_eq!(message_with_hint(x(), CodeSource::RequestAuthCode, Some(99_999)).text(), "x failed");
        assert!(message_with_hint(x(), CodeSource::RequestAuthCode, Some(10236)).text().contains("redirect URLs"));
    }

    const SOURCES: [CodeSource; 5] = [
        CodeSource::OAuthToken,
        CodeSource::TokenLoginValidate,
        CodeSource::TtErrno,
        CodeSource::RequestAuthCode,
        CodeSource::DocWidget,
    ];

    /// Every table entry: its source, its code and a piece of its hint. `tt` errno entries are
    /// listed for requestAuthCode too, whose table falls back to them.
    fn entries() -> Vec<(CodeSource, i64, &'static str)> {
        use CodeSource::*;
        let mut all = vec![
            (OAuthToken, 20001, "grant_type, client_id, client_secret and code"),
            (OAuthToken, 20002, "FEISHU_APP_SECRET"),
            (OAuthToken, 20003, "was not found"),
            (OAuthToken, 20004, "it lives 5 minutes"),
            (OAuthToken, 20008, "the user does not exist"),
            (OAuthToken, 20009, "not installed in the user's tenant"),
            (OAuthToken, 20010, "grant access in the Feishu admin console"),
            (OAuthToken, 20024, "issued to another app"),
            (OAuthToken, 20029, "redirect_uri is not valid"),
            (OAuthToken, 20036, "grant_type must be authorization_code"),
            (OAuthToken, 20046, "check `brand`"),
            (OAuthToken, 20048, "the app does not exist"),
            (OAuthToken, 20049, "PKCE verification failed"),
            (OAuthToken, 20050, "Feishu had a server error"),
            (OAuthToken, 20063, "the token request is malformed"),
            (OAuthToken, 20065, "already used"),
            (OAuthToken, 20066, "the user's status is invalid"),
            (OAuthToken, 20067, "duplicates"),
            (OAuthToken, 20068, "was not granted to the app"),
            (OAuthToken, 20069, "the app is disabled"),
            (OAuthToken, 20070, "two client authentication methods"),
            (OAuthToken, 20071, "redirect_uri differs"),
            (OAuthToken, 20072, "temporarily unavailable"),
            (TokenLoginValidate, 10202, "app_access_token is invalid"),
            (TokenLoginValidate, 10213, "belongs to another app or was already used"),
            (TokenLoginValidate, 10226, "the code is invalid"),
            (TokenLoginValidate, 10228, "the user cannot see this app"),
            (RequestAuthCode, 10200, "the App ID is invalid"),
            (RequestAuthCode, 10210, "the Feishu session is invalid"),
            (RequestAuthCode, 10228, "the user cannot see this app"),
            (RequestAuthCode, 10232, "Feishu asks to try again"),
            (RequestAuthCode, 10235, "no redirect URL configured"),
            (RequestAuthCode, 10236, "redirect URLs"),
            (DocWidget, 10110002, "timed out"),
            (DocWidget, 10110006, "widget's permissions"),
            (DocWidget, 10110007, "too many doc widget login requests"),
            (DocWidget, 10110008, "rejected as malformed"),
        ];
        let mut errno = vec![
            (103, "does not support the API"),
            (104, "an invalid parameter"),
            (107, "the user refused permission"),
            (111, "too many calls"),
            (2700002, "the user refused the authorization"),
        ];
        errno.extend((301..=307).map(|code| (code, "network trouble")));
        for (code, hint) in errno {
            all.push((TtErrno, code, hint));
            all.push((RequestAuthCode, code, hint));
        }
        all
    }

    // One table per API, each hint only for its own source.
    #[test]
    fn every_hint_appears_for_its_source_only() {
        let entries = entries();
        for &(_, code, _) in &entries {
            for source in SOURCES {
                let expected = entries.iter().find(|(s, c, _)| (*s, *c) == (source, code)).map(|(_, _, hint)| *hint);
                match (source.hint(code).map(Msg::template), expected) {
                    (Some(hint), Some(piece)) => assert!(hint.contains(piece), "{source:?} {code}: {hint}"),
                    (None, None) => {}
                    (hint, _) => panic!("{source:?} {code}: {hint:?}, expected a hint containing {expected:?}"),
                }
            }
        }
        // The tables that requestAuthCode reads share no number.
        for code in entries.iter().filter(|(s, _, _)| *s == CodeSource::TtErrno).map(|(_, c, _)| *c) {
            assert!(request_auth_code(code).is_none(), "{code}");
        }
    }

    #[test]
    fn transient_refusal_and_timeout_codes_per_source() {
        use CodeSource::*;
        let transient: [(CodeSource, &[i64]); 5] = [
            (OAuthToken, &[20050, 20072]),
            (TokenLoginValidate, &[]),
            (TtErrno, &[111, 301, 302, 303, 304, 305, 306, 307]),
            (RequestAuthCode, &[10232, 111, 301, 302, 303, 304, 305, 306, 307]),
            (DocWidget, &[10110002, 10110007]),
        ];
        let refusal: [(CodeSource, &[i64]); 5] = [
            (OAuthToken, &[]),
            (TokenLoginValidate, &[]),
            (TtErrno, &[107, 2700002]),
            (RequestAuthCode, &[107, 2700002]),
            (DocWidget, &[]),
        ];
        for &(_, code, _) in &entries() {
            for ((source, transient), (_, refusal)) in transient.iter().zip(&refusal) {
                assert_eq!(source.is_transient(code), transient.contains(&code), "{source:?} {code}");
                assert_eq!(source.is_refusal(code), refusal.contains(&code), "{source:?} {code}");
                assert_eq!(source.is_timeout(code), (*source, code) == (DocWidget, 10110002), "{source:?} {code}");
            }
        }
    }

    #[test]
    fn decimal_matches_std() {
        for v in [0, 7, 10, 20049, -5, i64::MAX, i64::MIN] {
            assert_eq!(decimal(v), v.to_string());
        }
    }
}
