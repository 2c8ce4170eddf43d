//! What the emulator's answers look like: Feishu's error bodies, error pages, redirects.

use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::json;

pub(super) fn random_id(prefix: &str) -> String {
    let bytes: [u8; 18] = rand::random();
    String::from(prefix) + &URL_SAFE_NO_PAD.encode(bytes)
}

pub(super) fn feishu_error(status: StatusCode, code: i64, description: &str) -> Response {
    (
        status,
        Json(json!({ "code": code, "error": "invalid_request", "error_description": description, "msg": description })),
    )
        .into_response()
}

/// Feishu's historical user-token endpoints (authen v1), which the emulator does not emulate:
/// Feishu marks them "历史版本，不推荐使用" and points to OAuth token v2.
const HISTORICAL_TOKEN_PATHS: [&str; 4] = [
    "/open-apis/authen/v1/access_token",
    "/open-apis/authen/v1/refresh_access_token",
    "/open-apis/authen/v1/oidc/access_token",
    "/open-apis/authen/v1/oidc/refresh_access_token",
];

/// What Feishu's gateway answers a method and path it has no route for, an unknown path or a
/// known path with another method alike: 404 with the plain text `404 page not found` (not
/// JSON: the SDKs report a non-JSON body). The `x-feishu-emulator` header, which Feishu does not
/// send, names what the emulator lacks.
pub(super) async fn gateway_not_found(method: Method, uri: Uri) -> Response {
    let path = uri.path();
    let note = if HISTORICAL_TOKEN_PATHS.contains(&path) {
        format!(
            "{method} {path} is Feishu's historical user-token endpoint, which the emulator does not emulate: \
             use POST /open-apis/authen/v2/oauth/token (grant_type authorization_code or refresh_token)"
        )
    } else {
        format!("no such endpoint: {method} {path} (the emulator's endpoints are listed at /)")
    };
    let note = HeaderValue::from_str(&note).unwrap_or(HeaderValue::from_static("no such endpoint"));
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8")), (FEISHU_EMULATOR_NOTE, note)],
        "404 page not found",
    )
        .into_response()
}

/// The header of [`gateway_not_found`]'s note.
const FEISHU_EMULATOR_NOTE: header::HeaderName = header::HeaderName::from_static("x-feishu-emulator");

/// Feishu's error page: `code`, and `message` (plain text, one paragraph per line).
pub(super) fn error_page(code: i64, message: &str) -> Response {
    let paragraphs: String = message.lines().map(|line| format!("<p>{}</p>", html_escape(line))).collect();
    let body = format!(
        "<!doctype html><meta charset=utf-8><link rel=icon href=\"data:,\"><title>Feishu emulator: error {code}</title>\
         <body style=\"font:16px system-ui;margin:3rem\"><h1>Error {code}</h1><p id=error-code>{code}</p>{paragraphs}</body>"
    );
    (StatusCode::BAD_REQUEST, Html(body)).into_response()
}

pub fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// `redirect_uri` with `?code=…&state=…` (or the error) added to its query, before any fragment,
/// as Feishu does.
pub(super) fn redirect_with(redirect_uri: &str, params: &[(&str, &str)]) -> String {
    let (base, fragment) = match redirect_uri.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (redirect_uri, None),
    };
    let mut out = String::from(base);
    out.push(if base.contains('?') { '&' } else { '?' });
    out.push_str(&form_pairs(params));
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    out
}

pub(super) fn form_pairs(params: &[(&str, &str)]) -> String {
    params.iter().map(|(k, v)| format!("{}={}", url_encode(k), url_encode(v))).collect::<Vec<_>>().join("&")
}

pub(super) fn url_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub(super) fn bearer(headers: &HeaderMap) -> Option<String> {
    crate::bearer::bearer(headers).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_keeps_fragment_after_the_query() {
        assert_eq!(redirect_with("http://a/#/x", &[("code", "c"), ("state", "s")]), "http://a/?code=c&state=s#/x");
        assert_eq!(
            redirect_with("http://a/p?t=1", &[("error", "access_denied")]),
            "http://a/p?t=1&error=access_denied"
        );
        assert_eq!(url_encode("a b/é"), "a%20b%2F%C3%A9");
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(html_escape("<a href=\"x\">'&"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;");
    }
}
