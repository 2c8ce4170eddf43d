//! `feishu-emulator`: the local Feishu of [`crate::emulator`] in front of *your* app, configured
//! by a small TOML file and flags, checked at startup with errors that say what to fix.
//!
//! ```toml
//! listen = "127.0.0.1:8090"     # optional (default 127.0.0.1:8090)
//! code_ttl_secs = 300           # optional: how long codes live (Feishu: 5 minutes)
//! token_ttl_secs = 7200         # optional: user access tokens (Feishu: 2 hours)
//! refresh_token_ttl_secs = 604800  # optional: refresh tokens (with the offline_access scope)
//! control_key = "…"             # optional: /emulator/* controls need header x-emulator-key
//!
//! [[apps]]
//! id = "cli_a5ca35a685b0x26e"
//! secret = "a-secret-of-your-choosing"
//! brand = "feishu"              # or "lark"
//! redirect_urls = ["http://localhost:5173/callback"]
//!
//! [[users]]                     # optional: the demo tenant's three users otherwise
//! open_id = "ou_0123456789abcdef"
//! union_id = "on_0123456789abcdef"
//! name = "张三"
//! en_name = "Zhang San"
//! email = "zhangsan@example.com"
//! ```
//!
//! Flags add to or override the file: `--config FILE`, `--listen ADDR`, `--app ID=SECRET`
//! (repeatable), `--redirect URL` (repeatable: registered for every app given by `--app`),
//! `--brand feishu|lark` (for the `--app` apps), `--code-ttl SECS`, `--token-ttl SECS`,
//! `--control-key KEY`, `--check` (validate, print the summary, exit).

use std::net::SocketAddr;
use std::time::Duration;

use serde::Deserialize;

use crate::emulator::{
    demo_users, App, Brand, DemoUser, EmulatorConfig, DEFAULT_REFRESH_TOKEN_TTL, DEFAULT_USER_TOKEN_TTL,
};

/// Where the tool listens when neither the file nor `--listen` says.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8090";

/// The `feishu-emulator` usage text.
pub const USAGE: &str = "feishu-emulator: a local, strict Feishu for login development and CI

