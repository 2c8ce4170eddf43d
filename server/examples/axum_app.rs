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
//! It listens on 127.0.0.1:3000; `PORT` picks another port (0: a free one), as for the demo
//! server. The SDK's `backend` is then `http://127.0.0.1:3000/api/feishu/login` (`refreshUrl`
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

/// The port to listen on, from the `PORT` variable (`std::env::var("PORT")`): 3000 when unset
/// or empty, as the demo server reads its own.
///
/// # Errors
/// A message naming `PORT`, the value and what it accepts.
pub fn port(var: Result<String, std::env::VarError>) -> Result<u16, String> {
    match var {
        Err(std::env::VarError::NotPresent) => Ok(3000),
        Ok(text) if text.is_empty() => Ok(3000),
        Ok(text) => text
            .trim()
            .parse()
            .map_err(|_| format!("PORT must be a port number from 0 to 65535 (0 picks a free one), got {text:?}")),
        Err(std::env::VarError::NotUnicode(_)) => {
            Err("PORT is not valid UTF-8: set it to a port number or unset it".into())
        }
    }
}

fn fail(message: &str) -> ! {
    eprintln!("axum_app: {message}");
    std::process::exit(2);
}

fn required(name: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| fail(&format!("set {name} (see the comment at the top of examples/axum_app.rs)")))
}

#[tokio::main]
async fn main() {
    let port = port(std::env::var("PORT")).unwrap_or_else(|message| fail(&message));
    let secret =
        SessionSecret::parse("SESSION_SECRET", &required("SESSION_SECRET")).unwrap_or_else(|message| fail(&message));
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
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap_or_else(|e| {
        eprintln!("axum_app: cannot listen on 127.0.0.1:{port}: {e} (set PORT to another port)");
        std::process::exit(1);
    });
    let addr = listener.local_addr().expect("a bound listener has an address");
    println!("axum_app: http://{addr}/ (GET /api/orders needs a session)");
    axum::serve(listener, app(backend)).await.expect("the server runs until stopped");
}
