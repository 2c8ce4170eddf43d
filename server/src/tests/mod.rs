//! The emulator's rules and the reference backend, over real HTTP on 127.0.0.1.

use super::*;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::Value;
use sha2::{Digest, Sha256};

mod app_tokens;
mod lifecycle;
mod qr_passport;
mod redis;
mod renewal_races;
mod reuse_interval;

/// A demo server (emulator and reference backend) on a free 127.0.0.1 port, and a client that
/// does not follow redirects. Also used by the emulator's passport tests.
pub(crate) struct Server {
    pub(crate) base: String,
    pub(crate) http: reqwest::Client,
}

pub(crate) async fn start(code_ttl: Duration) -> Server {
    start_with(code_ttl, Duration::from_secs(60)).await
}

async fn start_with(code_ttl: Duration, session_ttl: Duration) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let settings = Settings {
        port: addr.port(),
        root: Path::new(env!("CARGO_MANIFEST_DIR")).join(".."),
        real: None,
        session_secret: backend::SessionSecret::random(),
        previous_session_secret: None,
        session_ttl,
        reuse_interval: backend::DEFAULT_REUSE_INTERVAL,
        code_ttl,
        token_ttls: (emulator::DEFAULT_USER_TOKEN_TTL, emulator::DEFAULT_REFRESH_TOKEN_TTL),
        store: Arc::new(store::MemoryStore::default()),
    };
    let app = app(&settings, addr);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    Server { base: format!("http://{addr}"), http }
}

impl Server {
    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let response = self.http.post(self.base.clone() + path).json(&body).send().await.unwrap();
        (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
    }

    /// Authorizes through the consent form and returns the code from the redirect.
    async fn authorize(&self, redirect_uri: &str, challenge: Option<(&str, &str)>) -> String {
        let mut form = vec![
            ("client_id", "cli_emulator_demo".to_owned()),
            ("redirect_uri", redirect_uri.to_owned()),
            ("response_type", "code".to_owned()),
            ("state", "st".to_owned()),
            ("decision", "allow".to_owned()),
            ("user", "1".to_owned()),
        ];
        if let Some((c, m)) = challenge {
            form.push(("code_challenge", c.to_owned()));
            form.push(("code_challenge_method", m.to_owned()));
        }
        let response =
            self.http.post(self.base.clone() + "/open-apis/authen/v1/authorize").form(&form).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 303);
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let url = reqwest::Url::parse(&location).unwrap();
        assert_eq!(url.query_pairs().find(|(k, _)| k == "state").unwrap().1, "st");
        url.query_pairs().find(|(k, _)| k == "code").map(|(_, v)| v.into_owned()).expect("a code")
    }

    fn redirect(&self) -> String {
        self.base.clone() + "/"
    }

    async fn login(&self, body: Value) -> (u16, Value) {
        self.post("/api/feishu/login", body).await
    }
}

fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

fn browser_login(code: &str, verifier: &str, redirect_uri: &str) -> Value {
    json!({ "code": code, "surface": "browser", "appId": "cli_emulator_demo", "codeVerifier": verifier, "redirectUri": redirect_uri })
}

#[tokio::test]
async fn browser_flow_through_the_backend_and_me() {
    let server = start(Duration::from_secs(300)).await;
    let code = server.authorize(&server.redirect(), Some((&s256(VERIFIER), "S256"))).await;
    let (status, session) = server.login(browser_login(&code, VERIFIER, &server.redirect())).await;
    assert_eq!(status, 200, "{session}");
    assert_eq!(session["user"]["name"], "李四");
    assert_eq!(session["expiresIn"], 60);
    let token = session["token"].as_str().unwrap();
    let me: Value =
        server.http.get(server.base.clone() + "/api/me").bearer_auth(token).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["name"], "李四");
    let forged = token.replace('.', ".x");
    let status = server.http.get(server.base.clone() + "/api/me").bearer_auth(forged).send().await.unwrap().status();
    assert_eq!(status.as_u16(), 401);

    // The code is single use: 20065, relayed by the backend.
    let (status, error) = server.login(browser_login(&code, VERIFIER, &server.redirect())).await;
    assert_eq!((status, error["code"].as_i64()), (400, Some(20065)));
}

