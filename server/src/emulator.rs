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
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

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
    /// How long user access tokens live (Feishu: about 2 hours; shorter to watch renewal).
    /// `POST /emulator/settings` changes it while the emulator runs.
    pub user_token_ttl: Duration,
    /// How long refresh tokens live (Feishu's example: 604,800 s, 7 days).
    pub refresh_token_ttl: Duration,
    /// Further apps registered in the emulated tenant, besides `app_id` (issue #13: an emulator
    /// that stands in for several apps). They share the redirect allowlist and the users; a code
    /// or refresh token issued to one app is refused to another (20024).
    pub other_apps: Vec<RegisteredApp>,
}

/// An app's credentials, as the developer console shows them.
#[derive(Clone, Debug)]
pub struct RegisteredApp {
    pub app_id: String,
    pub app_secret: String,
}

/// Feishu's defaults for the token lifetimes: 7,200 s and 604,800 s (the examples of
/// `authen/v2/oauth/token`; Feishu says to read them from each answer).
pub const DEFAULT_USER_TOKEN_TTL: Duration = Duration::from_secs(7200);
pub const DEFAULT_REFRESH_TOKEN_TTL: Duration = Duration::from_secs(604_800);

/// The scope that makes the token endpoint hand out a refresh token.
pub const OFFLINE_ACCESS: &str = "offline_access";

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
    /// The scopes the user consented to, space-separated (`offline_access` → a refresh token).
    scope: String,
}

/// A refresh token the emulator issued. Kept (marked used) after it is spent and until twice its
/// lifetime, so a reused token answers "used" (20073) and an expired one "expired" (20037)
/// instead of "invalid" (20026).
#[derive(Clone, Debug)]
struct RefreshGrant {
    client_id: String,
    user: usize,
    scope: String,
    issued: Instant,
    ttl: Duration,
    /// The user access token issued with it (its lifetime is cut to Feishu's one-minute grace
    /// when the refresh token is spent).
    access_token: String,
    used: bool,
    revoked: bool,
    /// The refresh token that replaced this one, to revoke the chain when a spent token is
    /// presented again (RFC 9700 §4.14.2: reuse means one copy leaked).
    successor: Option<String>,
}

/// Token lifetimes in force, changed by `POST /emulator/settings`.
#[derive(Clone, Copy, Debug)]
struct Lifetimes {
    user_token: Duration,
    refresh_token: Duration,
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

/// How long the app tokens the emulator issues live (Feishu: 2 hours).
const TOKEN_TTL: Duration = Duration::from_secs(7200);

/// How long a user access token keeps working after the refresh token issued with it is spent
/// (Feishu: "user_access_token 会有一分钟的豁免时间以供应用完成令牌轮转").
const ROTATION_GRACE: Duration = Duration::from_secs(60);

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

    /// Makes the entry under `key` expire within `ttl` (never later than it would have).
    fn cut(&mut self, key: &str, ttl: Duration) {
        if let Some((_, until)) = self.entries.get_mut(key) {
            *until = (*until).min(Instant::now() + ttl);
        }
    }
}

