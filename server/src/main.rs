//! The feishu-login demo server. Configured by environment variables only, each checked at
//! startup (see `feishu_login_server::config`, or run it with `--help`).

use feishu_login_server::config::{ServerConfig, StoreConfig, NAMES, VARIABLES};
use feishu_login_server::{app, store::MemoryStore};

fn fail(message: &str) -> ! {
    eprintln!("feishu-login-server: {message}");
    std::process::exit(2);
}

#[tokio::main]
async fn main() {
    match std::env::args().nth(1).as_deref() {
        None => {}
        Some("-h" | "--help") => {
            println!("feishu-login-server: the feishu-login demo (www/, the reference backend, the Feishu emulator)\n\nIt takes no arguments; the environment configures it:\n{VARIABLES}");
            return;
        }
        Some(other) => {
            fail(&format!("unknown argument {other:?}: it takes none (the environment configures it; see --help)"))
        }
    }
    for name in NAMES {
        if let Err(std::env::VarError::NotUnicode(_)) = std::env::var(name) {
            fail(&format!("{name} is not valid UTF-8: set it to one of the values --help lists, or unset it"));
        }
    }
    let config = ServerConfig::from_env(|name| std::env::var(name).ok()).unwrap_or_else(|message| fail(&message));
    let random_key = !config.session_secret_given;
    let store = match &config.store {
        StoreConfig::Memory { capacity } => format!(
            "memory session store, {capacity} sessions (up to {} MB)",
            capacity * MemoryStore::BYTES_PER_ENTRY / 1_000_000
        ),
        StoreConfig::Redis(_) => "Redis session store".into(),
    };
    let settings = config.settings().await.unwrap_or_else(|message| fail(&message));
    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", settings.port)).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!(
                "feishu-login-server: cannot listen on 127.0.0.1:{}: {e} (set PORT to another port)",
                settings.port
            );
            std::process::exit(1);
        }
    };
    let addr = listener.local_addr().expect("a bound listener has an address");
    let mode = match &settings.real {
        Some(real) => format!("real {:?} app {}", real.brand, real.app_id).to_lowercase(),
        None => "local Feishu emulator (app cli_emulator_demo)".into(),
    };
    println!("feishu-login demo: http://{addr}/  ({mode}; {store})");
    if random_key {
        println!("  SESSION_SECRET is not set: a random key signs sessions, so they end when the server restarts");
    }
    let app = app(&settings, addr);
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .expect("the server runs until stopped");
}
