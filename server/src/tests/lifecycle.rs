//! Session renewal (`/api/feishu/refresh`), logout that holds across
//! replicas (`/api/logout`, memory and Redis stores), and the emulator's `refresh_token` grant.
//!
//! A "cluster" is one emulator and several backend replicas, each on its own 127.0.0.1 port,
//! sharing one session secret and one store, as replicas behind a load balancer would, and one
//! [`ManualClock`] that the tests move instead of sleeping.

use axum::Router;
use serde_json::Value;

use super::*;
use crate::backend::SessionSecret;
use crate::clock::{Clock, ManualClock, UnixClock};
use crate::emulator::{demo_users, App, Brand, DEFAULT_REFRESH_TOKEN_TTL};
use crate::store::{MemoryStore, Store};

pub(super) const APP: &str = "cli_lifecycle";
pub(super) const SECRET: &str = "lifecycle-secret";
pub(super) const OTHER_APP: &str = "cli_other_app";
pub(super) const OTHER_SECRET: &str = "other-secret";
const REDIRECT: &str = "http://127.0.0.1:9/cb";

/// The user-token lifetime of the clusters that watch renewal: the backend renews the Feishu
/// token when less than half of it is left, so after [`INTO_RENEWAL`] it must, and the session
/// (capped at the user token) is still valid, whatever the sub-second phase the clock starts at.
const USER_TTL: Duration = Duration::from_secs(6);
pub(super) const INTO_RENEWAL: Duration = Duration::from_millis(4300);

pub(super) async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}")
}

pub(super) struct Cluster {
    pub(super) feishu: String,
    pub(super) replicas: Vec<String>,
    pub(super) emulator: Arc<Emulator>,
    pub(super) store: Arc<dyn Store>,
    pub(super) http: reqwest::Client,
    /// The emulator's and every replica's clock (Unix time, moved by the tests).
    pub(super) clock: Arc<ManualClock>,
}

/// The session secret the replicas share (256 bits).
pub(super) fn shared_secret() -> SessionSecret {
    SessionSecret::parse("SESSION_SECRET", "827c61b060944ea75cbbccad2d8a1d3aad51c7ad0393dc99fc7ef072ca6e368b").unwrap()
}

pub(super) async fn cluster(store: Arc<dyn Store>, replicas: usize) -> Cluster {
    cluster_with_reuse_interval(store, replicas, backend::DEFAULT_REUSE_INTERVAL).await
}

/// A cluster whose replicas accept a retired token's renewal for `reuse_interval`.
pub(super) async fn cluster_with_reuse_interval(
    store: Arc<dyn Store>,
    replicas: usize,
    reuse_interval: Duration,
) -> Cluster {
    let clock = ManualClock::starting_at(UnixClock.now());
    let emulator = Emulator::with_clock(
        EmulatorConfig {
            apps: [(APP, SECRET), (OTHER_APP, OTHER_SECRET)]
                .map(|(id, secret)| App {
                    id: id.into(),
                    secret: secret.into(),
                    brand: Brand::Feishu,
                    redirect_urls: vec![REDIRECT.into()],
                })
                .into(),
            users: demo_users(),
            code_ttl: Duration::from_secs(300),
            user_token_ttl: USER_TTL,
            refresh_token_ttl: DEFAULT_REFRESH_TOKEN_TTL,
            control_key: None,
        },
        clock.clone(),
    );
    let feishu = serve(emulator::routes(emulator.clone())).await;
    let mut bases = Vec::new();
    for _ in 0..replicas {
        let config = BackendConfig {
            app_id: APP.into(),
            app_secret: SECRET.into(),
            open_api_base: feishu.clone(),
            session_secret: shared_secret(),
            previous_session_secret: None,
            session_ttl: Duration::from_secs(3600),
            reuse_interval,
            store: store.clone(),
        };
        bases.push(serve(backend::router(Backend::with_clock(config, clock.clone()))).await);
    }
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    Cluster { feishu, replicas: bases, emulator, store, http, clock }
}

