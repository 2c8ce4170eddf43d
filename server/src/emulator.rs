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

/// Issue #10: the QR SDK stand-in, `tmp_code`, the passport endpoints (and the backend's half).
#[path = "passport.rs"]
pub(crate) mod passport;

/// The local Feishu Docs that hosts a doc widget under development (issue #13).
#[path = "widget_host.rs"]
mod widget_host;

/// A user of the emulated tenant (the consent page lists them; host codes name one by index).
#[derive(Clone, Debug, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoUser {
    pub open_id: String,
    pub union_id: String,
    pub name: String,
    pub en_name: String,
    pub email: String,
}

/// The demo tenant's users, when a configuration names none.
pub fn demo_users() -> Vec<DemoUser> {
    [
        (
            "ou_7d8a6e6df7621556ce0d21922b676706",
            "on_8ed6aa67826108097d9ee143816345",
            "张三",
            "Zhang San",
            "zhangsan@example.com",
        ),
        (
            "ou_2b1e7d1f0c5f4a9b8e3d6c7a9f0e1d2c",
            "on_1f2e3d4c5b6a79880f1e2d3c4b5a6978",
            "李四",
            "Li Si",
            "lisi@example.com",
        ),
        (
            "ou_9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a49",
            "on_0a9b8c7d6e5f40312a3b4c5d6e7f8091",
            "王五",
            "Wang Wu",
            "wangwu@example.com",
        ),
    ]
    .into_iter()
    .map(|(open_id, union_id, name, en_name, email)| DemoUser {
        open_id: open_id.into(),
        union_id: union_id.into(),
        name: name.into(),
        en_name: en_name.into(),
        email: email.into(),
    })
    .collect()
}

/// Feishu or Lark: which brand an app belongs to (shown on the consent page; the endpoints are
/// the same paths under either domain).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Brand {
    #[default]
    Feishu,
    Lark,
}

/// One app registered with the emulated Feishu: its credentials and redirect URLs.
#[derive(Clone, Debug)]
pub struct App {
    /// The App ID (`cli_…`).
    pub id: String,
    /// The App Secret, checked in constant time.
    pub secret: String,
    pub brand: Brand,
    /// Redirect URLs the app registered (exact match, without query; the fragment is allowed).
    pub redirect_urls: Vec<String>,
}

/// What the emulator emulates: the apps, the tenant's users and the lifetimes.
#[derive(Clone, Debug)]
pub struct EmulatorConfig {
    pub apps: Vec<App>,
    pub users: Vec<DemoUser>,
    /// How long a code lives (Feishu: 5 minutes).
    pub code_ttl: Duration,
    /// How long user access tokens live (Feishu: about 2 hours; shorter to watch renewal).
    /// `POST /emulator/settings` changes it while the emulator runs.
    pub user_token_ttl: Duration,
    /// How long refresh tokens live (Feishu's example: 604,800 s, 7 days).
    pub refresh_token_ttl: Duration,
    /// When set, the emulator's own controls (`POST /emulator/host-code`, `POST /emulator/faults`)
    /// need the header `x-emulator-key` with this value: codes for any user are a sign-in as that
    /// user, so an emulator reachable by others (CI network, container) should not mint them for
    /// anyone who asks. Unset for the demo on 127.0.0.1, where browsers already keep other sites'
    /// pages out (the controls only take `application/json`, which a cross-site page cannot send
    /// without a CORS preflight that the emulator never allows).
    pub control_key: Option<String>,
}

