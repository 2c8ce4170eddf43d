//! The little URL text handling the SDK does itself: query strings (`application/x-www-form-urlencoded`
//! as the WHATWG URL Standard reads them). Parsing and resolving URLs is the browser's `URL`
//! (the [`UrlParser`](crate::UrlParser) port): a hand-written splitter read some URLs differently
//! from browsers (a hand-written splitter once read a URL differently from Chromium).

use crate::prelude::*;

/// The decoded value of each occurrence of `name` in a query string.
#[cfg(test)]
pub(crate) fn query_values(query: &str, name: &str) -> Vec<String> {
    crate::form::parse(query).filter(|(k, _)| k == name).map(|(_, v)| v).collect()
}

/// `query` without the parameters whose decoded name is in `names`. Every other parameter is
/// kept byte for byte (re-encoding would change `%20` into `+` and surprise the app's router).
pub fn remove_query_params(query: &str, names: &[&str]) -> String {
    let mut kept = String::new();
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let raw_name = pair.split_once('=').map_or(pair, |(n, _)| n);
        let name = crate::form::parse(raw_name).next().map(|(n, _)| n).unwrap_or_default();
        if !names.contains(&name.as_str()) {
            if !kept.is_empty() {
                kept.push('&');
            }
            kept += pair;
        }
    }
    kept
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
