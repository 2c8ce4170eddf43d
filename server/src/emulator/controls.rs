//! The emulator's own controls (`/emulator/*`): faults, token lifetimes, revocation, and the
//! control key that guards them.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use subtle::ConstantTimeEq;

use super::*;

/// `None` when the request may use the emulator's controls, else the 401 to answer.
pub(super) fn control_refused(emulator: &Emulator, headers: &HeaderMap) -> Option<Response> {
    let expected = emulator.config.control_key.as_deref()?;
    let given = headers.get("x-emulator-key").map(|v| v.as_bytes()).unwrap_or_default();
    if bool::from(given.ct_eq(expected.as_bytes())) {
        return None;
    }
    let message = "this emulator's controls need the header x-emulator-key (its --control-key)";
    Some((StatusCode::UNAUTHORIZED, Json(json!({ "message": message }))).into_response())
}

/// Runs before the controls' handlers, so that nothing of a refused request is even parsed.
pub(super) async fn guard_controls(
    State(emulator): State<Arc<Emulator>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    match control_refused(&emulator, request.headers()) {
        Some(refused) => refused,
        None => next.run(request).await,
    }
}

/// The answer of an armed fault, if one is armed: every token path takes them (OAuth token v2,
/// and tokenLoginValidate for doc widgets and mini programs), and none spends a code.
pub(super) async fn injected_fault(emulator: &Emulator) -> Option<Response> {
    match emulator.take_fault().as_deref() {
        Some("20050") => Some(feishu_error(StatusCode::INTERNAL_SERVER_ERROR, 20050, "server error (injected)")),
        Some("20072") => {
            Some(feishu_error(StatusCode::SERVICE_UNAVAILABLE, 20072, "temporarily unavailable (injected)"))
        }
        Some("hang") => {
            tokio::time::sleep(Duration::from_secs(60)).await;
            Some(feishu_error(StatusCode::INTERNAL_SERVER_ERROR, 20050, "server error after hanging (injected)"))
        }
        _ => None,
    }
}

#[derive(Deserialize)]
pub(super) struct FaultRequest {
    count: u32,
    kind: String,
}

/// Emulator only: the next `count` token calls fail with `kind` (`20050`, `20072` or `hang`).
pub(super) async fn set_faults(State(emulator): State<Arc<Emulator>>, Json(request): Json<FaultRequest>) -> Response {
    if !["20050", "20072", "hang"].contains(&request.kind.as_str()) {
        return (StatusCode::BAD_REQUEST, Json(json!({ "message": "kind must be 20050, 20072 or hang" })))
            .into_response();
    }
    *emulator.faults.lock().unwrap() = Faults { remaining: request.count, kind: request.kind };
    Json(json!({ "ok": true })).into_response()
}

/// Emulator only: the faults still armed, `{count, kind}` (the demo shows them while
/// they wait for a token call, also after a reload, instead of leaving them unseen).
pub(super) async fn armed_faults(State(emulator): State<Arc<Emulator>>) -> Response {
    let faults = emulator.faults.lock().unwrap().clone();
    let kind = if faults.remaining == 0 { Value::Null } else { json!(faults.kind) };
    Json(json!({ "count": faults.remaining, "kind": kind })).into_response()
}

/// The longest user-token lifetime the settings accept (Feishu's own: about 2 hours).
const MAX_USER_TOKEN_TTL_SECS: u64 = 7200;
/// The longest refresh-token lifetime the settings accept (Feishu: 365 days after consent).
const MAX_REFRESH_TOKEN_TTL_SECS: u64 = 365 * 24 * 3600;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct SettingsRequest {
    user_token_ttl_secs: Option<u64>,
    refresh_token_ttl_secs: Option<u64>,
}

pub(super) fn settings_answer(emulator: &Emulator) -> Response {
    let lifetimes = emulator.lifetimes();
    Json(json!({
        "userTokenTtlSecs": lifetimes.user_token.as_secs(),
        "refreshTokenTtlSecs": lifetimes.refresh_token.as_secs(),
    }))
    .into_response()
}

/// Emulator only: the token lifetimes in force.
pub(super) async fn settings(State(emulator): State<Arc<Emulator>>) -> Response {
    settings_answer(&emulator)
}

/// Emulator only: shortens (or restores) the lifetimes of the tokens issued from now on, so that
/// renewal can be watched in the demo: `{userTokenTtlSecs?, refreshTokenTtlSecs?}`.
pub(super) async fn set_settings(
    State(emulator): State<Arc<Emulator>>,
    body: Result<Json<SettingsRequest>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Ok(Json(request)) = body else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "message": "expected JSON {userTokenTtlSecs?, refreshTokenTtlSecs?}" })),
        )
            .into_response();
    };
    let check = |value: Option<u64>, max: u64, name: &str| match value {
        Some(secs) if !(1..=max).contains(&secs) => Err(format!("{name} must be from 1 to {max} seconds")),
        other => Ok(other.map(Duration::from_secs)),
    };
    let user = check(request.user_token_ttl_secs, MAX_USER_TOKEN_TTL_SECS, "userTokenTtlSecs");
    let refresh = check(request.refresh_token_ttl_secs, MAX_REFRESH_TOKEN_TTL_SECS, "refreshTokenTtlSecs");
    let (user, refresh) = match (user, refresh) {
        (Ok(user), Ok(refresh)) => (user, refresh),
        (Err(message), _) | (_, Err(message)) => {
            return (StatusCode::BAD_REQUEST, Json(json!({ "message": message }))).into_response()
        }
    };
    {
        let mut lifetimes = emulator.lifetimes.lock().unwrap();
        lifetimes.user_token = user.unwrap_or(lifetimes.user_token);
        lifetimes.refresh_token = refresh.unwrap_or(lifetimes.refresh_token);
        eprintln!(
            "[emulator] token lifetimes: user {} s, refresh {} s",
            lifetimes.user_token.as_secs(),
            lifetimes.refresh_token.as_secs()
        );
    }
    settings_answer(&emulator)
}

/// Names the user by index (`user`, as host codes do) or by `openId` (what a page knows from its
/// session: the demo's "Revoke" button).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct RevokeRequest {
    user: Option<usize>,
    open_id: Option<String>,
}

/// Emulator only: the user withdraws the apps' authorization: their refresh tokens answer 20064
/// and their user access tokens stop working.
pub(super) async fn revoke_user(State(emulator): State<Arc<Emulator>>, Json(request): Json<RevokeRequest>) -> Response {
    let users = &emulator.config.users;
    let index = match (request.user, request.open_id.as_deref()) {
        (Some(index), None) => Some(index).filter(|i| *i < users.len()),
        (None, Some(open_id)) => users.iter().position(|u| u.open_id == open_id),
        _ => {
            return (StatusCode::BAD_REQUEST, Json(json!({ "message": "expected {user} or {openId}" }))).into_response()
        }
    };
    let Some(index) = index else {
        return (StatusCode::BAD_REQUEST, Json(json!({ "message": "no such user" }))).into_response();
    };
    let mut revoked = 0;
    for grant in emulator.refresh_tokens.lock().unwrap().values_mut() {
        if grant.user == index && !grant.revoked {
            grant.revoked = true;
            revoked += 1;
        }
    }
    emulator.user_tokens.lock().unwrap().retain(|user| *user != index);
    eprintln!("[emulator] {} withdrew the authorization ({revoked} refresh tokens revoked)", users[index].en_name);
    Json(json!({ "revoked": revoked })).into_response()
}
