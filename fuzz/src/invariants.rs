//! The SDK's URL verdicts held against the WHATWG URL parser (the `url` crate, which reads URLs
//! as browsers do). Every check panics on a violation, which libFuzzer reports as a finding.
//!
//! Shared by the fuzz targets (`fuzz/fuzz_targets/`) and by the plain `cargo test` of the SDK
//! (`tests/fuzz_invariants.rs` includes this file), so it depends on nothing but `feishu_login`,
//! `url` and `form_urlencoded`.

use feishu_login::{
    build_authorize_request, is_callback, strip_callback_params, validate_callback, BackendInput, CallbackParams,
    Config, ConfigInput, Error, ErrorKind, Json, LoginOptions, PendingLogin, RandomSource, CALLBACK_PARAMS, MAX_SCOPES,
    PENDING_TTL_MS,
};

pub use feishu_login::whatwg::Whatwg;

/// A deterministic random source: the harness checks URLs, not randomness.
struct CountingRandom(core::cell::Cell<u8>);

impl RandomSource for CountingRandom {
    fn fill_random(&self, buf: &mut [u8]) -> Result<(), Error> {
        for byte in buf {
            *byte = self.0.get();
            self.0.set(self.0.get().wrapping_add(1));
        }
        Ok(())
    }
}

/// What browsers silently drop from a URL: ASCII tab, LF and CR anywhere.
fn has_tab_or_newline(s: &str) -> bool {
    s.contains(['\t', '\n', '\r'])
}

/// `page_url` as the browser reads it, when it is http(s) (the only pages with an origin the
/// SDK uses).
fn http_page(page_url: &str) -> Option<url::Url> {
    url::Url::parse(page_url).ok().filter(|u| matches!(u.scheme(), "http" | "https"))
}

/// `what` (a URL the SDK accepted as an absolute http(s) URL) parses as http(s) without
/// credentials, and holds no character browsers drop.
fn assert_clean_http_url(what: &str, accepted: &str) -> url::Url {
    assert!(!has_tab_or_newline(accepted), "{what} accepted with a tab or newline: {accepted:?}");
    let url =
        url::Url::parse(accepted).unwrap_or_else(|e| panic!("{what} accepted but does not parse ({e}): {accepted:?}"));
    assert!(matches!(url.scheme(), "http" | "https"), "{what} accepted with scheme {:?}: {accepted:?}", url.scheme());
    assert!(url.username().is_empty() && url.password().is_none(), "{what} accepted with credentials: {accepted:?}");
    url
}

/// A configuration with nothing but the required fields, on `page_url`.
pub fn page_config(page_url: &str) -> Option<Config> {
    ConfigInput {
        app_id: Some("cli_fuzz".into()),
        backend: BackendInput { url: Some("/api/feishu/login".into()), ..Default::default() },
        ..Default::default()
    }
    .validate(page_url, &Whatwg)
    .ok()
}

/// `config.resolve_return_to(return_to)`; when it accepts, the result must be on the page's
/// origin (as the WHATWG parser reads both), carry no credentials, have no path starting with `//`
/// (an app router would read `//evil.example` as a host), be where a path `return_to` points
/// from the page, and `return_to` must not hide characters browsers drop.
pub fn check_return_to(config: &Config, page_url: &str, return_to: &str) -> Option<String> {
    let accepted = config.resolve_return_to(return_to, &Whatwg).ok()?;
    let page = http_page(page_url)
        .unwrap_or_else(|| panic!("returnTo {return_to:?} accepted on a non-http page {page_url:?}"));
    assert!(!has_tab_or_newline(return_to), "returnTo with a tab or newline accepted: {return_to:?}");
    assert_eq!(return_to.trim_matches(|c: char| c <= ' '), return_to, "returnTo with C0/space around it accepted");
    let url =
        url::Url::parse(&accepted).unwrap_or_else(|e| panic!("returnTo result does not parse ({e}): {accepted:?}"));
    assert_eq!(
        url.origin().ascii_serialization(),
        page.origin().ascii_serialization(),
        "returnTo {return_to:?} on page {page_url:?} resolved to another origin: {accepted:?}"
    );
    assert!(url.username().is_empty() && url.password().is_none(), "returnTo result has credentials: {accepted:?}");
    assert!(!url.path().starts_with("//"), "returnTo result's path starts with //: {accepted:?}");
    if return_to.starts_with('/') {
        // A path (or `//host`) means the same from any page of the origin (credentials of the
        // page aside: the SDK resolves against the origin and drops them).
        let mut page = page;
        let _ = (page.set_username(""), page.set_password(None));
        let on_page = page.join(return_to).map(String::from);
        assert_eq!(
            on_page.as_deref(),
            Ok(accepted.as_str()),
            "returnTo {return_to:?} means another URL on {page_url:?}"
        );
    } else {
        // Otherwise only an absolute URL is taken (`https:x` is one alone, yet resolves against
        // a same-scheme base to the path `x`: same origin either way).
        assert!(url::Url::parse(return_to).is_ok(), "returnTo {return_to:?} is neither a path nor absolute");
    }
    Some(accepted)
}

