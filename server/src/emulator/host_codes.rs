//! What a Feishu host hands out and how it is redeemed: `POST /emulator/host-code` (the code a
//! doc widget, client or mini program gets), the app and tenant access tokens, and
//! `mina/v2/tokenLoginValidate`.

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use subtle::ConstantTimeEq;

use super::controls::injected_fault;
use super::*;

/// How long the app access tokens the emulator issues live (Feishu: 2 hours).
const TOKEN_TTL: Duration = Duration::from_secs(7200);

/// An app asking for its access token gets the current one while it has this long left, and a
/// new one after (Feishu: "剩余有效期小于 30 分钟时，调用本接口会返回一个新的 …，这会同时存在两个有效的").
const TOKEN_REISSUE_BEFORE: Duration = Duration::from_secs(30 * 60);

impl Emulator {
    /// The access token of `app` (its app and tenant access token) and how many seconds it has
    /// left: the current one while it has [`TOKEN_REISSUE_BEFORE`] left, else a new one; the
    /// previous one stays valid until it expires.
    fn app_token(&self, app: &str) -> (String, u64) {
        let now = self.now();
        let mut current = self.current_app_tokens.lock().unwrap();
        if let Some((token, until)) = current.get(app) {
            let left = until.saturating_sub(now);
            if left >= TOKEN_REISSUE_BEFORE && self.app_tokens.lock().unwrap().get_mut(token).is_some() {
                return (token.clone(), left.as_secs());
            }
        }
        let token = random_id("t-");
        self.app_tokens.lock().unwrap().insert(token.clone(), app.to_owned(), TOKEN_TTL, ONE_GROUP);
        current.insert(app.to_owned(), (token.clone(), now + TOKEN_TTL));
        (token, TOKEN_TTL.as_secs())
    }
}

#[derive(Deserialize)]
pub(super) struct AppTokenRequest {
    app_id: Option<String>,
    app_secret: Option<String>,
}

/// The app an `auth/v3/…_access_token/internal` request authenticates (`{app_id, app_secret}`),
/// or the body of Feishu's refusal, which comes with HTTP 200 (only `code` tells): 10003
/// "invalid param" for a missing or unknown `app_id` (or no JSON body), 10014 "app secret
/// invalid" for a wrong secret.
fn authenticated_app(emulator: &Emulator, body: Result<Json<AppTokenRequest>, JsonRejection>) -> Result<String, Value> {
    let invalid_param = || json!({ "code": 10003, "data": {}, "msg": "invalid param" });
    let Ok(Json(request)) = body else { return Err(invalid_param()) };
    let (Some(app), Some(secret)) =
        (request.app_id.as_deref().and_then(|id| emulator.config.app(id)), request.app_secret)
    else {
        return Err(invalid_param());
    };
    if !bool::from(secret.as_bytes().ct_eq(app.secret.as_bytes())) {
        return Err(json!({ "code": 10014, "msg": "app secret invalid" }));
    }
    Ok(app.id.clone())
}

/// `POST /open-apis/auth/v3/app_access_token/internal` (a custom app's app access token): the
/// same `t-` token as its tenant access token, and Feishu's answer names it both ways.
pub(super) async fn app_access_token(
    State(emulator): State<Arc<Emulator>>,
    body: Result<Json<AppTokenRequest>, JsonRejection>,
) -> Response {
    let app = match authenticated_app(&emulator, body) {
        Ok(app) => app,
        Err(refusal) => return Json(refusal).into_response(),
    };
    let (token, expire) = emulator.app_token(&app);
    Json(json!({ "code": 0, "msg": "ok", "app_access_token": token, "expire": expire, "tenant_access_token": token }))
        .into_response()
}

/// `POST /open-apis/auth/v3/tenant_access_token/internal` (a custom app's tenant access token,
/// which Feishu's official SDKs fetch before any call made without a user token).
pub(super) async fn tenant_access_token(
    State(emulator): State<Arc<Emulator>>,
    body: Result<Json<AppTokenRequest>, JsonRejection>,
) -> Response {
    let app = match authenticated_app(&emulator, body) {
        Ok(app) => app,
        Err(refusal) => return Json(refusal).into_response(),
    };
    let (token, expire) = emulator.app_token(&app);
    Json(json!({ "code": 0, "msg": "ok", "tenant_access_token": token, "expire": expire })).into_response()
}

