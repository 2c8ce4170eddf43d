//! The passport endpoints of Feishu's historical web app login (seed 001,
//! <https://open.feishu.cn/document/deprecated-guide/app-login/web-app-login/web-app-overview>):
//! `GET /suite/passport/oauth/authorize` (`client_id`, `redirect_uri`, `response_type=code`,
//! `state`; no `scope`, no PKCE), `POST /suite/passport/oauth/token`
//! (`application/x-www-form-urlencoded`: `grant_type=authorization_code`, `client_id`,
//! `client_secret`, `code`, `redirect_uri` → `{access_token, token_type, expires_in,
//! refresh_token, refresh_expires_in}`) and `GET /suite/passport/oauth/userinfo` (bearer).

use std::sync::Arc;

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use super::controls::injected_fault;
use super::oauth::{authorize_page, oauth_code, AuthorizeParams};
use super::qr::{scanned, ScanQuery};
use super::{bearer, feishu_error, random_id, Emulator};

/// `GET /suite/passport/oauth/authorize`: as strict as seed 001 — no `scope`, no PKCE.
pub(super) async fn passport_authorize(
    State(emulator): State<Arc<Emulator>>,
    Query(scan): Query<ScanQuery>,
    Query(params): Query<AuthorizeParams>,
) -> Response {
    if params.scope.is_some() {
        return super::error_page(20001, "the passport endpoint takes no scope parameter");
    }
    if params.code_challenge.is_some() || params.code_challenge_method.is_some() {
        return super::error_page(20001, "the passport endpoint takes no PKCE parameters");
    }
    match scan.tmp_code {
        Some(tmp_code) => scanned(&emulator, &params, &tmp_code, false).await,
        None => authorize_page(State(emulator), Query(params)).await,
    }
}

#[derive(Deserialize, Default)]
pub(super) struct PassportTokenRequest {
    grant_type: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
}

/// `POST /suite/passport/oauth/token` (form-encoded).
pub(super) async fn passport_token(
    State(emulator): State<Arc<Emulator>>,
    body: Result<Form<PassportTokenRequest>, FormRejection>,
) -> Response {
    if let Some(fault) = injected_fault(&emulator).await {
        return fault;
    }
    // Form-encoded only, as the endpoint's callers send it (a JSON body is refused).
    let Ok(Form(request)) = body else {
        return feishu_error(StatusCode::BAD_REQUEST, 20001, "the body must be application/x-www-form-urlencoded");
    };
    let (Some(grant_type), Some(client_id), Some(client_secret), Some(code), Some(redirect_uri)) =
        (&request.grant_type, &request.client_id, &request.client_secret, &request.code, &request.redirect_uri)
    else {
        return feishu_error(
            StatusCode::BAD_REQUEST,
            20001,
            "grant_type, client_id, client_secret, code and redirect_uri are required",
        );
    };
    if grant_type != "authorization_code" {
        return feishu_error(StatusCode::BAD_REQUEST, 20036, "unsupported grant_type");
    }
    if emulator.config.app(client_id).is_none() {
        return feishu_error(StatusCode::BAD_REQUEST, 20048, "the app does not exist");
    }
    if !emulator.app_authenticated(client_id, client_secret) {
        return feishu_error(StatusCode::BAD_REQUEST, 20002, "client_secret is invalid");
    }
    let mut grants = match oauth_code(&emulator, code, client_id) {
        Ok(grants) => grants,
        Err((code, message)) => return feishu_error(StatusCode::BAD_REQUEST, code, message),
    };
    let grant = grants.get_mut(code).expect("oauth_code found it");
    if grant.challenge.is_some() {
        return feishu_error(
            StatusCode::BAD_REQUEST,
            20049,
            "the code was issued with PKCE: redeem it at /open-apis/authen/v2/oauth/token with its code_verifier",
        );
    }
    if grant.redirect_uri.as_deref().is_some_and(|expected| expected != redirect_uri) {
        return feishu_error(StatusCode::BAD_REQUEST, 20071, "redirect_uri differs from the authorization request");
    }
    let user = grant.user;
    emulator.redeem(&mut grants, code);
    drop(grants);
    let access_token = emulator.issue_user_token(user);
    Json(json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": emulator.lifetimes().user_token.as_secs(),
        "refresh_token": random_id("ur-"),
        "refresh_expires_in": 2_592_000,
    }))
    .into_response()
}

/// `GET /suite/passport/oauth/userinfo` with the passport token as bearer.
pub(super) async fn passport_userinfo(State(emulator): State<Arc<Emulator>>, headers: HeaderMap) -> Response {
    let user = bearer(&headers).and_then(|t| emulator.user_tokens.lock().unwrap().get_mut(&t).copied());
    let Some(user) = user else {
        return (StatusCode::UNAUTHORIZED, Json(json!({ "code": 99991663, "msg": "invalid access token" })))
            .into_response();
    };
    let (_, u) = emulator.user(user);
    Json(json!({
        "sub": u.open_id, "name": u.name, "en_name": u.en_name, "open_id": u.open_id, "union_id": u.union_id,
        "email": u.email, "picture": "", "avatar_url": "", "tenant_key": "emulator-tenant",
    }))
    .into_response()
}