impl Cluster {
    /// A code from the consent form for `user` with `scope` (`client_id` = `app`).
    async fn code(&self, app: &str, user: usize, scope: &str) -> String {
        let form = [
            ("client_id", app),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("scope", scope),
            ("decision", "allow"),
            ("user", &user.to_string()),
        ];
        let response =
            self.http.post(self.feishu.clone() + "/open-apis/authen/v1/authorize").form(&form).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 303);
        let url = reqwest::Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
        url.query_pairs().find(|(k, _)| k == "code").map(|(_, v)| v.into_owned()).expect("a code")
    }

    /// Signs `user` in at replica `replica`; the session's token.
    pub(super) async fn login(&self, replica: usize, user: usize, scope: &str) -> (String, Value) {
        let code = self.code(APP, user, scope).await;
        let body = json!({ "code": code, "surface": "browser", "appId": APP, "codeVerifier": "unused", "redirectUri": REDIRECT });
        let (status, session) = self.post(&self.replicas[replica], "/api/feishu/login", None, body).await;
        assert_eq!(status, 200, "{session}");
        (session["token"].as_str().unwrap().to_owned(), session)
    }

    pub(super) async fn post(&self, base: &str, path: &str, bearer: Option<&str>, body: Value) -> (u16, Value) {
        let mut request = self.http.post(base.to_owned() + path).json(&body);
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
    }

    pub(super) async fn me(&self, replica: usize, token: &str) -> u16 {
        let url = self.replicas[replica].clone() + "/api/me";
        self.http.get(url).bearer_auth(token).send().await.unwrap().status().as_u16()
    }

    pub(super) async fn refresh(&self, replica: usize, token: &str) -> (u16, Value) {
        self.post(&self.replicas[replica], "/api/feishu/refresh", Some(token), json!({})).await
    }

    pub(super) async fn logout(&self, replica: usize, token: &str) -> u16 {
        self.post(&self.replicas[replica], "/api/logout", Some(token), json!({})).await.0
    }

    /// Feishu's token endpoint, called directly.
    async fn token(&self, body: Value) -> (u16, Value) {
        self.post(&self.feishu, "/open-apis/authen/v2/oauth/token", None, body).await
    }

    async fn redeem(&self, app: &str, secret: &str, user: usize, scope: &str) -> Value {
        let code = self.code(app, user, scope).await;
        let (status, answer) = self
            .token(json!({ "grant_type": "authorization_code", "client_id": app, "client_secret": secret,
                           "code": code, "redirect_uri": REDIRECT }))
            .await;
        assert_eq!(status, 200, "{answer}");
        answer
    }

    async fn refresh_grant(&self, app: &str, secret: &str, refresh_token: &Value) -> (u16, Value) {
        self.token(json!({ "grant_type": "refresh_token", "client_id": app, "client_secret": secret,
                           "refresh_token": refresh_token }))
            .await
    }
}

