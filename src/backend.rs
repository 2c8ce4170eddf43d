//! The exchange of a login code at the app's own backend (the README's backend contract), over an
//! injected HTTP transport so that the whole policy (request shape, error mapping, retries) is
//! tested natively.

use crate::config::{BackendConfig, CodeIn, Credentials};
use crate::error::{decimal, message_with_hint, CodeSource, Error, ErrorKind};
use crate::host::Surface;
use crate::json::Json;
use crate::pkce::CodeVerifier;
use crate::prelude::*;
use crate::url::append_query;

/// One HTTP request to the backend.
#[derive(Clone, PartialEq)]
pub struct HttpRequest {
    /// The method: `POST` (every request of the SDK sends a JSON body).
    pub method: &'static str,
    /// The URL (with `?code=` when `codeIn: "query"`).
    pub url: String,
    /// Request headers, `Content-Type` first.
    pub headers: Vec<(String, String)>,
    /// The JSON body.
    pub body: String,
    /// The credentials mode.
    pub credentials: Credentials,
    /// Abort after this many milliseconds.
    pub timeout_ms: u32,
}

impl core::fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // The URL and body carry the code and verifier.
        f.debug_struct("HttpRequest").field("timeout_ms", &self.timeout_ms).finish_non_exhaustive()
    }
}

/// The backend's answer.
#[derive(Clone, Debug, PartialEq)]
pub struct HttpResponse {
    /// The HTTP status.
    pub status: u16,
    /// The body as text.
    pub body: String,
}

/// Why no answer came.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransportError {
    /// The connection failed (offline, DNS, refused, CORS).
    Unreachable,
    /// No answer within the timeout; the request was aborted.
    TimedOut,
}

/// What is posted to the backend.
#[derive(Debug)]
pub struct ExchangeRequest<'a> {
    /// The one-time code from Feishu or the host.
    pub code: &'a str,
    /// The surface the code came from (the backend redeems each differently).
    pub surface: Surface,
    /// The app's App ID.
    pub app_id: &'a str,
    /// For the browser flow: the PKCE verifier and the `redirect_uri` used.
    pub pkce: Option<(&'a CodeVerifier, &'a str)>,
    /// A code of the passport endpoint (`passport: true`): the backend redeems it at the
    /// passport token endpoint, and is told so with `"passport": true`.
    pub passport: bool,
}

/// A usable 2xx answer: `{token, expiresIn?, user?}`.
#[derive(Clone, Debug, PartialEq)]
pub struct BackendReply {
    /// The app's session token.
    pub token: String,
    /// How long the session lasts, in ms: the backend's `expiresIn` seconds, read exactly
    /// ([`Number::millis_from_seconds`](crate::Number::millis_from_seconds)).
    pub expires_in_ms: Option<i64>,
    /// The user object.
    pub user: Option<Json>,
}

/// The base delay between retries; doubled for each further retry.
pub const RETRY_BASE_DELAY_MS: u32 = 300;

/// Builds the backend request for `exchange`.
pub fn build_request(backend: &BackendConfig, exchange: &ExchangeRequest) -> HttpRequest {
    let mut body = vec![
        ("code".to_owned(), Json::string(exchange.code)),
        ("surface".to_owned(), Json::string(exchange.surface.as_str())),
        ("appId".to_owned(), Json::string(exchange.app_id)),
    ];
    if let Some((verifier, redirect_uri)) = exchange.pkce {
        body.push(("codeVerifier".to_owned(), Json::string(verifier.secret())));
        body.push(("redirectUri".to_owned(), Json::string(redirect_uri)));
    }
    if exchange.passport {
        body.push(("passport".to_owned(), Json::Bool(true)));
    }
    let url = match backend.code_in {
        CodeIn::Body => backend.url.clone(),
        CodeIn::Query => append_query(&backend.url, &[("code", exchange.code)]),
    };
    post(backend, url, Json::Object(body).to_text(), None)
}

