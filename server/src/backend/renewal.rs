//! `POST /api/feishu/refresh`: session renewal with rotation and reuse detection.
//!
//! Each renewal retires the presented token: the session's record moves to the next
//! generation, and only a token of that generation passes from then on, on every replica that
//! shares the store. Presenting a retired token to this endpoint again means one copy of it was
//! stolen: the whole session is revoked (RFC 9700 §4.14.2) and the answer is 401.
//!
//! Except within the reuse interval ([`super::BackendConfig::reuse_interval`], as Auth0's
//! "reuse interval" and Okta's "grace period"): a client whose renewal's answer was lost (a
//! timeout, a connection cut after the request left) retries with the token it still holds,
//! which that renewal retired. Presented within the interval after the rotation, the
//! immediately previous generation gets a token of the current generation: no further rotation,
//! nothing spent at Feishu, nobody signed out. A generation two behind, or the previous one
//! after the interval, revokes the session as above. The rotation's time is in the session's
//! record, so every replica sharing the store decides alike (their clocks should agree within
//! a few seconds, as NTP keeps them).
//!
//! When the Feishu user token nears its expiry, the renewal spends Feishu's refresh token first
//! (Feishu rotates it too) and checks the user with `user_info`; a refusal from Feishu (expired,
//! revoked, reused, the user withdrew the authorization) ends the session: 401, and `/api/me`
//! refuses it from then on. Feishu's refresh tokens are single use, so one renewal at a time
//! spends it (it holds the record meanwhile; the others answer 503) and the rotated one is
//! stored before anything else can fail.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::feishu_client::FeishuGrant;
use super::session::{session_key, Claims, SessionRecord, Stored};
use super::{log_value, store_failure, unauthorized, Backend, Failure};
use crate::bearer::bearer;

/// `POST /api/feishu/refresh` with `Authorization: Bearer <session>`: a new session of the same
/// shape as the login's, or 401 when the session is invalid, logged out, expired, its token was
/// already renewed (which revokes the session), or its Feishu sign-in cannot be renewed;
/// 502/503 (retry) when Feishu or the store failed.
pub(crate) async fn refresh(State(backend): State<Arc<Backend>>, headers: HeaderMap) -> Response {
    match backend.renew(bearer(&headers)).await {
        Ok(session) => Json(session).into_response(),
        Err(failure) => failure.into_response(),
    }
}

/// How long a renewal holds its session while it spends Feishu's refresh token: longer than the
/// token call may take (the HTTP client's 10 s timeout) with the store's writes around it.
const REFRESH_LEASE: Duration = Duration::from_secs(15);

/// How often a renewal starts over when the session's record changed under it (another renewal
/// or a logout landed meanwhile) before it answers 503.
const ATTEMPTS: usize = 3;

/// 503: another renewal of the session holds it (or kept changing it); nothing was decided.
fn renewal_under_way() -> Failure {
    Failure {
        status: StatusCode::SERVICE_UNAVAILABLE,
        code: None,
        message: "another renewal of this session is under way: try again shortly".into(),
    }
}

impl Backend {
    /// Ends the session `sid` (its record goes); a store failure is logged, the record then
    /// expires by itself, and the answer is the 401 given.
    async fn end(&self, sid: &str, failure: Failure) -> Failure {
        if let Err(error) = self.config.store.delete(&session_key(sid)).await {
            eprintln!("[backend] could not end a session now, it ends when its record expires ({error})");
        }
        failure
    }

    async fn renew(&self, token: Option<&str>) -> Result<Value, Failure> {
        let claims = self.claims(token)?;
        for _ in 0..ATTEMPTS {
            if let Some(session) = self.renew_once(&claims).await? {
                return Ok(session);
            }
        }
        Err(renewal_under_way())
    }