/// The claims of a session token (its payload is not secret, only signed).
pub(super) fn claims(token: &str) -> Value {
    let payload = token.split('.').next().unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

#[tokio::test]
async fn refresh_renews_the_feishu_token_across_replicas_and_rotates_the_refresh_token() {
    let c = cluster(Arc::new(MemoryStore::default()), 2).await;
    let (token, session) = c.login(0, 1, "offline_access").await;
    assert_eq!(session["expiresIn"], 6, "the session never outlives the Feishu user token");
    let sid = claims(&token)["sid"].as_str().unwrap().to_owned();

    // Far from the user token's expiry: a new session, no Feishu renewal.
    let (status, renewed) = c.refresh(1, &token).await;
    assert_eq!(status, 200, "{renewed}");
    assert_eq!(renewed["user"]["name"], "李四");
    let renewed_token = renewed["token"].as_str().unwrap().to_owned();
    assert_eq!(claims(&renewed_token)["sid"], sid.as_str(), "renewals keep the session id");
    assert_eq!(c.emulator.stored()[3], 1, "one refresh token issued, none spent");

    c.clock.advance(INTO_RENEWAL);
    // A Feishu outage during the renewal keeps the session (and spends nothing): retry later.
    c.post(&c.feishu, "/emulator/faults", None, json!({ "count": 1, "kind": "20050" })).await;
    let (status, error) = c.refresh(0, &renewed_token).await;
    assert_eq!((status, error["code"].as_i64()), (500, Some(20050)), "{error}");
    assert_eq!(c.me(1, &renewed_token).await, 200, "the session stands");

    // The user token nears its end: the renewal spends Feishu's refresh token (rotated).
    let (status, next) = c.refresh(0, &renewed_token).await;
    assert_eq!(status, 200, "{next}");
    assert_eq!(c.emulator.stored()[3], 2, "one Feishu renewal");
    assert_eq!(next["expiresIn"], 6, "the renewed user token's lifetime");
    let next_token = next["token"].as_str().unwrap().to_owned();
    assert_eq!(c.me(1, &next_token).await, 200);

    // The rotated refresh token was stored: the next renewal works too.
    c.clock.advance(INTO_RENEWAL);
    let (status, again) = c.refresh(1, &next_token).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(c.emulator.stored()[3], 3);

    // Nothing Feishu issued reaches the browser, and the store keeps it sealed.
    for answer in [&session, &renewed, &next, &again] {
        let keys: Vec<&String> = answer.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["expiresIn", "token", "user"], "{answer}");
        let user: Vec<&String> = answer["user"].as_object().unwrap().keys().collect();
        assert_eq!(user, ["avatarUrl", "email", "enName", "name", "openId"], "{answer}");
    }
    let record = c.store.get(&format!("session:{sid}")).await.unwrap().expect("the session is stored");
    let record = String::from_utf8_lossy(&record);
    assert!(!record.contains("ur-") && !record.contains("u-") && !record.contains("token"), "sealed: {record}");
}

/// Renewal retires the presented token on every replica; presenting it again revokes the whole
/// session (RFC 9700 §4.14.2). Before, a renewed token stayed valid and could itself be renewed.
/// (A token two generations behind: the reuse interval of `reuse_interval.rs` spares only the
/// one just retired.)
pub(super) async fn renewal_retires_the_token_and_its_reuse_revokes_the_session(store: Arc<dyn Store>) {
    let c = cluster(store, 2).await;
    let (first, _) = c.login(0, 0, "offline_access").await;
    let (status, second) = c.refresh(0, &first).await;
    assert_eq!(status, 200, "{second}");
    let second = second["token"].as_str().unwrap().to_owned();
    for replica in 0..2 {
        assert_eq!(c.me(replica, &first).await, 401, "replica {replica}: the renewed token is retired");
        assert_eq!(c.me(replica, &second).await, 200, "replica {replica}: its successor works");
    }
    let (status, third) = c.refresh(1, &second).await;
    assert_eq!(status, 200, "{third}");
    let third = third["token"].as_str().unwrap().to_owned();

    // A stolen copy of `first` is presented for renewal: 401, and the whole chain is revoked.
    let (status, error) = c.refresh(1, &first).await;
    assert_eq!(status, 401, "{error}");
    assert!(error["message"].as_str().unwrap().contains("already renewed"), "{error}");
    for replica in 0..2 {
        for (name, token) in [("first", &first), ("second", &second), ("third", &third)] {
            assert_eq!(c.me(replica, token).await, 401, "replica {replica}: {name} after the reuse");
            assert_eq!(c.refresh(replica, token).await.0, 401, "replica {replica}: {name} cannot renew");
        }
    }
    let (other, _) = c.login(1, 1, "offline_access").await;
    assert_eq!(c.me(0, &other).await, 200, "other sessions stand");
}

#[tokio::test]
async fn renewal_retires_the_token_and_its_reuse_revokes_the_session_with_the_memory_store() {
    renewal_retires_the_token_and_its_reuse_revokes_the_session(Arc::new(MemoryStore::default())).await;
}