/// `input.validate(page_url)`; when it accepts, every URL it hands on is one browsers read the
/// same way: `redirect_uri` and `authorize_url` absolute http(s) without credentials, tab or
/// newline; the backend URL http(s) without credentials as `fetch` resolves it from the page;
/// headers that `fetch` takes and that cannot split a request; the page origin as the parser's.
pub fn check_config(input: ConfigInput, page_url: &str) -> Option<Config> {
    let config = input.validate(page_url, &Whatwg).ok()?;
    let page = http_page(page_url);
    assert_eq!(
        config.page_origin,
        page.as_ref().map(|p| p.origin().ascii_serialization()),
        "page origin of {page_url:?}"
    );
    assert!(!config.app_id.is_empty() && config.app_id.trim() == config.app_id, "appId {:?}", config.app_id);
    if let Some(redirect_uri) = &config.redirect_uri {
        assert_clean_http_url("redirectUri", redirect_uri);
    } else {
        assert!(page.is_none(), "no redirectUri on the http(s) page {page_url:?}");
    }
    assert_clean_http_url("authorizeUrl", &config.authorize_url);

    let backend = &config.backend.url;
    assert!(!has_tab_or_newline(backend), "backend URL with a tab or newline accepted: {backend:?}");
    let fetched = url::Url::parse(backend).ok().or_else(|| page.as_ref().and_then(|p| p.join(backend).ok()));
    if let Some(fetched) = fetched {
        assert!(matches!(fetched.scheme(), "http" | "https"), "backend URL {backend:?} fetches {fetched}");
        assert!(
            fetched.username().is_empty() && fetched.password().is_none(),
            "backend URL {backend:?} has credentials"
        );
    }
    for (name, value) in &config.backend.headers {
        assert!(!name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic() && !b"\"(),/:;<=>?@[\\]{}".contains(&b)));
        assert!(value.chars().all(|c| c == '\t' || (' '..='~').contains(&c)), "header value {value:?}");
    }
    assert!(config.backend.retries <= 10 && config.backend.timeout_ms >= 1 && config.host_timeout_ms >= 1);
    assert!(config.backend.timeout_ms <= i32::MAX as u32 && config.host_timeout_ms <= i32::MAX as u32);
    check_scope(&config.scope);
    Some(config)
}

fn check_scope(scope: &[String]) {
    assert!(scope.len() <= MAX_SCOPES);
    for (i, entry) in scope.iter().enumerate() {
        assert!(!entry.is_empty() && !entry.contains(char::is_whitespace), "scope entry {entry:?}");
        assert!(!scope[..i].contains(entry), "duplicate scope {entry:?}");
    }
}

/// `ConfigInput::from_json` then [`check_config`]. The fields read must be the JSON's (first
/// member of a name wins, like `get`).
pub fn check_config_json(json: &Json, page_url: &str) -> Option<Config> {
    let input = ConfigInput::from_json(json).ok()?;
    assert!(matches!(json, Json::Object(_)));
    let string = |key: &str| json.get(key).and_then(Json::as_str).map(str::to_owned);
    assert_eq!(input.app_id, string("appId"));
    assert_eq!(input.redirect_uri, string("redirectUri"));
    assert_eq!(input.authorize_url, string("authorizeUrl"));
    check_config(input, page_url)
}

