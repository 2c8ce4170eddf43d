//! The feishu-login demo server: see the crate docs (`src/lib.rs`) for its environment.

use std::path::{Path, PathBuf};
use std::time::Duration;

use feishu_login_server::{app, env, session_ttl, Settings};

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
    println!("feishu-login demo: http://{addr}/  ({mode})");
    let app = app(&settings, addr);
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .expect("the server runs until stopped");
}
