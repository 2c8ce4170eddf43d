//! Renewals that spend Feishu's refresh token while something else happens: a second renewal
//! of the same session at once (another replica, the SDK's retry of a request still in flight),
//! and Feishu failing for a moment after it rotated the refresh token. Feishu's refresh tokens
//! are single use, so the backend must spend each one once and never lose the one it got back.

use std::sync::atomic::{AtomicBool, Ordering};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use super::lifecycle::{cluster, serve, shared_secret, Cluster, APP, SECRET};
use super::*;
use crate::store::MemoryStore;

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

/// Feishu rate-limits a renewal (429, 99991400): the session stands, and the answer is 503 with
/// `Retry-After` (the SDK retries). Before, the 429 ended the session (any 4xx from Feishu did).
#[tokio::test]
async fn a_rate_limited_renewal_keeps_the_session() {
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
    let (first, _) = c.login(0, 1, "offline_access").await;

    feishu.limit_user_info.store(true, Ordering::SeqCst);
    let (status, error) = c.refresh(0, &first).await;
    assert_eq!((status, error["code"].as_i64()), (503, Some(99991400)), "{error}");
    assert_eq!(c.me(0, &first).await, 200, "the session stands");
    let (status, renewed) = c.refresh(0, &first).await;
    assert_eq!(status, 200, "the retry renews: {renewed}");
}
