//! What the [`Engine`](crate::Engine) needs from outside, one small port per need.
//!
//! The split follows the sans-IO designs of rustls, quinn-proto and h11: anything that takes time
//! or calls back into the app (HTTP, timers, host APIs, navigation, listeners) is an
//! [`Effect`](crate::Effect) the engine *returns*, and its outcome comes back as an
//! [`Event`](crate::Event). What the browser answers synchronously while the engine decides
//! (random bytes, a web-storage read or write, parsing a URL) is a port: a method the engine
//! calls. The browser driver implements them over `crypto.getRandomValues`,
//! `localStorage`/`sessionStorage` and the WHATWG `URL`; the native tests implement them with
//! counters, maps and the `url` crate (a WHATWG-conformant parser). The time is an argument of
//! each step, read once by the driver.

use crate::prelude::*;

/// Which web store a record lives in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Area {
    /// Where the session persists: the configured `storage` (`localStorage`, `sessionStorage`
    /// or the app's object). Never asked for with `storage: "memory"`.
    Session,
    /// `sessionStorage`: pending browser logins live there for the redirect round trip
    /// (one tab, survives navigation).
    Pending,
    /// `localStorage`: what every tab of the origin must see (consumed states, popup marks, the
    /// renewal lease, the logout epoch).
    Shared,
}

/// A store refused an operation (it threw: quota exceeded, blocked third-party storage,
/// private mode, a throwing custom object).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Refused;

/// Synchronous string stores, like `localStorage`.
pub trait Stores {
    /// The value under `key`, `Ok(None)` when there is none.
    ///
    /// # Errors
    /// [`Refused`] when the store threw.
    fn get(&self, area: Area, key: &str) -> Result<Option<String>, Refused>;
    /// Writes `value` under `key`, or removes `key` when `value` is `None`.
    ///
    /// # Errors
    /// [`Refused`] when the store threw.
    fn put(&self, area: Area, key: &str, value: Option<&str>) -> Result<(), Refused>;
}

/// A URL as the WHATWG URL Standard parses it: the fields of the browser's `URL` object.
///
/// Browsers and the SDK must agree on what a URL means (a hand-written splitter once read
/// `https://\/user:pw@evil.example/cb` differently from Chromium), so the SDK never parses URLs
/// itself: the driver hands them to `new URL(input, base)`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Url {
    /// The serialized URL.
    pub href: String,
    /// `scheme://host[:port]`, or `"null"` for opaque origins.
    pub origin: String,
    /// The scheme with its colon, e.g. `https:`.
    pub protocol: String,
    /// The username, percent-encoded; empty when none.
    pub username: String,
    /// The password, percent-encoded; empty when none.
    pub password: String,
    /// `host[:port]`.
    pub host: String,
    /// The path, starting with `/` for special schemes.
    pub pathname: String,
    /// `?query`, or empty.
    pub search: String,
    /// `#fragment`, or empty.
    pub hash: String,
}

impl Url {
    /// Whether the scheme is `http:` or `https:`.
    pub fn is_http(&self) -> bool {
        self.protocol == "http:" || self.protocol == "https:"
    }

    /// Whether the URL carries a username or password.
    pub fn has_credentials(&self) -> bool {
        !self.username.is_empty() || !self.password.is_empty()
    }

    /// `origin + pathname`: the URL without credentials, query and fragment.
    pub fn without_query_and_fragment(&self) -> String {
        self.origin.clone() + &self.pathname
    }

    /// The fields joined by `\n`, in declaration order: the wire form of the driver's answer.
    /// A parsed URL never contains a newline (the parser removes ASCII tab and newline).
    pub fn from_lines(lines: &str) -> Option<Url> {
        let mut fields: Vec<String> = lines.split('\n').map(str::to_owned).collect();
        if fields.len() != 9 {
            return None;
        }
        // Taken from the end: one pop per field instead of nine inlined iterator steps.
        let mut next = || fields.pop().unwrap_or_default();
        let (hash, search, pathname, host, password, username) = (next(), next(), next(), next(), next(), next());
        let (protocol, origin, href) = (next(), next(), next());
        Some(Url { href, origin, protocol, username, password, host, pathname, search, hash })
    }
}

/// The WHATWG URL parser (the browser's `URL`).
pub trait UrlParser {
    /// `new URL(input, base)`; `None` where it throws.
    fn parse_url(&self, input: &str, base: Option<&str>) -> Option<Url>;
}

/// A cryptographically secure random source (`crypto.getRandomValues`).
pub trait Random {
    /// Fills `buf`; `false` when there is no secure source (never fall back to `Math.random`).
    fn fill(&self, buf: &mut [u8]) -> bool;
}

/// Every synchronous port the engine uses. (The time is not one: the driver reads it once per
/// step and passes it to [`Engine::handle`](crate::Engine::handle).)
pub trait Ports: Stores + UrlParser + Random {}
impl<T: Stores + UrlParser + Random> Ports for T {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_fields_come_in_the_driver_order() {
        let url = Url::from_lines("h\no\np:\nu\npw\nho\n/pa\n?s\n#f").unwrap();
        assert_eq!(
            (url.href.as_str(), url.origin.as_str(), url.protocol.as_str(), url.username.as_str()),
            ("h", "o", "p:", "u")
        );
        assert_eq!((url.password.as_str(), url.host.as_str(), url.pathname.as_str()), ("pw", "ho", "/pa"));
        assert_eq!((url.search.as_str(), url.hash.as_str()), ("?s", "#f"));
        assert!(Url::from_lines("a\nb").is_none() && Url::from_lines("1\n2\n3\n4\n5\n6\n7\n8\n9\n10").is_none());
    }
}
