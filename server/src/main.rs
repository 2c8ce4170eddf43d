//! The feishu-login demo server: see the crate docs (`src/lib.rs`) for its environment.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use feishu_login_server::backend::SessionSecret;
use feishu_login_server::emulator::{DEFAULT_REFRESH_TOKEN_TTL, DEFAULT_USER_TOKEN_TTL};
use feishu_login_server::store::{MemoryStore, RedisOptions, RedisStore};
use feishu_login_server::{app, env, lifetime, session_ttl, Settings};

fn exit_on_error<T>(value: Result<T, String>) -> T {
    value.unwrap_or_else(|message| {
        eprintln!("{message}");
        std::process::exit(2);
    })
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
            .map(|s| exit_on_error(SessionSecret::parse("SESSION_SECRET", &s)))
            .unwrap_or_else(SessionSecret::random),
        previous_session_secret: env("SESSION_SECRET_PREVIOUS")
            .map(|s| exit_on_error(SessionSecret::parse("SESSION_SECRET_PREVIOUS", &s))),
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
                DEFAULT_USER_TOKEN_TTL.as_secs(),
                7200,
            )),
            exit_on_error(lifetime(
                "EMULATOR_REFRESH_TOKEN_TTL_SECS",
                env("EMULATOR_REFRESH_TOKEN_TTL_SECS").as_deref(),
                DEFAULT_REFRESH_TOKEN_TTL.as_secs(),
                365 * 24 * 3600,
            )),
        ),
        store: match env("REDIS_URL") {
            Some(url) => match RedisStore::connect(&RedisOptions { url, ca_pem: None }).await {
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