/// A JSON `POST` to `endpoint`: `Content-Type` and `Accept` first, then the configured headers,
/// then `extra`.
fn post(endpoint: &BackendConfig, url: String, body: String, extra: Option<(String, String)>) -> HttpRequest {
    let mut headers = vec![
        ("Content-Type".to_owned(), "application/json".to_owned()),
        ("Accept".to_owned(), "application/json".to_owned()),
    ];
    headers.extend(endpoint.headers.iter().cloned());
    headers.extend(extra);
    HttpRequest {
        method: "POST",
        url,
        headers,
        body,
        credentials: endpoint.credentials,
        timeout_ms: endpoint.timeout_ms,
    }
}

/// Maps the backend's answer to a reply or a typed error. A relayed Feishu `code` is read in the
/// table of `source`, the API that redeemed the login code (see [`CodeSource::redeeming`]).
///
/// # Errors
/// `backend` for non-2xx (with `status` and the relayed Feishu `code`), `response` for a 2xx
/// body that is not `{token: non-empty string, expiresIn?: number ≥ 0, user?: object}`
/// (`expiresIn` without an exponent, and below 2^63 ms).
pub fn read_response(backend_url: &str, response: &HttpResponse, source: CodeSource) -> Result<BackendReply, Error> {
    let body = Json::parse(&response.body);
    if !(200..300).contains(&response.status) {
        return Err(backend_error(backend_url, response.status, body.as_ref(), source));
    }
    let unusable = |what: Msg| {
        Error::new(ErrorKind::Response, Message::new(what).arg(backend_url).arg(&decimal(response.status.into())))
    };
    let body = body.ok_or_else(|| unusable(Msg::ResponseNotJson))?;
    let token = body.get("token").and_then(Json::as_str).filter(|t| !t.is_empty());
    let token = token.ok_or_else(|| unusable(Msg::ResponseToken))?.to_owned();
    let expires_in_ms = match body.get("expiresIn") {
        None | Some(Json::Null) => None,
        Some(value) => Some(
            value.as_number().and_then(|n| n.millis_from_seconds()).ok_or_else(|| unusable(Msg::ResponseExpiresIn))?,
        ),
    };
    let user = match body.get("user") {
        None | Some(Json::Null) => None,
        Some(user @ Json::Object(_)) => Some(user.clone()),
        Some(_) => return Err(unusable(Msg::ResponseUser)),
    };
    Ok(BackendReply { token, expires_in_ms, user })
}

fn backend_error(backend_url: &str, status: u16, body: Option<&Json>, source: CodeSource) -> Error {
    let code = body.and_then(|b| b.get("code")).and_then(Json::as_i64).filter(|c| *c != 0);
    let relayed = body
        .and_then(|b| ["message", "msg", "error_description"].iter().find_map(|k| b.get(k).and_then(Json::as_str)))
        .map(|m| m.chars().take(200).collect::<String>());
    let relayed = relayed.filter(|m| !m.is_empty());
    let message = match (code, &relayed) {
        (None, None) => Message::new(Msg::BackendStatus),
        (None, Some(_)) => Message::new(Msg::BackendStatusText),
        (Some(_), None) => Message::new(Msg::BackendCode),
        (Some(_), Some(_)) => Message::new(Msg::BackendCodeText),
    };
    let mut message = message.arg(backend_url).arg(&decimal(status.into()));
    if let Some(code) = code {
        message = message.arg(&decimal(code));
    }
    if let Some(relayed) = &relayed {
        message = message.arg(relayed);
    }
    if code.is_none() {
        match status {
            401 | 403 => message = message.then(Msg::BackendRefused.into()),
            404 | 405 => message = message.then(Msg::BackendNotFound.into()),
            502 | 504 if relayed.is_none() => message = message.then(Msg::BackendGateway.into()),
            _ => {}
        }
    }
    let retryable = status >= 500 || code.is_some_and(|code| source.is_transient(code));
    let mut error = Error::new(ErrorKind::Backend, message_with_hint(message, source, code))
        .with_status(status)
        .with_retryable(retryable);
    if let Some(code) = code {
        error = error.with_code(code);
    }
    error
}

