//! Renewals that spend Feishu's refresh token while something else happens: a second renewal
//! of the same session at once (another replica, the SDK's retry of a request still in flight),
//! and Feishu failing for a moment after it rotated the refresh token. Feishu's refresh tokens
//! are single use, so the backend must spend each one once and never lose the one it got back.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::lifecycle::{claims, cluster, serve, shared_secret, Cluster, APP, INTO_RENEWAL, SECRET};
use super::*;
use crate::store::{MemoryStore, Store, StoreFuture};

fn token(answer: &Value) -> String {
    answer["token"].as_str().unwrap_or_else(|| panic!("a session: {answer}")).to_owned()
}

/// A store whose next reads wait for one another: two renewals then both read the session's
/// record before either writes, the race made certain without timing.
pub(super) struct MeetingStore {
    inner: Arc<dyn Store>,
    waiting: AtomicUsize,
    meeting: std::sync::Mutex<Option<Arc<tokio::sync::Barrier>>>,
}

impl MeetingStore {
    pub(super) fn new(inner: Arc<dyn Store>) -> Arc<MeetingStore> {
        Arc::new(MeetingStore { inner, waiting: AtomicUsize::new(0), meeting: Default::default() })
    }

    /// The next `readers` reads meet before any of them reads.
    pub(super) fn meet(&self, readers: usize) {
        *self.meeting.lock().unwrap() = Some(Arc::new(tokio::sync::Barrier::new(readers)));
        self.waiting.store(readers, Ordering::SeqCst);
    }
}

impl Store for MeetingStore {
    fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<Vec<u8>>> {
        let barrier = match self.waiting.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)) {
            Ok(_) => self.meeting.lock().unwrap().clone(),
            Err(_) => None,
        };
        Box::pin(async move {
            if let Some(barrier) = barrier {
                barrier.wait().await;
            }
            self.inner.get(key).await
        })
    }
    fn put<'a>(&'a self, key: &'a str, value: Vec<u8>, ttl: Duration) -> StoreFuture<'a, ()> {
        self.inner.put(key, value, ttl)
    }
    fn replace<'a>(&'a self, key: &'a str, expected: &'a [u8], value: Vec<u8>, ttl: Duration) -> StoreFuture<'a, bool> {
        self.inner.replace(key, expected, value, ttl)
    }
    fn delete<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()> {
        self.inner.delete(key)
    }
    fn kind(&self) -> &'static str {
        self.inner.kind()
    }
}

/// Two renewals of one token at once when the Feishu user token nears its expiry: the first to
/// claim the session spends the refresh token; the other is told to retry (503) or, once the
/// first is done, answered as a retry within the reuse interval. Nobody is signed out, and
/// Feishu sees the refresh token once. Before, both spent it: Feishu answered the second 20073
/// (and revoked what it had just issued to the first), and the session was deleted.
pub(super) async fn two_renewals_that_spend_the_refresh_token_at_once_keep_the_session(inner: Arc<dyn Store>) {
    let store = MeetingStore::new(inner);
    let c = cluster(store.clone(), 2).await;
    let (first, _) = c.login(0, 0, "offline_access").await;
    c.clock.advance(INTO_RENEWAL);
    let refresh_tokens = c.emulator.stored()[3];
    store.meet(2);
    let (a, b) = tokio::join!(c.refresh(0, &first), c.refresh(1, &first));
    let mut answers = Vec::new();
    for (status, answer) in [a, b] {
        match status {
            200 => answers.push(answer),
            503 => {
                // A renewal of this session is under way: the SDK retries, as for any 503.
                let (status, retried) = c.refresh(1, &first).await;
                assert_eq!(status, 200, "the retry: {retried}");
                answers.push(retried);
            }
            _ => panic!("{status}: {answer}"),
        }
    }
    assert_eq!(c.emulator.stored()[3], refresh_tokens + 1, "Feishu's refresh token was spent once");
    assert_eq!(claims(&token(&answers[0]))["gen"], claims(&token(&answers[1]))["gen"], "one generation");
    for answer in &answers {
        assert_eq!(c.me(0, &token(answer)).await, 200, "the session stands: {answer}");
    }
    // The refresh token Feishu gave back was kept, and is still good: the next renewal spends it.
    c.clock.advance(INTO_RENEWAL);
    let (status, next) = c.refresh(1, &token(&answers[0])).await;
    assert_eq!(status, 200, "{next}");
    assert_eq!(c.emulator.stored()[3], refresh_tokens + 2);
}

#[tokio::test]
async fn two_renewals_that_spend_the_refresh_token_at_once_keep_the_session_with_the_memory_store() {
    two_renewals_that_spend_the_refresh_token_at_once_keep_the_session(Arc::new(MemoryStore::default())).await;
}

