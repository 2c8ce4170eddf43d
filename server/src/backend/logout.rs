//! `POST /api/logout`: ends the session on every replica sharing the store.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::session::session_key;
use super::session_token::verify_signature;
use super::{log_value, store_failure, unauthorized, Backend};
use crate::bearer::bearer;

/// `POST /api/logout` with `Authorization: Bearer <session>`: deletes the session's record (its
/// Feishu grant with it), so that no token of the session, renewed ones included, passes again.
/// 204, also for a session already ended (idempotent; expired and retired tokens included);
/// 401 without a token this backend signed; 503 with `Retry-After` when the store cannot be
/// reached. A delete needs no room in the store: a full store never refuses a logout.
pub(crate) async fn logout(State(backend): State<Arc<Backend>>, headers: HeaderMap) -> Response {
    let Some(claims) = bearer(&headers).and_then(|t| verify_signature(&backend.keys(), t)) else {
        return unauthorized(None, "no session to log out").into_response();
    };
    let Some(sid) = claims["sid"].as_str() else { return StatusCode::NO_CONTENT.into_response() };
    if let Err(error) = backend.config.store.delete(&session_key(sid)).await {
        return store_failure(error).into_response();
    }
    eprintln!("[backend] logged out {}", log_value(claims["sub"].as_str().unwrap_or_default()));
    StatusCode::NO_CONTENT.into_response()
}