/// `build_authorize_request`; when it succeeds, the authorize URL is the configured endpoint
/// (origin, path, fragment and query kept) followed by exactly the OAuth parameters, each
/// decoding to its value, and the pending login matches it.
pub fn check_login(config: &Config, options: &LoginOptions, page_url: &str) {
    let random = CountingRandom(core::cell::Cell::new(7));
    let Ok(request) = build_authorize_request(config, options, &random, &Whatwg, 1_000) else { return };
    let endpoint = url::Url::parse(&config.authorize_url).expect("the authorize URL was validated");
    let url =
        url::Url::parse(&request.url).unwrap_or_else(|e| panic!("authorize URL does not parse ({e}): {}", request.url));
    assert_eq!(url.origin().ascii_serialization(), endpoint.origin().ascii_serialization(), "{}", request.url);
    assert_eq!(url.path(), endpoint.path(), "{}", request.url);
    assert_eq!(url.fragment(), endpoint.fragment(), "{}", request.url);
    let pending = &request.pending;
    let redirect_uri = config.redirect_uri.as_deref().expect("a login needs a redirect URI");
    assert_eq!(pending.redirect_uri, redirect_uri);
    let scope = options.scope.as_ref().unwrap_or(&config.scope).join(" ");
    let challenge = pending.verifier.challenge_s256();
    let mut expected: Vec<(String, String)> = pairs(endpoint.query());
    let mut push = |k: &str, v: &str| expected.push((k.to_owned(), v.to_owned()));
    push("client_id", &config.app_id);
    push("response_type", "code");
    push("redirect_uri", redirect_uri);
    if !scope.is_empty() {
        push("scope", &scope);
    }
    push("state", &pending.state);
    push("code_challenge", &challenge);
    push("code_challenge_method", "S256");
    assert_eq!(pairs(url.query()), expected, "{}", request.url);
    let return_to = options.return_to.as_deref().and_then(|r| check_return_to(config, page_url, r));
    assert_eq!(pending.return_to, return_to);
}

/// The decoded pairs of a query, as `URLSearchParams` reads them.
fn pairs(query: Option<&str>) -> Vec<(String, String)> {
    form_urlencoded::parse(query.unwrap_or("").as_bytes()).into_owned().collect()
}

/// The callback parameters of `url` as the browser reads them (`URLSearchParams` of
/// `new URL(url).search`): `Err` when one of them occurs twice.
fn oracle_params(url: &str) -> Result<[Option<String>; 3], String> {
    let mut found: [Option<String>; 3] = Default::default();
    let Ok(parsed) = url::Url::parse(url) else { return Ok(found) };
    for (name, value) in pairs(parsed.query()) {
        let Some(i) = ["code", "state", "error"].iter().position(|n| *n == name) else { continue };
        if found[i].replace(value).is_some() {
            return Err(name);
        }
    }
    Ok(found)
}

/// `CallbackParams::parse`, `is_callback` and `strip_callback_params` of `url` against the
/// WHATWG reading of its query, then `validate_callback` of the parameters against `pending`.
pub fn check_callback(url: &str, pending: Option<PendingLogin>, now: i64) {
    let oracle = oracle_params(url);
    let parsed = CallbackParams::parse(url, &Whatwg);
    match (&oracle, &parsed) {
        (Ok([code, state, error]), Ok(p)) => {
            assert_eq!((&p.code, &p.state, &p.error), (code, state, error), "callback parameters of {url:?}");
        }
        (Err(_), Err(e)) => assert_eq!(e.kind(), ErrorKind::Callback),
        _ => panic!("parse of {url:?}: the browser reads {oracle:?}, the SDK {:?}", parsed.as_ref().map(|_| ())),
    }
    let expected = matches!(&oracle, Ok([code, Some(_), error]) if code.is_some() || error.is_some());
    assert_eq!(is_callback(url, &Whatwg), expected, "is_callback({url:?})");
    check_strip(url);
    if let Ok(params) = parsed {
        check_validate(params, pending, now);
    }
}

