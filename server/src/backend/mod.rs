//! The reference app backend, as an [`axum::Router`] to mount in your own server: the backend
//! contract at `POST /api/feishu/login` (each surface's code redeemed at the right Feishu
//! endpoint), and signed sessions that any number of replicas can verify (`GET /api/me`, and
//! your routes through the [`Session`] extractor), renew (`POST /api/feishu/refresh`) and end
//! (`POST /api/logout`).
//!
//! ```no_run
//! use std::sync::Arc;
//! use axum::{routing::get, Router};
//! use feishu_login_server::backend::{self, Backend, BackendConfig, Session};
//! use feishu_login_server::store::MemoryStore;
//!
//! async fn orders(session: Session) -> String {
//!     format!("the orders of {}", session.claims.open_id)
//! }
//!
//! # fn config() -> BackendConfig { unimplemented!() }
//! let backend: Arc<Backend> = Backend::new(config());
//! let app: Router = Router::new()
//!     .route("/api/orders", get(orders))
//!     .with_state(backend.clone())
//!     .merge(backend::router(backend));
//! ```
//!
//! Modules by flow: `login` (the contract), `renewal` (rotation and reuse detection), `logout`,
//! `session` (the store record and the [`Session`] extractor), `session_token` (signing keys),
//! `feishu_client` (the calls to Feishu), `passport` (the historical passport endpoint).

use std::sync::Arc;
use std::time::Duration;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chacha20poly1305::ChaCha20Poly1305;
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;

use crate::clock::{Clock, UnixClock};
use crate::store::{Store, StoreError};

mod feishu_client;
mod login;
mod logout;
mod passport;
mod renewal;
mod session;
mod session_token;

pub use self::session::{Claims, Session};
pub use self::session_token::{sign, verify, verify_signature, SessionSecret, GENERATE_SECRET, MIN_SECRET_BYTES};

/// Where the backend finds Feishu and who it is there.
pub struct BackendConfig {
    pub app_id: String,
    pub app_secret: String,
    /// `https://open.feishu.cn`, `https://open.larksuite.com`, or the emulator.
    pub open_api_base: String,
    /// Signs new session tokens and seals new records (`SESSION_SECRET`).
    pub session_secret: SessionSecret,
    /// Still verifies tokens and opens records during a key rotation (`SESSION_SECRET_PREVIOUS`).
    pub previous_session_secret: Option<SessionSecret>,
    /// How long a session token lasts at most (also capped by the Feishu user token's lifetime).
    pub session_ttl: Duration,
    /// For how long after a renewal the token it retired may be presented to the renewal
    /// endpoint again and get a token of the current generation instead of revoking the session
    /// (a retry whose answer was lost); [`DEFAULT_REUSE_INTERVAL`] in the demo server, `ZERO`
    /// revokes at once (RFC 9700 §4.14.2 without a grace period).
    pub reuse_interval: Duration,
    /// The session records: [`crate::store::MemoryStore`] for one process,
    /// [`crate::store::RedisStore`] (`REDIS_URL`) for replicas.
    pub store: Arc<dyn Store>,
}

/// The reuse interval of the demo server (`SESSION_REUSE_INTERVAL_SECS`): long enough for the
/// SDK's retries of a renewal whose answer was lost, the slowest of which comes after a
/// timed-out request (`timeoutMs`, 10 s by default) and the SDK's 30 s pause.
pub const DEFAULT_REUSE_INTERVAL: Duration = Duration::from_secs(60);

/// The backend's state: its configuration, an HTTP client for Feishu, the record ciphers.
pub struct Backend {
    pub config: BackendConfig,
    http: reqwest::Client,
    /// Seal the session records (derived from the session secrets, current first, so every
    /// replica that verifies sessions can read them, and nothing else can).
    ciphers: Vec<ChaCha20Poly1305>,
    /// Unix time: token expiries, Feishu grants' expiries.
    clock: Arc<dyn Clock>,
}

fn record_cipher(secret: &SessionSecret) -> ChaCha20Poly1305 {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.bytes()).expect("HMAC takes any key length");
    mac.update(b"feishu-login: Feishu grant encryption key v1");
    <ChaCha20Poly1305 as chacha20poly1305::KeyInit>::new(&mac.finalize().into_bytes())
}

impl Backend {
    pub fn new(config: BackendConfig) -> Arc<Backend> {
        Backend::with_clock(config, Arc::new(UnixClock))
    }

    /// The same on `clock`, which must read Unix time (tests move a
    /// [`crate::clock::ManualClock`] started at [`UnixClock`]'s time instead of sleeping).
    pub fn with_clock(config: BackendConfig, clock: Arc<dyn Clock>) -> Arc<Backend> {
        // No redirects: a 307/308 from the Feishu base would resend client_secret or a refresh
        // token to wherever it points.
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a TLS backend is compiled in");
        let ciphers = std::iter::once(&config.session_secret)
            .chain(config.previous_session_secret.as_ref())
            .map(record_cipher)
            .collect();
        Arc::new(Backend { config, http, ciphers, clock })
    }