#[derive(Deserialize)]
pub(super) struct MinaRequest {
    code: Option<String>,
}

pub(super) async fn token_login_validate(
    State(emulator): State<Arc<Emulator>>,
    headers: HeaderMap,
    Json(request): Json<MinaRequest>,
) -> Response {
    if let Some(fault) = injected_fault(&emulator).await {
        return fault;
    }
    // The app access token, which for a custom app is its tenant access token too.
    let app = bearer(&headers).and_then(|t| emulator.app_tokens.lock().unwrap().get_mut(&t).cloned());
    let Some(app) = app else {
        return (StatusCode::BAD_REQUEST, Json(json!({ "code": 10202, "msg": "access token invalid" })))
            .into_response();
    };
    let code = request.code.unwrap_or_default();
    if emulator.was_used(&code, CodeKind::Mina) {
        return (StatusCode::BAD_REQUEST, Json(json!({ "code": 10213, "msg": "code has been used" }))).into_response();
    }
    let mut grants = emulator.grants.lock().unwrap();
    let Some(grant) = grants.get_mut(&code).filter(|g| g.kind == CodeKind::Mina) else {
        return (StatusCode::BAD_REQUEST, Json(json!({ "code": 10226, "msg": "invalid code" }))).into_response();
    };
    if grant.client_id != app {
        return (StatusCode::BAD_REQUEST, Json(json!({ "code": 10213, "msg": "the code was issued to another app" })))
            .into_response();
    }
    if emulator.elapsed(grant.issued) >= emulator.config.code_ttl {
        return (StatusCode::BAD_REQUEST, Json(json!({ "code": 10226, "msg": "code expired" }))).into_response();
    }
    let user = grant.user;
    emulator.redeem(&mut grants, &code);
    drop(grants);
    let access_token = emulator.issue_user_token(user);
    let expires_at = emulator.now().as_secs() + emulator.lifetimes().user_token.as_secs();
    Json(json!({
        "code": 0,
        "msg": "success",
        "data": { "open_id": emulator.user(user).1.open_id, "employee_id": format!("emp_{user}"), "tenant_key": "emulator-tenant",
                  "access_token": access_token, "expires_in": expires_at, "refresh_token": random_id("ur-"), "session_key": random_id("s-") }
    }))
    .into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct HostCodeRequest {
    surface: String,
    user: Option<usize>,
    /// The app the code is for; the first configured app when absent.
    app_id: Option<String>,
    /// The scopes the host's consent granted (`tt.requestAccess`'s `scopeList`, space-separated).
    scope: Option<String>,
}

pub(super) async fn host_code(State(emulator): State<Arc<Emulator>>, Json(request): Json<HostCodeRequest>) -> Response {
    let kind = match request.surface.as_str() {
        "client" => CodeKind::OAuth,
        "docWidget" | "miniProgram" => CodeKind::Mina,
        _ => {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({ "message": "surface must be client, docWidget or miniProgram" })),
            )
                .into_response()
        }
    };
    let app = match &request.app_id {
        Some(id) => match emulator.config.app(id) {
            Some(app) => app,
            None => {
                return (StatusCode::BAD_REQUEST, Json(json!({ "message": "appId is not a registered app" })))
                    .into_response()
            }
        },
        None => &emulator.config.apps[0],
    };
    let scope = request.scope.clone().unwrap_or_default();
    if scope.len() > MAX_KEPT_BYTES {
        return (StatusCode::BAD_REQUEST, Json(json!({ "message": "scope is longer than 2048 bytes" })))
            .into_response();
    }
    let (user, person) = emulator.user(request.user.unwrap_or(0));
    let code = emulator.mint(kind, &app.id, user, None, None, scope);
    eprintln!("[emulator] {} host code issued for {}", request.surface, person.en_name);
    Json(json!({ "code": code })).into_response()
}
