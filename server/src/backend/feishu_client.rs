//! The backend's calls to Feishu: OAuth token v2, `user_info`, the app access token and
//! `mina/v2/tokenLoginValidate`, and what they grant a session ([`FeishuGrant`]).

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{bad_request, Backend, Failure};
use axum::http::StatusCode;

/// What Feishu granted for a session: kept in the store (encrypted), never in the browser.
#[derive(Serialize, Deserialize, Clone)]
pub(crate) struct FeishuGrant {
    pub(crate) access_token: String,
    /// Unix seconds.
    pub(crate) access_expires_at: u64,
    /// The lifetime Feishu gave the access token (seconds), to tell when it "nears expiry".
    pub(crate) access_lifetime: u64,
    /// Only with the `offline_access` scope, and only from `authen/v2/oauth/token` (Feishu's
    /// refresh grant refuses other refresh tokens with 20026).
    pub(crate) refresh_token: Option<String>,
    /// Unix seconds (0 without a refresh token).
    pub(crate) refresh_expires_at: u64,
}

impl FeishuGrant {
    /// From an `authen/v2/oauth/token` answer (either grant): `expires_in` and
    /// `refresh_token_expires_in` are lifetimes in seconds; Feishu says to read, not assume, them.
    pub(crate) fn from_token_answer(answer: &Value, now: u64) -> FeishuGrant {
        let lifetime = answer["expires_in"].as_u64().unwrap_or(7200);
        let refresh_token = answer["refresh_token"].as_str().filter(|t| !t.is_empty()).map(str::to_owned);
        let refresh_lifetime = answer["refresh_token_expires_in"].as_u64().unwrap_or(0);
        FeishuGrant {
            access_token: answer["access_token"].as_str().unwrap_or_default().to_owned(),
            access_expires_at: now.saturating_add(lifetime),
            access_lifetime: lifetime,
            refresh_expires_at: if refresh_token.is_some() { now.saturating_add(refresh_lifetime) } else { 0 },
            refresh_token,
        }
    }

    /// Whether the user token should be renewed now: less than half its lifetime or 5 minutes
    /// left, whichever is shorter.
    pub(crate) fn nears_expiry(&self, now: u64) -> bool {
        let left = self.access_expires_at.saturating_sub(now);
        left < (self.access_lifetime / 2).min(300)
    }
}

/// Feishu's "request trigger frequency limit".
const RATE_LIMITED: i64 = 99_991_400;

impl Backend {
    /// Calls Feishu; a non-zero `code` in the answer becomes a relayed [`Failure`] with
    /// Feishu's HTTP status (400, 500 for 20050, 503 for 20072 and for a rate limit).
    pub(crate) async fn feishu(&self, path: &str, bearer: Option<&str>, body: Option<Value>) -> Result<Value, Failure> {
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
            // Feishu's rate limit (HTTP 429, or 400 from older endpoints, with code 99991400)
            // decides nothing about the user: 503 with Retry-After, so that a renewal keeps the
            // session and the SDK retries, as for 20072.
            let status = if status == StatusCode::TOO_MANY_REQUESTS || code == RATE_LIMITED {
                StatusCode::SERVICE_UNAVAILABLE
            } else if status.is_success() {
                StatusCode::BAD_REQUEST
            } else if status.is_client_error() || status.is_server_error() {
                status
            } else {
                // A redirect or another status Feishu's APIs do not answer: not followed (it would
                // resend the secret), and not relayed as if it meant something to the browser.
                StatusCode::BAD_GATEWAY
            };
            eprintln!("[backend] {path} failed: Feishu code {code}, HTTP {}", status.as_u16());
            return Err(Failure { status, code: (code > 0).then_some(code), message });
        }
        Ok(value)
    }

    /// `code` → the Feishu grant (user access token, and refresh token when there is one), by
    /// the surface's route.
    pub(crate) async fn redeem(
        &self,
        surface: &str,
        code: &str,
        code_verifier: Option<&str>,
        redirect_uri: Option<&str>,
    ) -> Result<FeishuGrant, Failure> {
        match surface {
            "browser" => {
                let (Some(verifier), Some(redirect_uri)) = (code_verifier, redirect_uri) else {
                    return Err(bad_request("the browser surface needs codeVerifier and redirectUri"));
                };
                let body = json!({ "grant_type": "authorization_code", "client_id": self.config.app_id,
                    "client_secret": self.config.app_secret, "code": code, "redirect_uri": redirect_uri, "code_verifier": verifier });
                let token = self.feishu("/open-apis/authen/v2/oauth/token", None, Some(body)).await?;
                Ok(FeishuGrant::from_token_answer(&token, self.now_secs()))
            }
            "client" => {
                let body = json!({ "grant_type": "authorization_code", "client_id": self.config.app_id,
                    "client_secret": self.config.app_secret, "code": code });
                let token = self.feishu("/open-apis/authen/v2/oauth/token", None, Some(body)).await?;
                Ok(FeishuGrant::from_token_answer(&token, self.now_secs()))
            }
            "docWidget" | "miniProgram" => {
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
                let data = &validated["data"];
                let now = self.now_secs();
                // `expires_in` is an expiry timestamp on this endpoint (seed 003); a small value
                // is read as a lifetime, defensively.
                let expires = data["expires_in"].as_u64().unwrap_or(7200);
                let expires_at = if expires > 1_000_000_000 { expires } else { now.saturating_add(expires) };
                Ok(FeishuGrant {
                    access_token: data["access_token"].as_str().unwrap_or_default().to_owned(),
                    access_expires_at: expires_at,
                    access_lifetime: expires_at.saturating_sub(now),
                    // Its refresh token is not one `authen/v2/oauth/token` accepts (20026):
                    // these surfaces renew by asking the host for a new code.
                    refresh_token: None,
                    refresh_expires_at: 0,
                })
            }
            _ => Err(bad_request("surface must be browser, client, docWidget or miniProgram")),
        }
    }
}
