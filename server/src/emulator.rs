//! A local Feishu, as strict as the real one where the SDK and the backend depend on it, under
//! the same paths (`/open-apis/...`) so that only the base URL changes between the two.
//!
//! Rules follow Feishu's documents (`shared/design/feishu.md`): codes are single use and live
//! 5 minutes, bound to the app and to the `redirect_uri` they were issued for, and PKCE is
//! checked per the method sent (`plain` is Feishu's default, `S256` checked exactly).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Form, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Issue #10: the QR SDK stand-in, `tmp_code`, the passport endpoints (and the backend's half).
#[path = "passport.rs"]
pub(crate) mod passport;

/// A demo user of the emulated tenant.
#[derive(Clone, Copy, Debug)]
pub struct DemoUser {
    pub open_id: &'static str,
    pub union_id: &'static str,
    pub name: &'static str,
    pub en_name: &'static str,
    pub email: &'static str,
}

pub const USERS: [DemoUser; 3] = [
    DemoUser {
        open_id: "ou_7d8a6e6df7621556ce0d21922b676706",
        union_id: "on_8ed6aa67826108097d9ee143816345",
        name: "张三",
        en_name: "Zhang San",
        email: "zhangsan@example.com",
    },
    DemoUser {
        open_id: "ou_2b1e7d1f0c5f4a9b8e3d6c7a9f0e1d2c",
        union_id: "on_1f2e3d4c5b6a79880f1e2d3c4b5a6978",
        name: "李四",
        en_name: "Li Si",
        email: "lisi@example.com",
    },
    DemoUser {
        open_id: "ou_9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a49",
        union_id: "on_0a9b8c7d6e5f40312a3b4c5d6e7f8091",
        name: "王五",
        en_name: "Wang Wu",
        email: "wangwu@example.com",
    },
];

/// The emulated app's settings.
#[derive(Clone, Debug)]
pub struct EmulatorConfig {
    pub app_id: String,
    pub app_secret: String,
    /// Redirect URLs the app registered (exact match, without query; the fragment is allowed).
    pub redirect_allowlist: Vec<String>,
    /// How long a code lives (Feishu: 5 minutes).
    pub code_ttl: Duration,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum CodeKind {
    /// Redeemed at `authen/v2/oauth/token` (browser redirect, client web app).
    OAuth,
    /// Redeemed at `mina/v2/tokenLoginValidate` (doc widget, mini program).
    Mina,
}

#[derive(Clone, Debug)]
struct Grant {
    kind: CodeKind,
    client_id: String,
    user: usize,
    redirect_uri: Option<String>,
    challenge: Option<(String, String)>,
    issued: Instant,
    used: bool,
}

/// Faults injected into the next token calls, for tests of retries and failures.
#[derive(Clone, Debug, Default)]
struct Faults {
    remaining: u32,
    kind: String,
}

/// How many codes, user tokens and app tokens the emulator keeps at most (each): a client that
/// mints without end gets Feishu's rate-limit answer instead of growing the process.
pub const MAX_ENTRIES: usize = 10_000;

/// How long the user and app tokens the emulator issues live (Feishu: 2 hours).
const TOKEN_TTL: Duration = Duration::from_secs(7200);

/// Feishu's "request trigger frequency limit" code, answered when a store is full.
const RATE_LIMITED: i64 = 99_991_400;

/// Entries that expire: purged when they do (at the next insert), and bounded in number.
struct Bounded<V> {
    entries: HashMap<String, (V, Instant)>,
    inserts: usize,
}

impl<V> Default for Bounded<V> {
    fn default() -> Self {
        Bounded { entries: HashMap::new(), inserts: 0 }
    }
}

impl<V> Bounded<V> {
    /// Stores `value` until `ttl` from now; `false` when the store is full of live entries.
    /// Expired entries go when the store is full and every 1,024 inserts (a sweep is O(n)).
    fn insert(&mut self, key: String, value: V, ttl: Duration) -> bool {
        let now = Instant::now();
        self.inserts += 1;
        if self.entries.len() >= MAX_ENTRIES || self.inserts.is_multiple_of(1024) {
            self.entries.retain(|_, (_, until)| *until > now);
        }
        if self.entries.len() >= MAX_ENTRIES {
            return false;
        }
        self.entries.insert(key, (value, now + ttl));
        true
    }

