//! Issue #10 on the server: Feishu's scan-to-log-in and its historical passport endpoint.
//!
//! - The emulator's stand-in for Feishu's QR SDK (`/emulator/qr-sdk.js`: the same
//!   `QRLogin({id, goto, width, height, style})` → `{matchOrigin, matchData}` surface as
//!   `LarkSSOSDKWebQRCode-1.0.3.js`), whose iframe (`/emulator/qr`) shows a QR-like card and
//!   "scan as <user>" buttons that post a one-time `tmp_code` to the parent page.
//! - `tmp_code` on both authorize endpoints: the scanned user is signed in and the browser goes
//!   straight back to `redirect_uri` with a code (Feishu's QR SDK document).
//! - The passport endpoints of the historical web app login (seed 001,
//!   <https://open.feishu.cn/document/deprecated-guide/app-login/web-app-login/web-app-overview>):
//!   `GET /suite/passport/oauth/authorize` (`client_id`, `redirect_uri`, `response_type=code`,
//!   `state`; no `scope`, no PKCE), `POST /suite/passport/oauth/token`
//!   (`application/x-www-form-urlencoded`: `grant_type=authorization_code`, `client_id`,
//!   `client_secret`, `code`, `redirect_uri` → `{access_token, token_type, expires_in,
//!   refresh_token, refresh_expires_in}`) and `GET /suite/passport/oauth/userinfo` (bearer).
//! - The reference backend's redemption of passport codes (the SDK posts `"passport": true`).
//!
//! A child of the emulator module, so that it shares the emulator's stores without widening them.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use super::{
    authorize_page, bearer, check_authorize, feishu_error, injected_fault, random_id, rate_limited, redirect_with,
    AuthorizeParams, CodeKind, Emulator, WhenFull,
};
use crate::backend::Backend;

/// A scan of the QR code: who scanned, for which app; kept by the emulator until its
/// `tmp_code` comes back through an authorize URL.
pub(super) struct Scan {
    user: usize,
    client_id: String,
}

/// How long a `tmp_code` is valid.
const TMP_CODE_TTL: Duration = Duration::from_secs(300);

/// The stand-in for Feishu's QR SDK script.
const QR_SDK: &str = r#"// Feishu emulator: a stand-in for LarkSSOSDKWebQRCode-1.0.3.js (same surface).
(function () {
  var origin = new URL(document.currentScript.src).origin;
  window.QRLogin = function (options) {
    var box = document.getElementById(options.id);
    var frame = document.createElement("iframe");
    frame.src = origin + "/emulator/qr?goto=" + encodeURIComponent(options.goto);
    frame.width = options.width || "300";
    frame.height = options.height || "340";
    frame.title = "Feishu QR login (emulator)";
    frame.setAttribute("style", options.style || "border:0");
    box.appendChild(frame);
    return {
      matchOrigin: function (o) { return o === origin; },
      matchData: function (d) { return typeof d === "string"; },
    };
  };
})();
"#;

#[derive(Deserialize, Default)]
pub(super) struct ScanQuery {
    tmp_code: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct FrameQuery {
    goto: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct ScanRequest {
    goto: Option<String>,
    user: Option<usize>,
}

/// `GET /emulator/qr-sdk.js`.
pub(super) async fn qr_sdk() -> Response {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "no-store")], QR_SDK)
        .into_response()
}

/// The `client_id` of a `goto` URL, if it is a registered app's.
fn goto_app(emulator: &Emulator, goto: &str) -> Option<String> {
    let url = reqwest::Url::parse(goto).ok()?;
    let (_, id) = url.query_pairs().find(|(k, _)| k == "client_id")?;
    emulator.config.app(&id).map(|app| app.id.clone())
}

