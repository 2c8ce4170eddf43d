//! Your own axum app with Feishu login: the reference backend's routes mounted next to a route
//! of yours that only a signed-in user reaches (the `Session` extractor).
//!
//! ```sh
//! # a local Feishu (or leave FEISHU_OPEN_API_BASE unset for https://open.feishu.cn)
//! cargo run -p feishu-login-server --bin feishu-emulator -- --app cli_yourapp=your-secret --redirect http://127.0.0.1:3000/ &
//! SESSION_SECRET=$(openssl rand -hex 32) FEISHU_APP_ID=cli_yourapp FEISHU_APP_SECRET=your-secret \
//!   FEISHU_OPEN_API_BASE=http://127.0.0.1:8090 cargo run -p feishu-login-server --example axum_app
//! ```
//!
//! The SDK's `backend` is then `http://127.0.0.1:3000/api/feishu/login` (`refreshUrl`
//! `/api/feishu/refresh`, `logoutUrl` `/api/logout`), and `GET /api/orders` with
//! `Authorization: Bearer <session token>` answers the signed-in user's orders.

use std::sync::Arc;
use std::time::Duration;

use axum::routing::get;
use axum::{Json, Router};
use feishu_login_server::backend::{self, Backend, BackendConfig, Session, SessionSecret, DEFAULT_REUSE_INTERVAL};
use feishu_login_server::store::MemoryStore;
use serde_json::{json, Value};

/// The app: its own routes, and the login backend's (`/api/feishu/login`, `/api/feishu/refresh`,
/// `/api/me`, `/api/logout`) beside them.
pub fn app(backend: Arc<Backend>) -> Router {
    Router::new().route("/api/orders", get(orders)).with_state(backend.clone()).merge(backend::router(backend))
}

/// A protected route: it runs only for a current session (401 otherwise, 503 when the session
/// store cannot tell).
async fn orders(session: Session) -> Json<Value> {
    Json(json!({ "owner": session.claims.open_id, "name": session.claims.name, "orders": [] }))
}

fn required(name: &str) -> String {
    std::env::var(name).ok().filter(|v| !v.is_empty()).unwrap_or_else(|| {
        eprintln!("axum_app: set {name} (see the comment at the top of examples/axum_app.rs)");
        std::process::exit(2);
    })
}

#[tokio::main]
async fn main() {
    let secret = SessionSecret::parse("SESSION_SECRET", &required("SESSION_SECRET")).unwrap_or_else(|message| {
        eprintln!("axum_app: {message}");
        std::process::exit(2);
    });
    let backend = Backend::new(BackendConfig {
        app_id: required("FEISHU_APP_ID"),
        app_secret: required("FEISHU_APP_SECRET"),
        open_api_base: std::env::var("FEISHU_OPEN_API_BASE").unwrap_or_else(|_| "https://open.feishu.cn".into()),
        session_secret: secret,
        previous_session_secret: None,
        session_ttl: Duration::from_secs(3600),
        // A renewal retried after its answer was lost keeps the session for 60 s.
        reuse_interval: DEFAULT_REUSE_INTERVAL,
        // One process. With replicas: RedisStore::connect(&RedisOptions { url, ca_pem: None }).
        store: Arc::new(MemoryStore::default()),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await.expect("127.0.0.1:3000 is free");
    println!("axum_app: http://127.0.0.1:3000/ (GET /api/orders needs a session)");
    axum::serve(listener, app(backend)).await.expect("the server runs until stopped");
}