    /// Unix seconds, on the backend's clock.
    fn now_secs(&self) -> u64 {
        self.clock.now().as_secs()
    }

    /// Unix milliseconds, on the backend's clock.
    fn now_millis(&self) -> u64 {
        u64::try_from(self.clock.now().as_millis()).unwrap_or(u64::MAX)
    }

    /// The keys that verify tokens: the current one, then the previous one.
    fn keys(&self) -> Vec<&SessionSecret> {
        std::iter::once(&self.config.session_secret).chain(self.config.previous_session_secret.as_ref()).collect()
    }
}

/// The backend's routes: `POST /api/feishu/login`, `POST /api/feishu/refresh`, `GET /api/me`,
/// `POST /api/logout`.
pub fn router(backend: Arc<Backend>) -> Router {
    Router::new()
        .route("/api/feishu/login", post(login::login))
        .route("/api/feishu/refresh", post(renewal::refresh))
        .route("/api/me", get(session::me))
        .route("/api/logout", post(logout::logout))
        .with_state(backend)
}

/// A failure to answer with: HTTP status and `{code?, message}`; a 503 says when to retry.
#[derive(Debug)]
pub struct Failure {
    pub status: StatusCode,
    pub code: Option<i64>,
    pub message: String,
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let mut body = json!({ "message": self.message });
        if let Some(code) = self.code {
            body["code"] = json!(code);
        }
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

fn bad_request(message: &str) -> Failure {
    Failure { status: StatusCode::BAD_REQUEST, code: None, message: message.into() }
}

/// 401: the session has ended (the SDK removes it and signs out every tab).
fn unauthorized(code: Option<i64>, message: &str) -> Failure {
    Failure { status: StatusCode::UNAUTHORIZED, code, message: message.into() }
}

/// 503 with `Retry-After: 1`: the store could not answer; nothing was decided, retry shortly.
fn store_failure(error: StoreError) -> Failure {
    eprintln!("[backend] {error}");
    Failure {
        status: StatusCode::SERVICE_UNAVAILABLE,
        code: None,
        message: "the session store is unavailable: try again shortly".into(),
    }
}

/// A value from outside (a request, Feishu's answer) as it may appear in a log line: newlines,
/// ANSI escapes and other control characters escaped, so it cannot forge or hide lines.
pub(crate) fn log_value(value: &str) -> String {
    value.escape_debug().to_string()
}

#[cfg(test)]
mod tests {
    use super::feishu_client::FeishuGrant;
    use super::session::{session_key, SessionRecord};
    use super::*;
    use crate::store::MemoryStore;

    fn config(store: Arc<dyn Store>, secret: &[u8], previous: Option<&[u8]>) -> BackendConfig {
        BackendConfig {
            app_id: "cli_x".into(),
            app_secret: "s".into(),
            open_api_base: "http://127.0.0.1:9".into(),
            session_secret: SessionSecret::from_bytes(secret),
            previous_session_secret: previous.map(SessionSecret::from_bytes),
            session_ttl: Duration::from_secs(60),
            reuse_interval: DEFAULT_REUSE_INTERVAL,
            store,
        }
    }

    fn record() -> SessionRecord {
        let now_secs = || UnixClock.now().as_secs();
        let grant = FeishuGrant {
            access_token: "u-secret".into(),
            access_expires_at: now_secs() + 60,
            access_lifetime: 60,
            refresh_token: Some("ur-secret".into()),
            refresh_expires_at: now_secs() + 600,
        };
        SessionRecord { generation: 3, grant, rotated_at: None, renewing_until: None }
    }

    #[tokio::test]
    async fn a_record_opens_only_under_its_own_session_id_and_keys() {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::default());
        let backend = Backend::new(config(store.clone(), b"k1", None));
        let other_key = Backend::new(config(store.clone(), b"k2", None));
        let rotated = Backend::new(config(store.clone(), b"k2", Some(b"k1")));
        store.put(&session_key("a"), backend.seal("a", &record()), Duration::from_secs(60)).await.unwrap();
        let opened = backend.load("a").await.unwrap().unwrap().record;
        assert_eq!((opened.generation, opened.grant.refresh_token.as_deref()), (3, Some("ur-secret")));
        assert!(other_key.load("a").await.unwrap().is_none(), "another SESSION_SECRET cannot open it");
        assert!(rotated.load("a").await.unwrap().is_some(), "SESSION_SECRET_PREVIOUS opens it");
        let raw = store.get(&session_key("a")).await.unwrap().unwrap();
        assert!(!String::from_utf8_lossy(&raw).contains("secret"), "sealed at rest");
        // Moved to another session's key, the record does not open (the session id is sealed in).
        store.put(&session_key("b"), raw, Duration::from_secs(60)).await.unwrap();
        assert!(backend.load("b").await.unwrap().is_none());
    }
}