    /// The live entry under `key`.
    fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        let now = Instant::now();
        self.entries.get_mut(key).filter(|(_, until)| *until > now).map(|(value, _)| value)
    }
}

/// The emulator's state, shared by its handlers.
pub struct Emulator {
    pub config: EmulatorConfig,
    /// Kept twice their lifetime, so an expired code still answers "expired" (20004) for a while.
    grants: Mutex<Bounded<Grant>>,
    user_tokens: Mutex<Bounded<usize>>,
    app_tokens: Mutex<Bounded<()>>,
    faults: Mutex<Faults>,
}

fn rate_limited() -> Response {
    feishu_error(
        StatusCode::TOO_MANY_REQUESTS,
        RATE_LIMITED,
        "request trigger frequency limit (the emulator's stores are full)",
    )
}

fn random_id(prefix: &str) -> String {
    let bytes: [u8; 18] = rand::random();
    String::from(prefix) + &URL_SAFE_NO_PAD.encode(bytes)
}

fn feishu_error(status: StatusCode, code: i64, description: &str) -> Response {
    (
        status,
        Json(json!({ "code": code, "error": "invalid_request", "error_description": description, "msg": description })),
    )
        .into_response()
}

fn error_page(code: i64, message: &str) -> Response {
    let body = format!(
        "<!doctype html><meta charset=utf-8><link rel=icon href=\"data:,\"><title>Feishu emulator: error {code}</title>\
         <body style=\"font:16px system-ui;margin:3rem\"><h1>Error {code}</h1><p id=error-code>{code}</p><p>{}</p></body>",
        html_escape(message)
    );
    (StatusCode::BAD_REQUEST, Html(body)).into_response()
}

pub fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// `redirect_uri` with `?code=…&state=…` (or the error) added to its query, before any fragment,
/// as Feishu does.
fn redirect_with(redirect_uri: &str, params: &[(&str, &str)]) -> String {
    let (base, fragment) = match redirect_uri.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (redirect_uri, None),
    };
    let mut out = String::from(base);
    out.push(if base.contains('?') { '&' } else { '?' });
    out.push_str(&form_pairs(params));
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    out
}

fn form_pairs(params: &[(&str, &str)]) -> String {
    params.iter().map(|(k, v)| format!("{}={}", url_encode(k), url_encode(v))).collect::<Vec<_>>().join("&")
}

fn url_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl Emulator {
    pub fn new(config: EmulatorConfig) -> Arc<Emulator> {
        Arc::new(Emulator {
            config,
            grants: Mutex::default(),
            user_tokens: Mutex::default(),
            app_tokens: Mutex::default(),
            faults: Mutex::default(),
        })
    }

    fn redirect_allowed(&self, redirect_uri: &str) -> bool {
        // Feishu compares the URL without query; the fragment is the app's business.
        let without_fragment = redirect_uri.split('#').next().unwrap_or("");
        let without_query = without_fragment.split('?').next().unwrap_or("");
        self.config.redirect_allowlist.iter().any(|allowed| allowed == without_query)
    }

    fn mint(
        &self,
        kind: CodeKind,
        user: usize,
        redirect_uri: Option<String>,
        challenge: Option<(String, String)>,
    ) -> Option<String> {
        let code = random_id(if kind == CodeKind::OAuth { "code-" } else { "mina-" });
        let grant = Grant {
            kind,
            client_id: self.config.app_id.clone(),
            user,
            redirect_uri,
            challenge,
            issued: Instant::now(),
            used: false,
        };
        let kept = self.grants.lock().unwrap().insert(code.clone(), grant, self.config.code_ttl * 2);
        kept.then_some(code)
    }

    /// How many codes, user tokens and app tokens are stored.
    #[cfg(test)]
    pub(crate) fn stored(&self) -> [usize; 3] {
        [
            self.grants.lock().unwrap().entries.len(),
            self.user_tokens.lock().unwrap().entries.len(),
            self.app_tokens.lock().unwrap().entries.len(),
        ]
    }

    /// Issues a user access token for `user`; `None` when the store is full.
    fn issue_user_token(&self, user: usize) -> Option<String> {
        let token = random_id("u-");
        self.user_tokens.lock().unwrap().insert(token.clone(), user, TOKEN_TTL).then_some(token)
    }

    fn take_fault(&self) -> Option<String> {
        let mut faults = self.faults.lock().unwrap();
        if faults.remaining == 0 {
            return None;
        }
        faults.remaining -= 1;
        Some(faults.kind.clone())
    }
}

