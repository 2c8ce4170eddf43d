//! A session on the server: its record in the store (the Feishu grant and the current token
//! generation, sealed), and [`Session`], the extractor that authenticates a request's bearer
//! token (`GET /api/me`, and any protected route of your own).
//!
//! A token is accepted when it is signed by `SESSION_SECRET` (or `SESSION_SECRET_PREVIOUS`),
//! unexpired, and its session's record exists and names its generation. Logout deletes the
//! record; renewal writes the next generation (the presented token is retired); a store that
//! drops the record to make room ends the session. None of these can make a token valid again.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{FromRef, FromRequestParts, State};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::feishu_client::FeishuGrant;
use super::session_token::{sign, verify};
use super::{store_failure, unauthorized, Backend, Failure};
use crate::bearer::bearer;

/// What the store keeps per session, sealed with ChaCha20-Poly1305 (the session id is the
/// associated data: a record moved to another session's key does not open).
#[derive(Serialize, Deserialize, Clone)]
pub(crate) struct SessionRecord {
    /// The generation of the one token that is current; renewal increments it.
    pub(crate) generation: u64,
    pub(crate) grant: FeishuGrant,
    /// When a renewal wrote this generation (Unix milliseconds; none for a login's): the
    /// previous generation may be presented again for [`BackendConfig::reuse_interval`] after it.
    ///
    /// [`BackendConfig::reuse_interval`]: super::BackendConfig::reuse_interval
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) rotated_at: Option<u64>,
    /// While a renewal spends Feishu's refresh token (single use): until when (Unix
    /// milliseconds) it holds the session; other renewals of it wait (503) meanwhile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) renewing_until: Option<u64>,
}

pub(crate) fn session_key(sid: &str) -> String {
    format!("session:{sid}")
}

/// A record as read from the store: the bytes (for a compare-and-swap) and what they hold.
pub(crate) struct Stored {
    pub(crate) raw: Vec<u8>,
    pub(crate) record: SessionRecord,
}