/// `strip_callback_params(url)` parses, keeps everything of `url` but the query, and keeps every
/// query pair (byte for byte, in order) except the callback parameters.
pub fn check_strip(url: &str) {
    let stripped = strip_callback_params(url, &Whatwg);
    let Ok(before) = url::Url::parse(url) else {
        assert_eq!(stripped, url, "an unparsable URL is left alone");
        return;
    };
    let after =
        url::Url::parse(&stripped).unwrap_or_else(|e| panic!("strip({url:?}) = {stripped:?} does not parse ({e})"));
    let context = || format!("strip({url:?}) = {stripped:?}");
    assert_eq!(after.origin().ascii_serialization(), before.origin().ascii_serialization(), "{}", context());
    assert_eq!(after.scheme(), before.scheme(), "{}", context());
    assert_eq!((after.username(), after.password()), (before.username(), before.password()), "{}", context());
    assert_eq!(after.host_str(), before.host_str(), "{}", context());
    assert_eq!(after.port(), before.port(), "{}", context());
    if before.cannot_be_a_base() {
        // An opaque path (`mailto:x `, never an http(s) page) keeps its trailing spaces only
        // when a query or fragment follows (the parser trims the end of its input).
        assert_eq!(after.path().trim_end_matches(' '), before.path().trim_end_matches(' '), "{}", context());
    } else {
        assert_eq!(after.path(), before.path(), "{}", context());
    }
    // The fragment is kept exactly, an empty one ("#") included.
    assert_eq!(after.fragment(), before.fragment(), "{}", context());
    let kept: Vec<&str> = before
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|pair| !pair.is_empty())
        .filter(|pair| {
            let name = pairs(Some(pair.split_once('=').map_or(*pair, |(n, _)| n))).pop().map(|(n, _)| n);
            !CALLBACK_PARAMS.contains(&name.as_deref().unwrap_or(""))
        })
        .collect();
    let left: Vec<&str> = after.query().unwrap_or("").split('&').filter(|pair| !pair.is_empty()).collect();
    assert_eq!(left, kept, "{}", context());
    assert!(pairs(after.query()).iter().all(|(n, _)| !CALLBACK_PARAMS.contains(&n.as_str())), "{}", context());
}

