//! The little URL handling the SDK needs, without a URL crate (the `url` crate alone would
//! outweigh the whole SDK in the wasm; the browser's `URL` resolves relative references before
//! anything reaches this module).
//!
//! Splitting follows [RFC 3986 Appendix B](https://www.rfc-editor.org/rfc/rfc3986#appendix-B);
//! query strings are `application/x-www-form-urlencoded` as the WHATWG URL standard reads them.

use crate::prelude::*;
/// An absolute URL split into its RFC 3986 components (no decoding, no normalization).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UrlParts<'a> {
    /// The scheme, as written (`https`).
    pub scheme: &'a str,
    /// The authority (`user@host:port`), without the leading `//`.
    pub authority: &'a str,
    /// The path, possibly empty.
    pub path: &'a str,
    /// The query without `?`, if there is a `?`.
    pub query: Option<&'a str>,
    /// The fragment without `#`, if there is a `#`.
    pub fragment: Option<&'a str>,
}

impl<'a> UrlParts<'a> {
    /// Splits an absolute `scheme://authority/path?query#fragment` URL; `None` when `url` has no
    /// scheme or no authority.
    pub fn split(url: &'a str) -> Option<UrlParts<'a>> {
        let (before_fragment, fragment) = match url.split_once('#') {
            Some((b, f)) => (b, Some(f)),
            None => (url, None),
        };
        let (before_query, query) = match before_fragment.split_once('?') {
            Some((b, q)) => (b, Some(q)),
            None => (before_fragment, None),
        };
        let (scheme, rest) = before_query.split_once(':')?;
        let valid_scheme = scheme.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
            && scheme.bytes().all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b));
        if !valid_scheme {
            return None;
        }
        let rest = rest.strip_prefix("//")?;
        let (authority, path) = match rest.find('/') {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        Some(UrlParts { scheme, authority, path, query, fragment })
    }

    /// Whether the scheme is `http` or `https` (case-insensitively) and a host is present.
    pub fn is_http(&self) -> bool {
        (self.scheme.eq_ignore_ascii_case("https") || self.scheme.eq_ignore_ascii_case("http"))
            && !self.host_port().is_empty()
    }

    /// Whether the authority carries `user:password@` credentials.
    pub fn has_credentials(&self) -> bool {
        self.authority.contains('@')
    }

    fn host_port(&self) -> &'a str {
        self.authority.rsplit_once('@').map_or(self.authority, |(_, hp)| hp)
    }

    /// The [origin](https://html.spec.whatwg.org/multipage/browsers.html#origin) as
    /// `scheme://host:port`, lowercased, with the scheme's default port made explicit, so that
    /// two spellings of one origin compare equal.
    pub fn origin(&self) -> String {
        let scheme = self.scheme.to_ascii_lowercase();
        let host_port = self.host_port().to_ascii_lowercase();
        // An IPv6 host is bracketed; its colons are not a port separator.
        let has_port = match host_port.rfind(']') {
            Some(end) => host_port[end..].contains(':'),
            None => host_port.contains(':'),
        };
        let mut origin = scheme.clone() + "://" + &host_port;
        if !has_port {
            origin += if scheme == "https" { ":443" } else { ":80" };
        }
        origin
    }

    /// The URL without query and fragment (Feishu's rule for a page's redirect URL).
    pub fn without_query_and_fragment(&self) -> String {
        String::new() + self.scheme + "://" + self.authority + self.path
    }
}

/// The decoded value of each occurrence of `name` in a query string.
#[cfg(test)]
pub(crate) fn query_values(query: &str, name: &str) -> Vec<String> {
    crate::form::parse(query).filter(|(k, _)| k == name).map(|(_, v)| v).collect()
}

/// `query` without the parameters whose decoded name is in `names`. Every other parameter is
/// kept byte for byte (re-encoding would change `%20` into `+` and surprise the app's router).
pub fn remove_query_params(query: &str, names: &[&str]) -> String {
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .filter(|pair| {
            let raw_name = pair.split_once('=').map_or(*pair, |(n, _)| n);
            let name = crate::form::parse(raw_name).next().map(|(n, _)| n).unwrap_or_default();
            !names.contains(&name.as_str())
        })
        .collect();
    kept.join("&")
}

