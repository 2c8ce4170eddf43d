//! The exchange of a login code at the app's own backend (the api.md backend contract), over an
//! injected HTTP transport so that the whole policy (request shape, error mapping, retries) is
//! tested natively.

use crate::config::{BackendConfig, CodeIn, Credentials};
use crate::error::{decimal, feishu_code_is_transient, message_with_hint, Error, ErrorKind};
use crate::host::Surface;
use crate::json::Json;
use crate::pkce::CodeVerifier;
use crate::prelude::*;
use crate::url::append_query;

/// One HTTP request to the backend.
#[derive(Clone, PartialEq)]
pub struct HttpRequest {
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

/// Sends HTTP requests and waits; the browser adapter uses `fetch` and `setTimeout`.
// The SDK is single-threaded (wasm in one JS realm): the futures need not be `Send`.
#[allow(async_fn_in_trait)]
pub trait Transport {
    /// Sends `request`, aborting after `request.timeout_ms`.
    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError>;
    /// Waits `ms` milliseconds (retry backoff).
    async fn sleep(&self, ms: u32);
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
    let url = match backend.code_in {
        CodeIn::Body => backend.url.clone(),
        CodeIn::Query => append_query(&backend.url, &[("code", exchange.code)]),
    };
    let mut headers = vec![
        ("Content-Type".to_owned(), "application/json".to_owned()),
        ("Accept".to_owned(), "application/json".to_owned()),
    ];
    headers.extend(backend.headers.iter().cloned());
    HttpRequest {
        url,
        headers,
        body: Json::Object(body).to_text(),
        credentials: backend.credentials,
        timeout_ms: backend.timeout_ms,
    }
}

/// Maps the backend's answer to a reply or a typed error.
///
/// # Errors
/// `backend` for non-2xx (with `status` and the relayed Feishu `code`), `response` for a 2xx
/// body that is not `{token: non-empty string, expiresIn?: number ≥ 0, user?: object}`
/// (`expiresIn` without an exponent, and below 2^63 ms).
pub fn read_response(backend_url: &str, response: &HttpResponse) -> Result<BackendReply, Error> {
    let body = Json::parse(&response.body);
    if !(200..300).contains(&response.status) {
        return Err(backend_error(backend_url, response.status, body.as_ref()));
    }
    let unusable = |what: &str| {
        Error::new(
            ErrorKind::Response,
            String::from("the login backend at ")
                + backend_url
                + " answered "
                + &decimal(response.status.into())
                + " but "
                + what
                + ": it must return JSON {\"token\": string, \"expiresIn\"?: seconds, \"user\"?: object}",
        )
    };
    let body = body.ok_or_else(|| unusable("its body is not JSON"))?;
    let token = body.get("token").and_then(Json::as_str).filter(|t| !t.is_empty());
    let token = token.ok_or_else(|| unusable("`token` is missing or not a non-empty string"))?.to_owned();
    let expires_in_ms = match body.get("expiresIn") {
        None | Some(Json::Null) => None,
        Some(value) => Some(
            value
                .as_number()
                .and_then(|n| n.millis_from_seconds())
                .ok_or_else(|| unusable("`expiresIn` is not a number of seconds"))?,
        ),
    };
    let user = match body.get("user") {
        None | Some(Json::Null) => None,
        Some(user @ Json::Object(_)) => Some(user.clone()),
        Some(_) => return Err(unusable("`user` is not an object")),
    };
    Ok(BackendReply { token, expires_in_ms, user })
}

fn backend_error(backend_url: &str, status: u16, body: Option<&Json>) -> Error {
    let code = body.and_then(|b| b.get("code")).and_then(Json::as_i64).filter(|c| *c != 0);
    let relayed = body
        .and_then(|b| ["message", "msg", "error_description"].iter().find_map(|k| b.get(k).and_then(Json::as_str)))
        .map(|m| m.chars().take(200).collect::<String>());
    let mut message = String::from("the login backend at ") + backend_url + " answered HTTP " + &decimal(status.into());
    if let Some(code) = code {
        message = message + " with Feishu code " + &decimal(code);
    }
    if let Some(relayed) = relayed.filter(|m| !m.is_empty()) {
        message = message + " (\"" + &relayed + "\")";
    }
    if code.is_none() {
        message += match status {
            401 | 403 => ": the backend refused the request; check its headers/credentials configuration",
            404 | 405 => ": check `backend`, it must accept POST with the login code",
            _ => "",
        };
    }
    let retryable = status >= 500 || code.is_some_and(feishu_code_is_transient);
    let mut error =
        Error::new(ErrorKind::Backend, message_with_hint(message, code)).with_status(status).with_retryable(retryable);
    if let Some(code) = code {
        error = error.with_code(code);
    }
    error
}

/// Whether a failed attempt may be repeated: only where the code cannot have been used up —
/// connection failures, 502/503/504 from a proxy, and Feishu's own "try again" codes
/// (20050/20072) relayed with a 5xx. Never a 4xx, never a timeout (the backend may have
/// redeemed the one-time code already).
pub fn is_safe_to_retry(error: &Error) -> bool {
    match error.kind() {
        ErrorKind::Network => true,
        ErrorKind::Backend => match error.status() {
            Some(502..=504) => true,
            Some(500..=599) => matches!(error.code(), Some(20050 | 20072)),
            _ => false,
        },
        _ => false,
    }
}

/// Posts the code to the backend and reads the reply, retrying what is safe to retry
/// `backend.retries` times with exponential backoff.
///
/// # Errors
/// `network`, `timeout`, `backend` or `response`, from the last attempt.
///
/// # Security
/// The code and verifier travel only in the request; no error message contains them.
pub async fn exchange_code(
    transport: &impl Transport,
    backend: &BackendConfig,
    exchange: &ExchangeRequest<'_>,
) -> Result<BackendReply, Error> {
    let request = build_request(backend, exchange);
    let mut attempt = 0;
    loop {
        let result = match transport.send(&request).await {
            Ok(response) => read_response(&backend.url, &response),
            Err(TransportError::Unreachable) => Err(Error::new(
                ErrorKind::Network,
                String::from("could not reach the login backend at ") + &backend.url
                    + ": check that it is running, and that it allows this page's origin (CORS) if it is on another one",
            )
            .with_retryable(true)),
            Err(TransportError::TimedOut) => Err(Error::new(
                ErrorKind::Timeout,
                String::from("the login backend at ") + &backend.url + " did not answer within "
                    + &decimal(backend.timeout_ms.into()) + " ms: try again, or raise backend.timeoutMs",
            )
            .with_retryable(true)),
        };
        match result {
            Err(error) if attempt < backend.retries && is_safe_to_retry(&error) => {
                transport.sleep(RETRY_BASE_DELAY_MS << attempt.min(8)).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::config::{BackendInput, ConfigInput};
    use crate::json::Number;
    use core::cell::RefCell;
    use std::collections::VecDeque;

    /// A transport that answers from a script and records what it was sent.
    #[derive(Default)]
    pub(crate) struct ScriptedTransport {
        pub answers: RefCell<VecDeque<Result<HttpResponse, TransportError>>>,
        pub sent: RefCell<Vec<HttpRequest>>,
        pub slept: RefCell<Vec<u32>>,
    }

    impl ScriptedTransport {
        pub(crate) fn new(answers: Vec<Result<HttpResponse, TransportError>>) -> Self {
            ScriptedTransport { answers: RefCell::new(answers.into()), ..Default::default() }
        }
    }

    pub(crate) fn answer(status: u16, body: &str) -> Result<HttpResponse, TransportError> {
        Ok(HttpResponse { status, body: body.into() })
    }

    impl Transport for ScriptedTransport {
        async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError> {
            self.sent.borrow_mut().push(request.clone());
            self.answers.borrow_mut().pop_front().expect("the test scripted fewer answers than requests")
        }
        async fn sleep(&self, ms: u32) {
            self.slept.borrow_mut().push(ms);
        }
    }

    fn backend(input: BackendInput) -> BackendConfig {
        ConfigInput { app_id: Some("cli_x".into()), backend: input, ..Default::default() }
            .validate("https://app.example/")
            .unwrap()
            .backend
    }

    fn default_backend() -> BackendConfig {
        backend(BackendInput { url: Some("/api/login".into()), ..Default::default() })
    }

    fn run(transport: &ScriptedTransport, backend: &BackendConfig) -> Result<BackendReply, Error> {
        let verifier = CodeVerifier::from_stored("VERIFIER-SECRET".into());
        let exchange = ExchangeRequest {
            code: "CODE-SECRET",
            surface: Surface::Browser,
            app_id: "cli_x",
            pkce: Some((&verifier, "https://app.example/cb")),
        };
        pollster::block_on(exchange_code(transport, backend, &exchange))
    }

    const OK: &str = r#"{"token":"t1","expiresIn":7200,"user":{"name":"张三"}}"#;

    #[test]
    fn posts_the_contract_body_and_headers() {
        let transport = ScriptedTransport::new(vec![answer(200, OK)]);
        let backend = backend(BackendInput {
            url: Some("https://api.example/login".into()),
            headers: vec![("X-Tenant".into(), "t1".into())],
            credentials: Some("include".into()),
            ..Default::default()
        });
        let reply = run(&transport, &backend).unwrap();
        assert_eq!(reply.token, "t1");
        assert_eq!(reply.expires_in_ms, Some(7_200_000));
        assert_eq!(reply.user.unwrap().get("name").and_then(Json::as_str), Some("张三"));
        let sent = &transport.sent.borrow()[0];
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
        let exchange = ExchangeRequest { code: "c", surface: Surface::DocWidget, app_id: "cli_x", pkce: None };
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
        let exchange = ExchangeRequest { code: "a&b c", surface: Surface::DocWidget, app_id: "cli_x", pkce: None };
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
            let transport = ScriptedTransport::new(vec![answer]);
            let err = run(&transport, &default_backend()).unwrap_err();
            assert_eq!((err.kind(), err.status(), err.code()), (kind, status, code), "{}", err.message());
            assert!(!err.message().contains("SECRET"), "{}", err.message());
            assert_eq!(transport.sent.borrow().len(), 1, "not retried: {}", err.message());
        }
    }

    #[test]
    fn expires_in_is_read_in_whole_ms_without_floats() {
        for (expires_in, ms) in [("7199.5", Some(7_199_500)), ("0", Some(0)), ("0.0004", Some(0)), ("null", None)] {
            let body = String::from(r#"{"token":"t","expiresIn":"#) + expires_in + "}";
            let reply = read_response("/api/login", &HttpResponse { status: 200, body }).unwrap();
            assert_eq!(reply.expires_in_ms, ms, "{expires_in}");
        }
    }

    #[test]
    fn relayed_code_gets_a_hint_and_message() {
        let transport = ScriptedTransport::new(vec![answer(400, r#"{"code":20049,"msg":"bad verifier"}"#)]);
        let err = run(&transport, &default_backend()).unwrap_err();
        assert!(err.message().contains("HTTP 400 with Feishu code 20049 (\"bad verifier\")"), "{}", err.message());
        assert!(err.message().contains("PKCE"), "{}", err.message());
        assert!(!err.retryable());
    }

    #[test]
    fn retries_only_what_is_safe() {
        // Connection failure, 503 and a relayed 20050 are retried; then success.
        let transport =
            ScriptedTransport::new(vec![Err(TransportError::Unreachable), answer(503, ""), answer(200, OK)]);
        assert!(run(&transport, &default_backend()).is_ok());
        assert_eq!(transport.sent.borrow().len(), 3);
        assert_eq!(*transport.slept.borrow(), vec![300, 600]);

        let transport = ScriptedTransport::new(vec![answer(500, r#"{"code":20050}"#), answer(200, OK)]);
        assert!(run(&transport, &default_backend()).is_ok());

        // A relayed 20072 with a 4xx status is not retried: never retry 4xx.
        let transport = ScriptedTransport::new(vec![answer(400, r#"{"code":20072}"#)]);
        let err = run(&transport, &default_backend()).unwrap_err();
        assert_eq!(err.code(), Some(20072));
        assert!(err.retryable(), "the caller may try again later");
        assert_eq!(transport.sent.borrow().len(), 1);

        // A plain 500 may have used the code up: not retried.
        let transport = ScriptedTransport::new(vec![answer(500, "oops")]);
        assert_eq!(run(&transport, &default_backend()).unwrap_err().status(), Some(500));
        assert_eq!(transport.sent.borrow().len(), 1);
    }

    #[test]
    fn retries_are_bounded_by_config() {
        let transport =
            ScriptedTransport::new(vec![answer(502, ""), answer(502, ""), answer(502, ""), answer(200, OK)]);
        let err = run(&transport, &default_backend()).unwrap_err();
        assert_eq!(err.status(), Some(502));
        assert_eq!(transport.sent.borrow().len(), 3, "1 try + 2 retries");

        let none =
            backend(BackendInput { url: Some("/x".into()), retries: Some(Number::from_i64(0)), ..Default::default() });
        let transport = ScriptedTransport::new(vec![Err(TransportError::Unreachable)]);
        let err = run(&transport, &none).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Network);
        assert!(err.retryable());
        assert_eq!(transport.sent.borrow().len(), 1);
    }
}
