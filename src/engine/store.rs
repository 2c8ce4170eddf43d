//! Persistence: the session in the configured store, the pending browser logins in
//! sessionStorage, each with a memory fallback for this page, and the record of consumed states
//! in localStorage.
//!
//! A fallback never sticks: a refused write keeps the value in memory for this page *and*
//! removes the key from the refusing store, so no older value resurfaces after a reload; the next
//! write tries the store again.

use super::{Effect, Engine};
use crate::authorize::{PendingLogin, PENDING_TTL_MS};
use crate::config::StorageChoice;
use crate::error::{Error, ErrorKind};
use crate::json::Json;
use crate::ports::{Area, Ports, Refused};
use crate::prelude::*;
use crate::session::Session;

/// At most this many pending browser logins are kept (oldest dropped first): enough for the
/// callback in the address bar while a few more logins are started, and small, because every
/// `authorizeUrl()` rewrites the list (the benchmark found a third of its time in that write
/// with 8).
pub const MAX_PENDING: usize = 4;

/// What this page holds instead of a store that refused: `Some(None)` is a removal it refused.
#[derive(Default)]
pub(super) struct Fallback(Option<Option<String>>);

/// The storage keys of one app: `feishu-login/v1/<appId>/<name>`.
pub(super) struct Keys {
    pub(super) session: String,
    pub(super) pending: String,
    pub(super) consumed: String,
    pub(super) renewal: String,
    pub(super) popup: String,
    pub(super) logout: String,
}

impl Keys {
    pub(super) fn new(app_id: &str) -> Keys {
        let key = |name| crate::storage::storage_key(app_id, name);
        Keys {
            session: key("session"),
            pending: key("pending"),
            consumed: key("consumed"),
            renewal: key("renewal"),
            popup: key("popup"),
            logout: key("logout"),
        }
    }
}

/// The SHA-256 of `text`, base64url: what is shared of a state (never the state itself).
pub(super) fn digest(text: &str) -> String {
    crate::base64url::encode(&crate::sha256::sha256(text.as_bytes()))
}

/// The live entries of a shared list of `{sha, until}` marks (consumed states, popup logins),
/// without the one of `without`.
pub(super) fn marks<P: Ports>(key: &str, now: i64, without: Option<&str>, ports: &P) -> Vec<Json> {
    let text = ports.get(Area::Shared, key).ok().flatten();
    let Some(Json::Array(items)) = text.and_then(|t| Json::parse(&t)) else { return Vec::new() };
    items
        .into_iter()
        .filter(|i| {
            i.get("until").and_then(Json::as_i64).is_some_and(|until| until > now)
                && (without.is_none() || i.get("sha").and_then(Json::as_str) != without)
        })
        .collect()
}

pub(super) fn has_mark(marks: &[Json], sha: &str) -> bool {
    marks.iter().any(|m| m.get("sha").and_then(Json::as_str) == Some(sha))
}

pub(super) fn mark(sha: &str, now: i64) -> Json {
    Json::object([("sha", Json::string(sha)), ("until", Json::integer(now + PENDING_TTL_MS))])
}

pub(super) fn write_marks<P: Ports>(key: &str, marks: Vec<Json>, ports: &P) {
    let value = (!marks.is_empty()).then(|| Json::Array(marks).to_text());
    let _ = ports.put(Area::Shared, key, value.as_deref());
}

impl Engine {
    fn warn_storage(&mut self, out: &mut Vec<Effect>) {
        if !self.storage_warned {
            self.storage_warned = true;
            out.push(Effect::Warn(match self.config.storage {
                StorageChoice::Session => Message::new(Msg::WarnStorage).arg("sessionStorage"),
                StorageChoice::Custom => Msg::WarnStorageObject.into(),
                _ => Message::new(Msg::WarnStorage).arg("localStorage"),
            }));
        }
    }

    /// The stored session text: the memory copy when the store refused the last write, else the
    /// store's.
    fn read_session_text<P: Ports>(&mut self, ports: &P, out: &mut Vec<Effect>) -> Option<String> {
        if let Some(value) = &self.session_memory.0 {
            return value.clone();
        }
        if self.config.storage == StorageChoice::Memory {
            return None;
        }
        match ports.get(Area::Session, &self.keys.session) {
            Ok(value) => value,
            Err(Refused) => {
                self.warn_storage(out);
                None
            }
        }
    }