#[tokio::test]
async fn pkce_is_checked_per_method() {
    let server = start(Duration::from_secs(300)).await;
    let code = server.authorize(&server.redirect(), Some((&s256(VERIFIER), "S256"))).await;
    let (_, error) =
        server.login(browser_login(&code, "another-verifier-another-verifier-another-ve", &server.redirect())).await;
    assert_eq!(error["code"], 20049);
    // plain is Feishu's default: the verifier must equal the challenge itself.
    let code = server.authorize(&server.redirect(), Some((VERIFIER, "plain"))).await;
    let (status, _) = server.login(browser_login(&code, VERIFIER, &server.redirect())).await;
    assert_eq!(status, 200);
    // A challenge sent without a method is plain too, so its S256 verifier fails.
    let mut form = vec![
        ("client_id", "cli_emulator_demo".to_owned()),
        ("redirect_uri", server.redirect()),
        ("response_type", "code".into()),
        ("decision", "allow".into()),
        ("code_challenge", s256(VERIFIER)),
    ];
    form.push(("state", "st".into()));
    let response =
        server.http.post(server.base.clone() + "/open-apis/authen/v1/authorize").form(&form).send().await.unwrap();
    let location = reqwest::Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
    let code = location.query_pairs().find(|(k, _)| k == "code").unwrap().1.into_owned();
    let (_, error) = server.login(browser_login(&code, VERIFIER, &server.redirect())).await;
    assert_eq!(error["code"], 20049);
}

#[tokio::test]
async fn token_endpoint_rules() {
    let server = start(Duration::from_secs(300)).await;
    let token = |body: Value| server.post("/open-apis/authen/v2/oauth/token", body);
    assert_eq!(token(json!({})).await.1["code"], 20001);
    assert_eq!(
        token(json!({ "grant_type": "password", "client_id": "cli_emulator_demo", "client_secret": "x", "code": "c" }))
            .await
            .1["code"],
        20036
    );
    assert_eq!(
        token(
            json!({ "grant_type": "authorization_code", "client_id": "cli_other", "client_secret": "x", "code": "c" })
        )
        .await
        .1["code"],
        20048
    );
    assert_eq!(token(json!({ "grant_type": "authorization_code", "client_id": "cli_emulator_demo", "client_secret": "wrong", "code": "c" })).await.1["code"], 20002);

    // redirect_uri must equal the authorized one.
    let code = server.authorize(&(server.redirect() + "#/cb"), Some((&s256(VERIFIER), "S256"))).await;
    let (_, error) = server.login(browser_login(&code, VERIFIER, &server.redirect())).await;
    assert_eq!(error["code"], 20071);
    let (status, _) = server.login(browser_login(&code, VERIFIER, &(server.redirect() + "#/cb"))).await;
    assert_eq!(status, 200, "the fragment is part of the registered redirect");
}

#[tokio::test]
async fn an_unregistered_redirect_uri_page_shows_it_the_registered_ones_and_how_to_add_one() {
    let server = start(Duration::from_secs(300)).await;
    // http://localhost:5173/<b>?x="1", percent-encoded.
    let received = "http%3A%2F%2Flocalhost%3A5173%2F%3Cb%3E%3Fx%3D%221%22";
    let url = format!(
        "{}/open-apis/authen/v1/authorize?client_id=cli_emulator_demo&response_type=code&state=s&redirect_uri={received}",
        server.base
    );
    let response = server.http.get(url).send().await.unwrap();
    assert_eq!(response.status(), 400);
    let html = response.text().await.unwrap();
    assert!(html.contains("20029"), "{html}");
    assert!(
        html.contains("http://localhost:5173/&lt;b&gt;?x=&quot;1&quot;"),
        "the redirect_uri received, escaped: {html}"
    );
    assert!(!html.contains("<b>"), "nothing of the redirect_uri is markup: {html}");
    assert!(html.contains(&server.redirect()), "the registered URLs: {html}");
    let port = server.base.rsplit(':').next().unwrap();
    assert!(html.contains(&format!("http://localhost:{port}/")), "every registered URL: {html}");
    assert!(html.contains("--redirect"), "how to register another with feishu-emulator: {html}");
    assert!(html.contains("redirect_urls"), "and in its TOML file: {html}");
}

