//! `feishu-emulator`: a local, strict Feishu in front of your own app (see
//! `feishu_login_server::emulator_tool` for the TOML file and flags, README "Test your own app
//! offline" for a walk-through). Install: `cargo install --path server`.

use feishu_login_server::emulator_tool::{parse, router, summary, USAGE};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config = match parse(&args, |path| std::fs::read_to_string(path).map_err(|e| e.to_string())) {
        Ok(config) => config,
        Err(message) if message == USAGE => {
            print!("{USAGE}");
            return;
        }
        Err(message) => {
            eprintln!("feishu-emulator: {message}");
            std::process::exit(2);
        }
    };
    if config.check {
        print!("{}", summary(&config));
        return;
    }
    let listener = match tokio::net::TcpListener::bind(config.listen).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("feishu-emulator: cannot listen on {}: {e} (use --listen with another port)", config.listen);
            std::process::exit(1);
        }
    };
    let mut config = config;
    // Port 0 picks a free port: print the one the system chose.
    config.listen = listener.local_addr().expect("a bound listener has an address");
    print!("{}", summary(&config));
    axum::serve(listener, router(config.emulator))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .expect("the emulator runs until stopped");
}
