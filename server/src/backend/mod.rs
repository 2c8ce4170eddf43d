//! The reference app backend: the api.md backend contract at `POST /api/feishu/login`, which
//! redeems each surface's code at the right Feishu endpoint, and signed sessions that any number
//! of replicas can verify (`GET /api/me`), renew (`POST /api/feishu/refresh`) and end
//! (`POST /api/logout`).
//!
//! A session token is HMAC-signed claims (`sub`, `name`, `surface`, `exp`, and `sid`, the session
//! id every renewal keeps). Beside it, the [`Store`] holds per session id: the Feishu grant
//! (user access token and refresh token, encrypted with a key derived from the session secret,
//! never sent to the browser), a revocation record written by logout (its TTL outlives every
//! token of the session, so a logout holds on every replica sharing the store), and a short
//! renewal lock (Feishu's refresh tokens are single use: two replicas must not both spend one).

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::store::{Store, StoreError};

mod passport;

/// Where the backend finds Feishu and who it is there.
pub struct BackendConfig {
    pub app_id: String,
    pub app_secret: String,
    /// `https://open.feishu.cn`, `https://open.larksuite.com`, or the emulator.
    pub open_api_base: String,
    /// Key of the session signatures.
    pub session_secret: Vec<u8>,
    /// How long a session lasts at most (also capped by the Feishu user token's lifetime).
    pub session_ttl: Duration,
    /// Revocations, Feishu grants and renewal locks: [`crate::store::MemoryStore`] for one
    /// process, [`crate::store::RedisStore`] (`REDIS_URL`) for replicas.
    pub store: Arc<dyn Store>,
}

pub struct Backend {
    pub config: BackendConfig,
    http: reqwest::Client,
    /// Encrypts the Feishu grants at rest (derived from the session secret, so every replica
    /// that verifies sessions can read them, and nothing else can).
    grant_cipher: ChaCha20Poly1305,
}

impl Backend {
    pub fn new(config: BackendConfig) -> Arc<Backend> {
        let http =
            reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("a TLS backend is compiled in");
        let mut mac = Hmac::<Sha256>::new_from_slice(&config.session_secret).expect("HMAC takes any key length");
        mac.update(b"feishu-login: Feishu grant encryption key v1");
        let grant_cipher = <ChaCha20Poly1305 as chacha20poly1305::KeyInit>::new(&mac.finalize().into_bytes());
        Arc::new(Backend { config, http, grant_cipher })
    }
}

pub fn routes(backend: Arc<Backend>) -> Router {
    Router::new()
        .route("/api/feishu/login", post(login))
        .route("/api/feishu/refresh", post(refresh))
        .route("/api/me", get(me))
        .route("/api/logout", post(logout))
        .with_state(backend)
}

/// How long a logout's revocation record outlives the longest session it can cover, for clocks
/// of replicas that disagree a little and a renewal that was signing as the logout landed.
const REVOCATION_MARGIN: Duration = Duration::from_secs(60);

/// How long one replica may hold a session's renewal lock: longer than a renewal can take (two
/// Feishu calls of at most 10 s each, and the store's), so it never lapses while held.
const RENEWAL_LOCK_TTL: Duration = Duration::from_secs(30);

/// How long a renewal waits for another replica's renewal of the same session.
const RENEWAL_WAIT: Duration = Duration::from_secs(5);

/// What Feishu granted for a session: kept in the store (encrypted), never in the browser.
#[derive(Serialize, Deserialize, Clone)]
struct FeishuGrant {
    access_token: String,
    /// Unix seconds.
    access_expires_at: u64,
    /// The lifetime Feishu gave the access token (seconds), to tell when it "nears expiry".
    access_lifetime: u64,
    /// Only with the `offline_access` scope, and only from `authen/v2/oauth/token` (Feishu's
    /// refresh grant refuses other refresh tokens with 20026).
    refresh_token: Option<String>,
    /// Unix seconds (0 without a refresh token).
    refresh_expires_at: u64,
}

