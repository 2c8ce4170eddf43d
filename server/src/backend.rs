//! The reference app backend: the api.md backend contract at `POST /api/feishu/login`, which
//! redeems each surface's code at the right Feishu endpoint, and stateless signed sessions that
//! any number of replicas can verify (`GET /api/me`).

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::Sha256;

/// Where the backend finds Feishu and who it is there.
pub struct BackendConfig {
    pub app_id: String,
    pub app_secret: String,
    /// `https://open.feishu.cn`, `https://open.larksuite.com`, or the emulator.
    pub open_api_base: String,
    /// Key of the session signatures.
    pub session_secret: Vec<u8>,
    /// How long a session lasts.
    pub session_ttl: Duration,
}

pub struct Backend {
    pub config: BackendConfig,
    http: reqwest::Client,
}

impl Backend {
    pub fn new(config: BackendConfig) -> Arc<Backend> {
        let http =
            reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("a TLS backend is compiled in");
        Arc::new(Backend { config, http })
    }
}

pub fn routes(backend: Arc<Backend>) -> Router {
    Router::new()
        .route("/api/feishu/login", post(login))
        .route("/api/me", get(me))
        .route("/api/logout", post(logout))
        .with_state(backend)
}

/// A failure to answer with: HTTP status and `{code?, message}`.
struct Failure {
    status: StatusCode,
    code: Option<i64>,
    message: String,
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let mut body = json!({ "message": self.message });
        if let Some(code) = self.code {
            body["code"] = json!(code);
        }
        (self.status, Json(body)).into_response()
    }
}