#[tokio::test]
async fn renewal_is_refused_without_offline_access_or_when_feishu_refuses_the_refresh_token() {
    let c = cluster(Arc::new(MemoryStore::default()), 1).await;
    // Without offline_access Feishu hands out no refresh token.
    let answer = c.redeem(APP, SECRET, 0, "contact:user.base:readonly").await;
    assert!(answer.get("refresh_token").is_none() && answer.get("refresh_token_expires_in").is_none(), "{answer}");
    assert_eq!(answer["scope"], "contact:user.base:readonly");

    let (plain, _) = c.login(0, 0, "").await;
    let (offline, _) = c.login(0, 1, "offline_access").await;
    c.post(&c.feishu, "/emulator/settings", None, json!({ "refreshTokenTtlSecs": 1 })).await;
    let (short_lived, _) = c.login(0, 2, "offline_access").await;
    // The user token is fresh: a renewal needs no refresh token yet.
    let (status, renewed) = c.refresh(0, &plain).await;
    assert_eq!(status, 200, "{renewed}");
    let plain = renewed["token"].as_str().unwrap().to_owned();

    c.clock.advance(INTO_RENEWAL);
    let (status, error) = c.refresh(0, &plain).await;
    assert_eq!(status, 401, "{error}");
    assert!(error["message"].as_str().unwrap().contains("offline_access"), "{error}");

    // The user withdrew the authorization at Feishu: 20064 ends the session.
    c.post(&c.feishu, "/emulator/revoke", None, json!({ "user": 1 })).await;
    let (status, error) = c.refresh(0, &offline).await;
    assert_eq!((status, error["code"].as_i64()), (401, Some(20064)), "{error}");
    let (status, _) = c.refresh(0, &offline).await;
    assert_eq!(status, 401, "the session is gone");
    assert_eq!(c.me(0, &offline).await, 401, "and /api/me refuses it too");

    // The refresh token itself expired (Feishu: 20037).
    let (status, error) = c.refresh(0, &short_lived).await;
    assert_eq!((status, error["code"].as_i64()), (401, Some(20037)), "{error}");
}

/// A withdrawn Feishu authorization passes `/api/me` until the next renewal asks Feishu (at most
/// the session's remaining lifetime, capped at the user token's); that renewal ends the session
/// everywhere. Before, `/api/me` kept accepting it after the refused renewal.
#[tokio::test]
async fn a_feishu_authorization_withdrawn_ends_the_session_at_the_next_renewal() {
    let c = cluster(Arc::new(MemoryStore::default()), 2).await;
    let (token, _) = c.login(0, 2, "offline_access").await;
    c.post(&c.feishu, "/emulator/revoke", None, json!({ "user": 2 })).await;
    assert_eq!(c.me(1, &token).await, 200, "the documented bound: until the next renewal");
    let (status, error) = c.refresh(0, &token).await;
    assert_eq!(status, 401, "{error}");
    for replica in 0..2 {
        assert_eq!(c.me(replica, &token).await, 401, "replica {replica}: the session ended with the renewal");
    }
}

#[tokio::test]
async fn revoke_names_the_user_by_open_id_and_spares_the_others() {
    let c = cluster(Arc::new(MemoryStore::default()), 1).await;
    let (revoked, _) = c.login(0, 1, "offline_access").await;
    let (spared, _) = c.login(0, 2, "offline_access").await;
    let open_id = crate::emulator::demo_users()[1].open_id.clone();
    let (status, answer) = c.post(&c.feishu, "/emulator/revoke", None, json!({ "openId": open_id })).await;
    assert_eq!((status, answer["revoked"].as_u64()), (200, Some(1)), "{answer}");
    assert_eq!(c.refresh(0, &revoked).await.0, 401);
    assert_eq!(c.refresh(0, &spared).await.0, 200, "another user's sign-in stays");
    for bad in
        [json!({ "openId": "ou_nobody" }), json!({ "user": 3 }), json!({}), json!({ "user": 0, "openId": open_id })]
    {
        let (status, answer) = c.post(&c.feishu, "/emulator/revoke", None, bad.clone()).await;
        assert_eq!(status, 400, "{bad} → {answer}");
    }
}