impl FeishuGrant {
    /// From an `authen/v2/oauth/token` answer (either grant): `expires_in` and
    /// `refresh_token_expires_in` are lifetimes in seconds; Feishu says to read, not assume, them.
    fn from_token_answer(answer: &Value, now: u64) -> FeishuGrant {
        let lifetime = answer["expires_in"].as_u64().unwrap_or(7200);
        let refresh_token = answer["refresh_token"].as_str().filter(|t| !t.is_empty()).map(str::to_owned);
        let refresh_lifetime = answer["refresh_token_expires_in"].as_u64().unwrap_or(0);
        FeishuGrant {
            access_token: answer["access_token"].as_str().unwrap_or_default().to_owned(),
            access_expires_at: now.saturating_add(lifetime),
            access_lifetime: lifetime,
            refresh_expires_at: if refresh_token.is_some() { now.saturating_add(refresh_lifetime) } else { 0 },
            refresh_token,
        }
    }

    /// Whether the user token should be renewed now: less than half its lifetime or 5 minutes
    /// left, whichever is shorter.
    fn nears_expiry(&self, now: u64) -> bool {
        let left = self.access_expires_at.saturating_sub(now);
        left < (self.access_lifetime / 2).min(300)
    }
}

/// A failure to answer with: HTTP status and `{code?, message}`.
#[derive(Debug)]
struct Failure {
    status: StatusCode,
    code: Option<i64>,
    message: String,
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let mut body = json!({ "message": self.message });
        if let Some(code) = self.code {
            body["code"] = json!(code);
        }
        (self.status, Json(body)).into_response()
    }
}

fn bad_request(message: &str) -> Failure {
    Failure { status: StatusCode::BAD_REQUEST, code: None, message: message.into() }
}

/// 401: the session has ended (the SDK removes it and signs out every tab).
fn unauthorized(code: Option<i64>, message: &str) -> Failure {
    Failure { status: StatusCode::UNAUTHORIZED, code, message: message.into() }
}

/// 503: the store could not answer; nothing was decided, the caller may retry.
fn store_failure(error: StoreError) -> Failure {
    eprintln!("[backend] {error}");
    Failure {
        status: StatusCode::SERVICE_UNAVAILABLE,
        code: None,
        message: "the session store is unavailable: try again shortly".into(),
    }
}

fn revoked_key(sid: &str) -> String {
    format!("revoked:{sid}")
}

fn grant_key(sid: &str) -> String {
    format!("grant:{sid}")
}