/// `validate_callback`: a code comes out only for the pending login's exact state, unexpired,
/// without `error`; a refusal is believed only with the right state; a valid callback is never
/// refused; no message or `Debug` output shows the code.
pub fn check_validate(params: CallbackParams, pending: Option<PendingLogin>, now: i64) {
    let expected_state = pending.as_ref().map(|p| p.state.clone());
    let fresh = pending.as_ref().is_some_and(|p| {
        let age = i128::from(now) - i128::from(p.created_at);
        (0..i128::from(PENDING_TTL_MS)).contains(&age)
    });
    let pending_parts =
        pending.as_ref().map(|p| (p.verifier.secret().to_owned(), p.redirect_uri.clone(), p.return_to.clone()));
    let state_ok = fresh && params.state.is_some() && params.state == expected_state;
    let code = params.code.clone().unwrap_or_default();
    let debug = format!("{params:?}");
    let result = validate_callback(params.clone(), pending, now);
    // A message may quote `error` (ASCII only), never the code: a code with non-ASCII cannot
    // appear in it by chance.
    let secret_code = !code.is_ascii() && !params.error.as_deref().unwrap_or("").contains(code.as_str());
    if secret_code {
        assert!(!debug.contains(&code), "Debug of CallbackParams shows the code");
    }
    match result {
        Ok(valid) => {
            assert!(state_ok, "a callback was accepted without the pending state, fresh: {params:?}");
            assert!(params.error.is_none() && !code.is_empty());
            assert_eq!(valid.code(), code);
            let (verifier, redirect_uri, return_to) = pending_parts.expect("accepted without a pending login");
            assert_eq!((valid.verifier().secret(), valid.redirect_uri()), (verifier.as_str(), redirect_uri.as_str()));
            assert_eq!(valid.return_to(), return_to.as_deref());
        }
        Err(e) => {
            if secret_code {
                assert!(!e.message().contains(&code), "the message shows the code: {}", e.message());
            }
            match e.kind() {
                ErrorKind::Denied => {
                    assert!(
                        state_ok && params.error.as_deref() == Some("access_denied"),
                        "refusal believed: {params:?}"
                    )
                }
                ErrorKind::State | ErrorKind::Callback => {}
                other => panic!("validate_callback failed with {other:?}"),
            }
            assert!(
                !(state_ok && params.error.is_none() && !code.is_empty()),
                "a valid callback was refused: {}",
                e.message()
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "https://app.example/login?x=1#top";

    fn pending(state: &str) -> Option<PendingLogin> {
        Some(PendingLogin {
            state: state.into(),
            verifier: feishu_login::CodeVerifier::from_stored("v".repeat(43)),
            redirect_uri: "https://app.example/cb".into(),
            return_to: Some("https://app.example/after".into()),
            created_at: 1_000,
            epoch: 0,
        })
    }

    /// URLs on which browsers and hand-written URL splitters disagree.
    const TRICKY: &[&str] = &[
        "https://\\/user:pw@evil.example/cb",
        "https://app.example\t@evil.example/",
        "/\t/evil.example",
        "/a/..//evil.example",
        "/\\evil.example",
        "/%2F%2Fevil.example",
        "/./%2e/..//evil.example",
        "//evil.example",
        "\\\\evil.example",
        "https:evil.example",
        "https://[::1]:8443/p",
        "https://[::ffff:127.0.0.1]/",
        "https://app.example:443/after",
        "HTTPS://APP.EXAMPLE/after",
        "https://user@app.example/after",
        "javascript:alert(1)",
        " /after",
        "/after#/cb?code=1",
        "/after",
        "after",
        "?x=1",
        "",
    ];

    #[test]
    fn return_to_accepts_only_what_the_browser_reads_as_this_origin() {
        for page in [PAGE, "https://[::1]:8443/app/", "http://127.0.0.1:8080/a/b?c#d", "file:///x", "not a url"] {
            let Some(config) = page_config(page) else { continue };
            for return_to in TRICKY {
                check_return_to(&config, page, return_to);
            }
        }
        let config = page_config(PAGE).unwrap();
        // Liveness: the checks must not pass by refusing everything.
        assert_eq!(check_return_to(&config, PAGE, "/after?a=1#h").as_deref(), Some("https://app.example/after?a=1#h"));
        assert_eq!(
            check_return_to(&config, PAGE, "HTTPS://APP.EXAMPLE:443/x").as_deref(),
            Some("https://app.example/x")
        );
        assert_eq!(check_return_to(&config, PAGE, "/a/..//evil.example"), None);
        assert_eq!(check_return_to(&config, PAGE, "/\t/evil.example"), None);
        assert_eq!(check_return_to(&config, PAGE, "https://\\/user:pw@evil.example/cb"), None);
    }

    #[test]
    fn config_urls_are_clean_http_urls() {
        for page in [PAGE, "https://[::1]/", "about:blank", "https://u:p@app.example/x"] {
            for url in TRICKY {
                let input = |redirect: Option<&str>, authorize: Option<&str>, backend: &str| ConfigInput {
                    app_id: Some(" cli_x ".into()),
                    backend: BackendInput { url: Some(backend.into()), ..Default::default() },
                    redirect_uri: redirect.map(str::to_owned),
                    authorize_url: authorize.map(str::to_owned),
                    ..Default::default()
                };
                check_config(input(Some(url), None, "/b"), page);
                check_config(input(None, Some(url), "/b"), page);
                check_config(input(None, None, url), page);
            }
        }
        let config = check_config(
            ConfigInput {
                app_id: Some("cli_x".into()),
                backend: BackendInput { url: Some("https://api.example/login".into()), ..Default::default() },
                redirect_uri: Some("https://app.example/cb#/after".into()),
                scope: vec!["contact:user.base:readonly".into()],
                ..Default::default()
            },
            PAGE,
        )
        .expect("a valid config");
        for return_to in [None, Some("/after"), Some("//evil.example")] {
            let options = LoginOptions { return_to: return_to.map(str::to_owned), ..Default::default() };
            check_login(&config, &options, PAGE);
        }
    }

    #[test]
    fn config_json_fields() {
        let json = Json::object([
            ("appId", Json::string("cli_x")),
            ("backend", Json::object([("url", Json::string("/b")), ("retries", Json::integer(3))])),
            ("redirectUri", Json::string("https://app.example/cb")),
            ("scope", Json::Array(vec![Json::string("a"), Json::string("b")])),
        ]);
        assert!(check_config_json(&json, PAGE).is_some());
        assert!(check_config_json(&Json::Array(Vec::new()), PAGE).is_none());
    }

    #[test]
    fn callbacks_are_read_stripped_and_validated_like_the_browser() {
        let urls = [
            "https://app.example/cb?code=c%2B1&state=S",
            "https://app.example/?code=c&state=S#/login?code=fake",
            "https://app.example/#/cb?code=c&state=S",
            "https://\\/user:pw@evil.example/cb?code=a&state=S",
            "https://[::1]:8080/p?tab=2&c%6Fde=1&state=S&q=a%20b+c&error_description=x#f",
            "https://app.example/p?error=access_denied&state=S",
            "https://app.example/p?error=access_denied&state=T",
            "https://app.example/p?code=a&code=b&state=S",
            "https://app.example/p?code=%C3%A9t%C3%A9&state=S&&=&x",
            "https://app.example/p?code=&state=S",
            "not a url?code=1&state=S",
        ];
        for url in urls {
            for (pending, now) in
                [(pending("S"), 2_000), (None, 2_000), (pending("S"), i64::MIN), (pending("S"), 1_000_000_000)]
            {
                check_callback(url, pending, now);
            }
        }
        assert!(validate_callback(CallbackParams::parse(urls[0], &Whatwg).unwrap(), pending("S"), 2_000).is_ok());
    }
}
