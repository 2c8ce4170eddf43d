//! The feishu-login demo server, on 127.0.0.1 only: the `www/` demo page and the built `pkg/`,
//! a reference app backend (`/api/...`), and — unless real Feishu credentials are given — a
//! strict local Feishu emulator under Feishu's own paths (`/open-apis/...`).
//!
//! Environment: `PORT` (8080); `FEISHU_APP_ID`, `FEISHU_APP_SECRET`, `FEISHU_BRAND`
//! (`feishu`|`lark`) for real mode; `SESSION_SECRET` (random per start otherwise);
//! `SESSION_TTL_SECS` (3600); `FEISHU_LOGIN_ROOT` (the repository, for `www/` and `pkg/`);
//! `REDIS_URL` (the session store shared by replicas; in memory otherwise);
//! `EMULATOR_USER_TOKEN_TTL_SECS` (7200) and `EMULATOR_REFRESH_TOKEN_TTL_SECS` (604800), the
//! lifetimes of the tokens the emulator issues (also `POST /emulator/settings`);
//! `EMULATOR_REDIRECT_URLS` (more redirect URLs the emulated apps accept, e.g. your app's
//! `http://127.0.0.1:5173/`) and `EMULATOR_APPS` (`cli_id:secret,…`, more apps registered in the
//! emulated tenant), so the emulator can stand in for Feishu in front of another app (issue #13).

mod backend;
mod emulator;
mod store;

/// `EMULATOR_REDIRECT_URLS`: absolute `http(s)` URLs separated by commas or spaces, without
/// query or fragment (the emulator compares redirect URIs without them, as Feishu does).
pub(crate) fn redirect_urls(value: Option<&str>) -> Result<Vec<String>, String> {
    let mut urls = Vec::new();
    for url in value.unwrap_or_default().split([',', ' ']).filter(|u| !u.is_empty()) {
        let host = url.strip_prefix("http://").or_else(|| url.strip_prefix("https://")).unwrap_or_default();
        let valid = !host.is_empty()
            && !host.starts_with('/')
            && !url.chars().any(|c| c.is_control() || matches!(c, '?' | '#' | '"' | '<' | '>' | '\\'));
        if !valid {
            return Err(format!(
                "EMULATOR_REDIRECT_URLS: {url:?} is not an absolute http(s) URL without query or fragment"
            ));
        }
        urls.push(url.to_owned());
    }
    Ok(urls)
}

/// `EMULATOR_APPS`: `cli_id:secret` pairs separated by commas; ids are Feishu-like (`cli_` and
/// letters, digits, `_`), unique, and not the demo's own `cli_emulator_demo`.
pub(crate) fn emulator_apps(value: Option<&str>) -> Result<Vec<RegisteredApp>, String> {
    let mut apps: Vec<RegisteredApp> = Vec::new();
    for pair in value.unwrap_or_default().split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (id, secret) = pair.split_once(':').unwrap_or((pair, ""));
        let id_ok = id.starts_with("cli_") && id.len() > 4 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        let secret_ok = !secret.is_empty() && !secret.chars().any(|c| c.is_control() || c.is_whitespace());
        if !id_ok || !secret_ok {
            return Err(format!(
                "EMULATOR_APPS: each entry is cli_<id>:<secret> (letters, digits, _ in the id; a secret without spaces), got {:?}",
                crate::backend::log_value(id)
            ));
        }
        if id == DEMO_APP_ID || apps.iter().any(|app| app.app_id == id) {
            return Err(format!("EMULATOR_APPS: {id} is registered twice"));
        }
        apps.push(RegisteredApp { app_id: id.to_owned(), app_secret: secret.to_owned() });
    }
    Ok(apps)
}

/// The emulated app of the demo page.
const DEMO_APP_ID: &str = "cli_emulator_demo";

/// A lifetime in whole seconds from the environment variable `name`, checked at startup:
/// `default` when unset, an error naming the variable when it is not from 1 to `max`.
pub(crate) fn lifetime(name: &str, value: Option<&str>, default: u64, max: u64) -> Result<Duration, String> {
    match value.map(|v| v.trim().parse::<u64>()) {
        None => Ok(Duration::from_secs(default)),
        Some(Ok(secs)) if (1..=max).contains(&secs) => Ok(Duration::from_secs(secs)),
        Some(_) => Err(format!(
            "{name} must be a whole number of seconds from 1 to {max}, got {:?}",
            value.unwrap_or_default()
        )),
    }
}

/// The session lifetime from `SESSION_TTL_SECS` (default 3600 s), checked at startup: a value
/// that cannot be a lifetime (0, not a number, beyond 10 years) stops the server with a clear
/// message instead of breaking logins later (issue #13: u64::MAX overflowed on the first login).
pub(crate) fn session_ttl(value: Option<&str>) -> Result<Duration, String> {
    const MAX: u64 = 10 * 365 * 24 * 3600;
    match value.map(|v| v.trim().parse::<u64>()) {
        None => Ok(Duration::from_secs(3600)),
        Some(Ok(secs)) if (1..=MAX).contains(&secs) => Ok(Duration::from_secs(secs)),
        Some(_) => Err(format!(
            "SESSION_TTL_SECS must be a whole number of seconds from 1 to {MAX} (10 years), got {:?}",
            value.unwrap_or_default()
        )),
    }
}

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
use crate::emulator::{Emulator, EmulatorConfig, RegisteredApp};
use crate::store::{MemoryStore, RedisStore, Store};

/// What the demo page needs to know (served as `/config.json`).
#[derive(Clone)]
struct PageConfig {
    app_id: String,
    brand: String,
    emulator: bool,
    root: PathBuf,
}

