//! What a Feishu host hands out and how it is redeemed: `POST /emulator/host-code` (the code a
//! doc widget, client or mini program gets), the app access token and `mina/v2/tokenLoginValidate`.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use subtle::ConstantTimeEq;

use super::controls::injected_fault;
use super::*;

#[derive(Deserialize)]
pub(super) struct AppTokenRequest {
    app_id: Option<String>,
    app_secret: Option<String>,
}

pub(super) async fn app_access_token(
    State(emulator): State<Arc<Emulator>>,
    Json(request): Json<AppTokenRequest>,
) -> Response {
    let app = request.app_id.as_deref().and_then(|id| emulator.config.app(id)).filter(|app| {
        request.app_secret.as_deref().is_some_and(|s| bool::from(s.as_bytes().ct_eq(app.secret.as_bytes())))
    });
    let Some(app) = app else {
        return (StatusCode::BAD_REQUEST, Json(json!({ "code": 10014, "msg": "app_id or app_secret is invalid" })))
            .into_response();
    };
    let token = random_id("a-");
    let ttl = TOKEN_TTL;
    emulator.app_tokens.lock().unwrap().insert(token.clone(), app.id.clone(), ttl, ONE_GROUP);
    Json(json!({ "code": 0, "msg": "ok", "app_access_token": token, "expire": ttl.as_secs() })).into_response()
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
    let (user, person) = emulator.user(request.user.unwrap_or(0));
    let scope = request.scope.clone().unwrap_or_default();
    let code = emulator.mint(kind, &app.id, user, None, None, scope);
    eprintln!("[emulator] {} host code issued for {}", request.surface, person.en_name);
    Json(json!({ "code": code })).into_response()
}