/// Logout on one replica holds on the other: `/api/me` and the refresh answer 401 there.
pub(super) async fn logout_holds_across_replicas(store: Arc<dyn Store>) {
    let c = cluster(store, 2).await;
    let (token, _) = c.login(0, 0, "offline_access").await;
    let (status, renewed) = c.refresh(1, &token).await;
    assert_eq!(status, 200);
    let renewed = renewed["token"].as_str().unwrap().to_owned();
    let (other, _) = c.login(1, 1, "offline_access").await;
    assert_eq!((c.me(0, &renewed).await, c.me(1, &renewed).await), (200, 200));

    assert_eq!(c.logout(1, &token).await, 204);
    for replica in 0..2 {
        assert_eq!(c.me(replica, &token).await, 401, "replica {replica}");
        assert_eq!(c.me(replica, &renewed).await, 401, "replica {replica}: the renewed token is the same session");
        assert_eq!(c.refresh(replica, &token).await.0, 401, "replica {replica}");
        assert_eq!(c.refresh(replica, &renewed).await.0, 401, "replica {replica}");
    }
    let sid = claims(&token)["sid"].as_str().unwrap().to_owned();
    assert_eq!(
        c.store.get(&format!("session:{sid}")).await.unwrap(),
        None,
        "the record, Feishu grant and all, is gone"
    );
    assert_eq!(c.me(0, &other).await, 200, "other sessions stand");
    // Idempotent; a token this backend did not sign is refused.
    assert_eq!(c.logout(0, &renewed).await, 204);
    assert_eq!(c.logout(0, &token.replace('.', ".x")).await, 401);
    assert_eq!(c.post(&c.replicas[0], "/api/logout", None, json!({})).await.0, 401);
}

#[tokio::test]
async fn logout_holds_across_replicas_with_the_memory_store() {
    logout_holds_across_replicas(Arc::new(MemoryStore::default())).await;
}

#[tokio::test]
async fn a_replica_that_does_not_share_the_store_refuses_the_others_sessions() {
    // Validity lives in the shared store: a replica with a store of its own has no record of the
    // others' sessions, so it refuses them (it never accepts one logged out elsewhere).
    let c = cluster(Arc::new(MemoryStore::default()), 1).await;
    let lonely = Backend::new(BackendConfig {
        app_id: APP.into(),
        app_secret: SECRET.into(),
        open_api_base: c.feishu.clone(),
        session_secret: shared_secret(),
        previous_session_secret: None,
        session_ttl: Duration::from_secs(3600),
        reuse_interval: backend::DEFAULT_REUSE_INTERVAL,
        store: Arc::new(MemoryStore::default()),
    });
    let lonely = serve(backend::router(lonely)).await;
    let (token, _) = c.login(0, 0, "").await;
    assert_eq!(c.me(0, &token).await, 200);
    let status = c.http.get(lonely + "/api/me").bearer_auth(&token).send().await.unwrap().status().as_u16();
    assert_eq!(status, 401, "a replica without the shared store knows no session of the others");
}

