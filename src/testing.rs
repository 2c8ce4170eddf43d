//! Helpers shared by the unit tests.

use crate::prelude::*;

/// A xorshift64 generator (Marsaglia 2003): reproducible pseudo-random test inputs, so that a
/// failing oracle comparison can be replayed. Never for secrets.
pub(crate) struct XorShift(pub u64);

impl XorShift {
    /// The next 64 pseudo-random bits.
    pub(crate) fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A number in `0..n`.
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// `len` pseudo-random bytes.
    pub(crate) fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }

    /// One of `items`.
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// The WHATWG URL parser of the `url` crate (conformant to the URL Standard, like browsers) as
/// the [`UrlParser`](crate::UrlParser) port: what the browser's `URL` answers, natively.
pub(crate) struct Whatwg;

impl crate::ports::UrlParser for Whatwg {
    fn parse_url(&self, input: &str, base: Option<&str>) -> Option<crate::ports::Url> {
        let url = match base {
            Some(base) => url::Url::parse(base).ok()?.join(input).ok()?,
            None => url::Url::parse(input).ok()?,
        };
        Some(url_fields(&url))
    }
}

/// The fields of the browser's `URL` object for `url`.
pub(crate) fn url_fields(url: &url::Url) -> crate::ports::Url {
    use url::Position;
    let prefixed =
        |p: &str, v: Option<&str>| v.filter(|v| !v.is_empty()).map(|v| String::from(p) + v).unwrap_or_default();
    crate::ports::Url {
        href: url.as_str().into(),
        origin: url.origin().ascii_serialization(),
        protocol: String::from(url.scheme()) + ":",
        username: url.username().into(),
        password: url.password().unwrap_or("").into(),
        host: url[Position::BeforeHost..Position::AfterPort].into(),
        pathname: url.path().into(),
        search: prefixed("?", url.query()),
        hash: prefixed("#", url.fragment()),
    }
}