fn bad_request(message: &str) -> Failure {
    Failure { status: StatusCode::BAD_REQUEST, code: None, message: message.into() }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LoginRequest {
    code: Option<String>,
    surface: Option<String>,
    app_id: Option<String>,
    code_verifier: Option<String>,
    redirect_uri: Option<String>,
    /// `true`: a browser code of the passport endpoint (`passport: true` in the SDK's config).
    passport: Option<bool>,
}

impl Backend {
    /// Calls Feishu; a non-zero `code` in the answer becomes a relayed [`Failure`] with
    /// Feishu's HTTP status (400, 500 for 20050, 503 for 20072).
    async fn feishu(&self, path: &str, bearer: Option<&str>, body: Option<Value>) -> Result<Value, Failure> {
        let url = self.config.open_api_base.clone() + path;
        let request = match body {
            Some(body) => self.http.post(&url).json(&body),
            None => self.http.get(&url),
        };
        let request = match bearer {
            Some(token) => request.bearer_auth(token),
            None => request,
        };
        let response = request.send().await.map_err(|e| Failure {
            status: StatusCode::BAD_GATEWAY,
            code: None,
            message: if e.is_timeout() {
                "Feishu did not answer in time".into()
            } else {
                "Feishu could not be reached".into()
            },
        })?;
        let status = response.status();
        let value: Value = response.json().await.unwrap_or(Value::Null);
        let code = value.get("code").and_then(Value::as_i64).unwrap_or(if status.is_success() { 0 } else { -1 });
        if code != 0 || !status.is_success() {
            let message = ["error_description", "msg", "message"]
                .iter()
                .find_map(|k| value.get(k).and_then(Value::as_str))
                .unwrap_or("Feishu refused the request")
                .to_owned();
            let status = if status.is_success() { StatusCode::BAD_REQUEST } else { status };
            eprintln!("[backend] {path} failed: Feishu code {code}, HTTP {}", status.as_u16());
            return Err(Failure { status, code: (code > 0).then_some(code), message });
        }
        Ok(value)
    }

    /// `code` → a user access token, by the surface's route.
    async fn redeem(&self, request: &LoginRequest, code: &str) -> Result<String, Failure> {
        match request.surface.as_deref() {
            Some("browser") => {
                let (Some(verifier), Some(redirect_uri)) = (&request.code_verifier, &request.redirect_uri) else {
                    return Err(bad_request("the browser surface needs codeVerifier and redirectUri"));
                };
                let body = json!({ "grant_type": "authorization_code", "client_id": self.config.app_id,
                    "client_secret": self.config.app_secret, "code": code, "redirect_uri": redirect_uri, "code_verifier": verifier });
                let token = self.feishu("/open-apis/authen/v2/oauth/token", None, Some(body)).await?;
                Ok(token["access_token"].as_str().unwrap_or_default().to_owned())
            }
            Some("client") => {
                let body = json!({ "grant_type": "authorization_code", "client_id": self.config.app_id,
                    "client_secret": self.config.app_secret, "code": code });
                let token = self.feishu("/open-apis/authen/v2/oauth/token", None, Some(body)).await?;
                Ok(token["access_token"].as_str().unwrap_or_default().to_owned())
            }
            Some("docWidget" | "miniProgram") => {
                let app = self
                    .feishu(
                        "/open-apis/auth/v3/app_access_token/internal",
                        None,
                        Some(json!({ "app_id": self.config.app_id, "app_secret": self.config.app_secret })),
                    )
                    .await?;
                let app_token = app["app_access_token"].as_str().unwrap_or_default().to_owned();
                let validated = self
                    .feishu("/open-apis/mina/v2/tokenLoginValidate", Some(&app_token), Some(json!({ "code": code })))
                    .await?;
                Ok(validated["data"]["access_token"].as_str().unwrap_or_default().to_owned())
            }
            _ => Err(bad_request("surface must be browser, client, docWidget or miniProgram")),
        }
    }
}

async fn login(State(backend): State<Arc<Backend>>, Json(request): Json<LoginRequest>) -> Response {
    let Some(code) = request.code.clone().filter(|c| !c.is_empty()) else {
        return bad_request("code is required").into_response();
    };
    if request.app_id.as_deref() != Some(backend.config.app_id.as_str()) {
        return bad_request("appId is not this backend's app").into_response();
    }
    // Checked before anything about the request is logged (issue #13: a forged surface wrote fake
    // log lines); redeem() routes on the same four names.
    let surface = match request.surface.as_deref() {
        Some(name @ ("browser" | "client" | "docWidget" | "miniProgram")) => name.to_owned(),
        _ => return bad_request("surface must be browser, client, docWidget or miniProgram").into_response(),
    };
    if request.passport == Some(true) && surface == "browser" {
        return crate::emulator::passport::login(&backend, &code, request.redirect_uri.as_deref()).await;
    }
    eprintln!("[backend] {surface}: redeeming a login code");
    let user_token = match backend.redeem(&request, &code).await {
        Ok(token) => token,
        Err(failure) => return failure.into_response(),
    };
    let user = match backend.feishu("/open-apis/authen/v1/user_info", Some(&user_token), None).await {
        Ok(info) => info["data"].clone(),
        Err(failure) => return failure.into_response(),
    };
    let open_id = user["open_id"].as_str().unwrap_or_default().to_owned();
    let name = user["name"].as_str().unwrap_or_default().to_owned();
    let expires_at = now_secs().saturating_add(backend.config.session_ttl.as_secs());
    let token = sign(
        &backend.config.session_secret,
        &json!({ "sub": open_id, "name": name, "surface": surface, "exp": expires_at }),
    );
    eprintln!("[backend] {surface}: signed in {}", log_value(&open_id));
    Json(json!({
        "token": token,
        "expiresIn": backend.config.session_ttl.as_secs(),
        "user": { "name": user["name"], "enName": user["en_name"], "openId": user["open_id"], "email": user["email"], "avatarUrl": user["avatar_url"] },
    }))
    .into_response()
}

async fn me(State(backend): State<Arc<Backend>>, headers: HeaderMap) -> Response {
    let token =
        headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    match token.and_then(|t| verify(&backend.config.session_secret, t, now_secs())) {
        Some(claims) => Json(json!({ "openId": claims["sub"], "name": claims["name"], "surface": claims["surface"], "exp": claims["exp"] }))
            .into_response(),
        None => (StatusCode::UNAUTHORIZED, Json(json!({ "message": "no valid session: log in again" }))).into_response(),
    }
}

/// Sessions are stateless: logging out is the client forgetting its token.
async fn logout() -> StatusCode {
    StatusCode::NO_CONTENT
}

/// A value from outside (a request, Feishu's answer) as it may appear in a log line: newlines,
/// ANSI escapes and other control characters escaped, so it cannot forge or hide lines.
pub(crate) fn log_value(value: &str) -> String {
    value.escape_debug().to_string()
}

fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// `base64url(claims).base64url(HMAC-SHA256(secret, base64url(claims)))`.
pub fn sign(secret: &[u8], claims: &Value) -> String {
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(payload.as_bytes());
    payload + "." + &URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// The claims of a token signed with `secret` and unexpired at `now` (seconds).
pub fn verify(secret: &[u8], token: &str, now: u64) -> Option<Value> {
    let (payload, signature) = token.split_once('.')?;
    let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).ok()?;
    mac.update(payload.as_bytes());
    mac.verify_slice(&signature).ok()?;
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
    (claims["exp"].as_u64()? > now).then_some(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_verify_and_resist_tampering_and_expire() {
        let secret = b"k1";
        let token = sign(secret, &json!({ "sub": "ou_1", "exp": 100 }));
        assert_eq!(verify(secret, &token, 99).unwrap()["sub"], "ou_1");
        assert!(verify(secret, &token, 100).is_none(), "expired");
        assert!(verify(b"k2", &token, 0).is_none(), "another key");
        let (payload, signature) = token.split_once('.').unwrap();
        let forged = URL_SAFE_NO_PAD.encode(json!({ "sub": "ou_admin", "exp": 100 }).to_string()) + "." + signature;
        assert!(verify(secret, &forged, 0).is_none(), "claims changed");
        assert!(verify(secret, payload, 0).is_none(), "no signature");
    }
}
