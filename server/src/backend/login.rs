//! `POST /api/feishu/login`: the backend contract. Redeems the surface's code at the right Feishu
//! endpoint, reads the user, stores the session's record and answers `{token, expiresIn, user}`.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Deserialize;

use super::feishu_client::FeishuGrant;
use super::session::{session_key, SessionRecord};
use super::{bad_request, log_value, passport, store_failure, Backend};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct LoginRequest {
    code: Option<String>,
    surface: Option<String>,
    app_id: Option<String>,
    code_verifier: Option<String>,
    redirect_uri: Option<String>,
    /// `true`: a browser code of the passport endpoint (`passport: true` in the SDK's config).
    passport: Option<bool>,
}

pub(crate) async fn login(State(backend): State<Arc<Backend>>, Json(request): Json<LoginRequest>) -> Response {
    let Some(code) = request.code.clone().filter(|c| !c.is_empty()) else {
        return bad_request("code is required").into_response();
    };
    if request.app_id.as_deref() != Some(backend.config.app_id.as_str()) {
        return bad_request("appId is not this backend's app").into_response();
    }
    // Checked before anything about the request is logged (a forged surface could otherwise
    // write fake log lines); redeem() routes on the same four names.
    let surface = match request.surface.as_deref() {
        Some(name @ ("browser" | "client" | "docWidget" | "miniProgram")) => name.to_owned(),
        _ => return bad_request("surface must be browser, client, docWidget or miniProgram").into_response(),
    };
    let (grant, user) = if request.passport == Some(true) && surface == "browser" {
        // The historical passport endpoint: its own token and userinfo calls, and no refresh
        // token the v2 refresh grant accepts, so such a session is not renewable.
        match passport::redeem(&backend, &code, request.redirect_uri.as_deref()).await {
            Ok((access_token, lifetime, user)) => {
                let now = backend.now_secs();
                let grant = FeishuGrant {
                    access_token,
                    access_expires_at: now.saturating_add(lifetime),
                    access_lifetime: lifetime,
                    refresh_token: None,
                    refresh_expires_at: 0,
                };
                (grant, user)
            }
            Err(response) => return response,
        }
    } else {
        eprintln!("[backend] {surface}: redeeming a login code");
        let redeemed =
            backend.redeem(&surface, &code, request.code_verifier.as_deref(), request.redirect_uri.as_deref()).await;
        let grant = match redeemed {
            Ok(grant) => grant,
            Err(failure) => return failure.into_response(),
        };
        match backend.feishu("/open-apis/authen/v1/user_info", Some(&grant.access_token), None).await {
            Ok(info) => (grant, info["data"].clone()),
            Err(failure) => return failure.into_response(),
        }
    };
    let sid = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 16]>());
    let session = match backend.issue_session(&sid, 0, &surface, &user, &grant) {
        Ok(session) => session,
        Err(failure) => return failure.into_response(),
    };
    let ttl = backend.record_ttl(&grant);
    let record = backend
        .seal(&sid, &SessionRecord { generation: 0, grant: grant.clone(), rotated_at: None, renewing_until: None });
    if let Err(error) = backend.config.store.put(&session_key(&sid), record, ttl).await {
        return store_failure(error).into_response();
    }
    eprintln!(
        "[backend] {surface}: signed in {}{}",
        log_value(user["open_id"].as_str().unwrap_or_default()),
        if grant.refresh_token.is_some() { " (renewable)" } else { "" }
    );
    Json(session).into_response()
}
