//! The feishu-login server crate.
//!
//! - [`backend`]: the reference app backend as an [`axum::Router`] to mount in your own Rust
//!   server, with its [`backend::BackendConfig`] and the [`backend::Session`] extractor for your
//!   protected routes (`server/examples/axum_app.rs`).
//! - [`store`]: where sessions live: [`store::MemoryStore`] (one process, bounded) or
//!   [`store::RedisStore`] (replicas).
//! - [`emulator`]: a strict local Feishu under Feishu's own paths (`/open-apis/...`), a module
//!   per flow; [`emulator_tool`]: the `feishu-emulator` binary's TOML file and flags.
//! - [`clock`]: time as the server reads it, and a [`clock::ManualClock`] for tests.
//! - [`config`]: the demo server's environment, read once and checked strictly.
//! - [`app`]: the demo server (binary `feishu-login-server`, on 127.0.0.1 only): the `www/` demo
//!   page and the built `pkg/`, the backend, and (without real Feishu credentials) the emulator.

pub mod backend;
mod bearer;
pub mod clock;
pub mod config;
pub mod emulator;
pub mod emulator_tool;
pub mod store;

use std::net::SocketAddr;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::backend::{Backend, BackendConfig};
use crate::emulator::{demo_users, App, Brand, Emulator, EmulatorConfig};
use crate::store::Store;

/// What the demo page needs to know (served as `/config.json`).
#[derive(Clone)]
struct PageConfig {
    app_id: String,
    brand: String,
    emulator: bool,
    root: PathBuf,
}

/// Settings of one server instance (from [`config::ServerConfig::settings`] or built by hand).
pub struct Settings {
    pub port: u16,
    pub root: PathBuf,
    pub real: Option<config::RealApp>,
    pub session_secret: backend::SessionSecret,
    pub previous_session_secret: Option<backend::SessionSecret>,
    pub session_ttl: Duration,
    /// How long after a renewal the token it retired may be presented again
    /// ([`BackendConfig::reuse_interval`]).
    pub reuse_interval: Duration,
    pub code_ttl: Duration,
    /// The lifetimes of the emulator's user access tokens and refresh tokens.
    pub token_ttls: (Duration, Duration),
    /// The backend's session store (one record per session).
    pub store: Arc<dyn Store>,
}

/// The whole app; `addr` is where it listens (the emulator's own base URL in emulator mode).
pub fn app(settings: &Settings, addr: SocketAddr) -> Router {
    let (app_id, app_secret, brand, open_api_base, emulator) = match &settings.real {
        Some(real) => {
            let (base, brand) = match real.brand {
                Brand::Lark => ("https://open.larksuite.com", "lark"),
                Brand::Feishu => ("https://open.feishu.cn", "feishu"),
            };
            (real.app_id.clone(), real.app_secret.clone(), brand.to_owned(), base.to_owned(), None)
        }
        None => {
            let secret = hex(&rand::random::<[u8; 16]>());
            let allowlist =
                vec![format!("http://127.0.0.1:{}/", addr.port()), format!("http://localhost:{}/", addr.port())];
            let emulator = Emulator::new(EmulatorConfig {
                apps: vec![App {
                    id: "cli_emulator_demo".into(),
                    secret: secret.clone(),
                    brand: Brand::Feishu,
                    redirect_urls: allowlist,
                }],
                users: demo_users(),
                code_ttl: settings.code_ttl,
                user_token_ttl: settings.token_ttls.0,
                refresh_token_ttl: settings.token_ttls.1,
                control_key: None,
            });
            ("cli_emulator_demo".to_owned(), secret, "feishu".to_owned(), format!("http://{addr}"), Some(emulator))
        }
    };
    let backend = Backend::new(BackendConfig {
        app_id: app_id.clone(),
        app_secret,
        open_api_base,
        session_secret: settings.session_secret.clone(),
        previous_session_secret: settings.previous_session_secret.clone(),
        session_ttl: settings.session_ttl,
        reuse_interval: settings.reuse_interval,
        store: settings.store.clone(),
    });
    let page = PageConfig { app_id, brand, emulator: emulator.is_some(), root: settings.root.clone() };
    let mut router = backend::router(backend);
    if let Some(emulator) = emulator {
        router = router.merge(emulator::routes(emulator));
    }
    let pages = Router::new().route("/config.json", get(page_config)).fallback(get(static_file)).with_state(page);
    router.merge(pages)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

async fn page_config(State(page): State<PageConfig>) -> Json<serde_json::Value> {
    Json(json!({ "appId": page.app_id, "brand": page.brand, "emulator": page.emulator }))
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        Some("png") => "image/png",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

/// `www/` at `/`, the built package at `/pkg/`. Paths with `..` are refused.
async fn static_file(State(page): State<PageConfig>, request: Request) -> Response {
    let path = request.uri().path().trim_start_matches('/');
    let relative = Path::new(path);
    if relative.components().any(|c| !matches!(c, Component::Normal(_))) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let file = match path {
        "" => page.root.join("www/index.html"),
        p if p.starts_with("pkg/") => page.root.join(p),
        p => page.root.join("www").join(p),
    };
    match tokio::fs::read(&file).await {
        Ok(bytes) => {
            ([(header::CONTENT_TYPE, content_type(&file)), (header::CACHE_CONTROL, "no-store")], bytes).into_response()
        }
        Err(_) if path.starts_with("pkg/") => {
            (StatusCode::NOT_FOUND, "pkg/ is not built: run `node scripts/build-pkg.mjs` (the demo command does)")
                .into_response()
        }
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

#[cfg(test)]
mod tests;
