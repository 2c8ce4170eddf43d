//! Feishu's scan-to-log-in, emulated: a stand-in for Feishu's QR SDK (`/emulator/qr-sdk.js`: the
//! same `QRLogin({id, goto, width, height, style})` → `{matchOrigin, matchData}` surface as
//! `LarkSSOSDKWebQRCode-1.0.3.js`), whose iframe (`/emulator/qr`) shows a QR-like card and
//! "scan as …" buttons that post a one-time `tmp_code` to the parent page; and `tmp_code` on
//! both authorize endpoints: the scanned user is signed in and the browser goes straight back to
//! `redirect_uri` with a code (Feishu's QR SDK document).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use super::oauth::{authorize_page, check_authorize, AuthorizeParams};
use super::{feishu_error, random_id, redirect_with, CodeKind, Emulator};

/// A scan of the QR code: who scanned, for which app; kept by the emulator until its
/// `tmp_code` comes back through an authorize URL.
pub(super) struct Scan {
    user: usize,
    client_id: String,
}

impl Scan {
    #[cfg(test)]
    pub(super) fn new(user: usize, client_id: &str) -> Scan {
        Scan { user, client_id: client_id.into() }
    }
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
    pub(super) tmp_code: Option<String>,
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
    let scans = &mut emulator.scans.lock().unwrap();
    scans.insert(tmp_code.clone(), Scan { user, client_id: client_id.clone() }, TMP_CODE_TTL, &client_id);
    eprintln!("[emulator] {} scanned the QR code", person.en_name);
    Json(json!({ "tmp_code": tmp_code })).into_response()
}

/// The scan a `tmp_code` stands for, taken (single use).
fn take_scan(emulator: &Emulator, tmp_code: &str) -> Option<Scan> {
    let (scan, until) = emulator.scans.lock().unwrap().remove(tmp_code)?;
    (until > emulator.now()).then_some(scan)
}

/// With a `tmp_code`: the scanned user is signed in, back to `redirect_uri` with a code at once.
pub(super) async fn scanned(emulator: &Emulator, params: &AuthorizeParams, tmp_code: &str, pkce: bool) -> Response {
    let (app, redirect_uri) = match check_authorize(emulator, params) {
        Ok(checked) => checked,
        Err((code, message)) => return super::error_page(code, &message),
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
    let code = emulator.mint(CodeKind::OAuth, &app.id, scan.user, Some(redirect_uri.clone()), challenge, scope);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qr_picture_is_deterministic() {
        assert_eq!(qr_svg("a"), qr_svg("a"));
        assert_ne!(qr_svg("a"), qr_svg("b"));
    }
}