#[tokio::test]
async fn authorize_refuses_unknown_apps_and_redirects() {
    let server = start(Duration::from_secs(300)).await;
    let page = |query: String| {
        let url = server.base.clone() + "/open-apis/authen/v1/authorize?" + &query;
        let http = server.http.clone();
        async move {
            let response = http.get(url).send().await.unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };
    let ok = format!("client_id=cli_emulator_demo&response_type=code&state=s&redirect_uri={}", server.redirect());
    let (status, html) = page(ok).await;
    assert_eq!(status, 200);
    assert!(html.contains("Authorize"));
    let (status, html) =
        page(format!("client_id=cli_nope&response_type=code&redirect_uri={}", server.redirect())).await;
    assert_eq!(status, 400);
    assert!(html.contains("20029"));
    let (status, html) =
        page("client_id=cli_emulator_demo&response_type=code&redirect_uri=https://evil.example/".into()).await;
    assert_eq!(status, 400);
    assert!(html.contains("20029"));
    // Deny → error=access_denied with the state.
    let form = [
        ("client_id", "cli_emulator_demo"),
        ("redirect_uri", &server.redirect()),
        ("response_type", "code"),
        ("state", "s1"),
        ("decision", "deny"),
    ];
    let response =
        server.http.post(server.base.clone() + "/open-apis/authen/v1/authorize").form(&form).send().await.unwrap();
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.ends_with("/?error=access_denied&state=s1"), "{location}");
}

#[tokio::test]
async fn host_codes_route_to_their_endpoints() {
    let server = start(Duration::from_secs(300)).await;
    for surface in ["docWidget", "miniProgram", "client"] {
        let (_, minted) = server.post("/emulator/host-code", json!({ "surface": surface, "user": 2 })).await;
        let code = minted["code"].as_str().unwrap();
        let body = json!({ "code": code, "surface": surface, "appId": "cli_emulator_demo" });
        let (status, session) = server.login(body.clone()).await;
        assert_eq!(status, 200, "{surface}: {session}");
        assert_eq!(session["user"]["name"], "王五");
        let (status, error) = server.login(body).await;
        let reused = if surface == "client" { 20065 } else { 10213 };
        assert_eq!((status, error["code"].as_i64()), (400, Some(reused)), "{surface}");
    }
    // A widget code is not an OAuth code and the other way round.
    let (_, minted) = server.post("/emulator/host-code", json!({ "surface": "docWidget" })).await;
    let (_, error) =
        server.login(json!({ "code": minted["code"], "surface": "client", "appId": "cli_emulator_demo" })).await;
    assert_eq!(error["code"], 20003);
    let (_, error) =
        server.login(json!({ "code": "mina-unknown", "surface": "docWidget", "appId": "cli_emulator_demo" })).await;
    assert_eq!(error["code"], 10226);
    let (status, error) = server.post("/open-apis/mina/v2/tokenLoginValidate", json!({ "code": "x" })).await;
    assert_eq!((status, error["code"].as_i64()), (400, Some(10202)));
}

#[tokio::test]
async fn faults_are_relayed_with_feishu_status() {
    let server = start(Duration::from_secs(300)).await;
    server.post("/emulator/faults", json!({ "count": 1, "kind": "20072" })).await;
    let armed: Value =
        server.http.get(server.base.clone() + "/emulator/faults").send().await.unwrap().json().await.unwrap();
    assert_eq!(armed, json!({ "count": 1, "kind": "20072" }), "armed faults can be shown");
    let code = server.authorize(&server.redirect(), Some((&s256(VERIFIER), "S256"))).await;
    let (status, error) = server.login(browser_login(&code, VERIFIER, &server.redirect())).await;
    assert_eq!((status, error["code"].as_i64()), (503, Some(20072)));
    let armed: Value =
        server.http.get(server.base.clone() + "/emulator/faults").send().await.unwrap().json().await.unwrap();
    assert_eq!(armed, json!({ "count": 0, "kind": null }), "spent: nothing armed is shown");
    // The fault did not spend the code: the retry succeeds.
    let (status, _) = server.login(browser_login(&code, VERIFIER, &server.redirect())).await;
    assert_eq!(status, 200);
    // Faults hit every token path, the doc widget's and mini program's too.
    for surface in ["docWidget", "miniProgram"] {
        server.post("/emulator/faults", json!({ "count": 1, "kind": "20050" })).await;
        let (_, minted) = server.post("/emulator/host-code", json!({ "surface": surface })).await;
        let body = json!({ "code": minted["code"], "surface": surface, "appId": "cli_emulator_demo" });
        let (status, error) = server.login(body.clone()).await;
        assert_eq!((status, error["code"].as_i64()), (500, Some(20050)), "{surface}: {error}");
        assert_eq!(server.login(body).await.0, 200, "{surface}: the fault spent nothing");
    }
}