    /// One pass of a renewal from the record as it is now: the new session, or `None` when the
    /// record changed before this pass could write (decide again from the new one).
    async fn renew_once(&self, claims: &Claims) -> Result<Option<Value>, Failure> {
        let sid = claims.sid.as_str();
        let Some(Stored { mut raw, mut record }) = self.load(sid).await? else {
            return Err(unauthorized(
                None,
                "this session has ended (logged out, or expired on the server): log in again",
            ));
        };
        if record.generation != claims.generation {
            if self.within_reuse_interval(claims, &record) {
                return self.reissue(claims, record).await.map(Some);
            }
            eprintln!(
                "[backend] a retired session token was presented for renewal: the session of {} is revoked",
                log_value(&claims.open_id)
            );
            return Err(self
                .end(sid, unauthorized(None, "this session token was already renewed once; presenting it again ends the session (it may have been copied): log in again"))
                .await);
        }
        if record.grant.nears_expiry(self.now_secs()) {
            let Some(refreshed) = self.refresh_grant(claims, raw, record).await? else { return Ok(None) };
            Stored { raw, record } = refreshed;
        }
        let grant = &record.grant;
        let user = self.current_user(sid, claims, &grant.access_token).await?;
        let generation = record.generation + 1;
        let session = self.issue_session(sid, generation, &claims.surface, &user, grant)?;
        let next = SessionRecord {
            generation,
            grant: grant.clone(),
            rotated_at: Some(self.now_millis()),
            renewing_until: None,
        };
        let swapped = self
            .config
            .store
            .replace(&session_key(sid), &raw, self.seal(sid, &next), self.record_ttl(grant))
            .await
            .map_err(store_failure)?;
        // Not swapped: another renewal of the same token landed while Feishu answered (then
        // this one is a retry of it, or a reuse), or a logout: the next pass decides.
        Ok(swapped.then_some(session))
    }

    /// Renews the Feishu grant of the session at `raw` with its refresh token, once across
    /// replicas: Feishu's refresh tokens are single use, and a second renewal spending the same
    /// one would be refused (20073) and end the session. The renewal first claims the session for
    /// [`REFRESH_LEASE`] (other renewals answer 503 meanwhile), then stores the new grant before
    /// anything else can fail, since the refresh token it holds is the only one left. The
    /// record with the new grant; `None` when the record changed before the claim; 401 (the
    /// session ended) when Feishu refuses.
    async fn refresh_grant(
        &self,
        claims: &Claims,
        raw: Vec<u8>,
        record: SessionRecord,
    ) -> Result<Option<Stored>, Failure> {
        let sid = claims.sid.as_str();
        let now = self.now_millis();
        if record.renewing_until.is_some_and(|until| now < until) {
            return Err(renewal_under_way());
        }
        if let Err(failure) = self.refreshable(&record.grant) {
            return Err(self.end(sid, failure).await);
        }
        let lease = u64::try_from(REFRESH_LEASE.as_millis()).unwrap_or(u64::MAX);
        let claimed = SessionRecord { renewing_until: Some(now.saturating_add(lease)), ..record.clone() };
        let claimed_raw = self.seal(sid, &claimed);
        let key = session_key(sid);
        let store = &self.config.store;
        let ttl = self.record_ttl(&record.grant);
        if !store.replace(&key, &raw, claimed_raw.clone(), ttl).await.map_err(store_failure)? {
            return Ok(None);
        }
        let grant = match self.renewed_grant(claims, &record.grant).await {
            Ok(grant) => grant,
            Err(failure) if failure.status.as_u16() == 401 => return Err(self.end(sid, failure).await),
            Err(failure) => {
                // Feishu failed before it renewed anything: free the session for the retry (or
                // let the claim run out, when the store cannot take the write either).
                let _ = store.replace(&key, &claimed_raw, self.seal(sid, &record), ttl).await;
                return Err(failure);
            }
        };
        let refreshed = SessionRecord { grant, renewing_until: None, ..record };
        let refreshed_raw = self.seal(sid, &refreshed);
        let ttl = self.record_ttl(&refreshed.grant);
        if !store.replace(&key, &claimed_raw, refreshed_raw.clone(), ttl).await.map_err(store_failure)? {
            // Only a logout or a revocation takes a claimed record away.
            return Ok(None);
        }
        Ok(Some(Stored { raw: refreshed_raw, record: refreshed }))
    }