/// Settings of one server instance.
pub struct Settings {
    pub port: u16,
    pub root: PathBuf,
    pub real: Option<(String, String, String)>,
    pub session_secret: Vec<u8>,
    pub session_ttl: Duration,
    pub code_ttl: Duration,
    /// The lifetimes of the emulator's user access tokens and refresh tokens.
    pub token_ttls: (Duration, Duration),
    /// Redirect URLs the emulator accepts besides this server's own `/`.
    pub emulator_redirects: Vec<String>,
    /// Apps registered in the emulated tenant besides the demo's.
    pub emulator_apps: Vec<RegisteredApp>,
    /// The backend's session store (revocations, Feishu grants, renewal locks).
    pub store: Arc<dyn Store>,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The whole app; `addr` is where it listens (the emulator's own base URL in emulator mode).
pub fn app(settings: &Settings, addr: SocketAddr) -> Router {
    let (app_id, app_secret, brand, open_api_base, emulator) = match &settings.real {
        Some((id, secret, brand)) => {
            let base = if brand == "lark" { "https://open.larksuite.com" } else { "https://open.feishu.cn" };
            (id.clone(), secret.clone(), brand.clone(), base.to_owned(), None)
        }
        None => {
            let secret = hex(&rand::random::<[u8; 16]>());
            let mut allowlist =
                vec![format!("http://127.0.0.1:{}/", addr.port()), format!("http://localhost:{}/", addr.port())];
            allowlist.extend(settings.emulator_redirects.iter().cloned());
            let emulator = Emulator::new(EmulatorConfig {
                app_id: DEMO_APP_ID.into(),
                app_secret: secret.clone(),
                redirect_allowlist: allowlist,
                code_ttl: settings.code_ttl,
                user_token_ttl: settings.token_ttls.0,
                refresh_token_ttl: settings.token_ttls.1,
                other_apps: settings.emulator_apps.clone(),
            });
            (DEMO_APP_ID.to_owned(), secret, "feishu".to_owned(), format!("http://{addr}"), Some(emulator))
        }
    };
    let backend = Backend::new(BackendConfig {
        app_id: app_id.clone(),
        app_secret,
        open_api_base,
        session_secret: settings.session_secret.clone(),
        session_ttl: settings.session_ttl,
        store: settings.store.clone(),
    });
    let page = PageConfig { app_id, brand, emulator: emulator.is_some(), root: settings.root.clone() };
    let mut router = backend::routes(backend);
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

#[tokio::main]
async fn main() {
    let port: u16 = env("PORT").and_then(|p| p.parse().ok()).unwrap_or(8080);
    let root =
        env("FEISHU_LOGIN_ROOT").map(PathBuf::from).unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".."));
    let real = match (env("FEISHU_APP_ID"), env("FEISHU_APP_SECRET")) {
        (Some(id), Some(secret)) => Some((id, secret, env("FEISHU_BRAND").unwrap_or_else(|| "feishu".into()))),
        _ => None,
    };
    let settings = Settings {
        port,
        root,
        real,
        session_secret: env("SESSION_SECRET")
            .map(String::into_bytes)
            .unwrap_or_else(|| rand::random::<[u8; 32]>().to_vec()),
        session_ttl: match session_ttl(env("SESSION_TTL_SECS").as_deref()) {
            Ok(ttl) => ttl,
            Err(message) => {
                eprintln!("{message}");
                std::process::exit(2);
            }
        },
        code_ttl: Duration::from_secs(300),
        token_ttls: (
            exit_on_error(lifetime(
                "EMULATOR_USER_TOKEN_TTL_SECS",
                env("EMULATOR_USER_TOKEN_TTL_SECS").as_deref(),
                emulator::DEFAULT_USER_TOKEN_TTL.as_secs(),
                7200,
            )),
            exit_on_error(lifetime(
                "EMULATOR_REFRESH_TOKEN_TTL_SECS",
                env("EMULATOR_REFRESH_TOKEN_TTL_SECS").as_deref(),
                emulator::DEFAULT_REFRESH_TOKEN_TTL.as_secs(),
                365 * 24 * 3600,
            )),
        ),
        emulator_redirects: redirect_urls(env("EMULATOR_REDIRECT_URLS").as_deref()).unwrap_or_else(|message| {
            eprintln!("{message}");
            std::process::exit(2);
        }),
        emulator_apps: emulator_apps(env("EMULATOR_APPS").as_deref()).unwrap_or_else(|message| {
            eprintln!("{message}");
            std::process::exit(2);
        }),
        store: match env("REDIS_URL") {
            Some(url) => match RedisStore::connect(&url).await {
                Ok(store) => Arc::new(store),
                Err(error) => {
                    eprintln!("REDIS_URL is set but Redis cannot be used: {error}");
                    std::process::exit(2);
                }
            },
            None => Arc::new(MemoryStore::default()),
        },
    };
    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", settings.port)).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("cannot listen on 127.0.0.1:{}: {e} (set PORT to another port)", settings.port);
            std::process::exit(1);
        }
    };
    let addr = listener.local_addr().expect("a bound listener has an address");
    let mode = match &settings.real {
        Some((id, _, brand)) => format!("real {brand} app {id}"),
        None => "local Feishu emulator (app cli_emulator_demo)".into(),
    };
    println!("feishu-login demo: http://{addr}/  ({mode}; {} session store)", settings.store.kind());
    let app = app(&settings, addr);
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .expect("the server runs until stopped");
}

fn exit_on_error(value: Result<Duration, String>) -> Duration {
    value.unwrap_or_else(|message| {
        eprintln!("{message}");
        std::process::exit(2);
    })
}

#[cfg(test)]
mod lifecycle_tests;
#[cfg(test)]
mod tests;