/// The [`Error`] for a request that got no answer: `network` (retryable: the code cannot have
/// been used) or `timeout`.
pub fn transport_error(backend: &BackendConfig, error: TransportError) -> Error {
    match error {
        TransportError::Unreachable => Error::new(ErrorKind::Network, Message::new(Msg::Unreachable).arg(&backend.url)),
        TransportError::TimedOut => Error::new(
            ErrorKind::Timeout,
            Message::new(Msg::BackendTimeout).arg(&backend.url).arg(&decimal(backend.timeout_ms.into())),
        ),
    }
    .with_retryable(true)
}

/// Whether a failed attempt may be repeated: only where the code cannot have been used up —
/// connection failures, 502/503/504 from a proxy, and the "try again" codes of `source`, the API
/// that redeemed the code (OAuth token v2's 20050/20072), relayed with a 5xx. Never a 4xx, never
/// a timeout (the backend may have redeemed the one-time code already).
pub fn is_safe_to_retry(error: &Error, source: CodeSource) -> bool {
    match error.kind() {
        ErrorKind::Network => true,
        ErrorKind::Backend => match error.status() {
            Some(502..=504) => true,
            Some(500..=599) => error.code().is_some_and(|code| source.is_transient(code)),
            _ => false,
        },
        _ => false,
    }
}

/// The pause before repeating a failed attempt after `retried` retries, or `None` when it must
/// not be repeated: only what [`is_safe_to_retry`], at most `backend.retries` times, with
/// exponential backoff from [`RETRY_BASE_DELAY_MS`].
pub fn retry_delay(error: &Error, retried: u32, backend: &BackendConfig, source: CodeSource) -> Option<u32> {
    (retried < backend.retries && is_safe_to_retry(error, source)).then(|| RETRY_BASE_DELAY_MS << retried.min(8))
}