impl EmulatorConfig {
    /// The registered app `id`.
    pub fn app(&self, id: &str) -> Option<&App> {
        self.apps.iter().find(|app| app.id == id)
    }
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

/// How long the app access tokens the emulator issues live (Feishu: 2 hours).
const TOKEN_TTL: Duration = Duration::from_secs(7200);

/// How long a user access token keeps working after the refresh token issued with it is spent
/// (Feishu: "user_access_token 会有一分钟的豁免时间以供应用完成令牌轮转").
const ROTATION_GRACE: Duration = Duration::from_secs(60);

/// How many codes, user tokens and app tokens the emulator keeps at most (each): a client that
/// mints without end gets Feishu's rate-limit answer instead of growing the process.
pub const MAX_ENTRIES: usize = 10_000;

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

/// What a full [`Bounded`] store does with one more entry.
#[derive(Clone, Copy, PartialEq, Debug)]
enum WhenFull {
    /// Refuse it (Feishu's rate-limit answer): outstanding codes, which anyone can mint.
    Refuse,
    /// Make room by dropping the entry that expires first: tokens, which are only issued for a
    /// code (or a secret) that was just checked, so every login keeps working under sustained
    /// load and the oldest token is invalidated early, as if Feishu had revoked it.
    EvictOldest,
}

impl<V> Bounded<V> {
    /// Stores `value` until `ttl` from now; `false` when the store is full of live entries and
    /// `when_full` refuses. Expired entries go when the store is full and every 1,024 inserts (a
    /// sweep is O(n)).
    fn insert(&mut self, key: String, value: V, ttl: Duration, when_full: WhenFull) -> bool {
        let now = Instant::now();
        self.inserts += 1;
        if self.entries.len() >= MAX_ENTRIES || self.inserts.is_multiple_of(1024) {
            self.entries.retain(|_, (_, until)| *until > now);
        }
        if self.entries.len() >= MAX_ENTRIES {
            if when_full == WhenFull::Refuse {
                return false;
            }
            let oldest = self.entries.iter().min_by_key(|(_, (_, until))| *until).map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                self.entries.remove(&oldest);
            }
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

    /// Takes the entry under `key` out of the store, live or not (with its expiry).
    fn remove(&mut self, key: &str) -> Option<(V, Instant)> {
        self.entries.remove(key)
    }
}

/// The emulator's state, shared by its handlers.
pub struct Emulator {
    pub config: EmulatorConfig,
    /// Codes not redeemed yet, kept twice their lifetime so an expired code still answers
    /// "expired" (20004) for a while. A redeemed code moves to `used`.
    grants: Mutex<Bounded<Grant>>,
    /// Redeemed codes, so a replay answers "already used" (20065 / 10213) until the code would
    /// have gone anyway. Kept apart from `grants` so that redeemed codes never fill the store of
    /// outstanding ones: under sustained load (scripts/load.mjs) every login found it full after
    /// 10,000 logins in 10 minutes.
    used: Mutex<Bounded<CodeKind>>,
    user_tokens: Mutex<Bounded<usize>>,
    /// App access tokens, with the app they were issued to.
    app_tokens: Mutex<Bounded<String>>,
    /// Refresh tokens, kept twice their lifetime (see [`RefreshGrant`]).
    refresh_tokens: Mutex<Bounded<RefreshGrant>>,
    lifetimes: Mutex<Lifetimes>,
    /// QR scans waiting for their `tmp_code` (issue #10, [`passport`]).
    scans: Mutex<Bounded<passport::Scan>>,
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
            refresh_tokens: Mutex::default(),
            lifetimes: Mutex::new(lifetimes),
            scans: Mutex::default(),
            grants: Mutex::default(),
            used: Mutex::default(),
            user_tokens: Mutex::default(),
            app_tokens: Mutex::default(),
            faults: Mutex::default(),
        })
    }

    /// Whether `secret` is the registered app `app_id`'s secret (compared in constant time).
    fn app_authenticated(&self, app_id: &str, secret: &str) -> bool {
        self.config.app(app_id).is_some_and(|app| bool::from(secret.as_bytes().ct_eq(app.secret.as_bytes())))
    }

    fn redirect_allowed(app: &App, redirect_uri: &str) -> bool {
        // Feishu compares the URL without query; the fragment is the app's business.
        let without_fragment = redirect_uri.split('#').next().unwrap_or("");
        let without_query = without_fragment.split('?').next().unwrap_or("");
        app.redirect_urls.iter().any(|allowed| allowed == without_query)
    }

    /// The user at `index` of the tenant, the last one for an index past the end.
    fn user(&self, index: usize) -> (usize, &DemoUser) {
        let index = index.min(self.config.users.len() - 1);
        (index, &self.config.users[index])
    }

    fn mint(
        &self,
        kind: CodeKind,
        app: &str,
        user: usize,
        redirect_uri: Option<String>,
        challenge: Option<(String, String)>,
        scope: String,
    ) -> Option<String> {
        let code = random_id(if kind == CodeKind::OAuth { "code-" } else { "mina-" });
        let grant =
            Grant { kind, client_id: app.to_owned(), user, redirect_uri, challenge, issued: Instant::now(), scope };
        let kept = self.grants.lock().unwrap().insert(code.clone(), grant, self.config.code_ttl * 2, WhenFull::Refuse);
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
        self.user_tokens.lock().unwrap().insert(token.clone(), user, ttl, WhenFull::EvictOldest).then_some(token)
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
            let kept = lifetimes.refresh_token * 2;
            if !self.refresh_tokens.lock().unwrap().insert(refresh_token.clone(), grant, kept, WhenFull::EvictOldest) {
                return None;
            }
            answer["refresh_token"] = json!(refresh_token);
            answer["refresh_token_expires_in"] = json!(lifetimes.refresh_token.as_secs());
            return Some((answer, Some(refresh_token)));
        }
        Some((answer, None))
    }

    /// Whether `code` was redeemed already (as a code of `kind`).
    fn was_used(&self, code: &str, kind: CodeKind) -> bool {
        self.used.lock().unwrap().get_mut(code).is_some_and(|k| *k == kind)
    }

    /// Moves a redeemed code from the outstanding ones to the used ones, for the rest of the
    /// time it would have been kept.
    fn redeem(&self, grants: &mut Bounded<Grant>, code: &str) {
        if let Some((grant, until)) = grants.remove(code) {
            let left = until.saturating_duration_since(Instant::now());
            self.used.lock().unwrap().insert(code.to_owned(), grant.kind, left, WhenFull::EvictOldest);
        }
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
        .route("/emulator/doc-widget-host", get(widget_host::page))
        .merge(
            Router::new()
                .route("/emulator/host-code", post(host_code))
                .route("/emulator/faults", post(set_faults).get(armed_faults))
                .route("/emulator/settings", get(settings).post(set_settings))
                .route("/emulator/revoke", post(revoke_user))
                .route_layer(axum::middleware::from_fn_with_state(emulator.clone(), guard_controls)),
        )
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
fn check_authorize<'e>(
    emulator: &'e Emulator,
    params: &AuthorizeParams,
) -> Result<(&'e App, String), (i64, &'static str)> {
    let Some(app) = params.client_id.as_deref().and_then(|id| emulator.config.app(id)) else {
        return Err((20029, "unknown client_id: this app is not registered"));
    };
    let redirect_uri = params.redirect_uri.clone().unwrap_or_default();
    // Control characters (CR/LF in a fragment) cannot go into the Location header: refused here,
    // before a code is minted, instead of a 500 after.
    if redirect_uri.chars().any(char::is_control) {
        return Err((20029, "redirect_uri contains control characters"));
    }
    if !Emulator::redirect_allowed(app, &redirect_uri) {
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
    Ok((app, redirect_uri))
}

async fn authorize_page(State(emulator): State<Arc<Emulator>>, Query(params): Query<AuthorizeParams>) -> Response {
    let app = match check_authorize(&emulator, &params) {
        Ok((app, _)) => app,
        Err((code, message)) => return error_page(code, message),
    };
    let hidden = |name: &str, value: &Option<String>| match value {
        Some(v) => format!("<input type=hidden name=\"{name}\" value=\"{}\">", html_escape(v)),
        None => String::new(),
    };
    let users: String = emulator
        .config
        .users
        .iter()
        .enumerate()
        .map(|(i, u)| {
            format!(
                "<label class=user><input type=radio name=user value={i}{}> <b>{}</b> {} <small>{}</small></label>",
                if i == 0 { " checked" } else { "" },
                html_escape(&u.name),
                html_escape(&u.en_name),
                html_escape(&u.email)
            )
        })
        .collect();
    let scope = params.scope.clone().unwrap_or_default();
    let body = format!(
        r#"<!doctype html><html lang=zh><meta charset=utf-8><meta name=viewport content="width=device-width,initial-scale=1"><link rel=icon href="data:,">
<title>{brand} · 授权 (emulator)</title>
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
        app = html_escape(&app.id),
        brand = if app.brand == Brand::Lark { "Lark" } else { "飞书" },
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
    let (app, redirect_uri) = match check_authorize(&emulator, &params) {
        Ok(checked) => checked,
        Err((code, message)) => return error_page(code, message),
    };
    let state = params.state.clone().unwrap_or_default();
    let mut out: Vec<(&str, &str)> = Vec::new();
    let code;
    if params.decision.as_deref() == Some("allow") {
        let (user, person) = emulator.user(params.user.unwrap_or(0));
        let challenge = params.code_challenge.clone().map(|c| {
            // Feishu's default method is plain.
            (c, params.code_challenge_method.clone().unwrap_or_else(|| "plain".into()))
        });
        let scope = params.scope.clone().unwrap_or_default();
        code = match emulator.mint(CodeKind::OAuth, &app.id, user, Some(redirect_uri.clone()), challenge, scope) {
            Some(code) => code,
            None => return error_page(RATE_LIMITED, "too many codes outstanding: try again later"),
        };
        eprintln!("[emulator] user {} authorized {}", person.en_name, app.id);
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
    if emulator.config.app(client_id).is_none() {
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
    let mut grants = match oauth_code(&emulator, code, client_id) {
        Ok(grants) => grants,
        Err((code, message)) => return feishu_error(StatusCode::BAD_REQUEST, code, message),
    };
    let grant = grants.get_mut(code).expect("oauth_code found it");
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
    let user = grant.user;
    emulator.redeem(&mut grants, code);
    drop(grants);
    match emulator.issue_tokens(client_id, user, &scope) {
        Some((answer, _)) => Json(answer).into_response(),
        None => rate_limited(),
    }
}

/// The checks every redemption of an OAuth code makes (OAuth token v2 and the passport token
/// endpoint): not used yet (20065), known (20003), unexpired (20004), issued to `client_id`
/// (20024). The store, locked, for the caller's own checks and [`Emulator::redeem`]; the grant
/// is in it under `code`. Else Feishu's code and message (HTTP 400).
fn oauth_code<'e>(
    emulator: &'e Emulator,
    code: &str,
    client_id: &str,
) -> Result<std::sync::MutexGuard<'e, Bounded<Grant>>, (i64, &'static str)> {
    if emulator.was_used(code, CodeKind::OAuth) {
        return Err((20065, "the code has already been used"));
    }
    let mut grants = emulator.grants.lock().unwrap();
    let Some(grant) = grants.get_mut(code).filter(|g| g.kind == CodeKind::OAuth) else {
        return Err((20003, "the code was not found"));
    };
    if grant.issued.elapsed() >= emulator.config.code_ttl {
        return Err((20004, "the code has expired"));
    }
    if grant.client_id != client_id {
        return Err((20024, "the code was issued to another app"));
    }
    Ok(grants)
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
    let (_, u) = emulator.user(user);
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
    let app = request.app_id.as_deref().and_then(|id| emulator.config.app(id)).filter(|app| {
        request.app_secret.as_deref().is_some_and(|s| bool::from(s.as_bytes().ct_eq(app.secret.as_bytes())))
    });
    let Some(app) = app else {
        return (StatusCode::BAD_REQUEST, Json(json!({ "code": 10014, "msg": "app_id or app_secret is invalid" })))
            .into_response();
    };
    let token = random_id("a-");
    let ttl = TOKEN_TTL;
    if !emulator.app_tokens.lock().unwrap().insert(token.clone(), app.id.clone(), ttl, WhenFull::EvictOldest) {
        return rate_limited();
    }
    Json(json!({ "code": 0, "msg": "ok", "app_access_token": token, "expire": ttl.as_secs() })).into_response()
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
    if emulator.was_used(&code, CodeKind::Mina) {
        return (StatusCode::BAD_REQUEST, Json(json!({ "code": 10213, "msg": "code has been used" }))).into_response();
    }
    let mut grants = emulator.grants.lock().unwrap();
    let Some(grant) = grants.get_mut(&code).filter(|g| g.kind == CodeKind::Mina) else {
        return (StatusCode::BAD_REQUEST, Json(json!({ "code": 10226, "msg": "invalid code" }))).into_response();
    };
    if grant.client_id != app {
        return (StatusCode::BAD_REQUEST, Json(json!({ "code": 10213, "msg": "the code was issued to another app" })))
            .into_response();
    }
    if grant.issued.elapsed() >= emulator.config.code_ttl {
        return (StatusCode::BAD_REQUEST, Json(json!({ "code": 10226, "msg": "code expired" }))).into_response();
    }
    let user = grant.user;
    emulator.redeem(&mut grants, &code);
    drop(grants);
    let Some(access_token) = emulator.issue_user_token(user) else { return rate_limited() };
    let expires_at =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
            + emulator.lifetimes().user_token.as_secs();
    Json(json!({
        "code": 0,
        "msg": "success",
        "data": { "open_id": emulator.user(user).1.open_id, "employee_id": format!("emp_{user}"), "tenant_key": "emulator-tenant",
                  "access_token": access_token, "expires_in": expires_at, "refresh_token": random_id("ur-"), "session_key": random_id("s-") }
    }))
    .into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HostCodeRequest {
    surface: String,
    user: Option<usize>,
    /// The app the code is for; the first configured app when absent.
    app_id: Option<String>,
    /// The scopes the host's consent granted (`tt.requestAccess`'s `scopeList`, space-separated).
    scope: Option<String>,
}

/// Emulator only: the code a Feishu host (doc widget, client, mini program) would hand out.
/// `None` when the request may use the emulator's controls, else the 401 to answer.
fn control_refused(emulator: &Emulator, headers: &HeaderMap) -> Option<Response> {
    let expected = emulator.config.control_key.as_deref()?;
    let given = headers.get("x-emulator-key").map(|v| v.as_bytes()).unwrap_or_default();
    if bool::from(given.ct_eq(expected.as_bytes())) {
        return None;
    }
    let message = "this emulator's controls need the header x-emulator-key (its --control-key)";
    Some((StatusCode::UNAUTHORIZED, Json(json!({ "message": message }))).into_response())
}

/// Runs before the controls' handlers, so that nothing of a refused request is even parsed.
async fn guard_controls(
    State(emulator): State<Arc<Emulator>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    match control_refused(&emulator, request.headers()) {
        Some(refused) => refused,
        None => next.run(request).await,
    }
}

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
    let app = match &request.app_id {
        Some(id) => match emulator.config.app(id) {
            Some(app) => app,
            None => {
                return (StatusCode::BAD_REQUEST, Json(json!({ "message": "appId is not a registered app" })))
                    .into_response()
            }
        },
        None => &emulator.config.apps[0],
    };
    let (user, person) = emulator.user(request.user.unwrap_or(0));
    let scope = request.scope.clone().unwrap_or_default();
    let Some(code) = emulator.mint(kind, &app.id, user, None, None, scope) else { return rate_limited() };
    eprintln!("[emulator] {} host code issued for {}", request.surface, person.en_name);
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

/// Emulator only: the faults still armed, `{count, kind}` (issue #13: the demo shows them while
/// they wait for a token call, also after a reload, instead of leaving them unseen).
async fn armed_faults(State(emulator): State<Arc<Emulator>>) -> Response {
    let faults = emulator.faults.lock().unwrap().clone();
    let kind = if faults.remaining == 0 { Value::Null } else { json!(faults.kind) };
    Json(json!({ "count": faults.remaining, "kind": kind })).into_response()
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

/// Names the user by index (`user`, as host codes do) or by `openId` (what a page knows from its
/// session: the demo's "Revoke" button).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RevokeRequest {
    user: Option<usize>,
    open_id: Option<String>,
}

/// Emulator only: the user withdraws the apps' authorization: their refresh tokens answer 20064
/// and their user access tokens stop working.
async fn revoke_user(State(emulator): State<Arc<Emulator>>, Json(request): Json<RevokeRequest>) -> Response {
    let users = &emulator.config.users;
    let index = match (request.user, request.open_id.as_deref()) {
        (Some(index), None) => Some(index).filter(|i| *i < users.len()),
        (None, Some(open_id)) => users.iter().position(|u| u.open_id == open_id),
        _ => {
            return (StatusCode::BAD_REQUEST, Json(json!({ "message": "expected {user} or {openId}" }))).into_response()
        }
    };
    let Some(index) = index else {
        return (StatusCode::BAD_REQUEST, Json(json!({ "message": "no such user" }))).into_response();
    };
    let mut revoked = 0;
    for (grant, _) in emulator.refresh_tokens.lock().unwrap().entries.values_mut() {
        if grant.user == index && !grant.revoked {
            grant.revoked = true;
            revoked += 1;
        }
    }
    emulator.user_tokens.lock().unwrap().entries.retain(|_, (user, _)| *user != index);
    eprintln!("[emulator] {} withdrew the authorization ({revoked} refresh tokens revoked)", users[index].en_name);
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
            apps: vec![App {
                id: "cli_test".into(),
                secret: "secret".into(),
                brand: Brand::Feishu,
                redirect_urls: vec!["http://127.0.0.1/".into()],
            }],
            users: demo_users(),
            code_ttl,
            user_token_ttl: DEFAULT_USER_TOKEN_TTL,
            refresh_token_ttl: DEFAULT_REFRESH_TOKEN_TTL,
            control_key: None,
        })
    }

    // Issue #13, defect 2: 100k minted codes stayed in memory for good.
    #[test]
    fn stores_are_bounded_and_purged_when_entries_expire() {
        let lasting = emulator(Duration::from_secs(60));
        let first_token = lasting.issue_user_token(0).unwrap();
        for _ in 0..MAX_ENTRIES {
            assert!(lasting.mint(CodeKind::Mina, "cli_test", 0, None, None, String::new()).is_some());
            lasting.issue_user_token(0).unwrap();
        }
        assert_eq!(
            lasting.mint(CodeKind::Mina, "cli_test", 0, None, None, String::new()),
            None,
            "full of live codes: rate limited"
        );
        assert!(lasting.issue_user_token(0).is_some(), "tokens make room by dropping the oldest");
        assert_eq!(lasting.stored()[..2], [MAX_ENTRIES, MAX_ENTRIES]);
        assert!(lasting.user_tokens.lock().unwrap().get_mut(&first_token).is_none(), "the oldest token went");
        for _ in 0..=MAX_ENTRIES {
            assert!(lasting.issue_tokens("cli_test", 0, OFFLINE_ACCESS).is_some(), "refresh tokens make room too");
        }
        assert_eq!(lasting.stored()[3], MAX_ENTRIES);

        let brief = emulator(Duration::from_millis(1));
        for _ in 0..MAX_ENTRIES {
            brief.mint(CodeKind::Mina, "cli_test", 0, None, None, String::new()).unwrap();
        }
        std::thread::sleep(Duration::from_millis(10));
        for _ in 0..1024 {
            assert!(
                brief.mint(CodeKind::Mina, "cli_test", 0, None, None, String::new()).is_some(),
                "expired codes make room"
            );
        }
        assert!(brief.stored()[0] <= 1100, "expired codes are gone: {} kept", brief.stored()[0]);
    }

    // Found by scripts/load.mjs: redeemed codes stayed in the store of outstanding ones for 10
    // minutes and user tokens for 2 hours, so after 10,000 logins every login was rate limited.
    #[test]
    fn sustained_logins_never_fill_the_stores() {
        let emulator = emulator(Duration::from_secs(60));
        for i in 0..3 * MAX_ENTRIES {
            let code = emulator
                .mint(CodeKind::Mina, "cli_test", 0, None, None, String::new())
                .unwrap_or_else(|| panic!("login {i} refused"));
            let mut grants = emulator.grants.lock().unwrap();
            emulator.redeem(&mut grants, &code);
            drop(grants);
            assert!(emulator.issue_user_token(0).is_some(), "login {i}: no token");
        }
        let [outstanding, tokens, _, _] = emulator.stored();
        assert_eq!(outstanding, 0, "redeemed codes leave the outstanding store");
        assert!(tokens <= MAX_ENTRIES && emulator.used.lock().unwrap().entries.len() <= MAX_ENTRIES);
    }

    #[test]
    fn a_redeemed_code_still_answers_already_used() {
        let emulator = emulator(Duration::from_secs(60));
        let code = emulator.mint(CodeKind::OAuth, "cli_test", 0, None, None, String::new()).unwrap();
        assert!(!emulator.was_used(&code, CodeKind::OAuth));
        let mut grants = emulator.grants.lock().unwrap();
        emulator.redeem(&mut grants, &code);
        drop(grants);
        assert!(emulator.was_used(&code, CodeKind::OAuth));
        assert!(!emulator.was_used(&code, CodeKind::Mina), "a code is used as the kind it was");
    }
}