#[tokio::test]
async fn static_files_and_config() {
    let server = start(Duration::from_secs(300)).await;
    let config: Value =
        server.http.get(server.base.clone() + "/config.json").send().await.unwrap().json().await.unwrap();
    assert_eq!(config, json!({ "appId": "cli_emulator_demo", "brand": "feishu", "emulator": true }));
    let index = server.http.get(server.base.clone()).send().await.unwrap();
    assert_eq!(index.headers()["content-type"], "text/html; charset=utf-8");
    // Raw request lines: an HTTP client would normalize "..", so the guard would never see it
    // (a test through a client passed with the guard removed).
    for target in ["/../Cargo.toml", "/www/../Cargo.toml", "/%2e%2e/Cargo.toml", "/..%2fCargo.toml"] {
        assert_eq!(raw_get(&server, target).await, 404, "{target}");
    }
    assert_eq!(raw_get(&server, "/app.js").await, 200, "the same raw request reaches real files");
}

/// The status of `GET <target>` sent as a raw request line, bypassing client normalization.
async fn raw_get(server: &Server, target: &str) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = server.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let request = format!("GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap_or_default();
    response.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or(0)
}

#[tokio::test]
async fn a_huge_session_ttl_never_breaks_a_login() {
    let server = start_with(Duration::from_secs(300), Duration::from_secs(u64::MAX)).await;
    let code = server.authorize(&server.redirect(), Some((&s256("v".repeat(43).as_str()), "S256"))).await;
    let (status, body) = server.login(browser_login(&code, &"v".repeat(43), &server.redirect())).await;
    assert_eq!(status, 200, "{body}");
}

// `surface` was logged before it was checked (a body with "\n" and ANSI
// escapes could forge a "signed in" line); now an unknown surface is refused first, and logged
// values are escaped.
#[tokio::test]
async fn an_unknown_surface_is_refused_before_anything_is_logged() {
    let server = start(Duration::from_secs(300)).await;
    let forged = "browser\n[backend] browser: signed in ou_admin\u{1b}[2J";
    let (status, body) =
        server.login(serde_json::json!({ "code": "c", "surface": forged, "appId": "cli_emulator_demo" })).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(crate::backend::log_value(forged), "browser\\n[backend] browser: signed in ou_admin\\u{1b}[2J");
}

// A redirect_uri with CR/LF in its fragment made the Location header
// invalid: 500, after a code had been minted.
#[tokio::test]
async fn a_redirect_uri_with_control_characters_is_refused_before_a_code_is_minted() {
    let server = start(Duration::from_secs(300)).await;
    let form = [
        ("client_id", "cli_emulator_demo".to_owned()),
        ("redirect_uri", server.redirect() + "#a\r\nSet-Cookie: x=1"),
        ("response_type", "code".to_owned()),
        ("state", "st".to_owned()),
        ("decision", "allow".to_owned()),
        ("user", "1".to_owned()),
    ];
    let response =
        server.http.post(server.base.clone() + "/open-apis/authen/v1/authorize").form(&form).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 400);
    assert!(response.text().await.unwrap().contains("20029"));
}

