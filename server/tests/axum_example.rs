//! `examples/axum_app.rs` mounted as a user would: a login through the mounted backend (against
//! the emulator), then the app's own protected route with and without the session.

use std::sync::Arc;
use std::time::Duration;

use feishu_login_server::backend::{Backend, BackendConfig, SessionSecret, DEFAULT_REUSE_INTERVAL};
use feishu_login_server::emulator::{self, demo_users, App, Brand, Emulator, EmulatorConfig};
use feishu_login_server::store::MemoryStore;
use serde_json::{json, Value};

#[allow(dead_code)] // its main() is the example's, not this test's
#[path = "../examples/axum_app.rs"]
mod axum_app;

async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    base
}

#[tokio::test]
async fn the_example_app_protects_its_route_with_the_mounted_backend() {
    let feishu = serve(emulator::routes(Emulator::new(EmulatorConfig {
        apps: vec![App {
            id: "cli_example".into(),
            secret: "s3cret".into(),
            brand: Brand::Feishu,
            redirect_urls: vec![],
        }],
        users: demo_users(),
        code_ttl: Duration::from_secs(300),
        user_token_ttl: Duration::from_secs(7200),
        refresh_token_ttl: Duration::from_secs(604_800),
        control_key: None,
    })))
    .await;
    let backend = Backend::new(BackendConfig {
        app_id: "cli_example".into(),
        app_secret: "s3cret".into(),
        open_api_base: feishu.clone(),
        session_secret: SessionSecret::parse(
            "SESSION_SECRET",
            "22c220443a3ee6c5444d6f5ade32514f3af5c7b7d7dfb85376b303da2f10d4f5",
        )
        .unwrap(),
        previous_session_secret: None,
        session_ttl: Duration::from_secs(3600),
        reuse_interval: DEFAULT_REUSE_INTERVAL,
        store: Arc::new(MemoryStore::default()),
    });
    let app = serve(axum_app::app(backend)).await;
    let http = reqwest::Client::new();

    let code: Value = http
        .post(feishu + "/emulator/host-code")
        .json(&json!({ "surface": "client", "appId": "cli_example", "user": 1 }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let login = http
        .post(app.clone() + "/api/feishu/login")
        .json(&json!({ "code": code["code"], "surface": "client", "appId": "cli_example" }))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let session: Value = login.json().await.unwrap();
    let token = session["token"].as_str().unwrap();

    let orders = |token: Option<String>| {
        let mut request = http.get(app.clone() + "/api/orders");
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        async move {
            let response = request.send().await.unwrap();
            (response.status().as_u16(), response.json::<Value>().await.unwrap_or_default())
        }
    };
    let (status, body) = orders(Some(token.into())).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["owner"], demo_users()[1].open_id.as_str());
    assert_eq!(orders(None).await.0, 401, "no session, no orders");
    assert_eq!(orders(Some(token.replace('.', ".x"))).await.0, 401, "a forged token");

    let logout = http.post(app.clone() + "/api/logout").bearer_auth(token).json(&json!({})).send().await.unwrap();
    assert_eq!(logout.status(), 204);
    let (status, body) = orders(Some(token.into())).await;
    assert_eq!(status, 401, "logged out: {body}");
}

#[test]
fn the_example_listens_on_port_3000_unless_port_says_otherwise() {
    use std::env::VarError;
    assert_eq!(axum_app::port(Err(VarError::NotPresent)), Ok(3000));
    assert_eq!(axum_app::port(Ok(String::new())), Ok(3000), "empty counts as unset, as for the demo server");
    assert_eq!(axum_app::port(Ok("8081".into())), Ok(8081));
    assert_eq!(axum_app::port(Ok("0".into())), Ok(0), "0 picks a free port");
    for bad in ["abc", "65536", "-1", "3000x"] {
        let message = axum_app::port(Ok(bad.into())).unwrap_err();
        assert!(message.contains("PORT must be a port number from 0 to 65535"), "{bad}: {message}");
        assert!(message.contains(bad), "names the value: {message}");
    }
    let message = axum_app::port(Err(VarError::NotUnicode("\u{fffd}".into()))).unwrap_err();
    assert!(message.contains("PORT"), "{message}");
}
