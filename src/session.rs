//! The app's session as the backend issued it, and its versioned storage record.

use crate::host::Surface;
use crate::json::Json;
use crate::prelude::*;

/// The version of the stored record; a record of another version is treated as unreadable.
pub const RECORD_VERSION: i64 = 1;

/// The app's own session, obtained by posting a Feishu code to the app's backend.
///
/// # Security
/// `Debug` redacts the token.
#[derive(Clone, PartialEq)]
pub struct Session {
    /// The app backend's session token, sent as `Authorization: Bearer …`.
    pub token: String,
    /// When the session ends, in ms since the epoch; `None` when the backend gave no `expiresIn`.
    pub expires_at: Option<i64>,
    /// The user object the backend returned, if any.
    pub user: Option<Json>,
    /// The surface the session was obtained on.
    pub surface: Surface,
    /// When the session was obtained, in ms since the epoch.
    pub obtained_at: i64,
}

impl core::fmt::Debug for Session {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Session")
            .field("token", &"[redacted]")
            .field("expires_at", &self.expires_at)
            .field("surface", &self.surface)
            .field("obtained_at", &self.obtained_at)
            .finish_non_exhaustive()
    }
}

/// The `Authorization` header value of `token`: `Bearer <token>`
/// ([RFC 6750 §2.1](https://www.rfc-editor.org/rfc/rfc6750#section-2.1)).
pub fn bearer(token: &str) -> String {
    String::from("Bearer ") + token
}

impl Session {
    /// The `Authorization` header value that authenticates with this session.
    pub fn authorization(&self) -> String {
        bearer(&self.token)
    }

    /// Whether the session has ended at `now` (ms since the epoch).
    pub fn is_expired(&self, now: i64) -> bool {
        self.expires_at.is_some_and(|at| now >= at)
    }

    /// The session as the JS `Session` object: `{token, expiresAt, user, surface, obtainedAt}`.
    pub fn to_json(&self) -> Json {
        Json::object([
            ("token", Json::string(&self.token)),
            ("expiresAt", self.expires_at.map_or(Json::Null, Json::integer)),
            ("user", self.user.clone().unwrap_or(Json::Null)),
            ("surface", Json::string(self.surface.as_str())),
            ("obtainedAt", Json::integer(self.obtained_at)),
        ])
    }

    /// The storage record: the JS object plus a version `v`.
    pub fn encode(&self) -> String {
        let mut record = self.to_json();
        if let Json::Object(members) = &mut record {
            members.insert(0, ("v".to_owned(), Json::integer(RECORD_VERSION)));
        }
        record.to_text()
    }

    /// Reads a storage record; `None` when it is not a well-formed record of this version.
    pub fn decode(text: &str) -> Option<Session> {
        let record = Json::parse(text)?;
        if record.get("v")?.as_i64()? != RECORD_VERSION {
            return None;
        }
        let token = record.get("token")?.as_str().filter(|t| !t.is_empty())?.to_owned();
        let expires_at = match record.get("expiresAt")? {
            Json::Null => None,
            value => Some(value.as_i64()?),
        };
        let user = match record.get("user") {
            None | Some(Json::Null) => None,
            Some(value) => Some(value.clone()),
        };
        let surface = Surface::from_name(record.get("surface")?.as_str()?)?;
        let obtained_at = record.get("obtainedAt")?.as_i64()?;
        Some(Session { token, expires_at, user, surface, obtained_at })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> Session {
        Session {
            token: "tok".into(),
            expires_at: Some(2_000),
            user: Some(Json::object([("name", Json::string("张三"))])),
            surface: Surface::Browser,
            obtained_at: 1_000,
        }
    }

    #[test]
    fn record_round_trips() {
        let text = session().encode();
        assert_eq!(
            text,
            r#"{"v":1,"token":"tok","expiresAt":2000,"user":{"name":"张三"},"surface":"browser","obtainedAt":1000}"#
        );
        assert_eq!(Session::decode(&text), Some(session()));
        let no_expiry = Session { expires_at: None, user: None, ..session() };
        assert_eq!(Session::decode(&no_expiry.encode()), Some(no_expiry));
    }

    #[test]
    fn corrupt_or_foreign_records_are_rejected() {
        for text in [
            "",
            "not json",
            "null",
            "[]",
            r#"{"v":2,"token":"t","expiresAt":null,"surface":"browser","obtainedAt":1}"#,
            r#"{"token":"t","expiresAt":null,"surface":"browser","obtainedAt":1}"#,
            r#"{"v":1,"token":"","expiresAt":null,"surface":"browser","obtainedAt":1}"#,
            r#"{"v":1,"token":5,"expiresAt":null,"surface":"browser","obtainedAt":1}"#,
            r#"{"v":1,"token":"t","expiresAt":"soon","surface":"browser","obtainedAt":1}"#,
            r#"{"v":1,"token":"t","expiresAt":null,"surface":"desktop","obtainedAt":1}"#,
            r#"{"v":1,"token":"t","expiresAt":null,"surface":"browser"}"#,
        ] {
            assert_eq!(Session::decode(text), None, "{text}");
        }
    }

    #[test]
    fn expiry_is_inclusive_and_optional() {
        assert!(!session().is_expired(1_999));
        assert!(session().is_expired(2_000));
        assert!(!Session { expires_at: None, ..session() }.is_expired(i64::MAX));
    }

    #[test]
    fn debug_redacts_token() {
        let text = format!("{:?}", Session { token: "secret-token".into(), ..session() });
        assert!(!text.contains("secret-token"), "{text}");
    }
}
