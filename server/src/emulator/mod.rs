//! A local Feishu, as strict as the real one where the SDK and the backend depend on it, under
//! the same paths (`/open-apis/...`) so that only the base URL changes between the two.
//!
//! Rules follow Feishu's documents (`shared/design/feishu.md`): codes are single use and live
//! 5 minutes, bound to the app and to the `redirect_uri` they were issued for, and PKCE is
//! checked per the method sent (`plain` is Feishu's default, `S256` checked exactly).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::routing::{any, get, post, MethodRouter};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};
use subtle::ConstantTimeEq;

use crate::clock::{Clock, UnixClock};

mod controls;
mod host_codes;
mod oauth;
mod passport;
mod qr;
mod refresh;
mod responses;
mod stores;
mod widget_host;

pub use responses::html_escape;
use responses::*;
pub use stores::MAX_ENTRIES;
use stores::{Bounded, ONE_GROUP};

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
#[derive(Clone)]
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
#[derive(Clone)]
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

/// What `Debug` shows of a secret: that there is one.
const REDACTED: &str = "[redacted]";

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("id", &self.id)
            .field("secret", &REDACTED)
            .field("brand", &self.brand)
            .field("redirect_urls", &self.redirect_urls)
            .finish()
    }
}

impl std::fmt::Debug for EmulatorConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorConfig")
            .field("apps", &self.apps)
            .field("users", &self.users)
            .field("code_ttl", &self.code_ttl)
            .field("user_token_ttl", &self.user_token_ttl)
            .field("refresh_token_ttl", &self.refresh_token_ttl)
            .field("control_key", &self.control_key.as_ref().map(|_| REDACTED))
            .finish()
    }
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

/// The longest `redirect_uri` and `scope` a code keeps, in bytes: with the bound on outstanding
/// codes per app ([`MAX_ENTRIES`]), a bound on the memory that anyone minting codes can take.
const MAX_KEPT_BYTES: usize = 2048;

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
    /// When it was minted (the emulator's clock).
    issued: Duration,
    /// The scopes the user consented to, space-separated (`offline_access` → a refresh token).
    scope: String,
}

/// A refresh token the emulator issued. Kept (marked used) after it is spent and until twice its
/// lifetime, so a reused token answers "used" (20073) and an expired one "expired" (20037)
/// instead of "invalid" (20026).
#[derive(Clone)]
struct RefreshGrant {
    client_id: String,
    user: usize,
    scope: String,
    /// When it was issued (the emulator's clock).
    issued: Duration,
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

/// How long a user access token keeps working after the refresh token issued with it is spent
/// (Feishu: "user_access_token 会有一分钟的豁免时间以供应用完成令牌轮转").
const ROTATION_GRACE: Duration = Duration::from_secs(60);

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
    /// App access tokens (for a custom app, its tenant access tokens too: Feishu hands out one
    /// `t-` value for both), with the app they were issued to.
    app_tokens: Mutex<Bounded<String>>,
    /// Per app, the token [`Emulator::app_token`] hands out and when it expires.
    current_app_tokens: Mutex<std::collections::HashMap<String, (String, Duration)>>,
    /// Refresh tokens, kept twice their lifetime (see [`RefreshGrant`]).
    refresh_tokens: Mutex<Bounded<RefreshGrant>>,
    lifetimes: Mutex<Lifetimes>,
    /// QR scans waiting for their `tmp_code` ([`qr`]).
    scans: Mutex<Bounded<qr::Scan>>,
    faults: Mutex<Faults>,
    /// Unix time (the tokenLoginValidate answer carries a Unix timestamp).
    clock: Arc<dyn Clock>,
}

impl Emulator {
    pub fn new(config: EmulatorConfig) -> Arc<Emulator> {
        Emulator::with_clock(config, Arc::new(UnixClock))
    }

    /// The same on `clock`, which must read Unix time (tests move a
    /// [`crate::clock::ManualClock`] started at [`UnixClock`]'s time instead of sleeping).
    pub fn with_clock(config: EmulatorConfig, clock: Arc<dyn Clock>) -> Arc<Emulator> {
        let lifetimes = Lifetimes { user_token: config.user_token_ttl, refresh_token: config.refresh_token_ttl };
        fn store<V>(clock: &Arc<dyn Clock>) -> Mutex<Bounded<V>> {
            Mutex::new(Bounded::new(clock.clone()))
        }
        Arc::new(Emulator {
            config,
            refresh_tokens: store(&clock),
            lifetimes: Mutex::new(lifetimes),
            scans: store(&clock),
            grants: store(&clock),
            used: store(&clock),
            user_tokens: store(&clock),
            app_tokens: store(&clock),
            current_app_tokens: Mutex::default(),
            faults: Mutex::default(),
            clock,
        })
    }

    /// Now, on the emulator's clock (Unix time).
    fn now(&self) -> Duration {
        self.clock.now()
    }