#[tokio::test]
async fn the_backend_never_follows_a_redirect_with_the_app_secret() {
    // A Feishu base that answers 307 would make a redirect-following client resend the token
    // request (client_secret, code) to wherever it points: the backend must not follow it.
    use axum::routing::any;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    let elsewhere = serve(Router::new().fallback(any(move || {
        counter.fetch_add(1, Ordering::SeqCst);
        async { "{}" }
    })))
    .await;
    let target = elsewhere.clone();
    let redirector = serve(Router::new().fallback(any(move |uri: axum::http::Uri| {
        let to = format!("{target}{uri}");
        async move { (axum::http::StatusCode::TEMPORARY_REDIRECT, [(axum::http::header::LOCATION, to)]) }
    })))
    .await;
    let backend = Backend::new(BackendConfig {
        app_id: APP.into(),
        app_secret: SECRET.into(),
        open_api_base: redirector,
        session_secret: shared_secret(),
        previous_session_secret: None,
        session_ttl: Duration::from_secs(3600),
        reuse_interval: backend::DEFAULT_REUSE_INTERVAL,
        store: Arc::new(MemoryStore::default()),
    });
    let base = serve(backend::router(backend)).await;
    let response = reqwest::Client::new()
        .post(base + "/api/feishu/login")
        .json(&serde_json::json!({"code": "c-1", "surface": "client", "appId": APP}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 502, "an answer Feishu's APIs never give is a bad gateway");
    assert_eq!(seen.load(Ordering::SeqCst), 0, "the token request was resent to the redirect's target");
}

#[tokio::test]
async fn the_emulator_refresh_grant_follows_feishu() {
    let c = cluster(Arc::new(MemoryStore::default()), 0).await;
    let first = c.redeem(APP, SECRET, 0, "offline_access").await;
    assert_eq!(first["expires_in"], 6);
    assert_eq!(first["refresh_token_expires_in"], 604_800);
    let rt1 = first["refresh_token"].clone();

    // Another registered app cannot spend this app's refresh token (20024).
    let (status, error) = c.refresh_grant(OTHER_APP, OTHER_SECRET, &rt1).await;
    assert_eq!((status, error["code"].as_i64()), (400, Some(20024)), "{error}");
    assert_eq!(c.refresh_grant(APP, "wrong", &rt1).await.1["code"], 20002);
    assert_eq!(c.refresh_grant(APP, SECRET, &json!("ur-unknown")).await.1["code"], 20026);
    assert_eq!(
        c.token(json!({ "grant_type": "refresh_token", "client_id": APP, "client_secret": SECRET })).await.1["code"],
        20001
    );

    // Rotation: a new pair; the old user token keeps a minute of grace.
    let (status, second) = c.refresh_grant(APP, SECRET, &rt1).await;
    assert_eq!(status, 200, "{second}");
    assert_ne!(second["refresh_token"], rt1);
    assert_ne!(second["access_token"], first["access_token"]);
    let user_info = |token: Value| {
        let http = c.http.clone();
        let url = c.feishu.clone() + "/open-apis/authen/v1/user_info";
        async move { http.get(url).bearer_auth(token.as_str().unwrap()).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(user_info(first["access_token"].clone()).await, 200, "grace after rotation");
    assert_eq!(user_info(second["access_token"].clone()).await, 200);

    // Single use: the spent token is 20073, and its reuse revokes what was issued from it.
    let (status, error) = c.refresh_grant(APP, SECRET, &rt1).await;
    assert_eq!((status, error["code"].as_i64()), (400, Some(20073)), "{error}");
    assert_eq!(c.refresh_grant(APP, SECRET, &second["refresh_token"]).await.1["code"], 20064);
    assert_eq!(user_info(second["access_token"].clone()).await, 401, "the leaked chain's user token is dead");

    // Narrowing the scope without offline_access: no refresh token.
    let third = c.redeem(APP, SECRET, 1, "offline_access contact:user.base:readonly").await;
    let (_, narrowed) = c
        .token(json!({ "grant_type": "refresh_token", "client_id": APP, "client_secret": SECRET,
                       "refresh_token": third["refresh_token"], "scope": "contact:user.base:readonly" }))
        .await;
    assert_eq!(narrowed["scope"], "contact:user.base:readonly");
    assert!(narrowed.get("refresh_token").is_none(), "{narrowed}");
    let fourth = c.redeem(APP, SECRET, 1, "offline_access").await;
    let (_, error) = c
        .token(json!({ "grant_type": "refresh_token", "client_id": APP, "client_secret": SECRET,
                       "refresh_token": fourth["refresh_token"], "scope": "offline_access admin" }))
        .await;
    assert_eq!(error["code"], 20068);

    // The other app gets its own tokens (the emulator stands in for several apps).
    let other = c.redeem(OTHER_APP, OTHER_SECRET, 2, "offline_access").await;
    assert_eq!(c.refresh_grant(OTHER_APP, OTHER_SECRET, &other["refresh_token"]).await.0, 200);
    // A code of one app is refused to the other (20024).
    let code = c.code(APP, 0, "").await;
    let (_, error) = c
        .token(json!({ "grant_type": "authorization_code", "client_id": OTHER_APP, "client_secret": OTHER_SECRET,
                       "code": code, "redirect_uri": REDIRECT }))
        .await;
    assert_eq!(error["code"], 20024);
}

#[tokio::test]
async fn emulator_settings_shorten_lifetimes_and_refresh_tokens_expire() {
    let c = cluster(Arc::new(MemoryStore::default()), 0).await;
    let settings = |body: Value| c.post(&c.feishu, "/emulator/settings", None, body);
    for bad in [
        json!({ "userTokenTtlSecs": 0 }),
        json!({ "userTokenTtlSecs": 7201 }),
        json!({ "refreshTokenTtlSecs": 0 }),
        json!({ "other": 1 }),
    ] {
        assert_eq!(settings(bad.clone()).await.0, 400, "{bad}");
    }
    let (status, now) = settings(json!({ "userTokenTtlSecs": 20, "refreshTokenTtlSecs": 1 })).await;
    assert_eq!((status, now), (200, json!({ "userTokenTtlSecs": 20, "refreshTokenTtlSecs": 1 })));
    let current: Value =
        c.http.get(c.feishu.clone() + "/emulator/settings").send().await.unwrap().json().await.unwrap();
    assert_eq!(current["userTokenTtlSecs"], 20);
    let answer = c.redeem(APP, SECRET, 0, "offline_access").await;
    assert_eq!((answer["expires_in"].as_u64(), answer["refresh_token_expires_in"].as_u64()), (Some(20), Some(1)));
    c.clock.advance(Duration::from_secs(1));
    let (status, error) = c.refresh_grant(APP, SECRET, &answer["refresh_token"]).await;
    assert_eq!((status, error["code"].as_i64()), (400, Some(20037)), "{error}");
}

/// A memory store at its bound: new logins keep working, the least recently used session pays
/// (it must log in again: 401, never a session brought back), and a logout always succeeds.
/// Before, a full store answered 503 to every login and every logout, the token staying valid.
#[tokio::test]
async fn a_full_memory_store_drops_the_least_recently_used_session_and_never_refuses_a_logout() {
    let store = Arc::new(MemoryStore::new(3));
    let c = cluster(store.clone(), 1).await;
    let mut tokens = Vec::new();
    for user in 0..3 {
        tokens.push(c.login(0, user, "offline_access").await.0);
    }
    assert_eq!(c.me(0, &tokens[0]).await, 200, "the first session is used: the second is now the oldest");
    let (newest, _) = c.login(0, 0, "offline_access").await;
    assert_eq!(store.len(), 3);
    assert_eq!(c.me(0, &tokens[1]).await, 401, "the least recently used session paid: log in again");
    assert_eq!(c.refresh(0, &tokens[1]).await.0, 401, "and it cannot be renewed back");
    for token in [&tokens[0], &tokens[2], &newest] {
        assert_eq!(c.me(0, token).await, 200);
    }
    // A logout at the bound: it succeeds, and the token stays refused even after more evictions.
    assert_eq!(c.logout(0, &tokens[2]).await, 204);
    assert_eq!(c.me(0, &tokens[2]).await, 401);
    for user in 0..5 {
        c.login(0, user % 3, "").await;
    }
    assert_eq!(c.me(0, &tokens[2]).await, 401, "an eviction never makes a logged-out token valid");
    assert_eq!(c.logout(0, &tokens[1]).await, 204, "logging out a dropped session is fine too");
    assert_eq!(store.evicted(), 1 + 4, "one at the fourth login, then one per login past the bound");
}

/// A code lives 5 minutes on the emulator's clock: then 20004, relayed by the backend.
#[tokio::test]
async fn codes_expire() {
    let c = cluster(Arc::new(MemoryStore::default()), 1).await;
    let code = c.code(APP, 0, "").await;
    c.clock.advance(Duration::from_secs(300));
    let body =
        json!({ "code": code, "surface": "browser", "appId": APP, "codeVerifier": "unused", "redirectUri": REDIRECT });
    let (status, error) = c.post(&c.replicas[0], "/api/feishu/login", None, body).await;
    assert_eq!((status, error["code"].as_i64()), (400, Some(20004)), "{error}");
}
