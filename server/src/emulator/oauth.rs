//! The OAuth half of Feishu: the authorize page and its decision, `authen/v2/oauth/token`'s
//! `authorization_code` grant, and `authen/v1/user_info`.

use std::borrow::Cow;
use std::sync::Arc;

use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Json;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::controls::injected_fault;
use super::refresh::refresh_grant;
use super::*;

#[derive(Deserialize, Default)]
pub(super) struct AuthorizeParams {
    pub(super) client_id: Option<String>,
    pub(super) redirect_uri: Option<String>,
    pub(super) response_type: Option<String>,
    pub(super) scope: Option<String>,
    pub(super) state: Option<String>,
    pub(super) code_challenge: Option<String>,
    pub(super) code_challenge_method: Option<String>,
    pub(super) user: Option<usize>,
    pub(super) decision: Option<String>,
}

/// The longest `code_challenge` (RFC 7636 §4.1: a verifier has at most 128 characters, and a
/// `plain` challenge is the verifier).
const MAX_CHALLENGE_LEN: usize = 128;

/// The registered redirect URI, or the Feishu code and message of the error page to show.
pub(super) fn check_authorize<'e>(
    emulator: &'e Emulator,
    params: &AuthorizeParams,
) -> Result<(&'e App, String), (i64, Cow<'static, str>)> {
    let Some(app) = params.client_id.as_deref().and_then(|id| emulator.config.app(id)) else {
        return Err((20029, "unknown client_id: this app is not registered".into()));
    };
    let redirect_uri = params.redirect_uri.clone().unwrap_or_default();
    // Control characters (CR/LF in a fragment) cannot go into the Location header: refused here,
    // before a code is minted, instead of a 500 after.
    if redirect_uri.chars().any(char::is_control) {
        return Err((20029, "redirect_uri contains control characters".into()));
    }
    // A code keeps its redirect URI, scopes and challenge: bounded, so that the bound on
    // outstanding codes per app bounds memory too.
    if redirect_uri.len() > MAX_KEPT_BYTES {
        return Err((20029, "redirect_uri is longer than 2048 bytes".into()));
    }
    if !Emulator::redirect_allowed(app, &redirect_uri) {
        return Err((20029, unregistered_redirect(app, &redirect_uri).into()));
    }
    if params.response_type.as_deref() != Some("code") {
        return Err((20001, "response_type must be code".into()));
    }
    if let Some(scope) = &params.scope {
        if scope.len() > MAX_KEPT_BYTES {
            return Err((20001, "scope is longer than 2048 bytes".into()));
        }
        let scopes: Vec<&str> = scope.split(' ').filter(|s| !s.is_empty()).collect();
        if scopes.len() > 50 {
            return Err((20001, "at most 50 scopes".into()));
        }
        if scopes.iter().enumerate().any(|(i, s)| scopes[..i].contains(s)) {
            return Err((20067, "duplicate scopes".into()));
        }
    }
    if params.code_challenge.as_ref().is_some_and(|challenge| challenge.len() > MAX_CHALLENGE_LEN) {
        return Err((20001, "code_challenge is longer than 128 characters (RFC 7636)".into()));
    }
    if let Some(method) = &params.code_challenge_method {
        if method != "S256" && method != "plain" {
            return Err((20001, "code_challenge_method must be S256 or plain".into()));
        }
    }
    Ok((app, redirect_uri))
}

/// The message for an unregistered `redirect_uri`: what was asked, what is registered and how
/// to register another, so the page says what to fix (plain text: the error page escapes it).
fn unregistered_redirect(app: &App, redirect_uri: &str) -> String {
    let registered = if app.redirect_urls.is_empty() { "none".to_owned() } else { app.redirect_urls.join(", ") };
    format!(
        "redirect_uri is not in the app's redirect URL list.\n\
         Received: {redirect_uri}\n\
         Registered for {id}: {registered}\n\
         Feishu compares the URL without its query. To register another: feishu-emulator --redirect URL \
         (repeatable; for the apps given by --app), or redirect_urls in its TOML file. The demo server's \
         emulator accepts only its own page.",
        id = app.id,
    )
}