pub fn routes(emulator: Arc<Emulator>) -> Router {
    Router::new()
        .route("/open-apis/authen/v1/authorize", get(passport::authorize).post(authorize_decision))
        .route("/suite/passport/oauth/authorize", get(passport::passport_authorize))
        .route("/suite/passport/oauth/token", post(passport::passport_token))
        .route("/suite/passport/oauth/userinfo", get(passport::passport_userinfo))
        .route("/emulator/qr-sdk.js", get(passport::qr_sdk))
        .route("/emulator/qr", get(passport::qr_frame))
        .route("/emulator/qr-scan", post(passport::qr_scan))
        .route("/open-apis/authen/v2/oauth/token", post(oauth_token))
        .route("/open-apis/authen/v1/user_info", get(user_info))
        .route("/open-apis/auth/v3/app_access_token/internal", post(app_access_token))
        .route("/open-apis/mina/v2/tokenLoginValidate", post(token_login_validate))
        .route("/emulator/host-code", post(host_code))
        .route("/emulator/faults", post(set_faults))
        .with_state(emulator)
}

#[derive(Deserialize, Default)]
struct AuthorizeParams {
    client_id: Option<String>,
    redirect_uri: Option<String>,
    response_type: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    user: Option<usize>,
    decision: Option<String>,
}

/// The registered redirect URI, or the Feishu code and message of the error page to show.
fn check_authorize(emulator: &Emulator, params: &AuthorizeParams) -> Result<String, (i64, &'static str)> {
    if params.client_id.as_deref() != Some(emulator.config.app_id.as_str()) {
        return Err((20029, "unknown client_id: this app is not registered"));
    }
    let redirect_uri = params.redirect_uri.clone().unwrap_or_default();
    // Control characters (CR/LF in a fragment) cannot go into the Location header: refused here,
    // before a code is minted, instead of a 500 after.
    if redirect_uri.chars().any(char::is_control) {
        return Err((20029, "redirect_uri contains control characters"));
    }
    if !emulator.redirect_allowed(&redirect_uri) {
        return Err((20029, "redirect_uri is not in the app's redirect URL list"));
    }
    if params.response_type.as_deref() != Some("code") {
        return Err((20001, "response_type must be code"));
    }
    if let Some(scope) = &params.scope {
        let scopes: Vec<&str> = scope.split(' ').filter(|s| !s.is_empty()).collect();
        if scopes.len() > 50 {
            return Err((20001, "at most 50 scopes"));
        }
        if scopes.iter().enumerate().any(|(i, s)| scopes[..i].contains(s)) {
            return Err((20067, "duplicate scopes"));
        }
    }
    if let Some(method) = &params.code_challenge_method {
        if method != "S256" && method != "plain" {
            return Err((20001, "code_challenge_method must be S256 or plain"));
        }
    }
    Ok(redirect_uri)
}