    /// How long ago `since` (a time of the emulator's clock) was.
    fn elapsed(&self, since: Duration) -> Duration {
        self.now().saturating_sub(since)
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
    ) -> String {
        let code = random_id(if kind == CodeKind::OAuth { "code-" } else { "mina-" });
        let grant = Grant { kind, client_id: app.to_owned(), user, redirect_uri, challenge, issued: self.now(), scope };
        self.grants.lock().unwrap().insert(code.clone(), grant, self.config.code_ttl * 2, app);
        code
    }

    /// How many codes, user tokens, app tokens and refresh tokens are stored.
    #[cfg(test)]
    pub(crate) fn stored(&self) -> [usize; 4] {
        [
            self.grants.lock().unwrap().len(),
            self.user_tokens.lock().unwrap().len(),
            self.app_tokens.lock().unwrap().len(),
            self.refresh_tokens.lock().unwrap().len(),
        ]
    }

    fn lifetimes(&self) -> Lifetimes {
        *self.lifetimes.lock().unwrap()
    }

    /// Issues a user access token for `user`; `None` when the store is full.
    fn issue_user_token(&self, user: usize) -> String {
        let token = random_id("u-");
        let ttl = self.lifetimes().user_token;
        self.user_tokens.lock().unwrap().insert(token.clone(), user, ttl, ONE_GROUP);
        token
    }

    /// The answer of `authen/v2/oauth/token` for `user`: a user access token, and a refresh
    /// token when the scope holds `offline_access` (Feishu returns `refresh_token` and
    /// `refresh_token_expires_in` only then), with that refresh token apart.
    fn issue_tokens(&self, client_id: &str, user: usize, scope: &str) -> (Value, Option<String>) {
        let access_token = self.issue_user_token(user);
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
                issued: self.now(),
                ttl: lifetimes.refresh_token,
                access_token: access_token.clone(),
                used: false,
                revoked: false,
                successor: None,
            };
            let kept = lifetimes.refresh_token * 2;
            self.refresh_tokens.lock().unwrap().insert(refresh_token.clone(), grant, kept, ONE_GROUP);
            answer["refresh_token"] = json!(refresh_token);
            answer["refresh_token_expires_in"] = json!(lifetimes.refresh_token.as_secs());
            return (answer, Some(refresh_token));
        }
        (answer, None)
    }

    /// Whether `code` was redeemed already (as a code of `kind`).
    fn was_used(&self, code: &str, kind: CodeKind) -> bool {
        self.used.lock().unwrap().get_mut(code).is_some_and(|k| *k == kind)
    }

    /// Moves a redeemed code from the outstanding ones to the used ones, for the rest of the
    /// time it would have been kept.
    fn redeem(&self, grants: &mut Bounded<Grant>, code: &str) {
        if let Some((grant, until)) = grants.remove(code) {
            let left = until.saturating_sub(self.now());
            self.used.lock().unwrap().insert(code.to_owned(), grant.kind, left, ONE_GROUP);
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

/// A request to `authen/v2/oauth/token` (either grant: [`oauth`] and [`refresh`]).
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

/// A route of Feishu's gateway (`/open-apis/...`): another method is answered as the gateway
/// answers it ([`gateway_not_found`]).
fn open_api(route: MethodRouter<Arc<Emulator>>) -> MethodRouter<Arc<Emulator>> {
    route.fallback(gateway_not_found)
}

pub fn routes(emulator: Arc<Emulator>) -> Router {
    Router::new()
        .route("/open-apis/authen/v1/authorize", open_api(get(qr::authorize).post(oauth::authorize_decision)))
        .route("/suite/passport/oauth/authorize", get(passport::passport_authorize))
        .route("/suite/passport/oauth/token", post(passport::passport_token))
        .route("/suite/passport/oauth/userinfo", get(passport::passport_userinfo))
        .route("/emulator/qr-sdk.js", get(qr::qr_sdk))
        .route("/emulator/qr", get(qr::qr_frame))
        .route("/emulator/qr-scan", post(qr::qr_scan))
        .route("/open-apis/authen/v2/oauth/token", open_api(post(oauth::oauth_token)))
        .route("/open-apis/authen/v1/user_info", open_api(get(oauth::user_info)))
        .route("/open-apis/auth/v3/app_access_token/internal", open_api(post(host_codes::app_access_token)))
        .route("/open-apis/auth/v3/tenant_access_token/internal", open_api(post(host_codes::tenant_access_token)))
        .route("/open-apis/mina/v2/tokenLoginValidate", open_api(post(host_codes::token_login_validate)))
        .route("/open-apis/{*rest}", any(gateway_not_found))
        .route("/emulator/doc-widget-host", get(widget_host::page))
        .merge(
            Router::new()
                .route("/emulator/host-code", post(host_codes::host_code))
                .route("/emulator/faults", post(controls::set_faults).get(controls::armed_faults))
                .route("/emulator/settings", get(controls::settings).post(controls::set_settings))
                .route("/emulator/revoke", post(controls::revoke_user))
                .route_layer(axum::middleware::from_fn_with_state(emulator.clone(), controls::guard_controls)),
        )
        .with_state(emulator)
}

#[cfg(test)]
mod tests;