fn lock_key(sid: &str) -> String {
    format!("lock:{sid}")
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LoginRequest {
    code: Option<String>,
    surface: Option<String>,
    app_id: Option<String>,
    code_verifier: Option<String>,
    redirect_uri: Option<String>,
    /// `true`: a browser code of the passport endpoint (`passport: true` in the SDK's config).
    passport: Option<bool>,
}

impl Backend {
    /// Calls Feishu; a non-zero `code` in the answer becomes a relayed [`Failure`] with
    /// Feishu's HTTP status (400, 500 for 20050, 503 for 20072).
    async fn feishu(&self, path: &str, bearer: Option<&str>, body: Option<Value>) -> Result<Value, Failure> {
        let url = self.config.open_api_base.clone() + path;
        let request = match body {
            Some(body) => self.http.post(&url).json(&body),
            None => self.http.get(&url),
        };
        let request = match bearer {
            Some(token) => request.bearer_auth(token),
            None => request,
        };
        let response = request.send().await.map_err(|e| Failure {
            status: StatusCode::BAD_GATEWAY,
            code: None,
            message: if e.is_timeout() {
                "Feishu did not answer in time".into()
            } else {
                "Feishu could not be reached".into()
            },
        })?;
        let status = response.status();
        let value: Value = response.json().await.unwrap_or(Value::Null);
        let code = value.get("code").and_then(Value::as_i64).unwrap_or(if status.is_success() { 0 } else { -1 });
        if code != 0 || !status.is_success() {
            let message = ["error_description", "msg", "message"]
                .iter()
                .find_map(|k| value.get(k).and_then(Value::as_str))
                .unwrap_or("Feishu refused the request")
                .to_owned();
            let status = if status.is_success() { StatusCode::BAD_REQUEST } else { status };
            eprintln!("[backend] {path} failed: Feishu code {code}, HTTP {}", status.as_u16());
            return Err(Failure { status, code: (code > 0).then_some(code), message });
        }
        Ok(value)
    }

    /// `code` → the Feishu grant (user access token, and refresh token when there is one), by
    /// the surface's route.
    async fn redeem(&self, request: &LoginRequest, code: &str) -> Result<FeishuGrant, Failure> {
        match request.surface.as_deref() {
            Some("browser") => {
                let (Some(verifier), Some(redirect_uri)) = (&request.code_verifier, &request.redirect_uri) else {
                    return Err(bad_request("the browser surface needs codeVerifier and redirectUri"));
                };
                let body = json!({ "grant_type": "authorization_code", "client_id": self.config.app_id,
                    "client_secret": self.config.app_secret, "code": code, "redirect_uri": redirect_uri, "code_verifier": verifier });
                let token = self.feishu("/open-apis/authen/v2/oauth/token", None, Some(body)).await?;
                Ok(FeishuGrant::from_token_answer(&token, now_secs()))
            }
            Some("client") => {
                let body = json!({ "grant_type": "authorization_code", "client_id": self.config.app_id,
                    "client_secret": self.config.app_secret, "code": code });
                let token = self.feishu("/open-apis/authen/v2/oauth/token", None, Some(body)).await?;
                Ok(FeishuGrant::from_token_answer(&token, now_secs()))
            }
            Some("docWidget" | "miniProgram") => {
                let app = self
                    .feishu(
                        "/open-apis/auth/v3/app_access_token/internal",
                        None,
                        Some(json!({ "app_id": self.config.app_id, "app_secret": self.config.app_secret })),
                    )
                    .await?;
                let app_token = app["app_access_token"].as_str().unwrap_or_default().to_owned();
                let validated = self
                    .feishu("/open-apis/mina/v2/tokenLoginValidate", Some(&app_token), Some(json!({ "code": code })))
                    .await?;
                let data = &validated["data"];
                let now = now_secs();
                // `expires_in` is an expiry timestamp on this endpoint (seed 003); a small value
                // is read as a lifetime, defensively.
                let expires = data["expires_in"].as_u64().unwrap_or(7200);
                let expires_at = if expires > 1_000_000_000 { expires } else { now.saturating_add(expires) };
                Ok(FeishuGrant {
                    access_token: data["access_token"].as_str().unwrap_or_default().to_owned(),
                    access_expires_at: expires_at,
                    access_lifetime: expires_at.saturating_sub(now),
                    // Its refresh token is not one `authen/v2/oauth/token` accepts (20026):
                    // these surfaces renew by asking the host for a new code.
                    refresh_token: None,
                    refresh_expires_at: 0,
                })
            }
            _ => Err(bad_request("surface must be browser, client, docWidget or miniProgram")),
        }
    }
}

impl Backend {
    /// The claims of the request's bearer session: signed by us, unexpired, with a session id,
    /// and not revoked (a 503 when the store cannot tell).
    async fn session(&self, headers: &HeaderMap) -> Result<Value, Failure> {
        let claims = bearer(headers)
            .and_then(|t| verify(&self.config.session_secret, t, now_secs()))
            .filter(|c| c["sid"].is_string())
            .ok_or_else(|| unauthorized(None, "no valid session: log in again"))?;
        if self.revoked(claims["sid"].as_str().unwrap_or_default()).await? {
            return Err(unauthorized(None, "this session was logged out: log in again"));
        }
        Ok(claims)
    }

    async fn revoked(&self, sid: &str) -> Result<bool, Failure> {
        Ok(self.config.store.get(&revoked_key(sid)).await.map_err(store_failure)?.is_some())
    }

    /// Seals `grant` for `sid` (the session id is the associated data: a record cannot be moved
    /// to another session) and stores it until its last token expires.
    async fn put_grant(&self, sid: &str, grant: &FeishuGrant) -> Result<(), Failure> {
        let nonce: [u8; 12] = rand::random();
        let plaintext = serde_json::to_vec(grant).expect("a grant serializes");
        let sealed = self
            .grant_cipher
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: &plaintext, aad: sid.as_bytes() })
            .expect("ChaCha20-Poly1305 encrypts any length this small");
        let until = grant.access_expires_at.max(grant.refresh_expires_at);
        let ttl = Duration::from_secs(until.saturating_sub(now_secs()).max(1));
        let record = [nonce.as_slice(), &sealed].concat();
        self.config.store.set(&grant_key(sid), record, ttl).await.map_err(store_failure)
    }

    /// The grant stored for `sid`; `None` when there is none or it does not open with our key.
    async fn get_grant(&self, sid: &str) -> Result<Option<FeishuGrant>, Failure> {
        let Some(record) = self.config.store.get(&grant_key(sid)).await.map_err(store_failure)? else {
            return Ok(None);
        };
        if record.len() < 12 {
            return Ok(None);
        }
        let (nonce, sealed) = record.split_at(12);
        let opened = self.grant_cipher.decrypt(Nonce::from_slice(nonce), Payload { msg: sealed, aad: sid.as_bytes() });
        Ok(opened.ok().and_then(|plain| serde_json::from_slice(&plain).ok()))
    }

    /// A signed session for `user` under `sid`, valid for the session lifetime but never past
    /// the Feishu user token it stands on; the answer has the login's shape.
    fn issue_session(&self, sid: &str, surface: &str, user: &Value, grant: &FeishuGrant) -> Result<Value, Failure> {
        let now = now_secs();
        let expires_at = now.saturating_add(self.config.session_ttl.as_secs()).min(grant.access_expires_at);
        if expires_at <= now {
            return Err(unauthorized(None, "the Feishu sign-in has expired: log in again"));
        }
        let open_id = user["open_id"].as_str().unwrap_or_default();
        let name = user["name"].as_str().unwrap_or_default();
        let token = sign(
            &self.config.session_secret,
            &json!({ "sub": open_id, "name": name, "surface": surface, "exp": expires_at, "sid": sid }),
        );
        Ok(json!({
            "token": token,
            "expiresIn": expires_at - now,
            "user": { "name": user["name"], "enName": user["en_name"], "openId": user["open_id"], "email": user["email"], "avatarUrl": user["avatar_url"] },
        }))
    }

    /// Takes the session's renewal lock, waiting up to [`RENEWAL_WAIT`] for another holder;
    /// the lock's owner mark when taken.
    async fn lock_renewal(&self, sid: &str) -> Result<Option<Vec<u8>>, Failure> {
        let owner = rand::random::<[u8; 16]>().to_vec();
        let deadline = tokio::time::Instant::now() + RENEWAL_WAIT;
        loop {
            let taken = self.config.store.set_if_absent(&lock_key(sid), owner.clone(), RENEWAL_LOCK_TTL).await;
            if taken.map_err(store_failure)? {
                return Ok(Some(owner));
            }
            if tokio::time::Instant::now() >= deadline {
                return Ok(None);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Releases the lock if this request still holds it (a lapsed lock may be another's now).
    async fn unlock_renewal(&self, sid: &str, owner: &[u8]) {
        let key = lock_key(sid);
        if let Ok(Some(held)) = self.config.store.get(&key).await {
            if held == owner {
                // Whatever fails here, the lock's TTL frees it.
                let _ = self.config.store.delete(&key).await;
            }
        }
    }

    /// The renewal proper, under the session's lock: renews the Feishu user token with the
    /// refresh token when it nears expiry (storing the rotated refresh token before anything
    /// else: the old one is spent), checks the user with Feishu, and signs a new session.
    async fn renew(&self, claims: &Value) -> Result<Value, Failure> {
        let sid = claims["sid"].as_str().unwrap_or_default();
        let Some(mut grant) = self.get_grant(sid).await? else {
            return Err(unauthorized(None, "this session cannot be renewed: log in again"));
        };
        let now = now_secs();
        if grant.nears_expiry(now) {
            let Some(refresh_token) = grant.refresh_token.clone() else {
                return Err(unauthorized(
                    None,
                    "the Feishu sign-in cannot be renewed (no refresh token: request the offline_access scope): log in again",
                ));
            };
            if grant.refresh_expires_at <= now {
                // What Feishu would answer; asking it would only spend a request.
                return Err(unauthorized(Some(20037), "the Feishu refresh token has expired: log in again"));
            }
            let body = json!({ "grant_type": "refresh_token", "client_id": self.config.app_id,
                "client_secret": self.config.app_secret, "refresh_token": refresh_token });
            match self.feishu("/open-apis/authen/v2/oauth/token", None, Some(body)).await {
                Ok(answer) => {
                    grant = FeishuGrant::from_token_answer(&answer, now_secs());
                    self.put_grant(sid, &grant).await?;
                    eprintln!(
                        "[backend] renewed the Feishu sign-in of {}",
                        log_value(claims["sub"].as_str().unwrap_or(""))
                    );
                }
                // Feishu refused the refresh token (expired 20037, revoked 20064, used 20073,
                // invalid 20026, another app's 20024, …): the session is over.
                Err(failure) if failure.status.is_client_error() => {
                    let _ = self.config.store.delete(&grant_key(sid)).await;
                    let message = format!("Feishu refused to renew the sign-in ({}): log in again", failure.message);
                    return Err(unauthorized(failure.code, &message));
                }
                // 5xx, 20050, 20072, timeouts: the session stands; the caller retries.
                Err(failure) => return Err(failure),
            }
        }
        let user = match self.feishu("/open-apis/authen/v1/user_info", Some(&grant.access_token), None).await {
            Ok(info) => info["data"].clone(),
            Err(failure) if failure.status.is_client_error() => {
                return Err(unauthorized(failure.code, "Feishu no longer accepts this sign-in: log in again"))
            }
            Err(failure) => return Err(failure),
        };
        if user["open_id"] != claims["sub"] {
            return Err(unauthorized(None, "the Feishu user changed: log in again"));
        }
        // A logout may have landed while Feishu answered: it wins.
        if self.revoked(sid).await? {
            return Err(unauthorized(None, "this session was logged out: log in again"));
        }
        self.issue_session(sid, claims["surface"].as_str().unwrap_or_default(), &user, &grant)
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "))
}

async fn login(State(backend): State<Arc<Backend>>, Json(request): Json<LoginRequest>) -> Response {
    let Some(code) = request.code.clone().filter(|c| !c.is_empty()) else {
        return bad_request("code is required").into_response();
    };
    if request.app_id.as_deref() != Some(backend.config.app_id.as_str()) {
        return bad_request("appId is not this backend's app").into_response();
    }
    // Checked before anything about the request is logged (issue #13: a forged surface wrote fake
    // log lines); redeem() routes on the same four names.
    let surface = match request.surface.as_deref() {
        Some(name @ ("browser" | "client" | "docWidget" | "miniProgram")) => name.to_owned(),
        _ => return bad_request("surface must be browser, client, docWidget or miniProgram").into_response(),
    };
    let (grant, user) = if request.passport == Some(true) && surface == "browser" {
        // The historical passport endpoint (issue #10): its own token and userinfo calls, and no
        // refresh token the v2 refresh grant accepts, so such a session is not renewable.
        match passport::redeem(&backend, &code, request.redirect_uri.as_deref()).await {
            Ok((access_token, lifetime, user)) => {
                let now = now_secs();
                let grant = FeishuGrant {
                    access_token,
                    access_expires_at: now.saturating_add(lifetime),
                    access_lifetime: lifetime,
                    refresh_token: None,
                    refresh_expires_at: 0,
                };
                (grant, user)
            }
            Err(response) => return response,
        }
    } else {
        eprintln!("[backend] {surface}: redeeming a login code");
        let grant = match backend.redeem(&request, &code).await {
            Ok(grant) => grant,
            Err(failure) => return failure.into_response(),
        };
        match backend.feishu("/open-apis/authen/v1/user_info", Some(&grant.access_token), None).await {
            Ok(info) => (grant, info["data"].clone()),
            Err(failure) => return failure.into_response(),
        }
    };
    let sid = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 16]>());
    if let Err(failure) = backend.put_grant(&sid, &grant).await {
        return failure.into_response();
    }
    match backend.issue_session(&sid, &surface, &user, &grant) {
        Ok(session) => {
            eprintln!(
                "[backend] {surface}: signed in {}{}",
                log_value(user["open_id"].as_str().unwrap_or_default()),
                if grant.refresh_token.is_some() { " (renewable)" } else { "" }
            );
            Json(session).into_response()
        }
        Err(failure) => failure.into_response(),
    }
}

async fn me(State(backend): State<Arc<Backend>>, headers: HeaderMap) -> Response {
    match backend.session(&headers).await {
        Ok(claims) => Json(json!({ "openId": claims["sub"], "name": claims["name"], "surface": claims["surface"], "exp": claims["exp"] }))
            .into_response(),
        Err(failure) => failure.into_response(),
    }
}

/// `POST /api/feishu/refresh` with `Authorization: Bearer <session>`: a new session of the same
/// shape as the login's, or 401 when the session is invalid, logged out, expired, or its Feishu
/// sign-in cannot be renewed; 502/503 (retry) when Feishu or the store failed.
async fn refresh(State(backend): State<Arc<Backend>>, headers: HeaderMap) -> Response {
    let claims = match backend.session(&headers).await {
        Ok(claims) => claims,
        Err(failure) => return failure.into_response(),
    };
    let sid = claims["sid"].as_str().unwrap_or_default().to_owned();
    let owner = match backend.lock_renewal(&sid).await {
        Ok(Some(owner)) => owner,
        Ok(None) => {
            return Failure {
                status: StatusCode::SERVICE_UNAVAILABLE,
                code: None,
                message: "another renewal of this session is still running: retry".into(),
            }
            .into_response()
        }
        Err(failure) => return failure.into_response(),
    };
    let renewed = backend.renew(&claims).await;
    // Released whatever happened; its TTL covers a replica that dies holding it.
    backend.unlock_renewal(&sid, &owner).await;
    match renewed {
        Ok(session) => Json(session).into_response(),
        Err(failure) => failure.into_response(),
    }
}

/// `POST /api/logout` with `Authorization: Bearer <session>`: revokes the session on every
/// replica sharing the store and forgets its Feishu grant. 204, also for a session already
/// logged out or expired (idempotent); 401 without a session signed by this backend; 503 when
/// the revocation could not be recorded.
async fn logout(State(backend): State<Arc<Backend>>, headers: HeaderMap) -> Response {
    let Some(claims) = bearer(&headers).and_then(|t| verify_signature(&backend.config.session_secret, t)) else {
        return unauthorized(None, "no session to log out").into_response();
    };
    let Some(sid) = claims["sid"].as_str() else { return StatusCode::NO_CONTENT.into_response() };
    // Every token of this session was signed before now and lives at most one session lifetime,
    // renewed ones included: the record covers them all, then goes.
    let ttl = backend.config.session_ttl.saturating_add(REVOCATION_MARGIN);
    if let Err(error) = backend.config.store.set(&revoked_key(sid), b"1".to_vec(), ttl).await {
        return store_failure(error).into_response();
    }
    if let Err(error) = backend.config.store.delete(&grant_key(sid)).await {
        // The grant expires by itself and no revoked session can use it.
        eprintln!("[backend] logout: the Feishu grant stays until it expires ({error})");
    }
    eprintln!("[backend] logged out {}", log_value(claims["sub"].as_str().unwrap_or_default()));
    StatusCode::NO_CONTENT.into_response()
}

/// A value from outside (a request, Feishu's answer) as it may appear in a log line: newlines,
/// ANSI escapes and other control characters escaped, so it cannot forge or hide lines.
pub(crate) fn log_value(value: &str) -> String {
    value.escape_debug().to_string()
}

fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// `base64url(claims).base64url(HMAC-SHA256(secret, base64url(claims)))`.
pub fn sign(secret: &[u8], claims: &Value) -> String {
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(payload.as_bytes());
    payload + "." + &URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// The claims of a token signed with `secret` and unexpired at `now` (seconds).
pub fn verify(secret: &[u8], token: &str, now: u64) -> Option<Value> {
    let claims = verify_signature(secret, token)?;
    (claims["exp"].as_u64()? > now).then_some(claims)
}

/// The claims of a token signed with `secret`, expired or not (logout accepts both).
pub fn verify_signature(secret: &[u8], token: &str) -> Option<Value> {
    let (payload, signature) = token.split_once('.')?;
    let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).ok()?;
    mac.update(payload.as_bytes());
    mac.verify_slice(&signature).ok()?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_verify_and_resist_tampering_and_expire() {
        let secret = b"k1";
        let token = sign(secret, &json!({ "sub": "ou_1", "exp": 100 }));
        assert_eq!(verify(secret, &token, 99).unwrap()["sub"], "ou_1");
        assert!(verify(secret, &token, 100).is_none(), "expired");
        assert!(verify(b"k2", &token, 0).is_none(), "another key");
        let (payload, signature) = token.split_once('.').unwrap();
        let forged = URL_SAFE_NO_PAD.encode(json!({ "sub": "ou_admin", "exp": 100 }).to_string()) + "." + signature;
        assert!(verify(secret, &forged, 0).is_none(), "claims changed");
        assert!(verify(secret, payload, 0).is_none(), "no signature");
    }

    #[tokio::test]
    async fn a_renewal_releases_only_its_own_lock() {
        let store: Arc<dyn Store> = Arc::new(crate::store::MemoryStore::default());
        let backend = Backend::new(BackendConfig {
            app_id: "cli_x".into(),
            app_secret: "s".into(),
            open_api_base: "http://127.0.0.1:9".into(),
            session_secret: b"k".to_vec(),
            session_ttl: Duration::from_secs(60),
            store: store.clone(),
        });
        let mine = backend.lock_renewal("sid").await.unwrap().expect("free");
        // Ours lapsed (a renewal slower than the TTL) and another replica took it.
        store.set(&lock_key("sid"), b"theirs".to_vec(), Duration::from_secs(60)).await.unwrap();
        backend.unlock_renewal("sid", &mine).await;
        assert_eq!(store.get(&lock_key("sid")).await.unwrap(), Some(b"theirs".to_vec()), "theirs stays");
        backend.unlock_renewal("sid", b"theirs").await;
        assert_eq!(store.get(&lock_key("sid")).await.unwrap(), None);
    }

    #[tokio::test]
    async fn a_grant_opens_only_under_its_own_session_id_and_key() {
        let store: Arc<dyn Store> = Arc::new(crate::store::MemoryStore::default());
        let config = |secret: &[u8]| BackendConfig {
            app_id: "cli_x".into(),
            app_secret: "s".into(),
            open_api_base: "http://127.0.0.1:9".into(),
            session_secret: secret.to_vec(),
            session_ttl: Duration::from_secs(60),
            store: store.clone(),
        };
        let (backend, other_key) = (Backend::new(config(b"k1")), Backend::new(config(b"k2")));
        let grant = FeishuGrant {
            access_token: "u-secret".into(),
            access_expires_at: now_secs() + 60,
            access_lifetime: 60,
            refresh_token: Some("ur-secret".into()),
            refresh_expires_at: now_secs() + 600,
        };
        backend.put_grant("a", &grant).await.unwrap();
        assert_eq!(backend.get_grant("a").await.unwrap().unwrap().refresh_token.as_deref(), Some("ur-secret"));
        assert!(other_key.get_grant("a").await.unwrap().is_none(), "another SESSION_SECRET cannot open it");
        // Moved to another session's key, the record does not open (the session id is sealed in).
        let record = store.get(&grant_key("a")).await.unwrap().unwrap();
        store.set(&grant_key("b"), record, Duration::from_secs(60)).await.unwrap();
        assert!(backend.get_grant("b").await.unwrap().is_none());
    }
}