/// The request of the session lifecycle endpoints (`refreshUrl`, `logoutUrl`): `POST` with
/// `Authorization: Bearer <token>` ([RFC 6750 §2.1](https://www.rfc-editor.org/rfc/rfc6750#section-2.1))
/// and an empty JSON object as the body (README, "Session renewal and logout").
///
/// # Security
/// The token travels in the header only, never in the URL.
pub fn bearer_request(endpoint: &BackendConfig, token: &str) -> HttpRequest {
    let authorization = ("Authorization".to_owned(), crate::session::bearer(token));
    post(endpoint, endpoint.url.clone(), "{}".to_owned(), Some(authorization))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::config::{BackendInput, ConfigInput};
    use crate::json::Number;
    use crate::testing::Whatwg;

    /// What one exchange did: its outcome, each request sent and each pause before a retry.
    pub(crate) struct Run {
        pub result: Result<BackendReply, Error>,
        pub sent: Vec<HttpRequest>,
        pub slept: Vec<u32>,
    }

    pub(crate) fn answer(status: u16, body: &str) -> Result<HttpResponse, TransportError> {
        Ok(HttpResponse { status, body: body.into() })
    }

    /// Plays `answers` to the request for `exchange`, repeating it as [`retry_delay`] decides:
    /// the loop the engine runs with effects, run directly.
    fn exchange_with(
        answers: Vec<Result<HttpResponse, TransportError>>,
        backend: &BackendConfig,
        exchange: &ExchangeRequest,
    ) -> Run {
        let request = build_request(backend, exchange);
        let source = exchange.surface.redeeming();
        let mut answers = std::collections::VecDeque::from(answers);
        let (mut sent, mut slept) = (Vec::new(), Vec::new());
        loop {
            sent.push(request.clone());
            let result = match answers.pop_front().expect("the test scripted fewer answers than requests") {
                Ok(response) => read_response(&backend.url, &response, source),
                Err(error) => Err(transport_error(backend, error)),
            };
            match result.as_ref().err().and_then(|e| retry_delay(e, slept.len() as u32, backend, source)) {
                Some(ms) => slept.push(ms),
                None => return Run { result, sent, slept },
            }
        }
    }

    fn backend(input: BackendInput) -> BackendConfig {
        ConfigInput { app_id: Some("cli_x".into()), backend: input, ..Default::default() }
            .validate("https://app.example/", &Whatwg)
            .unwrap()
            .backend
    }

    fn default_backend() -> BackendConfig {
        backend(BackendInput { url: Some("/api/login".into()), ..Default::default() })
    }

    fn run(answers: Vec<Result<HttpResponse, TransportError>>, backend: &BackendConfig) -> Run {
        let verifier = CodeVerifier::from_stored("VERIFIER-SECRET".into());
        let exchange = ExchangeRequest {
            code: "CODE-SECRET",
            surface: Surface::Browser,
            app_id: "cli_x",
            pkce: Some((&verifier, "https://app.example/cb")),
            passport: false,
        };
        exchange_with(answers, backend, &exchange)
    }

    /// One exchange from `surface` (no PKCE: the relayed code is what matters here).
    fn run_on(
        surface: Surface,
        answers: Vec<Result<HttpResponse, TransportError>>,
    ) -> (Result<BackendReply, Error>, usize) {
        let exchange = ExchangeRequest { code: "CODE-SECRET", surface, app_id: "cli_x", pkce: None, passport: false };
        let run = exchange_with(answers, &default_backend(), &exchange);
        (run.result, run.sent.len())
    }

    const SURFACES: [Surface; 4] = [Surface::Browser, Surface::Client, Surface::DocWidget, Surface::MiniProgram];

    const OK: &str = r#"{"token":"t1","expiresIn":7200,"user":{"name":"张三"}}"#;

    #[test]
    fn posts_the_contract_body_and_headers() {
        let backend = backend(BackendInput {
            url: Some("https://api.example/login".into()),
            headers: vec![("X-Tenant".into(), "t1".into())],
            credentials: Some("include".into()),
            ..Default::default()
        });
        let run = run(vec![answer(200, OK)], &backend);
        let reply = run.result.unwrap();
        assert_eq!(reply.token, "t1");
        assert_eq!(reply.expires_in_ms, Some(7_200_000));
        assert_eq!(reply.user.unwrap().get("name").and_then(Json::as_str), Some("张三"));
        let sent = &run.sent[0];
        assert_eq!(sent.url, "https://api.example/login");
        assert_eq!(sent.credentials, Credentials::Include);
        assert!(sent.headers.contains(&("Content-Type".into(), "application/json".into())));
        assert!(sent.headers.contains(&("X-Tenant".into(), "t1".into())));
        let body = Json::parse(&sent.body).unwrap();
        assert_eq!(body.get("code").and_then(Json::as_str), Some("CODE-SECRET"));
        assert_eq!(body.get("surface").and_then(Json::as_str), Some("browser"));
        assert_eq!(body.get("appId").and_then(Json::as_str), Some("cli_x"));
        assert_eq!(body.get("codeVerifier").and_then(Json::as_str), Some("VERIFIER-SECRET"));
        assert_eq!(body.get("redirectUri").and_then(Json::as_str), Some("https://app.example/cb"));
        assert!(!format!("{sent:?}").contains("SECRET"));
    }

    #[test]
    fn host_surfaces_send_no_pkce_fields() {
        let exchange =
            ExchangeRequest { code: "c", surface: Surface::DocWidget, app_id: "cli_x", pkce: None, passport: false };
        let request = build_request(&default_backend(), &exchange);
        let body = Json::parse(&request.body).unwrap();
        assert_eq!(body.get("codeVerifier"), None);
        assert_eq!(body.get("redirectUri"), None);
        assert_eq!(body.get("surface").and_then(Json::as_str), Some("docWidget"));
    }

    #[test]
    fn code_in_query_appends_encoded_code() {
        let backend = backend(BackendInput {
            url: Some("/api/login?v=2".into()),
            code_in: Some("query".into()),
            ..Default::default()
        });
        let exchange = ExchangeRequest {
            code: "a&b c",
            surface: Surface::DocWidget,
            app_id: "cli_x",
            pkce: None,
            passport: false,
        };
        let request = build_request(&backend, &exchange);
        assert_eq!(request.url, "/api/login?v=2&code=a%26b%20c");
        assert!(request.body.contains("\"code\""), "the body keeps the code too");
    }

    #[test]
    fn error_mapping() {
        type Case = (Result<HttpResponse, TransportError>, ErrorKind, Option<u16>, Option<i64>);
        let cases: Vec<Case> = vec![
            (answer(400, r#"{"code":20049,"message":"pkce failed"}"#), ErrorKind::Backend, Some(400), Some(20049)),
            (answer(401, "Unauthorized"), ErrorKind::Backend, Some(401), None),
            (answer(500, r#"{"code":123456}"#), ErrorKind::Backend, Some(500), Some(123456)),
            (answer(200, "<html>"), ErrorKind::Response, None, None),
            (answer(200, r#"{"token":""}"#), ErrorKind::Response, None, None),
            (answer(200, r#"{"token":"t","expiresIn":"soon"}"#), ErrorKind::Response, None, None),
            (answer(200, r#"{"token":"t","expiresIn":-1}"#), ErrorKind::Response, None, None),
            (answer(200, r#"{"token":"t","expiresIn":3.6e3}"#), ErrorKind::Response, None, None),
            (answer(200, r#"{"token":"t","expiresIn":9223372036854776}"#), ErrorKind::Response, None, None),
            (answer(200, r#"{"token":"t","user":"bob"}"#), ErrorKind::Response, None, None),
            (answer(204, ""), ErrorKind::Response, None, None),
            (Err(TransportError::TimedOut), ErrorKind::Timeout, None, None),
        ];
        for (answer, kind, status, code) in cases {
            let run = run(vec![answer], &default_backend());
            let err = run.result.unwrap_err();
            assert_eq!((err.kind(), err.status(), err.code()), (kind, status, code), "{}", err.message());
            assert!(!err.message().contains("SECRET"), "{}", err.message());
            assert_eq!(run.sent.len(), 1, "not retried: {}", err.message());
        }
    }

    #[test]
    fn a_bad_gateway_without_a_body_says_a_proxy_may_not_reach_the_backend() {
        for status in [502, 504] {
            let err = run(vec![answer(status, ""), answer(status, ""), answer(status, "")], &default_backend())
                .result
                .unwrap_err();
            assert!(
                err.message().contains("a proxy in between (e.g. Vite's `server.proxy`) could not reach"),
                "{}",
                err.message()
            );
        }
        // The backend's own words are enough when it sent some.
        let err = run(vec![answer(503, r#"{"message":"maintenance"}"#); 3], &default_backend()).result.unwrap_err();
        assert!(!err.message().contains("proxy"), "{}", err.message());
    }

    #[test]
    fn expires_in_is_read_in_whole_ms_without_floats() {
        for (expires_in, ms) in [("7199.5", Some(7_199_500)), ("0", Some(0)), ("0.0004", Some(0)), ("null", None)] {
            let body = String::from(r#"{"token":"t","expiresIn":"#) + expires_in + "}";
            let reply =
                read_response("/api/login", &HttpResponse { status: 200, body }, CodeSource::OAuthToken).unwrap();
            assert_eq!(reply.expires_in_ms, ms, "{expires_in}");
        }
    }

    #[test]
    fn relayed_code_gets_a_hint_and_message() {
        let err =
            run(vec![answer(400, r#"{"code":20049,"msg":"bad verifier"}"#)], &default_backend()).result.unwrap_err();
        assert!(err.message().contains("HTTP 400 with Feishu code 20049 (\"bad verifier\")"), "{}", err.message());
        assert!(err.message().contains("PKCE"), "{}", err.message());
        assert!(!err.retryable());
    }

    #[test]
    fn retries_only_what_is_safe() {
        // Connection failure, 503 and a relayed 20050 are retried; then success.
        let first = run(vec![Err(TransportError::Unreachable), answer(503, ""), answer(200, OK)], &default_backend());
        assert!(first.result.is_ok());
        assert_eq!(first.sent.len(), 3);
        assert_eq!(first.slept, vec![300, 600]);

        assert!(run(vec![answer(500, r#"{"code":20050}"#), answer(200, OK)], &default_backend()).result.is_ok());

        // A relayed 20072 with a 4xx status is not retried: never retry 4xx.
        let four = run(vec![answer(400, r#"{"code":20072}"#)], &default_backend());
        let err = four.result.unwrap_err();
        assert_eq!(err.code(), Some(20072));
        assert!(err.retryable(), "the caller may try again later");
        assert_eq!(four.sent.len(), 1);

        // A plain 500 may have used the code up: not retried.
        let plain = run(vec![answer(500, "oops")], &default_backend());
        assert_eq!(plain.result.unwrap_err().status(), Some(500));
        assert_eq!(plain.sent.len(), 1);
    }

    #[test]
    fn retries_are_bounded_by_config() {
        let bounded = run(vec![answer(502, ""), answer(502, ""), answer(502, ""), answer(200, OK)], &default_backend());
        assert_eq!(bounded.result.unwrap_err().status(), Some(502));
        assert_eq!(bounded.sent.len(), 3, "1 try + 2 retries");

        let none =
            backend(BackendInput { url: Some("/x".into()), retries: Some(Number::from_i64(0)), ..Default::default() });
        let once = run(vec![Err(TransportError::Unreachable)], &none);
        let err = once.result.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Network);
        assert!(err.retryable());
        assert_eq!(once.sent.len(), 1);
    }

    // Issue #9 item 10: the backend relays codes of the API that redeemed the code (OAuth token
    // v2 or tokenLoginValidate), never `tt` errnos.
    #[test]
    fn relayed_111_is_not_too_many_calls_nor_retryable_on_any_surface() {
        for surface in SURFACES {
            let err = run_on(surface, vec![answer(400, r#"{"code":111}"#)]).0.unwrap_err();
            assert_eq!((err.kind(), err.code()), (ErrorKind::Backend, Some(111)), "{surface:?}");
            assert!(!err.message().contains("too many calls"), "{surface:?}: {}", err.message());
            assert!(!err.retryable(), "{surface:?}");
        }
    }

    #[test]
    fn relayed_107_is_a_backend_error_not_a_refusal() {
        for surface in SURFACES {
            let err = run_on(surface, vec![answer(403, r#"{"code":107}"#)]).0.unwrap_err();
            assert_eq!((err.kind(), err.code()), (ErrorKind::Backend, Some(107)), "{surface:?}");
            assert!(!err.message().contains("refused"), "{surface:?}: {}", err.message());
        }
    }

    #[test]
    fn relayed_10228_gets_the_mina_hint_only_where_tokenloginvalidate_redeems() {
        for (surface, mina) in [
            (Surface::Browser, false),
            (Surface::Client, false),
            (Surface::DocWidget, true),
            (Surface::MiniProgram, true),
        ] {
            let err = run_on(surface, vec![answer(400, r#"{"code":10228}"#)]).0.unwrap_err();
            assert_eq!(err.message().contains("cannot see this app"), mina, "{surface:?}: {}", err.message());
        }
        // And OAuth hints only where OAuth token v2 redeems.
        for (surface, oauth) in [
            (Surface::Browser, true),
            (Surface::Client, true),
            (Surface::DocWidget, false),
            (Surface::MiniProgram, false),
        ] {
            let err = run_on(surface, vec![answer(400, r#"{"code":20049}"#)]).0.unwrap_err();
            assert_eq!(err.message().contains("PKCE"), oauth, "{surface:?}: {}", err.message());
        }
    }

    #[test]
    fn relayed_oauth_try_again_codes_are_retried_only_where_oauth_redeems() {
        for (surface, oauth) in [
            (Surface::Browser, true),
            (Surface::Client, true),
            (Surface::DocWidget, false),
            (Surface::MiniProgram, false),
        ] {
            let (result, sent) = run_on(surface, vec![answer(500, r#"{"code":20050}"#), answer(200, OK)]);
            assert_eq!((result.is_ok(), sent), (oauth, if oauth { 2 } else { 1 }), "{surface:?}");
            let err = run_on(surface, vec![answer(400, r#"{"code":20072}"#)]).0.unwrap_err();
            assert_eq!(err.retryable(), oauth, "{surface:?}: {}", err.message());
        }
    }
}