async fn authorize_page(State(emulator): State<Arc<Emulator>>, Query(params): Query<AuthorizeParams>) -> Response {
    if let Err((code, message)) = check_authorize(&emulator, &params) {
        return error_page(code, message);
    }
    let hidden = |name: &str, value: &Option<String>| match value {
        Some(v) => format!("<input type=hidden name=\"{name}\" value=\"{}\">", html_escape(v)),
        None => String::new(),
    };
    let users: String = USERS
        .iter()
        .enumerate()
        .map(|(i, u)| {
            format!(
                "<label class=user><input type=radio name=user value={i}{}> <b>{}</b> {} <small>{}</small></label>",
                if i == 0 { " checked" } else { "" },
                u.name,
                u.en_name,
                u.email
            )
        })
        .collect();
    let scope = params.scope.clone().unwrap_or_default();
    let body = format!(
        r#"<!doctype html><html lang=zh><meta charset=utf-8><meta name=viewport content="width=device-width,initial-scale=1"><link rel=icon href="data:,">
<title>飞书 · 授权 (emulator)</title>
<style>body{{font:15px/1.5 system-ui,"PingFang SC",sans-serif;background:#f5f6f7;margin:0}}
main{{max-width:420px;margin:4rem auto;background:#fff;border-radius:12px;padding:2rem;box-shadow:0 2px 8px #0001}}
h1{{font-size:1.2rem}} .app{{color:#3370ff}} .user{{display:block;padding:.5rem;border:1px solid #dee0e3;border-radius:8px;margin:.4rem 0;cursor:pointer}}
small{{color:#8f959e}} .buttons{{display:flex;gap:.5rem;margin-top:1rem}} button{{flex:1;border:0;border-radius:6px;padding:.6rem;font:inherit;cursor:pointer}}
#allow{{background:#3370ff;color:#fff}} #deny{{background:#e5e6eb}} .note{{color:#8f959e;font-size:.8rem;margin-top:1rem}}</style>
<main><h1><span class=app>{app}</span> 请求使用你的飞书身份登录</h1>
<p>Scope: <code id=scope>{scope}</code></p>
<form method=post action="/open-apis/authen/v1/authorize">
{hidden}
<p>选择演示用户 · Pick a demo user</p>{users}
<div class=buttons><button id=deny name=decision value=deny>拒绝 Deny</button><button id=allow name=decision value=allow>授权 Authorize</button></div>
</form><p class=note>Local Feishu emulator: no real account is involved.</p></main></html>"#,
        app = html_escape(&emulator.config.app_id),
        scope = html_escape(if scope.is_empty() { "(identity only)" } else { &scope }),
        hidden = [
            hidden("client_id", &params.client_id),
            hidden("redirect_uri", &params.redirect_uri),
            hidden("response_type", &params.response_type),
            hidden("scope", &params.scope),
            hidden("state", &params.state),
            hidden("code_challenge", &params.code_challenge),
            hidden("code_challenge_method", &params.code_challenge_method),
        ]
        .concat(),
    );
    Html(body).into_response()
}

async fn authorize_decision(State(emulator): State<Arc<Emulator>>, Form(params): Form<AuthorizeParams>) -> Response {
    let redirect_uri = match check_authorize(&emulator, &params) {
        Ok(uri) => uri,
        Err((code, message)) => return error_page(code, message),
    };
    let state = params.state.clone().unwrap_or_default();
    let mut out: Vec<(&str, &str)> = Vec::new();
    let code;
    if params.decision.as_deref() == Some("allow") {
        let user = params.user.unwrap_or(0).min(USERS.len() - 1);
        let challenge = params.code_challenge.clone().map(|c| {
            // Feishu's default method is plain.
            (c, params.code_challenge_method.clone().unwrap_or_else(|| "plain".into()))
        });
        code = match emulator.mint(CodeKind::OAuth, user, Some(redirect_uri.clone()), challenge) {
            Some(code) => code,
            None => return error_page(RATE_LIMITED, "too many codes outstanding: try again later"),
        };
        eprintln!("[emulator] user {} authorized {}", USERS[user].en_name, emulator.config.app_id);
        out.push(("code", &code));
    } else {
        eprintln!("[emulator] the user denied the authorization");
        out.push(("error", "access_denied"));
    }
    if params.state.is_some() {
        out.push(("state", &state));
    }
    Redirect::to(&redirect_with(&redirect_uri, &out)).into_response()
}

#[derive(Deserialize, Default)]
struct TokenRequest {
    grant_type: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
}

/// The answer of an armed fault, if one is armed: every token path takes them (OAuth token v2,
/// and tokenLoginValidate for doc widgets and mini programs), and none spends a code.
async fn injected_fault(emulator: &Emulator) -> Option<Response> {
    match emulator.take_fault().as_deref() {
        Some("20050") => Some(feishu_error(StatusCode::INTERNAL_SERVER_ERROR, 20050, "server error (injected)")),
        Some("20072") => {
            Some(feishu_error(StatusCode::SERVICE_UNAVAILABLE, 20072, "temporarily unavailable (injected)"))
        }
        Some("hang") => {
            tokio::time::sleep(Duration::from_secs(60)).await;
            Some(feishu_error(StatusCode::INTERNAL_SERVER_ERROR, 20050, "server error after hanging (injected)"))
        }
        _ => None,
    }
}

async fn oauth_token(State(emulator): State<Arc<Emulator>>, body: Option<Json<TokenRequest>>) -> Response {
    if let Some(fault) = injected_fault(&emulator).await {
        return fault;
    }
    let Json(request) = body.unwrap_or_default();
    let (Some(grant_type), Some(client_id), Some(client_secret), Some(code)) =
        (&request.grant_type, &request.client_id, &request.client_secret, &request.code)
    else {
        return feishu_error(
            StatusCode::BAD_REQUEST,
            20001,
            "grant_type, client_id, client_secret and code are required",
        );
    };
    if grant_type != "authorization_code" {
        return feishu_error(StatusCode::BAD_REQUEST, 20036, "unsupported grant_type");
    }
    if client_id != &emulator.config.app_id {
        return feishu_error(StatusCode::BAD_REQUEST, 20048, "the app does not exist");
    }
    if !bool::from(client_secret.as_bytes().ct_eq(emulator.config.app_secret.as_bytes())) {
        return feishu_error(StatusCode::BAD_REQUEST, 20002, "client_secret is invalid");
    }
    let mut grants = emulator.grants.lock().unwrap();
    let Some(grant) = grants.get_mut(code).filter(|g| g.kind == CodeKind::OAuth) else {
        return feishu_error(StatusCode::BAD_REQUEST, 20003, "the code was not found");
    };
    if grant.used {
        return feishu_error(StatusCode::BAD_REQUEST, 20065, "the code has already been used");
    }
    if grant.issued.elapsed() >= emulator.config.code_ttl {
        return feishu_error(StatusCode::BAD_REQUEST, 20004, "the code has expired");
    }
    if &grant.client_id != client_id {
        return feishu_error(StatusCode::BAD_REQUEST, 20024, "the code was issued to another app");
    }
    if let Some(expected) = &grant.redirect_uri {
        if request.redirect_uri.as_deref() != Some(expected.as_str()) {
            return feishu_error(StatusCode::BAD_REQUEST, 20071, "redirect_uri differs from the authorization request");
        }
    }
    if let Some((challenge, method)) = &grant.challenge {
        let verifier = request.code_verifier.clone().unwrap_or_default();
        let computed =
            if method == "S256" { URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) } else { verifier };
        if !bool::from(computed.as_bytes().ct_eq(challenge.as_bytes())) {
            return feishu_error(StatusCode::BAD_REQUEST, 20049, "PKCE verification failed");
        }
    }
    grant.used = true;
    let user = grant.user;
    drop(grants);
    let Some(access_token) = emulator.issue_user_token(user) else { return rate_limited() };
    Json(json!({
        "code": 0,
        "access_token": access_token,
        "expires_in": 7200,
        "refresh_token": random_id("ur-"),
        "refresh_token_expires_in": 604800,
        "token_type": "Bearer",
        "scope": "",
    }))
    .into_response()
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    value.strip_prefix("Bearer ").map(str::to_owned)
}

async fn user_info(State(emulator): State<Arc<Emulator>>, headers: HeaderMap) -> Response {
    let user = bearer(&headers).and_then(|t| emulator.user_tokens.lock().unwrap().get_mut(&t).copied());
    let Some(user) = user else {
        return (StatusCode::UNAUTHORIZED, Json(json!({ "code": 99991663, "msg": "invalid user access token" })))
            .into_response();
    };
    let u = USERS[user];
    Json(json!({
        "code": 0,
        "msg": "success",
        "data": { "name": u.name, "en_name": u.en_name, "open_id": u.open_id, "union_id": u.union_id, "email": u.email,
                  "avatar_url": "", "tenant_key": "emulator-tenant" }
    }))
    .into_response()
}

#[derive(Deserialize)]
struct AppTokenRequest {
    app_id: Option<String>,
    app_secret: Option<String>,
}

async fn app_access_token(State(emulator): State<Arc<Emulator>>, Json(request): Json<AppTokenRequest>) -> Response {
    let valid = request.app_id.as_deref() == Some(emulator.config.app_id.as_str())
        && request
            .app_secret
            .as_deref()
            .is_some_and(|s| bool::from(s.as_bytes().ct_eq(emulator.config.app_secret.as_bytes())));
    if !valid {
        return (StatusCode::BAD_REQUEST, Json(json!({ "code": 10014, "msg": "app_id or app_secret is invalid" })))
            .into_response();
    }
    let token = random_id("a-");
    if !emulator.app_tokens.lock().unwrap().insert(token.clone(), (), TOKEN_TTL) {
        return rate_limited();
    }
    Json(json!({ "code": 0, "msg": "ok", "app_access_token": token, "expire": 7200 })).into_response()
}

#[derive(Deserialize)]
struct MinaRequest {
    code: Option<String>,
}

async fn token_login_validate(
    State(emulator): State<Arc<Emulator>>,
    headers: HeaderMap,
    Json(request): Json<MinaRequest>,
) -> Response {
    if let Some(fault) = injected_fault(&emulator).await {
        return fault;
    }
    let app_token_ok = bearer(&headers).is_some_and(|t| emulator.app_tokens.lock().unwrap().get_mut(&t).is_some());
    if !app_token_ok {
        return (StatusCode::BAD_REQUEST, Json(json!({ "code": 10202, "msg": "access token invalid" })))
            .into_response();
    }
    let code = request.code.unwrap_or_default();
    let mut grants = emulator.grants.lock().unwrap();
    let Some(grant) = grants.get_mut(&code).filter(|g| g.kind == CodeKind::Mina) else {
        return (StatusCode::BAD_REQUEST, Json(json!({ "code": 10226, "msg": "invalid code" }))).into_response();
    };
    if grant.used {
        return (StatusCode::BAD_REQUEST, Json(json!({ "code": 10213, "msg": "code has been used" }))).into_response();
    }
    if grant.issued.elapsed() >= emulator.config.code_ttl {
        return (StatusCode::BAD_REQUEST, Json(json!({ "code": 10226, "msg": "code expired" }))).into_response();
    }
    grant.used = true;
    let user = grant.user;
    drop(grants);
    let Some(access_token) = emulator.issue_user_token(user) else { return rate_limited() };
    let expires_at =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0) + 7200;
    Json(json!({
        "code": 0,
        "msg": "success",
        "data": { "open_id": USERS[user].open_id, "employee_id": format!("emp_{user}"), "tenant_key": "emulator-tenant",
                  "access_token": access_token, "expires_in": expires_at, "refresh_token": random_id("ur-"), "session_key": random_id("s-") }
    }))
    .into_response()
}

#[derive(Deserialize)]
struct HostCodeRequest {
    surface: String,
    user: Option<usize>,
}

/// Emulator only: the code a Feishu host (doc widget, client, mini program) would hand out.
async fn host_code(State(emulator): State<Arc<Emulator>>, Json(request): Json<HostCodeRequest>) -> Response {
    let kind = match request.surface.as_str() {
        "client" => CodeKind::OAuth,
        "docWidget" | "miniProgram" => CodeKind::Mina,
        _ => {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({ "message": "surface must be client, docWidget or miniProgram" })),
            )
                .into_response()
        }
    };
    let user = request.user.unwrap_or(0).min(USERS.len() - 1);
    let Some(code) = emulator.mint(kind, user, None, None) else { return rate_limited() };
    eprintln!("[emulator] {} host code issued for {}", request.surface, USERS[user].en_name);
    Json(json!({ "code": code })).into_response()
}

#[derive(Deserialize)]
struct FaultRequest {
    count: u32,
    kind: String,
}

/// Emulator only: the next `count` token calls fail with `kind` (`20050`, `20072` or `hang`).
async fn set_faults(State(emulator): State<Arc<Emulator>>, Json(request): Json<FaultRequest>) -> Response {
    if !["20050", "20072", "hang"].contains(&request.kind.as_str()) {
        return (StatusCode::BAD_REQUEST, Json(json!({ "message": "kind must be 20050, 20072 or hang" })))
            .into_response();
    }
    *emulator.faults.lock().unwrap() = Faults { remaining: request.count, kind: request.kind };
    Json(json!({ "ok": true })).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_keeps_fragment_after_the_query() {
        assert_eq!(redirect_with("http://a/#/x", &[("code", "c"), ("state", "s")]), "http://a/?code=c&state=s#/x");
        assert_eq!(
            redirect_with("http://a/p?t=1", &[("error", "access_denied")]),
            "http://a/p?t=1&error=access_denied"
        );
        assert_eq!(url_encode("a b/é"), "a%20b%2F%C3%A9");
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(html_escape("<a href=\"x\">'&"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;");
    }

    fn emulator(code_ttl: Duration) -> Arc<Emulator> {
        Emulator::new(EmulatorConfig {
            app_id: "cli_test".into(),
            app_secret: "secret".into(),
            redirect_allowlist: vec!["http://127.0.0.1/".into()],
            code_ttl,
        })
    }

    // Issue #13, defect 2: 100k minted codes stayed in memory for good.
    #[test]
    fn stores_are_bounded_and_purged_when_entries_expire() {
        let lasting = emulator(Duration::from_secs(60));
        for _ in 0..MAX_ENTRIES {
            assert!(lasting.mint(CodeKind::Mina, 0, None, None).is_some());
            lasting.issue_user_token(0).unwrap();
        }
        assert_eq!(lasting.mint(CodeKind::Mina, 0, None, None), None, "full of live codes: rate limited");
        assert_eq!(lasting.issue_user_token(0), None);
        assert_eq!(lasting.stored()[..2], [MAX_ENTRIES, MAX_ENTRIES]);

        let brief = emulator(Duration::from_millis(1));
        for _ in 0..MAX_ENTRIES {
            brief.mint(CodeKind::Mina, 0, None, None).unwrap();
        }
        std::thread::sleep(Duration::from_millis(10));
        for _ in 0..1024 {
            assert!(brief.mint(CodeKind::Mina, 0, None, None).is_some(), "expired codes make room");
        }
        assert!(brief.stored()[0] <= 1100, "expired codes are gone: {} kept", brief.stored()[0]);
    }
}