    /// Whether `claims`' token is the generation just before `record`'s, presented within the
    /// reuse interval after the renewal that retired it.
    fn within_reuse_interval(&self, claims: &Claims, record: &SessionRecord) -> bool {
        let interval = u64::try_from(self.config.reuse_interval.as_millis()).unwrap_or(u64::MAX);
        interval > 0
            && claims.generation.checked_add(1) == Some(record.generation)
            && record.rotated_at.is_some_and(|at| self.now_millis() < at.saturating_add(interval))
    }

    /// The session's Feishu user, asked of Feishu with its user token: a refusal or another user
    /// ends the session (401); other failures leave it as it is.
    async fn current_user(&self, sid: &str, claims: &Claims, access_token: &str) -> Result<Value, Failure> {
        let user = match self.feishu("/open-apis/authen/v1/user_info", Some(access_token), None).await {
            Ok(info) => info["data"].clone(),
            Err(failure) if failure.status.is_client_error() => {
                let failure = unauthorized(failure.code, "Feishu no longer accepts this sign-in: log in again");
                return Err(self.end(sid, failure).await);
            }
            Err(failure) => return Err(failure),
        };
        if user["open_id"] != json!(claims.open_id) {
            return Err(self.end(sid, unauthorized(None, "the Feishu user changed: log in again")).await);
        }
        Ok(user)
    }

    /// A token of `record`'s (current) generation for a renewal retried with the token just
    /// retired: Feishu is asked for the user, as at every renewal, but nothing is rotated or
    /// spent.
    async fn reissue(&self, claims: &Claims, record: SessionRecord) -> Result<Value, Failure> {
        let sid = claims.sid.as_str();
        let user = self.current_user(sid, claims, &record.grant.access_token).await?;
        eprintln!(
            "[backend] a renewal of {} was retried with the token it retired (within the reuse interval): \
             answered with the current generation",
            log_value(&claims.open_id)
        );
        self.issue_session(sid, record.generation, &claims.surface, &user, &record.grant)
    }

    /// 401 when `grant` cannot be renewed at all, before anything is spent: no refresh token
    /// (no `offline_access`), or one past its lifetime (what Feishu would answer: 20037).
    fn refreshable(&self, grant: &FeishuGrant) -> Result<(), Failure> {
        if grant.refresh_token.is_none() {
            return Err(unauthorized(
                None,
                "the Feishu sign-in cannot be renewed (no refresh token: request the offline_access scope): log in again",
            ));
        }
        if grant.refresh_expires_at <= self.now_secs() {
            return Err(unauthorized(Some(20037), "the Feishu refresh token has expired: log in again"));
        }
        Ok(())
    }

    /// `grant` renewed with Feishu's refresh token (which Feishu rotates). 401 when Feishu
    /// refuses it.
    async fn renewed_grant(&self, claims: &Claims, grant: &FeishuGrant) -> Result<FeishuGrant, Failure> {
        let body = json!({ "grant_type": "refresh_token", "client_id": self.config.app_id,
            "client_secret": self.config.app_secret, "refresh_token": grant.refresh_token });
        match self.feishu("/open-apis/authen/v2/oauth/token", None, Some(body)).await {
            Ok(answer) => {
                eprintln!("[backend] renewed the Feishu sign-in of {}", log_value(&claims.open_id));
                Ok(FeishuGrant::from_token_answer(&answer, self.now_secs()))
            }
            // Feishu refused the refresh token (expired 20037, revoked 20064, used 20073,
            // invalid 20026, another app's 20024, …): the session is over.
            Err(failure) if failure.status.is_client_error() => {
                let message = format!("Feishu refused to renew the sign-in ({}): log in again", failure.message);
                Err(unauthorized(failure.code, &message))
            }
            // 5xx, 20050, 20072, a rate limit, timeouts: the session stands; the caller retries.
            Err(failure) => Err(failure),
        }
    }
}