/// The emulator's state, shared by its handlers.
pub struct Emulator {
    pub config: EmulatorConfig,
    /// Kept twice their lifetime, so an expired code still answers "expired" (20004) for a while.
    grants: Mutex<Bounded<Grant>>,
    user_tokens: Mutex<Bounded<usize>>,
    /// App access tokens, with the app they were issued to.
    app_tokens: Mutex<Bounded<String>>,
    /// Refresh tokens, kept twice their lifetime (see [`RefreshGrant`]).
    refresh_tokens: Mutex<Bounded<RefreshGrant>>,
    lifetimes: Mutex<Lifetimes>,
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
        let lifetimes = Lifetimes { user_token: config.user_token_ttl, refresh_token: config.refresh_token_ttl };
        Arc::new(Emulator {
            config,
            grants: Mutex::default(),
            user_tokens: Mutex::default(),
            app_tokens: Mutex::default(),
            refresh_tokens: Mutex::default(),
            lifetimes: Mutex::new(lifetimes),
            faults: Mutex::default(),
        })
    }

    /// The secret of a registered app.
    fn app_secret(&self, app_id: &str) -> Option<&str> {
        if app_id == self.config.app_id {
            return Some(&self.config.app_secret);
        }
        self.config.other_apps.iter().find(|app| app.app_id == app_id).map(|app| app.app_secret.as_str())
    }

    /// Whether `secret` is `app_id`'s secret (compared in constant time).
    fn app_authenticated(&self, app_id: &str, secret: &str) -> bool {
        self.app_secret(app_id).is_some_and(|expected| bool::from(secret.as_bytes().ct_eq(expected.as_bytes())))
    }

    fn redirect_allowed(&self, redirect_uri: &str) -> bool {
        // Feishu compares the URL without query; the fragment is the app's business.
        let without_fragment = redirect_uri.split('#').next().unwrap_or("");
        let without_query = without_fragment.split('?').next().unwrap_or("");
        self.config.redirect_allowlist.iter().any(|allowed| allowed == without_query)
    }

    // The main app's codes (the emulator's tests; flows that know no other app).
    #[cfg_attr(not(test), allow(dead_code))]
    fn mint(
        &self,
        kind: CodeKind,
        user: usize,
        redirect_uri: Option<String>,
        challenge: Option<(String, String)>,
    ) -> Option<String> {
        let app_id = self.config.app_id.clone();
        self.mint_scoped(kind, &app_id, user, redirect_uri, challenge, String::new())
    }

    /// [`Emulator::mint`] for a given app, with the scopes the user consented to.
    fn mint_scoped(
        &self,
        kind: CodeKind,
        client_id: &str,
        user: usize,
        redirect_uri: Option<String>,
        challenge: Option<(String, String)>,
        scope: String,
    ) -> Option<String> {
        let code = random_id(if kind == CodeKind::OAuth { "code-" } else { "mina-" });
        let grant = Grant {
            kind,
            client_id: client_id.to_owned(),
            user,
            redirect_uri,
            challenge,
            issued: Instant::now(),
            used: false,
            scope,
        };
        let kept = self.grants.lock().unwrap().insert(code.clone(), grant, self.config.code_ttl * 2);
        kept.then_some(code)
    }

    /// How many codes, user tokens, app tokens and refresh tokens are stored.
    #[cfg(test)]
    pub(crate) fn stored(&self) -> [usize; 4] {
        [
            self.grants.lock().unwrap().entries.len(),
            self.user_tokens.lock().unwrap().entries.len(),
            self.app_tokens.lock().unwrap().entries.len(),
            self.refresh_tokens.lock().unwrap().entries.len(),
        ]
    }

    fn lifetimes(&self) -> Lifetimes {
        *self.lifetimes.lock().unwrap()
    }

    /// Issues a user access token for `user`; `None` when the store is full.
    fn issue_user_token(&self, user: usize) -> Option<String> {
        let token = random_id("u-");
        let ttl = self.lifetimes().user_token;
        self.user_tokens.lock().unwrap().insert(token.clone(), user, ttl).then_some(token)
    }

    /// The answer of `authen/v2/oauth/token` for `user`: a user access token, and a refresh
    /// token when the scope holds `offline_access` (Feishu returns `refresh_token` and
    /// `refresh_token_expires_in` only then), with that refresh token apart. `None` when a store
    /// is full (answer [`rate_limited`]).
    fn issue_tokens(&self, client_id: &str, user: usize, scope: &str) -> Option<(Value, Option<String>)> {
        let access_token = self.issue_user_token(user)?;
        let lifetimes = self.lifetimes();
        let mut answer = json!({
            "code": 0,
            "access_token": access_token,
            "expires_in": lifetimes.user_token.as_secs(),
            "token_type": "Bearer",
            "scope": scope,
        });
        if scope.split(' ').any(|s| s == OFFLINE_ACCESS) {
            let refresh_token = random_id("ur-");
            let grant = RefreshGrant {
                client_id: client_id.to_owned(),
                user,
                scope: scope.to_owned(),
                issued: Instant::now(),
                ttl: lifetimes.refresh_token,
                access_token: access_token.clone(),
                used: false,
                revoked: false,
                successor: None,
            };
            if !self.refresh_tokens.lock().unwrap().insert(refresh_token.clone(), grant, lifetimes.refresh_token * 2) {
                return None;
            }
            answer["refresh_token"] = json!(refresh_token);
            answer["refresh_token_expires_in"] = json!(lifetimes.refresh_token.as_secs());
            return Some((answer, Some(refresh_token)));
        }
        Some((answer, None))
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
        .route("/open-apis/authen/v1/authorize", get(authorize_page).post(authorize_decision))
        .route("/open-apis/authen/v2/oauth/token", post(oauth_token))
        .route("/open-apis/authen/v1/user_info", get(user_info))
        .route("/open-apis/auth/v3/app_access_token/internal", post(app_access_token))
        .route("/open-apis/mina/v2/tokenLoginValidate", post(token_login_validate))
        .route("/emulator/host-code", post(host_code))
        .route("/emulator/faults", get(armed_faults).post(set_faults))
        .route("/emulator/settings", get(settings).post(set_settings))
        .route("/emulator/revoke", post(revoke_user))
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
    if params.client_id.as_deref().and_then(|id| emulator.app_secret(id)).is_none() {
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
        let (client_id, scope) =
            (params.client_id.clone().unwrap_or_default(), params.scope.clone().unwrap_or_default());
        code =
            match emulator.mint_scoped(CodeKind::OAuth, &client_id, user, Some(redirect_uri.clone()), challenge, scope)
            {
                Some(code) => code,
                None => return error_page(RATE_LIMITED, "too many codes outstanding: try again later"),
            };
        eprintln!("[emulator] user {} authorized {client_id}", USERS[user].en_name);
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
    refresh_token: Option<String>,
    /// Narrows the token's scopes to a subset of the granted ones (20067 duplicates, 20068 not
    /// granted); without `offline_access` in it, no refresh token.
    scope: Option<String>,
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

/// `authen/v2/oauth/token`: the `authorization_code` grant and the `refresh_token` grant, with the
/// codes of Feishu's pages "获取 user_access_token" and "刷新 user_access_token".
async fn oauth_token(State(emulator): State<Arc<Emulator>>, body: Option<Json<TokenRequest>>) -> Response {
    if let Some(fault) = injected_fault(&emulator).await {
        return fault;
    }
    let Json(request) = body.unwrap_or_default();
    let (Some(grant_type), Some(client_id), Some(client_secret)) =
        (&request.grant_type, &request.client_id, &request.client_secret)
    else {
        return feishu_error(StatusCode::BAD_REQUEST, 20001, "grant_type, client_id and client_secret are required");
    };
    if grant_type != "authorization_code" && grant_type != "refresh_token" {
        return feishu_error(StatusCode::BAD_REQUEST, 20036, "unsupported grant_type");
    }
    if emulator.app_secret(client_id).is_none() {
        return feishu_error(StatusCode::BAD_REQUEST, 20048, "the app does not exist");
    }
    if !emulator.app_authenticated(client_id, client_secret) {
        return feishu_error(StatusCode::BAD_REQUEST, 20002, "client_secret is invalid");
    }
    if grant_type == "refresh_token" {
        return refresh_grant(&emulator, client_id, &request);
    }
    let Some(code) = &request.code else {
        return feishu_error(StatusCode::BAD_REQUEST, 20001, "code is required");
    };
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
    let scope = match narrowed_scope(&grant.scope, request.scope.as_deref()) {
        Ok(scope) => scope,
        Err((code, message)) => return feishu_error(StatusCode::BAD_REQUEST, code, message),
    };
    grant.used = true;
    let user = grant.user;
    drop(grants);
    match emulator.issue_tokens(client_id, user, &scope) {
        Some((answer, _)) => Json(answer).into_response(),
        None => rate_limited(),
    }
}

/// The scopes of a new token: the granted ones, or the subset `requested` names.
fn narrowed_scope(granted: &str, requested: Option<&str>) -> Result<String, (i64, &'static str)> {
    let Some(requested) = requested.filter(|r| !r.trim().is_empty()) else { return Ok(granted.to_owned()) };
    let scopes: Vec<&str> = requested.split(' ').filter(|s| !s.is_empty()).collect();
    if scopes.iter().enumerate().any(|(i, s)| scopes[..i].contains(s)) {
        return Err((20067, "the scope list contains duplicate scopes"));
    }
    if !scopes.iter().all(|s| granted.split(' ').any(|g| g == *s)) {
        return Err((20068, "the scope list contains scopes that were not granted"));
    }
    Ok(scopes.join(" "))
}

/// The `refresh_token` grant. Refresh tokens are single use: spending one issues a new pair and
/// leaves the old user token a minute of grace; presenting a spent one is 20073 and revokes the
/// tokens issued from it (20064 for its successors).
fn refresh_grant(emulator: &Emulator, client_id: &str, request: &TokenRequest) -> Response {
    let Some(presented) = request.refresh_token.as_deref().filter(|t| !t.is_empty()) else {
        return feishu_error(StatusCode::BAD_REQUEST, 20001, "refresh_token is required");
    };
    let mut refresh_tokens = emulator.refresh_tokens.lock().unwrap();
    let Some(grant) = refresh_tokens.get_mut(presented) else {
        return feishu_error(StatusCode::BAD_REQUEST, 20026, "the refresh token passed is invalid");
    };
    if grant.client_id != client_id {
        return feishu_error(StatusCode::BAD_REQUEST, 20024, "the refresh token does not match the provided client ID");
    }
    if grant.revoked {
        return feishu_error(StatusCode::BAD_REQUEST, 20064, "the refresh token has been revoked");
    }
    if grant.used {
        // Reuse: one copy of the token leaked. Revoke what was issued from it.
        let mut next = grant.successor.clone();
        let mut revoked_access = Vec::new();
        while let Some(key) = next {
            match refresh_tokens.get_mut(&key) {
                Some(successor) => {
                    successor.revoked = true;
                    revoked_access.push(successor.access_token.clone());
                    next = successor.successor.clone();
                }
                None => next = None,
            }
        }
        drop(refresh_tokens);
        let mut user_tokens = emulator.user_tokens.lock().unwrap();
        for token in revoked_access {
            user_tokens.cut(&token, Duration::ZERO);
        }
        return feishu_error(
            StatusCode::BAD_REQUEST,
            20073,
            "the refresh token has been used: a refresh token can only be used once",
        );
    }
    if grant.issued.elapsed() >= grant.ttl {
        return feishu_error(StatusCode::BAD_REQUEST, 20037, "the refresh token passed has expired");
    }
    let scope = match narrowed_scope(&grant.scope, request.scope.as_deref()) {
        Ok(scope) => scope,
        Err((code, message)) => return feishu_error(StatusCode::BAD_REQUEST, code, message),
    };
    // Spent under the lock, so two concurrent requests cannot both spend it.
    grant.used = true;
    let (user, old_access) = (grant.user, grant.access_token.clone());
    drop(refresh_tokens);
    let issued = emulator.issue_tokens(client_id, user, &scope);
    let mut refresh_tokens = emulator.refresh_tokens.lock().unwrap();
    match issued {
        Some((answer, successor)) => {
            if let Some(grant) = refresh_tokens.get_mut(presented) {
                grant.successor = successor;
            }
            drop(refresh_tokens);
            emulator.user_tokens.lock().unwrap().cut(&old_access, ROTATION_GRACE);
            Json(answer).into_response()
        }
        None => {
            // A full store spent nothing: the token stays usable.
            if let Some(grant) = refresh_tokens.get_mut(presented) {
                grant.used = false;
            }
            rate_limited()
        }
    }
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
    let (Some(app_id), Some(secret)) = (&request.app_id, &request.app_secret) else {
        return (StatusCode::BAD_REQUEST, Json(json!({ "code": 10014, "msg": "app_id or app_secret is invalid" })))
            .into_response();
    };
    if !emulator.app_authenticated(app_id, secret) {
        return (StatusCode::BAD_REQUEST, Json(json!({ "code": 10014, "msg": "app_id or app_secret is invalid" })))
            .into_response();
    }
    let token = random_id("a-");
    if !emulator.app_tokens.lock().unwrap().insert(token.clone(), app_id.clone(), TOKEN_TTL) {
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
    let app = bearer(&headers).and_then(|t| emulator.app_tokens.lock().unwrap().get_mut(&t).cloned());
    let Some(app) = app else {
        return (StatusCode::BAD_REQUEST, Json(json!({ "code": 10202, "msg": "access token invalid" })))
            .into_response();
    };
    let code = request.code.unwrap_or_default();
    let mut grants = emulator.grants.lock().unwrap();
    let Some(grant) = grants.get_mut(&code).filter(|g| g.kind == CodeKind::Mina) else {
        return (StatusCode::BAD_REQUEST, Json(json!({ "code": 10226, "msg": "invalid code" }))).into_response();
    };
    if grant.used {
        return (StatusCode::BAD_REQUEST, Json(json!({ "code": 10213, "msg": "code has been used" }))).into_response();
    }
    if grant.client_id != app {
        return (StatusCode::BAD_REQUEST, Json(json!({ "code": 10213, "msg": "the code was issued to another app" })))
            .into_response();
    }
    if grant.issued.elapsed() >= emulator.config.code_ttl {
        return (StatusCode::BAD_REQUEST, Json(json!({ "code": 10226, "msg": "code expired" }))).into_response();
    }
    grant.used = true;
    let user = grant.user;
    drop(grants);
    let Some(access_token) = emulator.issue_user_token(user) else { return rate_limited() };
    // An expiry timestamp here, not a lifetime (seed 003).
    let expires_at =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
            + emulator.lifetimes().user_token.as_secs();
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
    /// The scopes the host's consent granted (`tt.requestAccess`'s `scopeList`, space-separated).
    scope: Option<String>,
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
    let app_id = emulator.config.app_id.clone();
    let scope = request.scope.clone().unwrap_or_default();
    let Some(code) = emulator.mint_scoped(kind, &app_id, user, None, None, scope) else { return rate_limited() };
    eprintln!("[emulator] {} host code issued for {}", request.surface, USERS[user].en_name);
    Json(json!({ "code": code })).into_response()
}

#[derive(Deserialize)]
struct FaultRequest {
    count: u32,
    kind: String,
}

/// Emulator only: the next `count` token calls fail with `kind` (`20050`, `20072` or `hang`).
/// Emulator only: the faults still armed, `{count, kind}` (issue #13: a page can show them
/// while they wait for a token call, instead of leaving them unseen across page loads).
async fn armed_faults(State(emulator): State<Arc<Emulator>>) -> Response {
    let faults = emulator.faults.lock().unwrap().clone();
    let kind = if faults.remaining == 0 { Value::Null } else { json!(faults.kind) };
    Json(json!({ "count": faults.remaining, "kind": kind })).into_response()
}

async fn set_faults(State(emulator): State<Arc<Emulator>>, Json(request): Json<FaultRequest>) -> Response {
    if !["20050", "20072", "hang"].contains(&request.kind.as_str()) {
        return (StatusCode::BAD_REQUEST, Json(json!({ "message": "kind must be 20050, 20072 or hang" })))
            .into_response();
    }
    *emulator.faults.lock().unwrap() = Faults { remaining: request.count, kind: request.kind };
    Json(json!({ "ok": true })).into_response()
}

/// The longest user-token lifetime the settings accept (Feishu's own: about 2 hours).
const MAX_USER_TOKEN_TTL_SECS: u64 = 7200;
/// The longest refresh-token lifetime the settings accept (Feishu: 365 days after consent).
const MAX_REFRESH_TOKEN_TTL_SECS: u64 = 365 * 24 * 3600;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SettingsRequest {
    user_token_ttl_secs: Option<u64>,
    refresh_token_ttl_secs: Option<u64>,
}

fn settings_answer(emulator: &Emulator) -> Response {
    let lifetimes = emulator.lifetimes();
    Json(json!({
        "userTokenTtlSecs": lifetimes.user_token.as_secs(),
        "refreshTokenTtlSecs": lifetimes.refresh_token.as_secs(),
    }))
    .into_response()
}

/// Emulator only: the token lifetimes in force.
async fn settings(State(emulator): State<Arc<Emulator>>) -> Response {
    settings_answer(&emulator)
}

/// Emulator only: shortens (or restores) the lifetimes of the tokens issued from now on, so that
/// renewal can be watched in the demo: `{userTokenTtlSecs?, refreshTokenTtlSecs?}`.
async fn set_settings(
    State(emulator): State<Arc<Emulator>>,
    body: Result<Json<SettingsRequest>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Ok(Json(request)) = body else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "message": "expected JSON {userTokenTtlSecs?, refreshTokenTtlSecs?}" })),
        )
            .into_response();
    };
    let check = |value: Option<u64>, max: u64, name: &str| match value {
        Some(secs) if !(1..=max).contains(&secs) => Err(format!("{name} must be from 1 to {max} seconds")),
        other => Ok(other.map(Duration::from_secs)),
    };
    let user = check(request.user_token_ttl_secs, MAX_USER_TOKEN_TTL_SECS, "userTokenTtlSecs");
    let refresh = check(request.refresh_token_ttl_secs, MAX_REFRESH_TOKEN_TTL_SECS, "refreshTokenTtlSecs");
    let (user, refresh) = match (user, refresh) {
        (Ok(user), Ok(refresh)) => (user, refresh),
        (Err(message), _) | (_, Err(message)) => {
            return (StatusCode::BAD_REQUEST, Json(json!({ "message": message }))).into_response()
        }
    };
    {
        let mut lifetimes = emulator.lifetimes.lock().unwrap();
        lifetimes.user_token = user.unwrap_or(lifetimes.user_token);
        lifetimes.refresh_token = refresh.unwrap_or(lifetimes.refresh_token);
        eprintln!(
            "[emulator] token lifetimes: user {} s, refresh {} s",
            lifetimes.user_token.as_secs(),
            lifetimes.refresh_token.as_secs()
        );
    }
    settings_answer(&emulator)
}