// Minting needs no authentication: on the demo's 127.0.0.1 the controls are
// open to the demo page, and closed to other sites' pages by the browser: they only take JSON,
// and a cross-site page can send a body without a CORS preflight only as text/plain or a form.
#[tokio::test]
async fn other_sites_pages_cannot_mint_codes() {
    let server = start(Duration::from_secs(60)).await;
    for content_type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
        let response = server
            .http
            .post(server.base.clone() + "/emulator/host-code")
            .header("content-type", content_type)
            .header("origin", "https://evil.example")
            .body(r#"{"surface":"client"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 415, "{content_type}");
        assert!(response.headers().get("access-control-allow-origin").is_none());
    }
    let preflight = server
        .http
        .request(reqwest::Method::OPTIONS, server.base.clone() + "/emulator/host-code")
        .header("origin", "https://evil.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap();
    assert!(preflight.headers().get("access-control-allow-origin").is_none(), "no CORS grant");
}

/// A path or method Feishu's gateway has no route for: 404 with the gateway's own plain-text
/// body, as `open.feishu.cn` answers it (not an empty body, not 405), and a header that says
/// what the emulator lacks. Before, the emulator answered 404 or 405 with an empty body.
#[tokio::test]
async fn unknown_open_api_routes_answer_like_feishus_gateway() {
    let server = start(Duration::from_secs(300)).await;
    let cases = [
        (reqwest::Method::POST, "/open-apis/im/v1/messages", "no such endpoint"),
        (reqwest::Method::GET, "/open-apis/authen/v2/oauth/token", "no such endpoint"),
        (reqwest::Method::POST, "/open-apis/authen/v1/user_info", "no such endpoint"),
        (reqwest::Method::POST, "/open-apis/authen/v1/oidc/access_token", "/open-apis/authen/v2/oauth/token"),
        (reqwest::Method::POST, "/open-apis/authen/v1/refresh_access_token", "/open-apis/authen/v2/oauth/token"),
    ];
    for (method, path, hint) in cases {
        let response = server.http.request(method.clone(), server.base.clone() + path).json(&json!({})).send().await;
        let response = response.unwrap();
        assert_eq!(response.status(), 404, "{method} {path}");
        assert_eq!(response.headers()["content-type"], "text/plain; charset=utf-8", "{method} {path}");
        let note = response.headers()["x-feishu-emulator"].to_str().unwrap().to_owned();
        assert!(note.contains(hint) && note.contains(path), "{method} {path}: {note}");
        assert_eq!(response.text().await.unwrap(), "404 page not found", "{method} {path}");
    }
    // The demo's own pages are not Feishu's: they keep their answers.
    assert_eq!(raw_get(&server, "/app.js").await, 200);
    assert_eq!(raw_get(&server, "/no-such-page.html").await, 404);
}

/// What a code keeps (its redirect URI, scopes, PKCE challenge) is bounded, so that the bound on
/// outstanding codes per app bounds memory too. Before, anyone could post the consent form with
/// a 2 MB `code_challenge` (or `scope`, or a `redirect_uri` with a 2 MB query, or a host code's
/// `scope`): 10,000 such codes per app held 20 GB.
#[tokio::test]
async fn what_a_code_keeps_is_bounded() {
    let server = start(Duration::from_secs(300)).await;
    let huge = "a".repeat(1 << 20);
    let consent = |extra: Vec<(&'static str, String)>| {
        let mut form = vec![
            ("client_id", "cli_emulator_demo".to_owned()),
            ("redirect_uri", server.redirect()),
            ("response_type", "code".to_owned()),
            ("decision", "allow".to_owned()),
        ];
        for (name, value) in extra {
            form.retain(|(n, _)| *n != name);
            form.push((name, value));
        }
        let request = server.http.post(server.base.clone() + "/open-apis/authen/v1/authorize").form(&form);
        async move {
            let response = request.send().await.unwrap();
            (response.status().as_u16(), response.headers().contains_key("location"))
        }
    };
    let longest_challenge = "A".repeat(128);
    assert_eq!(consent(vec![("code_challenge", longest_challenge)]).await, (303, true), "RFC 7636's longest");
    for (name, value) in [
        ("code_challenge", huge.clone()),
        ("code_challenge", "A".repeat(129)),
        ("scope", huge.clone()),
        ("redirect_uri", server.redirect() + "?q=" + &huge),
    ] {
        assert_eq!(consent(vec![(name, value)]).await, (400, false), "{name}: refused, no code minted");
    }
    let (status, body) = server.post("/emulator/host-code", json!({ "surface": "client", "scope": huge })).await;
    assert_eq!(status, 400, "{body}");
    let (status, _) =
        server.post("/emulator/host-code", json!({ "surface": "client", "scope": "offline_access" })).await;
    assert_eq!(status, 200);
}