/// A Feishu in front of the emulator that rate-limits `user_info` when told to, as Feishu does:
/// HTTP 429 with code 99991400.
struct RateLimiting {
    upstream: String,
    http: reqwest::Client,
    limit_user_info: AtomicBool,
}

async fn rate_limiting(
    State(feishu): State<Arc<RateLimiting>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if uri.path() == "/open-apis/authen/v1/user_info" && feishu.limit_user_info.swap(false, Ordering::SeqCst) {
        let body = json!({ "code": 99991400, "msg": "request trigger frequency limit" });
        return (StatusCode::TOO_MANY_REQUESTS, [("x-ogw-ratelimit-reset", "1")], Json(body)).into_response();
    }
    let url = feishu.upstream.clone() + uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let mut request = feishu.http.request(method, url).body(body);
    for name in ["authorization", "content-type"] {
        if let Some(value) = headers.get(name) {
            request = request.header(name, value);
        }
    }
    let answer = request.send().await.unwrap();
    let status = StatusCode::from_u16(answer.status().as_u16()).unwrap();
    (status, [("content-type", "application/json")], answer.bytes().await.unwrap()).into_response()
}

/// One replica whose Feishu is a [`RateLimiting`] proxy in front of the cluster's emulator.
async fn rate_limited_cluster() -> (Cluster, Arc<RateLimiting>) {
    let base = cluster(Arc::new(MemoryStore::default()), 0).await;
    let feishu = Arc::new(RateLimiting {
        upstream: base.feishu.clone(),
        http: reqwest::Client::new(),
        limit_user_info: AtomicBool::new(false),
    });
    let proxy = serve(Router::new().fallback(rate_limiting).with_state(feishu.clone())).await;
    let config = BackendConfig {
        app_id: APP.into(),
        app_secret: SECRET.into(),
        open_api_base: proxy,
        session_secret: shared_secret(),
        previous_session_secret: None,
        session_ttl: Duration::from_secs(3600),
        reuse_interval: backend::DEFAULT_REUSE_INTERVAL,
        store: base.store.clone(),
    };
    let replica = serve(backend::router(Backend::with_clock(config, base.clock.clone()))).await;
    // Codes still come from the emulator's consent page; only the backend talks to the proxy.
    let c = Cluster { replicas: vec![replica], ..base };
    (c, feishu)
}

/// Feishu rate-limits a renewal (429, 99991400): the session stands, and the answer is 503 with
/// `Retry-After` (the SDK retries). Before, the 429 ended the session (any 4xx from Feishu did).
#[tokio::test]
async fn a_rate_limited_renewal_keeps_the_session() {
    let (c, feishu) = rate_limited_cluster().await;
    let (first, _) = c.login(0, 1, "offline_access").await;

    feishu.limit_user_info.store(true, Ordering::SeqCst);
    let (status, error) = c.refresh(0, &first).await;
    assert_eq!((status, error["code"].as_i64()), (503, Some(99991400)), "{error}");
    assert_eq!(c.me(0, &first).await, 200, "the session stands");
    let (status, renewed) = c.refresh(0, &first).await;
    assert_eq!(status, 200, "the retry renews: {renewed}");
}

/// Feishu rate-limits a renewal right after it rotated the refresh token: the refresh token it
/// handed back is kept, so the retry renews without spending the old one again. Before, the new
/// refresh token was lost with the failed answer, and the retry presented the spent one: 20073,
/// the session ended (and Feishu revoked what it had just issued).
#[tokio::test]
async fn a_renewal_failing_after_feishu_rotated_the_refresh_token_keeps_the_new_one() {
    let (c, feishu) = rate_limited_cluster().await;
    let (first, _) = c.login(0, 2, "offline_access").await;
    c.clock.advance(INTO_RENEWAL);
    let refresh_tokens = c.emulator.stored()[3];
    feishu.limit_user_info.store(true, Ordering::SeqCst);
    let (status, error) = c.refresh(0, &first).await;
    assert_eq!((status, error["code"].as_i64()), (503, Some(99991400)), "{error}");
    assert_eq!(c.emulator.stored()[3], refresh_tokens + 1, "the refresh token was spent before the 429");

    let (status, renewed) = c.refresh(0, &first).await;
    assert_eq!(status, 200, "the retry renews on the refresh token Feishu handed back: {renewed}");
    assert_eq!(c.emulator.stored()[3], refresh_tokens + 1, "and spends nothing more: its user token is fresh");
    assert_eq!(c.me(0, &token(&renewed)).await, 200);
    c.clock.advance(INTO_RENEWAL);
    let (status, again) = c.refresh(0, &token(&renewed)).await;
    assert_eq!(status, 200, "the kept refresh token renews in turn: {again}");
}
