//! The WHATWG URL parser of the `url` crate as the [`UrlParser`] port: what the browser's `URL`
//! answers, natively. For tests, the fuzz targets and native drivers (feature `whatwg`; the
//! shipped wasm asks the browser's own `URL` instead, and never contains this).

use crate::ports::{Url, UrlParser};
use crate::prelude::*;

/// `new URL(input, base)` by the `url` crate (conformant to the URL Standard, like browsers).
#[derive(Clone, Copy, Debug, Default)]
pub struct Whatwg;

impl UrlParser for Whatwg {
    fn parse_url(&self, input: &str, base: Option<&str>) -> Option<Url> {
        let url = match base {
            Some(base) => url::Url::parse(base).ok()?.join(input).ok()?,
            None => url::Url::parse(input).ok()?,
        };
        Some(url_fields(&url))
    }
}

/// The fields of the browser's `URL` object for `url` (`search` and `hash` are empty, not `?`
/// or `#`, for an empty query or fragment, as in browsers).
pub fn url_fields(url: &url::Url) -> Url {
    use url::Position;
    let prefixed =
        |p: &str, v: Option<&str>| v.filter(|v| !v.is_empty()).map(|v| String::from(p) + v).unwrap_or_default();
    Url {
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
