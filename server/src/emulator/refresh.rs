//! `authen/v2/oauth/token`'s `refresh_token` grant: single-use refresh tokens, rotation and
//! reuse detection.

use std::time::Duration;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::*;

/// The `refresh_token` grant. Refresh tokens are single use: spending one issues a new pair and
/// leaves the old user token a minute of grace; presenting a spent one is 20073 and revokes the
/// tokens issued from it (20064 for its successors).
pub(super) fn refresh_grant(emulator: &Emulator, client_id: &str, request: &TokenRequest) -> Response {
    let Some(presented) = request.refresh_token.as_deref().filter(|t| !t.is_empty()) else {
        return feishu_error(StatusCode::BAD_REQUEST, 20001, "refresh_token is required");
    };
    let mut refresh_tokens = emulator.refresh_tokens.lock().unwrap();
    let Some(grant) = refresh_tokens.get_mut(presented) else {
        return feishu_error(StatusCode::BAD_REQUEST, 20026, "the refresh token passed is invalid");
    };
    if grant.client_id != client_id {
        return feishu_error(StatusCode::BAD_REQUEST, 20024, "the refresh token does not match the provided client ID");
    }
    if grant.revoked {
        return feishu_error(StatusCode::BAD_REQUEST, 20064, "the refresh token has been revoked");
    }
    if grant.used {
        // Reuse: one copy of the token leaked. Revoke what was issued from it.
        let mut next = grant.successor.clone();
        let mut revoked_access = Vec::new();
        while let Some(key) = next {
            match refresh_tokens.get_mut(&key) {
                Some(successor) => {
                    successor.revoked = true;
                    revoked_access.push(successor.access_token.clone());
                    next = successor.successor.clone();
                }
                None => next = None,
            }
        }
        drop(refresh_tokens);
        let mut user_tokens = emulator.user_tokens.lock().unwrap();
        for token in revoked_access {
            user_tokens.cut(&token, Duration::ZERO);
        }
        return feishu_error(
            StatusCode::BAD_REQUEST,
            20073,
            "the refresh token has been used: a refresh token can only be used once",
        );
    }
    if emulator.elapsed(grant.issued) >= grant.ttl {
        return feishu_error(StatusCode::BAD_REQUEST, 20037, "the refresh token passed has expired");
    }
    let scope = match narrowed_scope(&grant.scope, request.scope.as_deref()) {
        Ok(scope) => scope,
        Err((code, message)) => return feishu_error(StatusCode::BAD_REQUEST, code, message),
    };
    // Spent under the lock, so two concurrent requests cannot both spend it.
    grant.used = true;
    let (user, old_access) = (grant.user, grant.access_token.clone());
    drop(refresh_tokens);
    let (answer, successor) = emulator.issue_tokens(client_id, user, &scope);
    if let Some(grant) = emulator.refresh_tokens.lock().unwrap().get_mut(presented) {
        grant.successor = successor;
    }
    emulator.user_tokens.lock().unwrap().cut(&old_access, ROTATION_GRACE);
    Json(answer).into_response()
}