    /// Persists `session` (or removes it). A refused write keeps it in memory for this page,
    /// removes any older value from the store and is retried on the next write.
    pub(super) fn write_session<P: Ports>(&mut self, session: Option<&Session>, ports: &P, out: &mut Vec<Effect>) {
        let text = session.map(Session::encode);
        if self.config.storage == StorageChoice::Memory {
            self.session_memory.0 = Some(text);
            return;
        }
        match ports.put(Area::Session, &self.keys.session, text.as_deref()) {
            Ok(()) => self.session_memory.0 = None,
            Err(Refused) => {
                if text.is_some() {
                    // An older session must not come back after a reload.
                    let _ = ports.put(Area::Session, &self.keys.session, None);
                }
                self.session_memory.0 = Some(text);
                self.warn_storage(out);
            }
        }
    }

    /// The valid stored session; an expired one is removed, a corrupt one removed with a warning.
    /// The session another tab's logout ended counts as gone, though this tab's copy of the
    /// store may still show it.
    pub(super) fn stored_session<P: Ports>(&mut self, ports: &P, out: &mut Vec<Effect>) -> Option<Session> {
        let text = self.read_session_text(ports, out)?;
        match Session::decode(&text) {
            // Not removed here: the store may hold a newer session this tab cannot see yet.
            Some(session) if self.ended.as_ref() == Some(&session.token) => return None,
            Some(session) if !session.is_expired(self.now) => return Some(session),
            Some(_expired) => {}
            None => out.push(Effect::Warn(Msg::WarnUnreadable.into())),
        }
        self.write_session(None, ports, out);
        None
    }

    /// Reads the stored session again and announces any change; returns the valid session.
    pub(super) fn read_session<P: Ports>(&mut self, ports: &P, out: &mut Vec<Effect>) -> Option<Session> {
        let session = self.stored_session(ports, out);
        self.announce(session.clone(), out);
        session
    }

    /// This tab's unexpired pending logins, oldest first.
    pub(super) fn pending_list<P: Ports>(&self, ports: &P) -> Vec<PendingLogin> {
        let text = match &self.pending_memory.0 {
            Some(kept) => kept.clone(),
            None => ports.get(Area::Pending, &self.keys.pending).ok().flatten(),
        };
        let Some(Json::Array(records)) = text.and_then(|t| Json::parse(&t)) else { return Vec::new() };
        records.iter().filter_map(PendingLogin::from_json).filter(|p| !p.is_expired(self.now)).collect()
    }

    /// Writes this tab's pending logins; `false` when sessionStorage refused and they are kept
    /// in this page's memory instead. (A refused removal leaves a record in the store whose
    /// state can no longer complete: [`Engine::consume_state`] refuses it in every tab.)
    pub(super) fn write_pending<P: Ports>(&mut self, list: &[PendingLogin], ports: &P) -> bool {
        let value = (!list.is_empty()).then(|| Json::Array(list.iter().map(PendingLogin::to_json).collect()).to_text());
        let kept = ports.put(Area::Pending, &self.keys.pending, value.as_deref()).is_ok();
        self.pending_memory.0 = if kept { None } else { Some(value) };
        kept
    }

    /// A state completes at most once across all tabs of the origin: sessionStorage is copied
    /// into tabs opened with an opener, so the pending record alone cannot guarantee it. The
    /// record of consumed states (their SHA-256) lives in localStorage for as long as a pending
    /// login can; a store that refuses leaves the per-tab guarantee.
    pub(super) fn consume_state<P: Ports>(&self, state: &str, ports: &P) -> Result<(), Error> {
        let sha = digest(state);
        let mut kept = marks(&self.keys.consumed, self.now, None, ports);
        if has_mark(&kept, &sha) {
            return Err(Error::new(ErrorKind::State, Msg::CallbackUsed));
        }
        kept.push(mark(&sha, self.now));
        write_marks(&self.keys.consumed, kept, ports);
        Ok(())
    }
}
