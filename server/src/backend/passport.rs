//! The backend contract for a passport code (`"passport": true` in the login request): the code
//! is redeemed at Feishu's historical passport endpoints (seed 001) instead of OAuth token v2.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::Backend;

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
    let token = relay(path, backend.http.post(base.clone() + path).form(&form).send().await).await?;
    let access_token = token["access_token"].as_str().unwrap_or_default().to_owned();
    let lifetime = token["expires_in"].as_u64().unwrap_or(7200);
    let path = "/suite/passport/oauth/userinfo";
    let user = relay(path, backend.http.get(base + path).bearer_auth(&access_token).send().await).await?;
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
}