impl Backend {
    /// Seals `record` for `sid` with the current key.
    pub(crate) fn seal(&self, sid: &str, record: &SessionRecord) -> Vec<u8> {
        let nonce: [u8; 12] = rand::random();
        let plaintext = serde_json::to_vec(record).expect("a record serializes");
        let sealed = self.ciphers[0]
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: &plaintext, aad: sid.as_bytes() })
            .expect("ChaCha20-Poly1305 encrypts any length this small");
        [nonce.as_slice(), &sealed].concat()
    }

    /// Opens a record with the current key or the previous one (during a key rotation).
    fn open(&self, sid: &str, raw: &[u8]) -> Option<SessionRecord> {
        if raw.len() < 12 {
            return None;
        }
        let (nonce, sealed) = raw.split_at(12);
        self.ciphers.iter().find_map(|cipher: &ChaCha20Poly1305| {
            let plain = cipher.decrypt(Nonce::from_slice(nonce), Payload { msg: sealed, aad: sid.as_bytes() }).ok()?;
            serde_json::from_slice(&plain).ok()
        })
    }

    /// How long the record of a session on `grant` must live: until its last token can no longer
    /// be used or renewed.
    pub(crate) fn record_ttl(&self, grant: &FeishuGrant) -> Duration {
        let until = grant.access_expires_at.max(grant.refresh_expires_at);
        Duration::from_secs(until.saturating_sub(self.now_secs()).max(1))
    }

    /// The record of `sid`; `None` when there is none (logged out, expired, dropped to make room)
    /// or it does not open with our keys.
    pub(crate) async fn load(&self, sid: &str) -> Result<Option<Stored>, Failure> {
        let Some(raw) = self.config.store.get(&session_key(sid)).await.map_err(store_failure)? else {
            return Ok(None);
        };
        Ok(self.open(sid, &raw).map(|record| Stored { raw, record }))
    }

    /// The claims of a token signed by one of our keys and unexpired, with a session id and a
    /// generation; 401 otherwise.
    pub(crate) fn claims(&self, token: Option<&str>) -> Result<Claims, Failure> {
        let claims = token.and_then(|t| verify(&self.keys(), t, self.now_secs()));
        let parsed = claims.as_ref().and_then(|c| {
            Some(Claims {
                sid: c["sid"].as_str()?.to_owned(),
                generation: c["gen"].as_u64()?,
                open_id: c["sub"].as_str()?.to_owned(),
                name: c["name"].as_str().unwrap_or_default().to_owned(),
                surface: c["surface"].as_str().unwrap_or_default().to_owned(),
                expires_at: c["exp"].as_u64()?,
            })
        });
        parsed.ok_or_else(|| unauthorized(None, "no valid session: log in again"))
    }

    /// The session of a bearer token: valid claims, and its record current.
    pub async fn authenticate(&self, token: Option<&str>) -> Result<Session, Failure> {
        let claims = self.claims(token)?;
        let Some(stored) = self.load(&claims.sid).await? else {
            return Err(unauthorized(
                None,
                "this session has ended (logged out, or expired on the server): log in again",
            ));
        };
        if stored.record.generation != claims.generation {
            // Retired by a renewal: refused. Only the renewal endpoint revokes the session for
            // it, so that an app request racing its own tab's renewal signs nobody out.
            return Err(unauthorized(None, "this session token was replaced by a renewal: use the new one"));
        }
        Ok(Session { claims })
    }

    /// A signed session for `user` under `sid` at `generation`, valid for the session lifetime
    /// but never past the Feishu user token it stands on; the answer has the login's shape.
    pub(crate) fn issue_session(
        &self,
        sid: &str,
        generation: u64,
        surface: &str,
        user: &Value,
        grant: &FeishuGrant,
    ) -> Result<Value, Failure> {
        let now = self.now_secs();
        let expires_at = now.saturating_add(self.config.session_ttl.as_secs()).min(grant.access_expires_at);
        if expires_at <= now {
            return Err(unauthorized(None, "the Feishu sign-in has expired: log in again"));
        }
        let open_id = user["open_id"].as_str().unwrap_or_default();
        let name = user["name"].as_str().unwrap_or_default();
        let claims = json!({ "sub": open_id, "name": name, "surface": surface, "exp": expires_at, "sid": sid, "gen": generation });
        let token = sign(&self.config.session_secret, &claims);
        Ok(json!({
            "token": token,
            "expiresIn": expires_at - now,
            "user": { "name": user["name"], "enName": user["en_name"], "openId": user["open_id"], "email": user["email"], "avatarUrl": user["avatar_url"] },
        }))
    }
}

/// The verified claims of a session token.
#[derive(Clone, Debug)]
pub struct Claims {
    /// The session id every renewal keeps.
    pub sid: String,
    /// The renewal generation of this token.
    pub generation: u64,
    /// The Feishu user's `open_id`.
    pub open_id: String,
    pub name: String,
    /// The surface the user signed in on (`browser`, `client`, `docWidget`, `miniProgram`).
    pub surface: String,
    /// When this token expires (Unix seconds).
    pub expires_at: u64,
}

/// The signed-in user of a request: an extractor for your own routes. A handler that takes a
/// `Session` runs only for a request whose `Authorization: Bearer <token>` is a current session
/// of this backend; otherwise the request is answered 401 (or 503 with `Retry-After` when the
/// store cannot tell), with `{message}`.
///
/// The state of the router must give the backend (`Arc<Backend>: FromRef<S>`), as
/// `Arc<Backend>` itself does.
#[derive(Clone, Debug)]
pub struct Session {
    pub claims: Claims,
}

impl<S> FromRequestParts<S> for Session
where
    Arc<Backend>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let backend = Arc::<Backend>::from_ref(state);
        backend.authenticate(bearer(&parts.headers)).await.map_err(IntoResponse::into_response)
    }
}

/// `GET /api/me`: the session's user.
pub(crate) async fn me(State(_): State<Arc<Backend>>, session: Session) -> Response {
    let c = session.claims;
    Json(json!({ "openId": c.open_id, "name": c.name, "surface": c.surface, "exp": c.expires_at })).into_response()
}