/// A QR-like picture of `seed`: a 21×21 grid with the three finder squares.
fn qr_svg(seed: &str) -> String {
    let mut state: u64 =
        seed.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    let mut cells = String::new();
    for y in 0..21 {
        for x in 0..21 {
            let finder = |cx: i32, cy: i32| {
                let (dx, dy) = (x - cx, y - cy);
                (0..7).contains(&dx) && (0..7).contains(&dy)
            };
            let on = if finder(0, 0) || finder(14, 0) || finder(0, 14) {
                let (dx, dy) = (x % 14, y % 14);
                !((dx == 1 || dx == 5) && (1..=5).contains(&dy) || (dy == 1 || dy == 5) && (1..=5).contains(&dx))
            } else {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state & 1 == 1
            };
            if on {
                cells += &format!("<rect x='{x}' y='{y}' width='1' height='1'/>");
            }
        }
    }
    format!("<svg id=qr viewBox='-1 -1 23 23' width=150 height=150 shape-rendering=crispEdges><rect x='-1' y='-1' width='23' height='23' fill='#fff'/>{cells}</svg>")
}

/// `GET /emulator/qr?goto=…`: the iframe the QR SDK stand-in renders.
pub(super) async fn qr_frame(State(emulator): State<Arc<Emulator>>, Query(query): Query<FrameQuery>) -> Response {
    let goto = query.goto.unwrap_or_default();
    if goto_app(&emulator, &goto).is_none() {
        return super::error_page(20029, "goto is not an authorize URL of a registered app");
    }
    let buttons: String = emulator
        .config
        .users
        .iter()
        .enumerate()
        .map(|(i, u)| {
            format!(
                "<button data-user={i} id=scan-{i}>扫码 · scan as {} ({})</button>",
                super::html_escape(&u.name),
                super::html_escape(&u.en_name)
            )
        })
        .collect();
    let body = format!(
        r#"<!doctype html><html lang=zh><meta charset=utf-8><link rel=icon href="data:,"><title>QR (emulator)</title>
<style>body{{margin:0;font:13px system-ui,"PingFang SC",sans-serif;text-align:center;background:#fff}}
#qr{{margin:.5rem auto;display:block}} button{{display:block;margin:.25rem auto;border:1px solid #dee0e3;background:#f5f6f7;border-radius:6px;padding:.3rem .6rem;cursor:pointer;font:inherit}}
p{{color:#8f959e;margin:.3rem}}</style>
<p>飞书扫码登录 · Scan with Feishu</p>{qr}{buttons}<p>Local Feishu emulator</p>
<script type=module>
const goto = {goto_json};
for (const button of document.querySelectorAll("button[data-user]")) {{
  button.onclick = async () => {{
    const response = await fetch("/emulator/qr-scan", {{ method: "POST", headers: {{ "Content-Type": "application/json" }}, body: JSON.stringify({{ goto, user: Number(button.dataset.user) }}) }});
    const {{ tmp_code }} = await response.json();
    // Feishu's QR page posts the tmp_code to the page embedding it.
    parent.postMessage(tmp_code, "*");
    document.body.dataset.scanned = "yes";
  }};
}}
</script></html>"#,
        qr = qr_svg(&goto),
        goto_json = serde_json::to_string(&goto).unwrap_or_default().replace('<', "\\u003c"),
    );
    Html(body).into_response()
}

/// `POST /emulator/qr-scan {goto, user}` → `{tmp_code}`: the phone's side of a scan.
pub(super) async fn qr_scan(State(emulator): State<Arc<Emulator>>, Json(request): Json<ScanRequest>) -> Response {
    let goto = request.goto.unwrap_or_default();
    let Some(client_id) = goto_app(&emulator, &goto) else {
        return feishu_error(StatusCode::BAD_REQUEST, 20029, "goto is not an authorize URL of a registered app");
    };
    let (user, person) = emulator.user(request.user.unwrap_or(0));
    let tmp_code = random_id("tmp-");
    let scan = Scan { user, client_id };
    if !emulator.scans.lock().unwrap().insert(tmp_code.clone(), scan, TMP_CODE_TTL, WhenFull::Refuse) {
        return rate_limited();
    }
    eprintln!("[emulator] {} scanned the QR code", person.en_name);
    Json(json!({ "tmp_code": tmp_code })).into_response()
}

/// The scan a `tmp_code` stands for, taken (single use).
fn take_scan(emulator: &Emulator, tmp_code: &str) -> Option<Scan> {
    let (scan, until) = emulator.scans.lock().unwrap().remove(tmp_code)?;
    (until > std::time::Instant::now()).then_some(scan)
}

/// With a `tmp_code`: the scanned user is signed in, back to `redirect_uri` with a code at once.
async fn scanned(emulator: &Emulator, params: &AuthorizeParams, tmp_code: &str, pkce: bool) -> Response {
    let (app, redirect_uri) = match check_authorize(emulator, params) {
        Ok(checked) => checked,
        Err((code, message)) => return super::error_page(code, message),
    };
    let Some(scan) = take_scan(emulator, tmp_code).filter(|s| s.client_id == app.id) else {
        return super::error_page(20003, "the tmp_code is unknown, used or expired: scan again");
    };
    let challenge = params
        .code_challenge
        .clone()
        .filter(|_| pkce)
        .map(|c| (c, params.code_challenge_method.clone().unwrap_or_else(|| "plain".into())));
    let scope = params.scope.clone().unwrap_or_default();
    let Some(code) = emulator.mint(CodeKind::OAuth, &app.id, scan.user, Some(redirect_uri.clone()), challenge, scope)
    else {
        return rate_limited();
    };
    let mut out = vec![("code", code.as_str())];
    if let Some(state) = &params.state {
        out.push(("state", state));
    }
    Redirect::to(&redirect_with(&redirect_uri, &out)).into_response()
}

/// `GET /open-apis/authen/v1/authorize`: the consent page, or with `tmp_code` a scan's redirect.
pub(super) async fn authorize(
    State(emulator): State<Arc<Emulator>>,
    Query(scan): Query<ScanQuery>,
    Query(params): Query<AuthorizeParams>,
) -> Response {
    match scan.tmp_code {
        Some(tmp_code) => scanned(&emulator, &params, &tmp_code, true).await,
        None => authorize_page(State(emulator), Query(params)).await,
    }
}

/// `GET /suite/passport/oauth/authorize`: as strict as seed 001 — no `scope`, no PKCE.
pub(super) async fn passport_authorize(
    State(emulator): State<Arc<Emulator>>,
    Query(scan): Query<ScanQuery>,
    Query(params): Query<AuthorizeParams>,
) -> Response {
    if params.scope.is_some() {
        return super::error_page(20001, "the passport endpoint takes no scope parameter");
    }
    if params.code_challenge.is_some() || params.code_challenge_method.is_some() {
        return super::error_page(20001, "the passport endpoint takes no PKCE parameters");
    }
    match scan.tmp_code {
        Some(tmp_code) => scanned(&emulator, &params, &tmp_code, false).await,
        None => authorize_page(State(emulator), Query(params)).await,
    }
}

#[derive(Deserialize, Default)]
pub(super) struct PassportTokenRequest {
    grant_type: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
}

/// `POST /suite/passport/oauth/token` (form-encoded).
pub(super) async fn passport_token(
    State(emulator): State<Arc<Emulator>>,
    body: Result<Form<PassportTokenRequest>, FormRejection>,
) -> Response {
    if let Some(fault) = injected_fault(&emulator).await {
        return fault;
    }
    // Form-encoded only, as the endpoint's callers send it (a JSON body is refused).
    let Ok(Form(request)) = body else {
        return feishu_error(StatusCode::BAD_REQUEST, 20001, "the body must be application/x-www-form-urlencoded");
    };
    let (Some(grant_type), Some(client_id), Some(client_secret), Some(code), Some(redirect_uri)) =
        (&request.grant_type, &request.client_id, &request.client_secret, &request.code, &request.redirect_uri)
    else {
        return feishu_error(
            StatusCode::BAD_REQUEST,
            20001,
            "grant_type, client_id, client_secret, code and redirect_uri are required",
        );
    };
    if grant_type != "authorization_code" {
        return feishu_error(StatusCode::BAD_REQUEST, 20036, "unsupported grant_type");
    }
    if emulator.config.app(client_id).is_none() {
        return feishu_error(StatusCode::BAD_REQUEST, 20048, "the app does not exist");
    }
    if !emulator.app_authenticated(client_id, client_secret) {
        return feishu_error(StatusCode::BAD_REQUEST, 20002, "client_secret is invalid");
    }
    let mut grants = match super::oauth_code(&emulator, code, client_id) {
        Ok(grants) => grants,
        Err((code, message)) => return feishu_error(StatusCode::BAD_REQUEST, code, message),
    };
    let grant = grants.get_mut(code).expect("oauth_code found it");
    if grant.challenge.is_some() {
        return feishu_error(
            StatusCode::BAD_REQUEST,
            20049,
            "the code was issued with PKCE: redeem it at /open-apis/authen/v2/oauth/token with its code_verifier",
        );
    }
    if grant.redirect_uri.as_deref().is_some_and(|expected| expected != redirect_uri) {
        return feishu_error(StatusCode::BAD_REQUEST, 20071, "redirect_uri differs from the authorization request");
    }
    let user = grant.user;
    emulator.redeem(&mut grants, code);
    drop(grants);
    let Some(access_token) = emulator.issue_user_token(user) else { return rate_limited() };
    Json(json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": emulator.lifetimes().user_token.as_secs(),
        "refresh_token": random_id("ur-"),
        "refresh_expires_in": 2_592_000,
    }))
    .into_response()
}

/// `GET /suite/passport/oauth/userinfo` with the passport token as bearer.
pub(super) async fn passport_userinfo(State(emulator): State<Arc<Emulator>>, headers: HeaderMap) -> Response {
    let user = bearer(&headers).and_then(|t| emulator.user_tokens.lock().unwrap().get_mut(&t).copied());
    let Some(user) = user else {
        return (StatusCode::UNAUTHORIZED, Json(json!({ "code": 99991663, "msg": "invalid access token" })))
            .into_response();
    };
    let (_, u) = emulator.user(user);
    Json(json!({
        "sub": u.open_id, "name": u.name, "en_name": u.en_name, "open_id": u.open_id, "union_id": u.union_id,
        "email": u.email, "picture": "", "avatar_url": "", "tenant_key": "emulator-tenant",
    }))
    .into_response()
}

// ---- the reference backend ------------------------------------------------------------------

/// One HTTP client for the backend's passport calls (the backend's own is private to it).
static HTTP: LazyLock<reqwest::Client> = LazyLock::new(|| {
    reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("a TLS backend is compiled in")
});

/// The passport base URL that goes with an open API base: `https://passport.feishu.cn` for
/// `https://open.feishu.cn` (and Lark's alike), the same base for an emulator.
pub fn passport_base(open_api_base: &str) -> String {
    match open_api_base.strip_prefix("https://open.") {
        Some(domain) => String::from("https://passport.") + domain,
        None => open_api_base.to_owned(),
    }
}

fn failure(status: StatusCode, code: Option<i64>, message: &str) -> Response {
    let mut body = json!({ "message": message });
    if let Some(code) = code {
        body["code"] = json!(code);
    }
    (status, Json(body)).into_response()
}

/// Relays a failed passport call: Feishu's status and code, or 502 when it could not be reached.
async fn relay(path: &str, result: reqwest::Result<reqwest::Response>) -> Result<serde_json::Value, Response> {
    let response = result.map_err(|e| {
        let message = if e.is_timeout() { "Feishu did not answer in time" } else { "Feishu could not be reached" };
        failure(StatusCode::BAD_GATEWAY, None, message)
    })?;
    let status = response.status();
    let value: serde_json::Value = response.json().await.unwrap_or_default();
    if status.is_success() {
        return Ok(value);
    }
    let code = value.get("code").and_then(serde_json::Value::as_i64);
    let message = ["error_description", "msg", "message"]
        .iter()
        .find_map(|k| value.get(k).and_then(serde_json::Value::as_str))
        .unwrap_or("Feishu refused the request");
    eprintln!("[backend] {path} failed: Feishu code {}, HTTP {}", code.unwrap_or(-1), status.as_u16());
    Err(failure(status, code, message))
}

/// The backend contract for a passport code (`"passport": true` in the login request): the code
/// is redeemed at the passport token endpoint (form-encoded, with the `redirect_uri` the browser
/// used) and the user read from the passport userinfo endpoint; the backend then signs a session
/// as for every other login. Returns the user access token with its lifetime (seconds) and the
/// user (`user_info`'s field names), or the answer to relay.
pub(crate) async fn redeem(
    backend: &Backend,
    code: &str,
    redirect_uri: Option<&str>,
) -> Result<(String, u64, serde_json::Value), Response> {
    let Some(redirect_uri) = redirect_uri.filter(|r| !r.is_empty()) else {
        return Err(failure(StatusCode::BAD_REQUEST, None, "a passport code needs the redirectUri it was issued for"));
    };
    let config = &backend.config;
    let base = passport_base(&config.open_api_base);
    eprintln!("[backend] browser: redeeming a passport code");
    let form = [
        ("grant_type", "authorization_code"),
        ("client_id", config.app_id.as_str()),
        ("client_secret", config.app_secret.as_str()),
        ("code", code),
        ("redirect_uri", redirect_uri),
    ];
    let path = "/suite/passport/oauth/token";
    let token = relay(path, HTTP.post(base.clone() + path).form(&form).send().await).await?;
    let access_token = token["access_token"].as_str().unwrap_or_default().to_owned();
    let lifetime = token["expires_in"].as_u64().unwrap_or(7200);
    let path = "/suite/passport/oauth/userinfo";
    let user = relay(path, HTTP.get(base + path).bearer_auth(&access_token).send().await).await?;
    Ok((access_token, lifetime, user))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passport_base_follows_the_open_api_base() {
        assert_eq!(passport_base("https://open.feishu.cn"), "https://passport.feishu.cn");
        assert_eq!(passport_base("https://open.larksuite.com"), "https://passport.larksuite.com");
        assert_eq!(passport_base("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
    }

    use crate::tests::{start as start_demo, Server};

    async fn start() -> Server {
        start_demo(Duration::from_secs(60)).await
    }

    impl Server {
        fn goto(&self, path: &str, extra: &str) -> String {
            let redirect = self.base.clone() + "/";
            let mut url = reqwest::Url::parse(&(self.base.clone() + path)).unwrap();
            url.query_pairs_mut()
                .append_pair("client_id", "cli_emulator_demo")
                .append_pair("redirect_uri", &redirect)
                .append_pair("response_type", "code")
                .append_pair("state", "st");
            url.to_string() + extra
        }

        async fn scan(&self, goto: &str) -> String {
            let response = self
                .http
                .post(self.base.clone() + "/emulator/qr-scan")
                .json(&json!({ "goto": goto, "user": 2 }))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
            response.json::<serde_json::Value>().await.unwrap()["tmp_code"].as_str().unwrap().to_owned()
        }

        /// GET `url`; the redirect's `code`, or the status of a page that is not a redirect.
        async fn code(&self, url: &str) -> Result<String, u16> {
            let response = self.http.get(url).send().await.unwrap();
            if response.status() != 303 {
                return Err(response.status().as_u16());
            }
            let location = reqwest::Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
            assert_eq!(location.query_pairs().find(|(k, _)| k == "state").unwrap().1, "st");
            Ok(location.query_pairs().find(|(k, _)| k == "code").unwrap().1.into_owned())
        }

        async fn backend(&self, body: serde_json::Value) -> (u16, serde_json::Value) {
            let response = self.http.post(self.base.clone() + "/api/feishu/login").json(&body).send().await.unwrap();
            (response.status().as_u16(), response.json().await.unwrap_or_default())
        }
    }

    #[tokio::test]
    async fn qr_scan_tmp_code_signs_in_once_with_pkce() {
        let server = start().await;
        let sdk = server.http.get(server.base.clone() + "/emulator/qr-sdk.js").send().await.unwrap();
        assert!(sdk.text().await.unwrap().contains("window.QRLogin"));
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let goto = server.goto(
            "/open-apis/authen/v1/authorize",
            "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256",
        );
        let frame =
            server.http.get(server.base.clone() + "/emulator/qr").query(&[("goto", &goto)]).send().await.unwrap();
        assert!(frame.text().await.unwrap().contains("scan as 王五"));
        let foreign = server.http.get(server.base.clone() + "/emulator/qr?goto=https%3A%2F%2Fevil.example%2F").send();
        assert_eq!(foreign.await.unwrap().status(), 400);

        let tmp = server.scan(&goto).await;
        let code = server.code(&format!("{goto}&tmp_code={tmp}")).await.expect("a redirect with a code");
        assert_eq!(server.code(&format!("{goto}&tmp_code={tmp}")).await, Err(400), "a tmp_code works once");
        assert_eq!(server.code(&format!("{goto}&tmp_code=tmp-forged")).await, Err(400));
        let body = json!({ "code": code, "surface": "browser", "appId": "cli_emulator_demo", "codeVerifier": verifier, "redirectUri": server.base.clone() + "/" });
        let (status, session) = server.backend(body).await;
        assert_eq!((status, session["user"]["enName"].as_str()), (200, Some("Wang Wu")), "{session}");
    }

    #[tokio::test]
    async fn passport_endpoints_take_no_scope_or_pkce_and_redeem_form_encoded() {
        let server = start().await;
        let with_scope = server.goto("/suite/passport/oauth/authorize", "&scope=a");
        assert_eq!(server.http.get(with_scope).send().await.unwrap().status(), 400);
        let with_pkce = server.goto("/suite/passport/oauth/authorize", "&code_challenge=x&code_challenge_method=S256");
        assert_eq!(server.http.get(with_pkce).send().await.unwrap().status(), 400);
        let goto = server.goto("/suite/passport/oauth/authorize", "");
        let page = server.http.get(&goto).send().await.unwrap();
        assert_eq!(page.status(), 200, "the consent page");

        // The backend redeems a passport code at the passport endpoints.
        let code = server.code(&format!("{goto}&tmp_code={}", server.scan(&goto).await)).await.unwrap();
        let redirect = server.base.clone() + "/";
        let plain = json!({ "code": code, "surface": "browser", "appId": "cli_emulator_demo", "codeVerifier": "v", "redirectUri": redirect });
        let mut passport = plain.clone();
        passport["passport"] = json!(true);
        let (status, session) = server.backend(passport.clone()).await;
        assert_eq!((status, session["user"]["name"].as_str()), (200, Some("王五")), "{session}");
        let (status, again) = server.backend(passport).await;
        assert_eq!((status, again["code"].as_i64()), (400, Some(20065)), "single use");

        // The token endpoint is form-encoded only; a PKCE code is not a passport code.
        let token = server.base.clone() + "/suite/passport/oauth/token";
        let json_body = json!({ "grant_type": "authorization_code", "client_id": "cli_emulator_demo", "client_secret": "x", "code": "c", "redirect_uri": redirect });
        let response = server.http.post(&token).json(&json_body).send().await.unwrap();
        assert_eq!(response.status(), 400);
        let pkce_goto =
            server.goto("/open-apis/authen/v1/authorize", "&code_challenge=abc&code_challenge_method=plain");
        let pkce_code = server.code(&format!("{pkce_goto}&tmp_code={}", server.scan(&pkce_goto).await)).await.unwrap();
        let mut pkce = plain;
        pkce["code"] = json!(pkce_code);
        pkce["passport"] = json!(true);
        let (status, refused) = server.backend(pkce).await;
        assert_eq!((status, refused["code"].as_i64()), (400, Some(20049)), "{refused}");
    }

    #[test]
    fn qr_picture_is_deterministic() {
        assert_eq!(qr_svg("a"), qr_svg("a"));
        assert_ne!(qr_svg("a"), qr_svg("b"));
    }
}
