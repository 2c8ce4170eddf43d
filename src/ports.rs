//! What the [`Engine`](crate::Engine) needs from outside, one small port per need.
//!
//! The split follows the sans-IO designs of rustls, quinn-proto and h11: anything that takes time
//! or calls back into the app (HTTP, timers, host APIs, navigation, listeners) is an
//! [`Effect`](crate::Effect) the engine *returns*, and its outcome comes back as an
//! [`Event`](crate::Event). What the browser answers synchronously while the engine decides (the
//! clock, random bytes, a web-storage read or write, parsing a URL) is a port: a method the
//! engine calls. The browser driver implements them over `Date.now`, `crypto.getRandomValues`,
//! `localStorage`/`sessionStorage` and the WHATWG `URL`; the native tests implement them with
//! a scripted clock, counters, maps and the `url` crate (a WHATWG-conformant parser).

use crate::prelude::*;

/// The clock. `now_ms` is milliseconds since the Unix epoch (`Date.now()`); whole numbers, so
/// that no float formatting or parsing enters the wasm.
pub trait Clock {
    /// The current time.
    fn now_ms(&self) -> i64;
}

/// Which web store a record lives in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Area {
    /// Where the session persists: the configured `storage` (`localStorage`, `sessionStorage`
    /// or the app's object). Never asked for with `storage: "memory"`.
    Session,
    /// `sessionStorage`: pending browser logins live there for the redirect round trip
    /// (one tab, survives navigation).
    Pending,
    /// `localStorage`: what every tab of the origin must see (consumed states).
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
/// Browsers and the SDK must agree on what a URL means (issue #9, item 9: a hand-written
/// splitter read `https://\/user:pw@evil.example/cb` differently from Chromium), so the SDK never
/// parses URLs itself: the driver hands them to `new URL(input, base)`.
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
        let mut it = lines.split('\n').map(str::to_owned);
        let url = Url {
            href: it.next()?,
            origin: it.next()?,
            protocol: it.next()?,
            username: it.next()?,
            password: it.next()?,
            host: it.next()?,
            pathname: it.next()?,
            search: it.next()?,
            hash: it.next()?,
        };
        it.next().is_none().then_some(url)
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

/// Every synchronous port the engine uses.
pub trait Ports: Clock + Stores + UrlParser + Random {}
impl<T: Clock + Stores + UrlParser + Random> Ports for T {}