#[derive(Deserialize)]
struct RevokeRequest {
    user: usize,
}

/// Emulator only: the user withdraws the apps' authorization: their refresh tokens answer 20064
/// and their user access tokens stop working.
async fn revoke_user(State(emulator): State<Arc<Emulator>>, Json(request): Json<RevokeRequest>) -> Response {
    if request.user >= USERS.len() {
        return (StatusCode::BAD_REQUEST, Json(json!({ "message": "no such user" }))).into_response();
    }
    let mut revoked = 0;
    for (grant, _) in emulator.refresh_tokens.lock().unwrap().entries.values_mut() {
        if grant.user == request.user && !grant.revoked {
            grant.revoked = true;
            revoked += 1;
        }
    }
    emulator.user_tokens.lock().unwrap().entries.retain(|_, (user, _)| *user != request.user);
    eprintln!(
        "[emulator] {} withdrew the authorization ({revoked} refresh tokens revoked)",
        USERS[request.user].en_name
    );
    Json(json!({ "revoked": revoked })).into_response()
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
            user_token_ttl: DEFAULT_USER_TOKEN_TTL,
            refresh_token_ttl: DEFAULT_REFRESH_TOKEN_TTL,
            other_apps: Vec::new(),
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
        for _ in 0..MAX_ENTRIES {
            lasting.user_tokens.lock().unwrap().entries.clear();
            assert!(lasting.issue_tokens("cli_test", 0, OFFLINE_ACCESS).is_some());
        }
        assert!(lasting.issue_tokens("cli_test", 0, OFFLINE_ACCESS).is_none(), "full of live refresh tokens");
        assert_eq!(lasting.stored()[3], MAX_ENTRIES);

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