usage: feishu-emulator [--config FILE] [--listen ADDR] [--app ID=SECRET]... [--redirect URL]...
                       [--brand feishu|lark] [--code-ttl SECS] [--token-ttl SECS]
                       [--control-key KEY] [--check]

  --config FILE     a TOML file: apps (id, secret, brand, redirect_urls), users, lifetimes
  --listen ADDR     address to listen on (default 127.0.0.1:8090)
  --app ID=SECRET   register an app (repeatable)
  --redirect URL    a redirect URL of the --app apps (repeatable; exact match without query)
  --brand NAME      brand of the --app apps: feishu (default) or lark
  --code-ttl SECS   code lifetime (default 300)
  --token-ttl SECS  user access token lifetime (default 7200; POST /emulator/settings changes it)
  --control-key KEY the /emulator/* controls (host-code, faults, settings, revoke) need header x-emulator-key: KEY
  --check           validate the configuration, print it (without secrets) and exit
";

/// The TOML file, as written.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct File {
    listen: Option<String>,
    code_ttl_secs: Option<u64>,
    token_ttl_secs: Option<u64>,
    refresh_token_ttl_secs: Option<u64>,
    control_key: Option<String>,
    #[serde(default)]
    apps: Vec<FileApp>,
    users: Option<Vec<DemoUser>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileApp {
    id: String,
    secret: String,
    #[serde(default)]
    brand: Brand,
    #[serde(default)]
    redirect_urls: Vec<String>,
}

/// What the tool runs with, once checked.
#[derive(Debug)]
pub struct ToolConfig {
    pub listen: SocketAddr,
    pub emulator: EmulatorConfig,
    /// Only validate and print.
    pub check: bool,
}

/// Reads the command line (without the program name); `read_file` loads `--config`'s file
/// (injected so tests need no files).
///
/// # Errors
/// A message naming the flag, file field or value to fix; `Err(USAGE)` for `--help`.
pub fn parse(args: &[String], read_file: impl Fn(&str) -> Result<String, String>) -> Result<ToolConfig, String> {
    let mut file = File::default();
    let mut listen = None;
    let mut flag_apps: Vec<(String, String)> = Vec::new();
    let mut redirects = Vec::new();
    let mut brand = Brand::Feishu;
    let (mut code_ttl, mut token_ttl) = (None, None);
    let mut check = false;
    let mut control_key = None;
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let mut value = |name: &str| args.next().cloned().ok_or_else(|| format!("{name} needs a value\n\n{USAGE}"));
        match flag.as_str() {
            "-h" | "--help" => return Err(USAGE.to_owned()),
            "--check" => check = true,
            "--config" => {
                let path = value("--config")?;
                let text = read_file(&path).map_err(|e| format!("cannot read {path}: {e}"))?;
                file = toml::from_str(&text).map_err(|e| format!("{path}: {e}"))?;
            }
            "--listen" => listen = Some(value("--listen")?),
            "--control-key" => control_key = Some(value("--control-key")?),
            "--app" => {
                let pair = value("--app")?;
                let (id, secret) = pair.split_once('=').ok_or("--app takes ID=SECRET, e.g. --app cli_abc=secret")?;
                flag_apps.push((id.to_owned(), secret.to_owned()));
            }
            "--redirect" => redirects.push(value("--redirect")?),
            "--brand" => {
                brand = match value("--brand")?.as_str() {
                    "feishu" => Brand::Feishu,
                    "lark" => Brand::Lark,
                    other => return Err(format!("--brand must be feishu or lark, not {other:?}")),
                }
            }
            "--code-ttl" => code_ttl = Some(seconds("--code-ttl", &value("--code-ttl")?)?),
            "--token-ttl" => token_ttl = Some(seconds("--token-ttl", &value("--token-ttl")?)?),
            other => return Err(format!("unknown argument {other:?}\n\n{USAGE}")),
        }
    }
    if !redirects.is_empty() && flag_apps.is_empty() {
        return Err("--redirect registers URLs for the apps given by --app: add --app ID=SECRET".into());
    }

    let mut apps = Vec::new();
    for app in file.apps {
        apps.push(checked_app(app.id, app.secret, app.brand, app.redirect_urls)?);
    }
    for (id, secret) in flag_apps {
        apps.push(checked_app(id, secret, brand, redirects.clone())?);
    }
    if apps.is_empty() {
        return Err(format!("no app is registered: add [[apps]] to the file or --app ID=SECRET\n\n{USAGE}"));
    }
    for (i, app) in apps.iter().enumerate() {
        if apps[..i].iter().any(|other| other.id == app.id) {
            return Err(format!("app {} is registered twice", app.id));
        }
    }

    let users = match file.users {
        None => demo_users(),
        Some(users) => checked_users(users)?,
    };
    let listen = listen.or(file.listen).unwrap_or_else(|| DEFAULT_LISTEN.to_owned());
    let listen: SocketAddr =
        listen.parse().map_err(|_| format!("listen {listen:?} is not an address like 127.0.0.1:8090"))?;
    let code_ttl = match code_ttl.or(file.code_ttl_secs) {
        Some(secs) => lifetime("code_ttl_secs", secs, 3600)?,
        None => Duration::from_secs(300),
    };
    let user_token_ttl = match token_ttl.or(file.token_ttl_secs) {
        Some(secs) => lifetime("token_ttl_secs", secs, 30 * 24 * 3600)?,
        None => DEFAULT_USER_TOKEN_TTL,
    };
    let refresh_token_ttl = match file.refresh_token_ttl_secs {
        Some(secs) => lifetime("refresh_token_ttl_secs", secs, 365 * 24 * 3600)?,
        None => DEFAULT_REFRESH_TOKEN_TTL,
    };
    let control_key = control_key.or(file.control_key);
    if control_key.as_ref().is_some_and(|key| key.len() < 16 || !key.bytes().all(|b| b.is_ascii_graphic())) {
        return Err("the control key must be at least 16 printable ASCII characters without spaces".into());
    }
    let emulator = EmulatorConfig { apps, users, code_ttl, user_token_ttl, refresh_token_ttl, control_key };
    Ok(ToolConfig { listen, emulator, check })
}

fn seconds(flag: &str, value: &str) -> Result<u64, String> {
    value.parse().map_err(|_| format!("{flag} takes whole seconds, not {value:?}"))
}

fn lifetime(name: &str, secs: u64, max: u64) -> Result<Duration, String> {
    if (1..=max).contains(&secs) {
        Ok(Duration::from_secs(secs))
    } else {
        Err(format!("{name} must be from 1 to {max} seconds, got {secs}"))
    }
}

/// Checks one app as Feishu would register it.
fn checked_app(id: String, secret: String, brand: Brand, redirect_urls: Vec<String>) -> Result<App, String> {
    let id_ok = id.strip_prefix("cli_").is_some_and(|rest| {
        !rest.is_empty() && rest.len() <= 60 && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    });
    if !id_ok {
        return Err(format!("app id {id:?} must look like Feishu's App IDs: cli_ followed by letters and digits"));
    }
    if secret.is_empty() || secret.len() > 128 || !secret.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(format!("app {id}: the secret must be 1 to 128 printable ASCII characters without spaces"));
    }
    let mut urls = Vec::new();
    for raw in redirect_urls {
        let url =
            reqwest::Url::parse(&raw).map_err(|e| format!("app {id}: redirect URL {raw:?} is not a URL ({e})"))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(format!("app {id}: redirect URL {raw:?} must be http(s) with a host"));
        }
        if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() || url.password().is_some() {
            return Err(format!(
                "app {id}: redirect URL {raw:?} must have no query, fragment or credentials \
                 (Feishu matches the URL without its query)"
            ));
        }
        // Stored as the browser serializes it (`http://localhost:5173` → `http://localhost:5173/`),
        // which is what the SDK sends as `redirect_uri`.
        urls.push(url.to_string());
    }
    Ok(App { id, secret, brand, redirect_urls: urls })
}

fn checked_users(users: Vec<DemoUser>) -> Result<Vec<DemoUser>, String> {
    if users.is_empty() {
        return Err("users is empty: list at least one [[users]] or leave it out for the demo users".into());
    }
    for (i, user) in users.iter().enumerate() {
        if !user.open_id.starts_with("ou_") || !user.union_id.starts_with("on_") {
            return Err(format!("user {i} ({}): open_id starts with ou_ and union_id with on_", user.en_name));
        }
        if users[..i].iter().any(|other| other.open_id == user.open_id) {
            return Err(format!("user {i} ({}): open_id {} is used twice", user.en_name, user.open_id));
        }
    }
    Ok(users)
}

/// The emulator's routes and a landing page at `/` that lists the apps, users and endpoints.
pub fn router(config: EmulatorConfig) -> axum::Router {
    let page = landing_page(&config);
    crate::emulator::routes(crate::emulator::Emulator::new(config))
        .route("/", axum::routing::get(move || async move { axum::response::Html(page) }))
}

fn landing_page(config: &EmulatorConfig) -> String {
    use crate::emulator::html_escape;
    let apps: String = config
        .apps
        .iter()
        .map(|app| {
            let urls: Vec<String> =
                app.redirect_urls.iter().map(|u| format!("<code>{}</code>", html_escape(u))).collect();
            format!("<li><code>{}</code>: {}</li>", html_escape(&app.id), urls.join(", "))
        })
        .collect();
    let users: String = config
        .users
        .iter()
        .enumerate()
        .map(|(i, u)| format!("<li>{i}: {} ({})</li>", html_escape(&u.name), html_escape(&u.en_name)))
        .collect();
    format!(
        "<!doctype html><html lang=en><meta charset=utf-8><title>feishu-emulator</title>\
         <body style=\"font:15px/1.5 system-ui,sans-serif;margin:2rem;max-width:50rem\">\
         <h1>feishu-emulator</h1><p>A local, strict Feishu for login development. Point your app's \
         authorize URL and your backend's Feishu base URL here.</p><h2>Apps</h2><ul>{apps}</ul>\
         <h2>Users</h2><ul>{users}</ul><h2>Endpoints</h2><ul>\
         <li><code>GET /open-apis/authen/v1/authorize</code> (consent page)</li>\
         <li><code>POST /open-apis/authen/v2/oauth/token</code></li>\
         <li><code>GET /open-apis/authen/v1/user_info</code></li>\
         <li><code>POST /open-apis/auth/v3/app_access_token/internal</code></li>\
         <li><code>POST /open-apis/auth/v3/tenant_access_token/internal</code></li>\
         <li><code>POST /open-apis/mina/v2/tokenLoginValidate</code></li>\
         <li><code>GET /emulator/doc-widget-host?url=…&amp;app=…</code>: a local Feishu Docs hosting your doc widget</li>\
         <li><code>POST /emulator/host-code</code> <code>{{surface, user?, appId?}}</code>: a code as a host API gives it</li>\
         <li><code>POST /emulator/faults</code> <code>{{count, kind}}</code>: the next token calls fail</li>\
         <li><code>POST /emulator/settings</code> <code>{{userTokenTtlSecs?, refreshTokenTtlSecs?}}</code>: token lifetimes</li>\
         <li><code>POST /emulator/revoke</code> <code>{{user}}</code> or <code>{{openId}}</code>: the user withdraws the authorization</li></ul></body></html>"
    )
}

/// The configuration as the tool prints it at startup: no secrets.
pub fn summary(config: &ToolConfig) -> String {
    let base = format!("http://{}", config.listen);
    let mut out = format!("feishu-emulator: {base}/  (Feishu's paths: {base}/open-apis/...)\n");
    for app in &config.emulator.apps {
        let brand = if app.brand == Brand::Lark { "lark" } else { "feishu" };
        out += &format!("  app {} ({brand}), redirect URLs: ", app.id);
        out += &if app.redirect_urls.is_empty() {
            "none (host surfaces only)".to_owned()
        } else {
            app.redirect_urls.join(", ")
        };
        out.push('\n');
    }
    let users: Vec<&str> = config.emulator.users.iter().map(|u| u.en_name.as_str()).collect();
    out += &format!(
        "  users: {}; codes live {} s, tokens {} s\n",
        users.join(", "),
        config.emulator.code_ttl.as_secs(),
        config.emulator.user_token_ttl.as_secs()
    );
    if !config.listen.ip().is_loopback() {
        out +=
            "  WARNING: listening beyond this machine; the emulator signs in anyone who asks, use it for tests only\n";
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_owned).collect()
    }

    fn no_file(_: &str) -> Result<String, String> {
        Err("no such file".into())
    }

    /// The team's rule: secrets never in `Debug`. The derived `Debug` of the configuration
    /// printed every app secret and the control key.
    #[test]
    fn debug_output_holds_no_secret() {
        let config =
            parse(&args("--app cli_abc123=s3cret-app --control-key s3cret-control-key-0123"), no_file).unwrap();
        let printed = format!("{config:?} {:?}", config.emulator.apps[0]);
        assert!(printed.contains("cli_abc123"), "{printed}");
        assert!(!printed.contains("s3cret"), "{printed}");
    }

    #[test]
    fn flags_register_an_app() {
        let config =
            parse(&args("--app cli_abc123=s3cret --redirect http://localhost:5173 --listen 127.0.0.1:0"), no_file)
                .unwrap();
        let app = &config.emulator.apps[0];
        assert_eq!((app.id.as_str(), app.secret.as_str()), ("cli_abc123", "s3cret"));
        assert_eq!(app.redirect_urls, ["http://localhost:5173/"], "stored as browsers serialize it");
        assert_eq!(config.emulator.users, demo_users());
        assert_eq!(config.emulator.code_ttl, Duration::from_secs(300));
    }

    #[test]
    fn a_file_configures_apps_users_and_lifetimes() {
        let file = r#"
            listen = "127.0.0.1:9999"
            code_ttl_secs = 60
            token_ttl_secs = 120
            [[apps]]
            id = "cli_one"
            secret = "one"
            brand = "lark"
            redirect_urls = ["https://app.example/cb"]
            [[apps]]
            id = "cli_two"
            secret = "two"
            [[users]]
            open_id = "ou_1"
            union_id = "on_1"
            name = "Ada"
            en_name = "Ada"
            email = "ada@example.com"
        "#;
        let config = parse(&args("--config f.toml"), |_| Ok(file.to_owned())).unwrap();
        assert_eq!(config.listen.port(), 9999);
        assert_eq!(config.emulator.apps.len(), 2);
        assert_eq!(config.emulator.apps[0].brand, Brand::Lark);
        assert_eq!(config.emulator.users.len(), 1);
        assert_eq!(config.emulator.user_token_ttl, Duration::from_secs(120));
        let summary = summary(&config);
        assert!(summary.contains("cli_one (lark)") && !summary.contains("one\n") && !summary.contains("two,"));
    }

    #[test]
    fn bad_configurations_stop_with_what_to_fix() {
        let cases = [
            ("", "no app is registered"),
            ("--app abc=s", "cli_"),
            ("--app cli_a=", "secret"),
            ("--app cli_a=s --app cli_a=t", "registered twice"),
            ("--app cli_a=s --redirect ftp://x/", "http(s)"),
            ("--app cli_a=s --redirect http://x/cb?next=1", "no query"),
            ("--app cli_a=s --redirect http://u:p@x/cb", "credentials"),
            ("--redirect http://x/", "add --app"),
            ("--app cli_a=s --listen nowhere", "not an address"),
            ("--app cli_a=s --code-ttl 0", "code_ttl_secs must be from 1"),
            ("--app cli_a=s --token-ttl 18446744073709551615", "token_ttl_secs must be from 1"),
            ("--app cli_a=s --brand wechat", "feishu or lark"),
            ("--app cli_a=s --frobnicate", "unknown argument"),
            ("--config missing.toml", "cannot read missing.toml"),
            ("--app cli_a=s --control-key short", "at least 16"),
        ];
        for (line, expected) in cases {
            let error = parse(&args(line), no_file).unwrap_err();
            assert!(error.contains(expected), "{line:?}: {error}");
        }
        let typo =
            parse(&args("--config f"), |_| Ok("[[apps]]\nid = \"cli_a\"\nsecret = \"s\"\nredirect = []\n".into()));
        assert!(typo.unwrap_err().contains("unknown field `redirect`"), "a misspelt field is an error, not ignored");
        let users = parse(&args("--app cli_a=s --config f"), |_| Ok("users = []".into()));
        assert!(users.unwrap_err().contains("at least one"));
    }

    /// Two apps on one emulator: a code is only good for the app it was issued to.
    #[tokio::test]
    async fn codes_are_bound_to_their_app() {
        let config = parse(&args("--app cli_one=s1 --app cli_two=s2 --redirect http://127.0.0.1/cb"), no_file).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router(config.emulator)).await.unwrap() });
        let http = reqwest::Client::new();
        let post = |path: &str, body: serde_json::Value| {
            let request = http.post(base.clone() + path).json(&body);
            async move {
                let response = request.send().await.unwrap();
                (response.status().as_u16(), response.json::<serde_json::Value>().await.unwrap())
            }
        };
        let (_, minted) =
            post("/emulator/host-code", serde_json::json!({ "surface": "client", "appId": "cli_one" })).await;
        let code = minted["code"].as_str().unwrap().to_owned();
        let exchange = |id: &str, secret: &str| serde_json::json!({ "grant_type": "authorization_code", "client_id": id, "client_secret": secret, "code": code });
        let (status, answer) = post("/open-apis/authen/v2/oauth/token", exchange("cli_two", "s1")).await;
        assert_eq!((status, answer["code"].as_i64()), (400, Some(20002)), "another app's secret");
        let (status, answer) = post("/open-apis/authen/v2/oauth/token", exchange("cli_two", "s2")).await;
        assert_eq!((status, answer["code"].as_i64()), (400, Some(20024)), "a code of another app: {answer}");
        let (status, answer) = post("/open-apis/authen/v2/oauth/token", exchange("cli_one", "s1")).await;
        assert_eq!((status, answer["code"].as_i64()), (200, Some(0)), "{answer}");

        // The mini-program path: an app token of cli_two cannot redeem cli_one's code.
        let (_, minted) =
            post("/emulator/host-code", serde_json::json!({ "surface": "miniProgram", "appId": "cli_one" })).await;
        let (_, token) = post(
            "/open-apis/auth/v3/app_access_token/internal",
            serde_json::json!({ "app_id": "cli_two", "app_secret": "s2" }),
        )
        .await;
        let response = http
            .post(base.clone() + "/open-apis/mina/v2/tokenLoginValidate")
            .bearer_auth(token["app_access_token"].as_str().unwrap())
            .json(&serde_json::json!({ "code": minted["code"] }))
            .send()
            .await
            .unwrap();
        let answer: serde_json::Value = response.json().await.unwrap();
        assert_eq!(answer["code"].as_i64(), Some(10213), "another app's code: {answer}");
        let (status, _) =
            post("/emulator/host-code", serde_json::json!({ "surface": "client", "appId": "cli_nope" })).await;
        assert_eq!(status, 400);
        let page = http.get(base.clone() + "/").send().await.unwrap().text().await.unwrap();
        assert!(page.contains("cli_one") && !page.contains("s1<") && !page.contains(">s2"));
    }

    /// With a control key, minting a code (a sign-in as any user) needs it.
    #[tokio::test]
    async fn a_control_key_guards_minting_and_faults() {
        let key = "k3y-for-the-ci-network";
        let line = format!("--app cli_one=s1 --control-key {key}");
        let config = parse(&args(&line), no_file).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router(config.emulator)).await.unwrap() });
        let http = reqwest::Client::new();
        let body = serde_json::json!({ "surface": "client" });
        for (path, given) in [
            ("/emulator/host-code", None),
            ("/emulator/host-code", Some("k3y-for-the-ci-networK")),
            ("/emulator/faults", None),
        ] {
            let mut request = http.post(base.clone() + path).json(&body);
            if let Some(given) = given {
                request = request.header("x-emulator-key", given);
            }
            assert_eq!(request.send().await.unwrap().status().as_u16(), 401, "{path} with {given:?}");
        }
        let response = http.post(base.clone() + "/emulator/host-code").header("x-emulator-key", key).json(&body);
        let minted: serde_json::Value = response.send().await.unwrap().json().await.unwrap();
        assert!(minted["code"].as_str().is_some_and(|c| c.starts_with("code-")), "{minted}");
    }
}