pub(super) async fn authorize_page(
    State(emulator): State<Arc<Emulator>>,
    Query(params): Query<AuthorizeParams>,
) -> Response {
    let app = match check_authorize(&emulator, &params) {
        Ok((app, _)) => app,
        Err((code, message)) => return error_page(code, &message),
    };
    let hidden = |name: &str, value: &Option<String>| match value {
        Some(v) => format!("<input type=hidden name=\"{name}\" value=\"{}\">", html_escape(v)),
        None => String::new(),
    };
    let users: String = emulator
        .config
        .users
        .iter()
        .enumerate()
        .map(|(i, u)| {
            format!(
                "<label class=user><input type=radio name=user value={i}{}> <b>{}</b> {} <small>{}</small></label>",
                if i == 0 { " checked" } else { "" },
                html_escape(&u.name),
                html_escape(&u.en_name),
                html_escape(&u.email)
            )
        })
        .collect();
    let scope = params.scope.clone().unwrap_or_default();
    let body = format!(
        r#"<!doctype html><html lang=zh><meta charset=utf-8><meta name=viewport content="width=device-width,initial-scale=1"><link rel=icon href="data:,">
<title>{brand} · 授权 (emulator)</title>
<style>body{{font:15px/1.5 system-ui,"PingFang SC",sans-serif;background:#f5f6f7;margin:0}}
main{{max-width:420px;margin:4rem auto;background:#fff;border-radius:12px;padding:2rem;box-shadow:0 2px 8px #0001}}
h1{{font-size:1.2rem}} .app{{color:#3370ff}} .user{{display:block;padding:.5rem;border:1px solid #dee0e3;border-radius:8px;margin:.4rem 0;cursor:pointer}}
small{{color:#8f959e}} .buttons{{display:flex;gap:.5rem;margin-top:1rem}} button{{flex:1;border:0;border-radius:6px;padding:.6rem;font:inherit;cursor:pointer}}
#allow{{background:#3370ff;color:#fff}} #deny{{background:#e5e6eb}} .note{{color:#8f959e;font-size:.8rem;margin-top:1rem}}</style>
<main><h1><span class=app>{app}</span> 请求使用你的飞书身份登录</h1>
<p>Scope: <code id=scope>{scope}</code></p>
<form method=post action="/open-apis/authen/v1/authorize">
{hidden}
<p>选择演示用户 · Pick a demo user</p>{users}
<div class=buttons><button id=deny name=decision value=deny>拒绝 Deny</button><button id=allow name=decision value=allow>授权 Authorize</button></div>
</form><p class=note>Local Feishu emulator: no real account is involved.</p></main></html>"#,
        app = html_escape(&app.id),
        brand = if app.brand == Brand::Lark { "Lark" } else { "飞书" },
        scope = html_escape(if scope.is_empty() { "(identity only)" } else { &scope }),
        hidden = [
            hidden("client_id", &params.client_id),
            hidden("redirect_uri", &params.redirect_uri),
            hidden("response_type", &params.response_type),
            hidden("scope", &params.scope),
            hidden("state", &params.state),
            hidden("code_challenge", &params.code_challenge),
            hidden("code_challenge_method", &params.code_challenge_method),
        ]
        .concat(),
    );
    Html(body).into_response()
}

pub(super) async fn authorize_decision(
    State(emulator): State<Arc<Emulator>>,
    Form(params): Form<AuthorizeParams>,
) -> Response {
    let (app, redirect_uri) = match check_authorize(&emulator, &params) {
        Ok(checked) => checked,
        Err((code, message)) => return error_page(code, &message),
    };
    let state = params.state.clone().unwrap_or_default();
    let mut out: Vec<(&str, &str)> = Vec::new();
    let code;
    if params.decision.as_deref() == Some("allow") {
        let (user, person) = emulator.user(params.user.unwrap_or(0));
        let challenge = params.code_challenge.clone().map(|c| {
            // Feishu's default method is plain.
            (c, params.code_challenge_method.clone().unwrap_or_else(|| "plain".into()))
        });
        let scope = params.scope.clone().unwrap_or_default();
        code = emulator.mint(CodeKind::OAuth, &app.id, user, Some(redirect_uri.clone()), challenge, scope);
        eprintln!("[emulator] user {} authorized {}", person.en_name, app.id);
        out.push(("code", &code));
    } else {
        eprintln!("[emulator] the user denied the authorization");
        out.push(("error", "access_denied"));
    }
    if params.state.is_some() {
        out.push(("state", &state));
    }
    Redirect::to(&redirect_with(&redirect_uri, &out)).into_response()
}

/// `authen/v2/oauth/token`: the `authorization_code` grant and the `refresh_token` grant, with the
/// codes of Feishu's pages "获取 user_access_token" and "刷新 user_access_token".
pub(super) async fn oauth_token(State(emulator): State<Arc<Emulator>>, body: Option<Json<TokenRequest>>) -> Response {
    if let Some(fault) = injected_fault(&emulator).await {
        return fault;
    }
    let Json(request) = body.unwrap_or_default();
    let (Some(grant_type), Some(client_id), Some(client_secret)) =
        (&request.grant_type, &request.client_id, &request.client_secret)
    else {
        return feishu_error(StatusCode::BAD_REQUEST, 20001, "grant_type, client_id and client_secret are required");
    };
    if grant_type != "authorization_code" && grant_type != "refresh_token" {
        return feishu_error(StatusCode::BAD_REQUEST, 20036, "unsupported grant_type");
    }
    if emulator.config.app(client_id).is_none() {
        return feishu_error(StatusCode::BAD_REQUEST, 20048, "the app does not exist");
    }
    if !emulator.app_authenticated(client_id, client_secret) {
        return feishu_error(StatusCode::BAD_REQUEST, 20002, "client_secret is invalid");
    }
    if grant_type == "refresh_token" {
        return refresh_grant(&emulator, client_id, &request);
    }
    let Some(code) = &request.code else {
        return feishu_error(StatusCode::BAD_REQUEST, 20001, "code is required");
    };
    let mut grants = match oauth_code(&emulator, code, client_id) {
        Ok(grants) => grants,
        Err((code, message)) => return feishu_error(StatusCode::BAD_REQUEST, code, message),
    };
    let grant = grants.get_mut(code).expect("oauth_code found it");
    if let Some(expected) = &grant.redirect_uri {
        if request.redirect_uri.as_deref() != Some(expected.as_str()) {
            return feishu_error(StatusCode::BAD_REQUEST, 20071, "redirect_uri differs from the authorization request");
        }
    }
    if let Some((challenge, method)) = &grant.challenge {
        let verifier = request.code_verifier.clone().unwrap_or_default();
        let computed =
            if method == "S256" { URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) } else { verifier };
        if !bool::from(computed.as_bytes().ct_eq(challenge.as_bytes())) {
            return feishu_error(StatusCode::BAD_REQUEST, 20049, "PKCE verification failed");
        }
    }
    let scope = match narrowed_scope(&grant.scope, request.scope.as_deref()) {
        Ok(scope) => scope,
        Err((code, message)) => return feishu_error(StatusCode::BAD_REQUEST, code, message),
    };
    let user = grant.user;
    emulator.redeem(&mut grants, code);
    drop(grants);
    Json(emulator.issue_tokens(client_id, user, &scope).0).into_response()
}

/// The checks every redemption of an OAuth code makes (OAuth token v2 and the passport token
/// endpoint): not used yet (20065), known (20003), unexpired (20004), issued to `client_id`
/// (20024). The store, locked, for the caller's own checks and [`Emulator::redeem`]; the grant
/// is in it under `code`. Else Feishu's code and message (HTTP 400).
pub(super) fn oauth_code<'e>(
    emulator: &'e Emulator,
    code: &str,
    client_id: &str,
) -> Result<std::sync::MutexGuard<'e, Bounded<Grant>>, (i64, &'static str)> {
    if emulator.was_used(code, CodeKind::OAuth) {
        return Err((20065, "the code has already been used"));
    }
    let mut grants = emulator.grants.lock().unwrap();
    let Some(grant) = grants.get_mut(code).filter(|g| g.kind == CodeKind::OAuth) else {
        return Err((20003, "the code was not found"));
    };
    if emulator.elapsed(grant.issued) >= emulator.config.code_ttl {
        return Err((20004, "the code has expired"));
    }
    if grant.client_id != client_id {
        return Err((20024, "the code was issued to another app"));
    }
    Ok(grants)
}

pub(super) async fn user_info(State(emulator): State<Arc<Emulator>>, headers: HeaderMap) -> Response {
    let user = bearer(&headers).and_then(|t| emulator.user_tokens.lock().unwrap().get_mut(&t).copied());
    let Some(user) = user else {
        return (StatusCode::UNAUTHORIZED, Json(json!({ "code": 99991663, "msg": "invalid user access token" })))
            .into_response();
    };
    let (_, u) = emulator.user(user);
    Json(json!({
        "code": 0,
        "msg": "success",
        "data": { "name": u.name, "en_name": u.en_name, "open_id": u.open_id, "union_id": u.union_id, "email": u.email,
                  "avatar_url": "", "tenant_key": "emulator-tenant" }
    }))
    .into_response()
}