/// Percent-encodes `value` for a query string, with `%20` for spaces (Feishu's examples use
/// `%20` in `scope`; `+` is only a space to form decoders).
pub fn encode_query_value(value: &str) -> String {
    crate::form::serialize(value, "%20")
}

/// Appends `name=value` pairs to `base`, after `?` or `&` as `base` needs, before any fragment.
pub fn append_query(base: &str, pairs: &[(&str, &str)]) -> String {
    let (before_fragment, fragment) = match base.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (base, None),
    };
    let mut out = String::from(before_fragment);
    let mut separator = if !out.contains('?') {
        "?"
    } else if out.ends_with('?') || out.ends_with('&') {
        ""
    } else {
        "&"
    };
    for (name, value) in pairs {
        out += separator;
        out += &encode_query_value(name);
        out.push('=');
        out += &encode_query_value(value);
        separator = "&";
    }
    if let Some(fragment) = fragment {
        out.push('#');
        out += fragment;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_per_rfc3986_appendix_b() {
        let parts = UrlParts::split("https://u:p@Example.com:8443/a/b?x=1&y=2#/route?q").unwrap();
        assert_eq!(parts.scheme, "https");
        assert_eq!(parts.authority, "u:p@Example.com:8443");
        assert_eq!(parts.path, "/a/b");
        assert_eq!(parts.query, Some("x=1&y=2"));
        assert_eq!(parts.fragment, Some("/route?q"));
        assert!(parts.has_credentials());
        assert_eq!(parts.origin(), "https://example.com:8443");
        assert_eq!(parts.without_query_and_fragment(), "https://u:p@Example.com:8443/a/b");
    }

    #[test]
    fn rejects_relative_and_schemeless() {
        assert_eq!(UrlParts::split("/api/login"), None);
        assert_eq!(UrlParts::split("//evil.example/x"), None);
        assert_eq!(UrlParts::split("1http://x"), None);
        assert!(!UrlParts::split("javascript://x").unwrap().is_http());
        assert!(!UrlParts::split("https:///path").unwrap().is_http());
    }

    #[test]
    fn origin_normalizes_default_ports_and_ipv6() {
        let a = UrlParts::split("HTTPS://App.Example").unwrap().origin();
        let b = UrlParts::split("https://app.example:443/x").unwrap().origin();
        assert_eq!(a, b);
        assert_eq!(UrlParts::split("http://[::1]/").unwrap().origin(), "http://[::1]:80");
        assert_eq!(UrlParts::split("http://[::1]:8080/").unwrap().origin(), "http://[::1]:8080");
    }

    #[test]
    fn removes_only_named_params_and_keeps_others_verbatim() {
        let q = "a=1%202&code=abc&state=s%3D&x+y=z&error=e&b";
        assert_eq!(remove_query_params(q, &["code", "state", "error"]), "a=1%202&x+y=z&b");
        // An encoded name is still recognised.
        assert_eq!(remove_query_params("c%6Fde=1&k=v", &["code"]), "k=v");
        assert_eq!(remove_query_params("code=1", &["code"]), "");
    }

    #[test]
    fn encodes_spaces_as_percent_20_and_reserved_characters() {
        assert_eq!(encode_query_value("a b+c&d=e#f/é"), "a%20b%2Bc%26d%3De%23f%2F%C3%A9");
        assert_eq!(query_values("s=a%20b+c&s=2", "s"), vec!["a b c", "2"]);
    }

    #[test]
    fn append_query_respects_existing_query_and_fragment() {
        assert_eq!(append_query("https://h/p", &[("a", "1")]), "https://h/p?a=1");
        assert_eq!(append_query("https://h/p?x=1#f", &[("a", "1 2")]), "https://h/p?x=1&a=1%202#f");
        assert_eq!(append_query("https://h/p?", &[("a", "1"), ("b", "2")]), "https://h/p?a=1&b=2");
    }
}
