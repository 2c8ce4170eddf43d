//! The login engine's decisions, natively, through the scripted driver of `tests/driver/` (ports,
//! tabs sharing web stores the way a browser does, the address bar moving on `ReplaceUrl`).
//!
//! Regression tests are named after the defect they pin.

mod driver;
use driver::*;
use feishu_login::*;
use serde_json::json;

// ---------------------------------------------------------------------------------------------
// Construction and the driver itself
// ---------------------------------------------------------------------------------------------

#[test]
fn construction_reports_the_surface_and_the_stored_session() {
    let browser = Browser::new();
    let tab = Tab::browser(&browser);
    assert_eq!(tab.all()[0], Effect::Ready { surface: Surface::Browser, watch_storage: true });
    assert_eq!(announced(tab.all()), vec![None], "signed out, said once");

    let stored = session("tok-stored", Some(START + 60_000));
    tab.store_session(&stored);
    let reloaded = Tab::open(&browser, config(json!({"storage": "session"})), PAGE, doc_widget_probe());
    assert_eq!(reloaded.all()[0], Effect::Ready { surface: Surface::DocWidget, watch_storage: false });
    assert_eq!(announced(reloaded.all()), vec![Some(&stored)]);
    assert_eq!(timers(reloaded.all()), vec![Some(60_000)]);

    let mut out = Vec::new();
    let bad = new_engine(&json!({"appId": APP}), PAGE, HostProbe::default(), &tab.ports, &mut out);
    assert_eq!(bad.err().map(|e| e.kind()), Some(ErrorKind::Config));
    assert!(out.is_empty(), "nothing happens for an invalid config");
}

#[test]
fn url_port_parses_as_browsers_do() {
    let ports = Tab::browser(&Browser::new()).ports;
    // A hand-written splitter once read this differently from Chromium.
    let url = ports.parse_url("https://\\/user:pw@evil.example/cb", None).unwrap();
    assert_eq!(
        (url.host.as_str(), url.username.as_str(), url.origin.as_str()),
        ("evil.example", "user", "https://evil.example")
    );
    assert!(url.has_credentials());
    let url = ports.parse_url("../cb?x=1#y", Some("https://app.example:8443/a/b/c")).unwrap();
    assert_eq!(url.href, "https://app.example:8443/a/cb?x=1#y");
    assert_eq!(
        (url.host.as_str(), url.pathname.as_str(), url.search.as_str(), url.hash.as_str()),
        ("app.example:8443", "/a/cb", "?x=1", "#y")
    );
    assert_eq!(ports.parse_url("no scheme", None), None);
}

// ---------------------------------------------------------------------------------------------
// Browser surface: the redirect
// ---------------------------------------------------------------------------------------------

#[test]
fn login_navigates_to_the_authorize_url_with_pkce_and_waits_for_the_page_to_unload() {
    let mut tab = Tab::browser(&Browser::new());
    let mark = tab.mark();
    let id = tab.login(json!({ "scope": ["contact:user.base:readonly"] }));
    let fx = tab.since(mark);
    let urls = navigations(fx);
    assert_eq!(urls.len(), 1);
    let url = urls[0];
    assert!(url.starts_with("https://accounts.feishu.cn/open-apis/authen/v1/authorize?"), "{url}");
    assert_eq!(query(url, "client_id"), APP);
    assert_eq!(query(url, "response_type"), "code");
    assert_eq!(query(url, "redirect_uri"), REDIRECT);
    assert_eq!(query(url, "scope"), "contact:user.base:readonly");
    assert_eq!(query(url, "code_challenge_method"), "S256");
    assert_eq!(sleeps(fx), vec![NAVIGATION_GRACE_MS]);
    assert!(tab.is_pending(id), "the page is expected to unload");

    let pending = tab.pending_logins();
    assert_eq!(pending.len(), 1);
    assert_eq!(query(url, "state"), pending[0]["state"].as_str().unwrap());
    let verifier = pending[0]["verifier"].as_str().unwrap();
    assert_eq!(verifier.len(), 43);
    assert_eq!(query(url, "code_challenge"), CodeVerifier::from_stored(verifier.into()).challenge_s256());
    assert!(!url.contains(verifier), "the verifier stays in the browser");
    assert_ne!(query(url, "state"), verifier);
}

#[test]
fn login_never_stays_pending_when_the_page_does_not_unload() {
    // Issue #9, defect 1: a beforeunload handler or a 204 answer keeps the page; login() must
    // not wait forever, and the next call must start afresh.
    let mut tab = Tab::browser(&Browser::new());
    let first = tab.login(json!({}));
    let second = tab.login(json!({}));
    assert_eq!(tab.end_sleep(), NAVIGATION_GRACE_MS);
    assert_eq!(tab.kind(first), ErrorKind::Cancelled);
    assert_eq!(tab.kind(second), ErrorKind::Cancelled);
    assert!(tab.error(first).message().contains("call login() again"));

    let mark = tab.mark();
    let third = tab.login(json!({}));
    assert_eq!(navigations(tab.since(mark)).len(), 1, "a fresh attempt navigates again");
    assert!(tab.is_pending(third));
    assert_eq!(navigations(tab.all()).len(), 2);
}

#[test]
fn login_waits_while_the_page_unloads() {
    let mut tab = Tab::browser(&Browser::new());
    let id = tab.login(json!({}));
    tab.feed(Event::PageHidden);
    let mark = tab.mark();
    tab.end_sleep();
    assert!(tab.since(mark).is_empty(), "nothing settles while the page goes away");
    assert!(tab.is_pending(id));
    tab.feed(Event::PageShown { persisted: false });
    assert!(tab.is_pending(id));
}

#[test]
fn login_is_cancelled_when_the_page_comes_back_from_the_back_forward_cache() {
    let browser = Browser::new();
    let mut tab = Tab::browser(&browser);
    let id = tab.login(json!({}));
    tab.feed(Event::PageHidden);
    // Meanwhile another tab signed in.
    tab.store_session(&session("tok-other-tab", None));
    let mark = tab.mark();
    tab.feed(Event::PageShown { persisted: true });
    assert_eq!(tab.kind(id), ErrorKind::Cancelled);
    assert_eq!(announced(tab.since(mark)), vec![Some(&session("tok-other-tab", None))], "the store is re-read");
    tab.end_sleep();
    assert_eq!(tab.settlements(id).len(), 1, "settled once");
    let mark = tab.mark();
    tab.login(json!({ "force": true }));
    assert_eq!(navigations(tab.since(mark)).len(), 1);
}

#[test]
fn no_login_starts_while_the_page_navigates_to_feishu() {
    let mut tab = Tab::browser(&Browser::new());
    let first = tab.login(json!({}));
    assert_eq!(statuses(tab.all()).last(), Some(&Status::Redirecting));
    let others: Vec<CallId> = (0..2).map(|_| tab.login(json!({}))).collect();
    let redirect = tab.call(Call::LoginWithRedirect(Json::Null));
    assert_eq!(navigations(tab.all()).len(), 1);
    assert_eq!(sleeps(tab.all()).len(), 1);
    assert_eq!(tab.pending_logins().len(), 1);
    for id in others.into_iter().chain([redirect]) {
        assert_eq!(tab.kind(id), ErrorKind::Cancelled, "refused while redirecting");
        assert!(tab.error(id).message().contains("navigating"), "{}", tab.error(id).message());
    }
    let op = navigation_op(tab.all()).unwrap();
    tab.feed(Event::NavigationFailed { op });
    assert_eq!(tab.kind(first), ErrorKind::Unsupported, "the sandbox refused the navigation");
    assert_eq!(statuses(tab.all()).last(), Some(&Status::SignedOut));
}

#[test]
fn concurrent_host_logins_share_one_attempt() {
    let mut tab = widget_tab(&Browser::new());
    let ids: Vec<CallId> = (0..3).map(|_| tab.login(json!({}))).collect();
    assert_eq!(host_calls(tab.all()).len(), 1);
    tab.host_failure(HostFailure { code: Some(10110006), ..HostFailure::default() });
    for id in ids {
        assert_eq!(tab.kind(id), ErrorKind::Host);
    }
}

#[test]
fn login_with_a_valid_session_settles_at_once_unless_forced() {
    let browser = Browser::new();
    let mut tab = Tab::browser(&browser);
    tab.store_session(&session("tok", None));
    let mark = tab.mark();
    let id = tab.login(json!({}));
    assert_eq!(tab.result(id), &Ok(Value::Session));
    assert!(navigations(tab.since(mark)).is_empty());
    let forced = tab.login(json!({ "force": true }));
    assert!(tab.is_pending(forced));
    assert_eq!(navigations(tab.all()).len(), 1);
    let bad = tab.authorize_url(json!({ "force": "yes" }));
    assert_eq!(tab.kind(bad), ErrorKind::Config);
}

#[test]
fn without_a_secure_random_source_nothing_navigates() {
    let mut tab = Tab::browser(&Browser::new());
    tab.ports.crypto.set(false);
    let id = tab.login(json!({}));
    assert_eq!(tab.kind(id), ErrorKind::Crypto);
    assert!(navigations(tab.all()).is_empty());
    assert!(tab.pending_logins().is_empty());
}

#[test]
fn login_with_redirect_and_authorize_url_record_a_pending_login() {
    let mut tab = Tab::browser(&Browser::new());
    let id = tab.authorize_url(json!({}));
    let Ok(Value::Text(url)) = tab.result(id).clone() else { panic!("a URL") };
    let id = tab.call(Call::LoginWithRedirect(Json::Null));
    tab.feed(Event::Navigated { op: navigation_op(tab.all()).unwrap() });
    assert_eq!(tab.result(id), &Ok(Value::Unit));
    let navigated = navigations(tab.all());
    assert_eq!(navigated.len(), 1);
    assert_ne!(query(navigated[0], "state"), query(&url, "state"));
    assert_eq!(tab.pending_logins().len(), 2);
    let id = tab.authorize_url(json!({ "returnTo": "https://evil.example/" }));
    assert_eq!(tab.kind(id), ErrorKind::Config);
}

// ---------------------------------------------------------------------------------------------
// Browser surface: the callback
// ---------------------------------------------------------------------------------------------

#[test]
fn callback_completes_the_login() {
    let browser = Browser::new();
    let mut tab = Tab::browser(&browser);
    let state = start_login(&mut tab, json!({ "returnTo": "/after?x=1" }));
    let verifier = tab.pending_logins()[0]["verifier"].as_str().unwrap().to_owned();
    tab.feed(Event::PageHidden);
    let url = format!("{REDIRECT}?keep=1&code=THE_CODE&state={state}&error_description=x#/route");
    tab.load(&url);
    assert!(tab.is_pending(0));
    let is_callback = tab.call(Call::IsCallback(None));
    assert_eq!(tab.result(is_callback), &Ok(Value::Bool(true)));

    let mark = tab.mark();
    let id = tab.handle_callback(None);
    assert_eq!(
        replaced(tab.since(mark)),
        vec!["https://app.example/cb?keep=1#/route"],
        "only the callback parameters go"
    );
    assert!(tab.pending_logins().is_empty(), "the pending login is consumed at once");
    let fx = tab.since(mark);
    assert_eq!(fetches(fx).len(), 1);
    let request = fetches(fx)[0];
    assert_eq!(request.url, BACKEND);
    assert_eq!(request.headers[0], ("Content-Type".to_owned(), "application/json".to_owned()));
    assert_eq!(
        body(request),
        json!({ "code": "THE_CODE", "surface": "browser", "appId": APP, "codeVerifier": verifier, "redirectUri": REDIRECT })
    );
    assert!(tab.is_pending(id));

    let mark = tab.mark();
    tab.answer_fetch(200, TOKEN_BODY);
    let fx = tab.since(mark);
    let sessions = announced(fx);
    assert_eq!(sessions.len(), 1, "announced once");
    let signed_in = sessions[0].unwrap().clone();
    assert_eq!(signed_in.token, "tok-1");
    assert_eq!(signed_in.expires_at, Some(START + 3_600_000));
    assert_eq!(signed_in.surface, Surface::Browser);
    assert_eq!(timers(fx), vec![Some(3_600_000)]);
    assert_eq!(tab.decode(&browser.stored_session().unwrap()), Some(signed_in));
    assert_eq!(replaced(fx).len(), 1);
    assert_eq!(tab.href, "https://app.example/after?x=1", "the address bar went to returnTo");
    assert_eq!(tab.result(id), &Ok(Value::Session));

    let mark = tab.mark();
    tab.call(Call::ReadSession);
    assert!(announced(tab.since(mark)).is_empty(), "no change, no announcement");
}

#[test]
fn login_on_the_callback_page_completes_the_callback() {
    let mut tab = Tab::browser(&Browser::new());
    let state = start_login(&mut tab, json!({}));
    tab.load(&callback(&state));
    let id = tab.login(json!({}));
    let joined = tab.login(json!({}));
    assert_eq!(fetches(tab.all()).len(), 1);
    assert!(navigations(tab.all()).is_empty());
    tab.answer_fetch(200, TOKEN_BODY);
    assert_eq!(tab.result(id), &Ok(Value::Session));
    assert_eq!(tab.result(joined), &Ok(Value::Session));
}

#[test]
fn handle_callback_calls_share_one_attempt_after_the_address_bar_was_cleaned() {
    // Issue #9, defect 3: React StrictMode calls handleCallback() twice on mount. The first call
    // cleans the address bar at once, so the second one sees the cleaned URL.
    let mut tab = Tab::browser(&Browser::new());
    let state = start_login(&mut tab, json!({}));
    tab.load(&format!("{}&keep=1", callback(&state)));
    let first = tab.handle_callback(None);
    assert_eq!(tab.href, "https://app.example/cb?keep=1");
    let second = tab.handle_callback(None);
    assert_eq!(fetches(tab.all()).len(), 1, "one exchange");
    tab.answer_fetch(200, TOKEN_BODY);
    assert_eq!(tab.result(first), &Ok(Value::Session));
    assert_eq!(tab.result(second), &Ok(Value::Session));
    assert_eq!(announced(tab.all()).iter().filter(|s| s.is_some()).count(), 1);
}

#[test]
fn handle_callback_calls_share_one_attempt() {
    let mut tab = Tab::browser(&Browser::new());
    let state = start_login(&mut tab, json!({}));
    let url = callback(&state);
    tab.load(&url);
    let first = tab.handle_callback(Some(&url));
    let second = tab.handle_callback(Some(&url));
    assert_eq!(fetches(tab.all()).len(), 1);
    tab.answer_fetch(400, r#"{"code":20003,"message":"bad code"}"#);
    assert_eq!(tab.kind(first), ErrorKind::Backend);
    assert_eq!(tab.result(first), tab.result(second));
}

#[test]
fn authorize_url_keeps_the_pending_login_a_callback_in_the_address_bar_needs() {
    // Issue #9, defect 4: an app that builds a fresh "log in" link on every render calls
    // authorizeUrl() on the callback page before handling the callback.
    let mut tab = Tab::browser(&Browser::new());
    let state = start_login(&mut tab, json!({}));
    tab.load(&callback(&state));
    let link = tab.authorize_url(json!({}));
    assert!(matches!(tab.result(link), Ok(Value::Text(_))));
    let id = tab.handle_callback(None);
    assert_eq!(fetches(tab.all()).len(), 1, "the callback's pending login survived");
    tab.answer_fetch(200, TOKEN_BODY);
    assert_eq!(tab.result(id), &Ok(Value::Session));
    assert_eq!(tab.pending_logins().len(), 1, "the link's pending login stays");
}

#[test]
fn forged_callback_does_not_consume_the_real_pending_login() {
    let mut tab = Tab::browser(&Browser::new());
    let state = start_login(&mut tab, json!({}));
    let forged = tab.handle_callback(Some(&format!("{REDIRECT}?code=EVIL&state=forged-state")));
    assert_eq!(tab.kind(forged), ErrorKind::State);
    let refusal = tab.handle_callback(Some(&format!("{REDIRECT}?error=access_denied&state=forged")));
    assert_eq!(tab.kind(refusal), ErrorKind::State, "a refusal is believed only with the right state");
    assert!(fetches(tab.all()).is_empty());
    assert_eq!(tab.pending_logins().len(), 1);

    tab.load(&callback(&state));
    let id = tab.handle_callback(None);
    tab.answer_fetch(200, TOKEN_BODY);
    assert_eq!(tab.result(id), &Ok(Value::Session));
}

#[test]
fn replayed_callback_is_a_state_error() {
    let browser = Browser::new();
    let (mut tab, url) = signed_in_browser_tab(&browser);
    let mark = tab.mark();
    let replay = tab.handle_callback(Some(&url));
    assert_eq!(tab.kind(replay), ErrorKind::State);
    assert!(fetches(tab.since(mark)).is_empty());
    // The same URL loaded again (history, a bookmark) fails the same way.
    tab.load(&url);
    let again = tab.login(json!({}));
    assert_eq!(tab.kind(again), ErrorKind::State);
    assert!(fetches(tab.all()).is_empty());
    assert!(browser.stored_session().is_some(), "a replay leaves the session alone");
}

#[test]
fn a_state_completes_once_across_tabs() {
    // sessionStorage is copied into a tab opened with an opener: the copy holds the same
    // pending login, so the pending record alone cannot stop a second completion.
    let browser = Browser::new();
    let mut opener = Tab::browser(&browser);
    let state = start_login(&mut opener, json!({}));
    let mut child = opener.open_child(PAGE);
    assert_eq!(child.pending_logins().len(), 1);

    opener.load(&callback(&state));
    let id = opener.handle_callback(None);
    opener.answer_fetch(200, TOKEN_BODY);
    assert_eq!(opener.result(id), &Ok(Value::Session));

    child.load(&callback(&state));
    let again = child.handle_callback(None);
    assert_eq!(child.kind(again), ErrorKind::State);
    assert!(child.error(again).message().contains("already used"));
    assert!(fetches(child.all()).is_empty(), "the code is never posted twice");
}

#[test]
fn refused_consent_is_denied() {
    let mut tab = Tab::browser(&Browser::new());
    let state = start_login(&mut tab, json!({}));
    tab.load(&format!("{REDIRECT}?error=access_denied&error_description=no&state={state}&keep=1"));
    let id = tab.handle_callback(None);
    assert_eq!(tab.kind(id), ErrorKind::Denied);
    assert_eq!(replaced(tab.all()), vec!["https://app.example/cb?keep=1"]);
    assert!(fetches(tab.all()).is_empty());
    assert!(tab.pending_logins().is_empty(), "a refusal consumes the pending login");
}

// Found by the scripted driver: StrictMode's immediate second call on a callback that failed at
// once read the cleaned address bar, so handleCallback() said "not a callback" and login()
// sent the user back to Feishu's consent page.
#[test]
fn strict_mode_repeat_of_a_failed_callback_hears_the_same_error() {
    let browser = Browser::new();
    let mut tab = Tab::browser(&browser);
    let state = start_login(&mut tab, json!({}));
    tab.load(&format!("{REDIRECT}?error=access_denied&state={state}"));
    let mark = tab.mark();
    let first = tab.handle_callback(None);
    let second = tab.handle_callback(None);
    let login = tab.login(json!({}));
    for id in [first, second, login] {
        assert_eq!(tab.kind(id), ErrorKind::Denied);
    }
    assert!(navigations(tab.since(mark)).is_empty(), "no new redirect");
    // A person clicking "log in" again later starts a new login.
    browser.advance(2_000);
    let later = tab.login(json!({}));
    assert!(tab.is_pending(later));
    assert_eq!(navigations(tab.since(mark)).len(), 1);
}

#[test]
fn expired_pending_login_is_a_state_error() {
    let browser = Browser::new();
    let mut tab = Tab::browser(&browser);
    let state = start_login(&mut tab, json!({}));
    browser.advance(10 * 60 * 1000);
    tab.load(&callback(&state));
    let id = tab.handle_callback(None);
    assert_eq!(tab.kind(id), ErrorKind::State);
    assert!(fetches(tab.all()).is_empty());
}

#[test]
fn malformed_callbacks_are_callback_errors() {
    let mut tab = Tab::browser(&Browser::new());
    let state = start_login(&mut tab, json!({}));
    let twice = tab.handle_callback(Some(&format!("{REDIRECT}?code=a&code=b&state={state}")));
    assert_eq!(tab.kind(twice), ErrorKind::Callback);
    let nothing = tab.handle_callback(Some(REDIRECT));
    assert_eq!(tab.kind(nothing), ErrorKind::Callback);
    assert_eq!(tab.pending_logins().len(), 1, "neither consumed the pending login");
}

// ---------------------------------------------------------------------------------------------
// Storage
// ---------------------------------------------------------------------------------------------

#[test]
fn a_refused_session_write_never_brings_an_older_session_back() {
    // Issue #9, defect 5: with the store refusing writes, the session lived on in the store's
    // older value, and came back after logout() and a reload.
    let browser = Browser::new();
    let mut tab = widget_tab(&browser);
    host_login(&mut tab, r#"{"token":"tok-old"}"#);
    assert!(browser.stored_session().is_some());

    browser.session.borrow_mut().refuse_set = true;
    let mark = tab.mark();
    let id = host_login(&mut tab, r#"{"token":"tok-new"}"#);
    assert_eq!(tab.result(id), &Ok(Value::Session));
    assert_eq!(announced(tab.since(mark)).last().unwrap().unwrap().token, "tok-new");
    assert_eq!(warnings(tab.since(mark)).len(), 1);
    assert_eq!(browser.stored_session(), None, "the older session left the store");
    let mark = tab.mark();
    tab.call(Call::ReadSession);
    assert!(announced(tab.since(mark)).is_empty(), "this page keeps the new session in memory");

    let mark = tab.mark();
    tab.call(Call::Logout(Json::Null));
    assert_eq!(announced(tab.since(mark)), vec![None]);
    assert_eq!(browser.stored_session(), None);
    let mark = tab.mark();
    tab.call(Call::ReadSession);
    assert!(announced(tab.since(mark)).is_empty(), "memory forgot it too");

    let reloaded = widget_tab(&browser);
    assert_eq!(announced(reloaded.all()), vec![None], "signed out after a reload");
}

#[test]
fn a_refused_write_is_retried_on_the_next_write() {
    let browser = Browser::new();
    let mut tab = widget_tab(&browser);
    browser.session.borrow_mut().refuse_set = true;
    host_login(&mut tab, r#"{"token":"tok-1"}"#);
    browser.session.borrow_mut().refuse_set = false;
    host_login(&mut tab, r#"{"token":"tok-2"}"#);
    let stored = tab.decode(&browser.stored_session().unwrap()).unwrap();
    assert_eq!(stored.token, "tok-2");
    let reloaded = widget_tab(&browser);
    assert_eq!(announced(reloaded.all())[0].unwrap().token, "tok-2");
}

#[test]
fn a_pending_login_that_cannot_be_kept_fails_before_navigating() {
    // Issue #9, defect 6: with sessionStorage blocked the redirect went ahead, and the callback
    // then failed with `state`; it must be `storage`, and nothing may navigate.
    let mut tab = Tab::browser(&Browser::new());
    tab.ports.pending.borrow_mut().refuse_set = true;
    let login = tab.login(json!({}));
    assert_eq!(tab.kind(login), ErrorKind::Storage);
    let redirect = tab.call(Call::LoginWithRedirect(Json::Null));
    assert_eq!(tab.kind(redirect), ErrorKind::Storage);
    assert!(navigations(tab.all()).is_empty());
    assert!(sleeps(tab.all()).is_empty());
}

#[test]
fn authorize_url_keeps_its_pending_login_in_memory_when_session_storage_refuses() {
    // authorizeUrl() does not navigate: its URL may be completed on this very page (v0 contract).
    let mut tab = Tab::browser(&Browser::new());
    tab.ports.pending.borrow_mut().refuse_set = true;
    let id = tab.authorize_url(json!({}));
    let Ok(Value::Text(url)) = tab.result(id).clone() else { panic!("{:?}", tab.result(id)) };
    let state = url::Url::parse(&url).unwrap().query_pairs().find(|(k, _)| k == "state").unwrap().1.into_owned();
    let callback = callback(&state);
    let id = tab.handle_callback(Some(&callback));
    tab.answer_fetch(200, TOKEN_BODY);
    assert_eq!(tab.result(id), &Ok(Value::Session));
}

#[test]
fn the_storage_fallback_warns_once() {
    let browser = Browser::new();
    browser.session.borrow_mut().refuse_all();
    let mut tab = widget_tab(&browser);
    assert_eq!(warnings(tab.all()).len(), 1, "the first read warned");
    host_login(&mut tab, r#"{"token":"tok-1"}"#);
    host_login(&mut tab, r#"{"token":"tok-2"}"#);
    tab.call(Call::ReadSession);
    tab.call(Call::Logout(Json::Null));
    let all = warnings(tab.all());
    assert_eq!(all.len(), 1, "{all:?}");
    assert!(all[0].contains("localStorage") && all[0].contains("memory"), "{}", all[0]);
    assert!(!all[0].contains("tok-"));
}

#[test]
fn a_corrupt_session_from_another_tab_is_announced_once() {
    // Issue #9, defect 12: a corrupt record written by another tab was announced and warned
    // about on every read.
    let browser = Browser::new();
    let mut tab = widget_tab(&browser);
    host_login(&mut tab, TOKEN_BODY);
    browser.session.borrow_mut().items.insert(SESSION_KEY.into(), "{not json".into());
    let mark = tab.mark();
    tab.feed(Event::StorageChanged { key: Some(SESSION_KEY.into()) });
    tab.call(Call::ReadSession);
    tab.feed(Event::StorageChanged { key: None });
    tab.feed(Event::Tick);
    tab.call(Call::ReadSession);
    let fx = tab.since(mark);
    assert_eq!(announced(fx), vec![None]);
    let warned = warnings(fx);
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert!(warned[0].contains("unreadable"));
    assert_eq!(browser.stored_session(), None, "the corrupt record is removed");
}

#[test]
fn other_tabs_changes_are_heard_and_other_keys_ignored() {
    let browser = Browser::new();
    let mut tab = Tab::browser(&browser);
    tab.store_session(&session("tok-from-b", None));
    let mark = tab.mark();
    tab.feed(Event::StorageChanged { key: Some("unrelated".into()) });
    assert!(tab.since(mark).is_empty());
    tab.feed(Event::StorageChanged { key: Some(SESSION_KEY.into()) });
    assert_eq!(announced(tab.since(mark)), vec![Some(&session("tok-from-b", None))]);
    browser.session.borrow_mut().items.clear();
    tab.feed(Event::StorageChanged { key: None });
    assert_eq!(announced(tab.since(mark)), vec![Some(&session("tok-from-b", None)), None]);
}

#[test]
fn an_expired_session_is_removed_on_refresh_and_announced_once() {
    let browser = Browser::new();
    let mut tab = widget_tab(&browser);
    host_login(&mut tab, r#"{"token":"tok","expiresIn":60}"#);
    browser.advance(60_000);
    let mark = tab.mark();
    tab.call(Call::ReadSession);
    tab.call(Call::ReadSession);
    let fx = tab.since(mark);
    assert_eq!(announced(fx), vec![None]);
    assert_eq!(timers(fx), vec![None], "the expiry timer is disarmed");
    assert_eq!(browser.stored_session(), None);
    assert!(warnings(fx).is_empty());
}

#[test]
fn tick_rearms_the_timer_for_sessions_longer_than_set_timeout_allows() {
    const MAX: u32 = i32::MAX as u32;
    let browser = Browser::new();
    let mut tab = widget_tab(&browser);
    let thirty_days = 30 * 24 * 3600;
    let mark = tab.mark();
    host_login(&mut tab, &format!(r#"{{"token":"tok","expiresIn":{thirty_days}}}"#));
    assert_eq!(timers(tab.since(mark)), vec![Some(MAX)]);

    browser.advance(i64::from(MAX));
    let mark = tab.mark();
    tab.feed(Event::Tick);
    let remaining = thirty_days as u32 * 1000 - MAX;
    assert_eq!(tab.since(mark), &[Effect::Timer(Some(remaining))], "re-armed, nothing announced");

    browser.advance(i64::from(remaining));
    let mark = tab.mark();
    tab.feed(Event::Tick);
    assert_eq!(announced(tab.since(mark)), vec![None]);
    assert_eq!(timers(tab.since(mark)), vec![None]);
}

#[test]
fn memory_storage_never_touches_the_web_stores() {
    let browser = Browser::new();
    browser.session.borrow_mut().refuse_all();
    let mut tab = Tab::open(&browser, config(json!({"storage": "memory"})), PAGE, doc_widget_probe());
    host_login(&mut tab, TOKEN_BODY);
    tab.call(Call::ReadSession);
    assert!(warnings(tab.all()).is_empty());
    assert_eq!(announced(tab.all()).len(), 2);
    let reloaded = Tab::open(&browser, config(json!({"storage": "memory"})), PAGE, doc_widget_probe());
    assert_eq!(announced(reloaded.all()), vec![None]);
}

// ---------------------------------------------------------------------------------------------
// The backend exchange
// ---------------------------------------------------------------------------------------------

/// A doc-widget login waiting for its first backend answer.
fn exchanging(browser: &Browser, retries: Option<u32>) -> (Tab, CallId) {
    let backend = match retries {
        Some(retries) => json!({ "url": BACKEND, "retries": retries }),
        None => json!(BACKEND),
    };
    let mut tab = Tab::open(browser, config(json!({ "backend": backend })), PAGE, doc_widget_probe());
    let id = tab.login(json!({}));
    tab.host_code("host-code", None);
    (tab, id)
}

#[test]
fn transient_backend_failures_are_retried_with_backoff() {
    let (mut tab, id) = exchanging(&Browser::new(), None);
    let first = tab.pending_fetch().1.clone();
    tab.fail_fetch(TransportError::Unreachable);
    assert_eq!(tab.end_sleep(), 300);
    assert_eq!(tab.pending_fetch().1, &first, "the same request again");
    tab.answer_fetch(503, "");
    assert_eq!(tab.end_sleep(), 600);
    tab.answer_fetch(200, TOKEN_BODY);
    assert_eq!(tab.result(id), &Ok(Value::Session));
    assert_eq!(fetches(tab.all()).len(), 3);

    // (OAuth's relayed 20050/20072 are retried where OAuth redeems: backend.rs tests that per surface.)
    for (status, body) in [(502, ""), (504, "<html>"), (503, r#"{"code":20072}"#)] {
        let (mut tab, id) = exchanging(&Browser::new(), Some(2));
        tab.answer_fetch(status, body);
        tab.end_sleep();
        tab.answer_fetch(status, body);
        tab.end_sleep();
        tab.answer_fetch(status, body);
        let error = tab.error(id);
        assert_eq!((error.kind(), error.status()), (ErrorKind::Backend, Some(status)), "{body}");
        assert!(error.retryable());
        assert_eq!(fetches(tab.all()).len(), 3, "retries + 1 tries for {status} {body}");
        assert_eq!(sleeps(tab.all()), vec![300, 600]);
    }

    // The doc widget's codes are redeemed by tokenLoginValidate: OAuth's 20050 means nothing there.
    let (mut tab, id) = exchanging(&Browser::new(), Some(2));
    tab.answer_fetch(500, r#"{"code":20050}"#);
    assert_eq!(tab.error(id).status(), Some(500));
    assert!(sleeps(tab.all()).is_empty(), "not retried on the doc widget");

    let (mut tab, id) = exchanging(&Browser::new(), Some(0));
    tab.fail_fetch(TransportError::Unreachable);
    assert_eq!(tab.kind(id), ErrorKind::Network);
    assert!(sleeps(tab.all()).is_empty(), "retries: 0");
}

#[test]
fn client_errors_and_timeouts_are_not_retried() {
    let cases: [(Result<HttpResponse, TransportError>, ErrorKind); 6] = [
        (
            Ok(HttpResponse { status: 400, body: r#"{"code":20003,"message":"invalid code"}"#.into() }),
            ErrorKind::Backend,
        ),
        (Ok(HttpResponse { status: 401, body: String::new() }), ErrorKind::Backend),
        (Ok(HttpResponse { status: 500, body: r#"{"message":"boom"}"#.into() }), ErrorKind::Backend),
        (Ok(HttpResponse { status: 200, body: r#"{"token":""}"#.into() }), ErrorKind::Response),
        (Ok(HttpResponse { status: 200, body: "<html>".into() }), ErrorKind::Response),
        (Err(TransportError::TimedOut), ErrorKind::Timeout),
    ];
    for (answer, kind) in cases {
        let (mut tab, id) = exchanging(&Browser::new(), None);
        tab.fetch_result(answer.clone());
        assert_eq!(tab.kind(id), kind, "{answer:?}");
        assert_eq!(fetches(tab.all()).len(), 1, "not retried: {answer:?}");
        assert!(sleeps(tab.all()).is_empty());
    }
    let (mut tab, id) = exchanging(&Browser::new(), None);
    tab.answer_fetch(400, r#"{"code":20003,"message":"invalid code"}"#);
    let error = tab.error(id);
    assert_eq!((error.code(), error.status()), (Some(20003), Some(400)));
    assert!(!error.message().contains("host-code"), "messages never carry the code");
}

#[test]
fn answers_with_a_stale_op_are_ignored() {
    let (mut tab, id) = exchanging(&Browser::new(), None);
    let (stale, _) = tab.pending_fetch();
    tab.fail_fetch(TransportError::Unreachable);
    let (sleep, _) = tab.pending_sleep();
    let mark = tab.mark();
    // The first fetch settling late, and a doubled timer.
    tab.feed(Event::Fetched { op: stale, result: Ok(HttpResponse { status: 200, body: TOKEN_BODY.into() }) });
    assert!(tab.since(mark).is_empty());
    tab.end_sleep();
    tab.feed(Event::Slept { op: sleep });
    assert_eq!(fetches(tab.since(mark)).len(), 1, "one retry");
    tab.answer_fetch(200, r#"{"token":"tok-retry"}"#);
    assert_eq!(tab.result(id), &Ok(Value::Session));
    let mark = tab.mark();
    let last = *fetch_ops(tab.all()).last().unwrap();
    tab.feed(Event::Fetched { op: last, result: Ok(HttpResponse { status: 500, body: String::new() }) });
    tab.feed(Event::Fetched { op: 9_999, result: Err(TransportError::Unreachable) });
    assert!(tab.since(mark).is_empty(), "a settled attempt hears nothing more");
}

fn fetch_ops(fx: &[Effect]) -> Vec<Op> {
    fx.iter().filter_map(|e| if let Effect::Fetch { op, .. } = e { Some(*op) } else { None }).collect()
}

#[test]
fn a_failed_login_never_removes_a_valid_session() {
    let browser = Browser::new();
    let mut tab = widget_tab(&browser);
    host_login(&mut tab, TOKEN_BODY);
    let stored = browser.stored_session();
    let mark = tab.mark();
    let id = tab.login(json!({ "force": true }));
    tab.host_code("host-code", None);
    tab.answer_fetch(400, "{}");
    assert_eq!(tab.kind(id), ErrorKind::Backend);
    let id = tab.login(json!({ "force": true }));
    // The doc widget's own code for a refused call (its table has no refusal).
    tab.host_failure(HostFailure { code: Some(10_110_006), ..HostFailure::default() });
    assert_eq!(tab.kind(id), ErrorKind::Host);
    tab.call(Call::ReadSession);
    assert!(announced(tab.since(mark)).is_empty());
    assert_eq!(browser.stored_session(), stored);

    // The browser flow: a failed callback keeps the session too.
    let browser = Browser::new();
    let (mut tab, _) = signed_in_browser_tab(&browser);
    let stored = browser.stored_session();
    let state = start_login(&mut tab, json!({ "force": true }));
    tab.load(&callback(&state));
    let id = tab.handle_callback(None);
    tab.fail_fetch(TransportError::TimedOut);
    assert_eq!(tab.kind(id), ErrorKind::Timeout);
    assert_eq!(browser.stored_session(), stored);
    assert!(announced(tab.all()).iter().all(Option::is_some));
}

// ---------------------------------------------------------------------------------------------
// Feishu host surfaces
// ---------------------------------------------------------------------------------------------

#[test]
fn doc_widget_code_is_exchanged_without_pkce() {
    let mut tab = widget_tab(&Browser::new());
    let id = tab.login(json!({}));
    let (_, call) = tab.pending_host();
    assert_eq!(call, HostCall::DocWidgetLogin);
    assert!(tab.all().iter().any(|e| matches!(e, Effect::Host { timeout_ms: 30_000, .. })));
    tab.host_code("widget-code", None);
    assert_eq!(body(tab.pending_fetch().1), json!({ "code": "widget-code", "surface": "docWidget", "appId": APP }));
    tab.answer_fetch(200, TOKEN_BODY);
    assert_eq!(tab.result(id), &Ok(Value::Session));
    assert_eq!(announced(tab.all()).last().unwrap().unwrap().surface, Surface::DocWidget);
    assert!(navigations(tab.all()).is_empty() && replaced(tab.all()).is_empty());
}

fn client_tab(browser: &Browser) -> Tab {
    let config = config(json!({ "scope": ["contact:user.base:readonly"], "hostTimeoutMs": 5000 }));
    Tab::open(browser, config, "https://app.example/in-feishu", client_probe())
}

/// Starts a client login and answers `h5sdk.ready`; without `requestAccess` (an old client),
/// the driver reports it missing. Returns the call and the next host call.
fn client_ready(tab: &mut Tab, options: serde_json::Value, has_request_access: bool) -> (CallId, HostCall) {
    let id = tab.login(options);
    assert_eq!(tab.pending_host().1, HostCall::H5sdkReady);
    tab.answer_host(Ok(HostAnswer::Ready));
    assert!(matches!(tab.pending_host().1, HostCall::RequestAccess { .. }));
    if !has_request_access {
        tab.host_failure(HostFailure::unavailable());
    }
    (id, tab.pending_host().1)
}

#[test]
fn client_asks_request_access_with_app_id_scope_and_state() {
    let mut tab = client_tab(&Browser::new());
    let (id, call) = client_ready(&mut tab, json!({}), true);
    let HostCall::RequestAccess { app_id, scope, state } = call else { panic!("requestAccess: {call:?}") };
    assert_eq!((app_id.as_str(), scope), (APP, vec!["contact:user.base:readonly".to_owned()]));
    assert!(state.len() >= 22);
    assert!(tab.all().iter().any(|e| matches!(e, Effect::Host { timeout_ms: 5000, .. })));
    tab.host_code("client-code", Some(&state));
    assert_eq!(body(tab.pending_fetch().1), json!({ "code": "client-code", "surface": "client", "appId": APP }));
    tab.answer_fetch(200, TOKEN_BODY);
    assert_eq!(tab.result(id), &Ok(Value::Session));

    // Options override the configured scope; a client that echoes no state is accepted.
    let (id, call) = client_ready(&mut tab, json!({ "force": true, "scope": [] }), true);
    assert!(matches!(&call, HostCall::RequestAccess { scope, .. } if scope.is_empty()), "{call:?}");
    tab.host_code("client-code-2", None);
    tab.answer_fetch(200, TOKEN_BODY);
    assert_eq!(tab.result(id), &Ok(Value::Session));
    let bad = tab.login(json!({ "force": true, "scope": ["a b"] }));
    assert_eq!(tab.kind(bad), ErrorKind::Config);
}

#[test]
fn client_rejects_another_echoed_state() {
    let mut tab = client_tab(&Browser::new());
    let (id, _) = client_ready(&mut tab, json!({}), true);
    tab.host_code("client-code", Some("someone-elses-state"));
    assert_eq!(tab.kind(id), ErrorKind::State);
    assert!(fetches(tab.all()).is_empty());
}

#[test]
fn client_falls_back_to_request_auth_code() {
    let mut tab = client_tab(&Browser::new());
    let (id, _) = client_ready(&mut tab, json!({}), true);
    tab.host_failure(HostFailure { code: Some(103), message: Some("not supported".into()), ..HostFailure::default() });
    assert_eq!(tab.pending_host().1, HostCall::RequestAuthCode { app_id: APP.into() });
    tab.host_code("auth-code", None);
    assert_eq!(body(tab.pending_fetch().1)["code"], "auth-code");
    tab.answer_fetch(200, TOKEN_BODY);
    assert_eq!(tab.result(id), &Ok(Value::Session));

    let (id, call) = client_ready(&mut tab, json!({ "force": true }), false);
    assert_eq!(call, HostCall::RequestAuthCode { app_id: APP.into() }, "no requestAccess: requestAuthCode");
    tab.host_code("auth-code-2", None);
    tab.answer_fetch(200, TOKEN_BODY);
    assert_eq!(tab.result(id), &Ok(Value::Session));
}

#[test]
fn host_failures_are_typed() {
    let cases = [
        (HostFailure { code: Some(2_700_002), ..HostFailure::default() }, ErrorKind::Denied),
        (HostFailure::timeout(), ErrorKind::Timeout),
        (HostFailure { code: Some(10236), ..HostFailure::default() }, ErrorKind::Host),
    ];
    for (failure, kind) in cases {
        let mut tab = client_tab(&Browser::new());
        let (id, _) = client_ready(&mut tab, json!({}), true);
        tab.host_failure(failure.clone());
        assert_eq!(tab.kind(id), kind, "{failure:?}");
        assert_eq!(tab.error(id).code(), failure.code);
        assert!(tab.error(id).message().starts_with("tt.requestAccess"));
        assert!(fetches(tab.all()).is_empty());
    }
    // A failure of requestAuthCode is not retried with anything else.
    let mut tab = client_tab(&Browser::new());
    let (id, _) = client_ready(&mut tab, json!({}), false);
    tab.host_failure(HostFailure { code: Some(103), ..HostFailure::default() });
    assert_eq!(tab.kind(id), ErrorKind::Host);
    assert_eq!(host_calls(tab.all()).len(), 3, "ready, requestAccess (missing), requestAuthCode");
    // No requestAuthCode either: not a Feishu client.
    let mut tab = client_tab(&Browser::new());
    let (id, _) = client_ready(&mut tab, json!({}), false);
    tab.host_failure(HostFailure::unavailable());
    assert_eq!(tab.kind(id), ErrorKind::Unsupported);
    assert!(tab.error(id).message().starts_with("tt.requestAuthCode"));
    // An h5sdk without `ready` is ready.
    let mut tab = client_tab(&Browser::new());
    tab.login(json!({}));
    tab.host_failure(HostFailure::unavailable());
    assert!(matches!(tab.pending_host().1, HostCall::RequestAccess { .. }));
    // h5sdk.ready never firing.
    let mut tab = client_tab(&Browser::new());
    let id = tab.login(json!({}));
    tab.host_failure(HostFailure::timeout());
    assert_eq!(tab.kind(id), ErrorKind::Timeout);
    assert!(tab.error(id).message().starts_with("h5sdk.ready"));
    // An empty code.
    let mut tab = widget_tab(&Browser::new());
    let id = tab.login(json!({}));
    tab.host_code("", None);
    assert_eq!(tab.kind(id), ErrorKind::Host);
}

#[test]
fn mini_program_uses_tt_login() {
    let probe = HostProbe { tt_login: true, ..HostProbe::default() };
    let mut tab = Tab::open(&Browser::new(), config(json!({})), "https://mp.example/", probe);
    assert_eq!(tab.all()[0], Effect::Ready { surface: Surface::MiniProgram, watch_storage: true });
    let id = tab.login(json!({}));
    assert_eq!(tab.pending_host().1, HostCall::TtLogin);
    tab.host_code("mp-code", None);
    assert_eq!(body(tab.pending_fetch().1)["surface"], "miniProgram");
    tab.answer_fetch(200, TOKEN_BODY);
    assert_eq!(tab.result(id), &Ok(Value::Session));
}

#[test]
fn a_host_answering_twice_is_heard_once() {
    let mut tab = widget_tab(&Browser::new());
    let first = tab.login(json!({}));
    let joined = tab.login(json!({}));
    assert_eq!(host_calls(tab.all()).len(), 1, "concurrent host logins share one call");
    let (op, _) = tab.pending_host();
    tab.host_code("code-1", None);
    let mark = tab.mark();
    tab.feed(Event::Host { op, result: Ok(HostAnswer::Code { code: Some("code-2".into()), state: None }) });
    tab.feed(Event::Host { op, result: Err(HostFailure::timeout()) });
    assert!(tab.since(mark).is_empty());
    assert_eq!(fetches(tab.all()).len(), 1);
    tab.answer_fetch(200, TOKEN_BODY);
    assert_eq!(tab.result(first), &Ok(Value::Session));
    assert_eq!(tab.result(joined), &Ok(Value::Session));
    assert_eq!(settled_count(tab.all()), 2);

    // h5sdk.ready calling back twice: the second call lands while requestAccess is pending.
    let mut tab = client_tab(&Browser::new());
    let id = tab.login(json!({}));
    let (ready, _) = tab.pending_host();
    tab.answer_host(Ok(HostAnswer::Ready));
    let mark = tab.mark();
    tab.feed(Event::Host { op: ready, result: Ok(HostAnswer::Ready) });
    assert!(tab.since(mark).is_empty());
    let HostCall::RequestAccess { state, .. } = tab.pending_host().1 else { panic!("requestAccess") };
    tab.host_code("client-code", Some(&state));
    tab.answer_fetch(200, TOKEN_BODY);
    assert_eq!(tab.result(id), &Ok(Value::Session));
    assert_eq!(host_calls(tab.all()).len(), 2);
}

// A logout while the backend exchange is in flight: the exchange's late answer must not sign
// the user back in ("a logout never leaves a session behind").
#[test]
fn logout_cancels_a_login_in_flight() {
    let browser = Browser::new();
    let mut tab = widget_tab(&browser);
    let id = tab.login(json!({}));
    tab.host_code("host-code", None);
    let (op, _) = tab.pending_fetch();
    tab.call(Call::Logout(Json::Null));
    assert_eq!(tab.kind(id), ErrorKind::Cancelled);
    let mark = tab.mark();
    tab.feed(Event::Fetched { op, result: Ok(HttpResponse { status: 200, body: TOKEN_BODY.into() }) });
    assert!(tab.since(mark).is_empty(), "the late answer is ignored");
    assert_eq!(browser.stored_session(), None);
}

#[test]
fn the_pending_list_keeps_the_newest_few() {
    let mut tab = Tab::browser(&Browser::new());
    let states: Vec<String> = (0..MAX_PENDING + 2).map(|_| start_login_state(&mut tab)).collect();
    let kept: Vec<String> = tab.pending_logins().iter().map(|p| p["state"].as_str().unwrap().to_owned()).collect();
    assert_eq!(kept, states[2..].to_vec(), "the oldest are dropped first");
}

fn start_login_state(tab: &mut Tab) -> String {
    let id = tab.authorize_url(json!({}));
    let Ok(Value::Text(url)) = tab.result(id).clone() else { panic!("{:?}", tab.result(id)) };
    url::Url::parse(&url).unwrap().query_pairs().find(|(k, _)| k == "state").unwrap().1.into_owned()
}

// Review findings (each failed before its fix).

#[test]
fn authorize_url_never_evicts_the_pending_login_of_the_callback_in_the_address_bar() {
    let mut tab = Tab::browser(&Browser::new());
    let state = start_login(&mut tab, json!({}));
    tab.load(&callback(&state));
    for _ in 0..MAX_PENDING + 2 {
        start_login_state(&mut tab); // components building links before handleCallback() runs
    }
    let id = tab.handle_callback(None);
    tab.answer_fetch(200, TOKEN_BODY);
    assert_eq!(tab.result(id), &Ok(Value::Session));
}

#[test]
fn login_with_redirect_settles_after_the_navigation_and_rejects_when_it_fails() {
    let mut tab = Tab::browser(&Browser::new());
    let taken = tab.call(Call::LoginWithRedirect(Json::Null));
    assert!(tab.is_pending(taken), "not before the browser took the navigation");
    tab.feed(Event::Navigated { op: navigation_op(tab.all()).unwrap() });
    assert_eq!(tab.result(taken), &Ok(Value::Unit));
    assert_eq!(statuses(tab.all()).last(), Some(&Status::Redirecting), "until the page unloads");
    // The page stayed (a 204 answer): back to signed out after the grace.
    assert_eq!(tab.end_sleep(), NAVIGATION_GRACE_MS);
    assert_eq!(statuses(tab.all()).last(), Some(&Status::SignedOut));
    let refused = tab.call(Call::LoginWithRedirect(Json::Null));
    tab.feed(Event::NavigationFailed { op: navigation_op(tab.all()).unwrap() });
    assert_eq!(tab.kind(refused), ErrorKind::Unsupported);
}

#[test]
fn bad_options_are_a_config_error_even_while_a_login_is_in_flight() {
    let mut tab = widget_tab(&Browser::new());
    let first = tab.login(json!({}));
    let bad = tab.login(json!({ "force": "yes" }));
    assert_eq!(tab.kind(bad), ErrorKind::Config);
    assert!(tab.is_pending(first));
}

#[test]
fn authorize_url_warns_when_its_pending_login_lives_in_memory_only() {
    let mut tab = Tab::browser(&Browser::new());
    tab.ports.pending.borrow_mut().refuse_set = true;
    let mark = tab.mark();
    tab.authorize_url(json!({}));
    assert!(warnings(tab.since(mark)).iter().any(|w| w.contains("kept in memory")), "{:?}", tab.since(mark));
}

#[test]
fn events_print_no_code() {
    let events = [
        Event::Call {
            id: 1,
            call: Call::HandleCallback(Some("https://a/?code=CODE-SECRET&state=s".into())),
            href: "https://a/?code=CODE-SECRET".into(),
        },
        Event::Host {
            op: 2,
            result: Ok(HostAnswer::Code { code: Some("CODE-SECRET".into()), state: Some("STATE-SECRET".into()) }),
        },
        Event::Fetched { op: 3, result: Ok(HttpResponse { status: 200, body: "{\"token\":\"CODE-SECRET\"}".into() }) },
    ];
    for event in &events {
        let shown = format!("{event:?}");
        assert!(!shown.contains("SECRET"), "{shown}");
    }
}

#[test]
fn without_a_page_what_navigates_or_draws_is_unsupported_and_says_to_use_a_browser() {
    let mut tab = Tab::without_page(&Browser::new());
    let login = tab.login(json!({}));
    let redirect = tab.call(Call::LoginWithRedirect(Json::Null));
    tab.feed(Event::Window(WindowEvent::LoginWithPopup { id: 40, options: Json::Null }));
    tab.feed(Event::Window(WindowEvent::MountQr { id: 41, target: false, options: Json::Null, href: String::new() }));
    for (id, member) in
        [(login, "login"), (redirect, "loginWithRedirect"), (40, "loginWithPopup"), (41, "mountQrLogin")]
    {
        assert_eq!(tab.kind(id), ErrorKind::Unsupported, "{member}");
        let message = tab.error(id).message();
        assert!(message.starts_with(&format!("{member}() needs a browser page")), "{message}");
        assert!(message.contains("authorizeUrl()"), "what to do instead: {message}");
    }
    assert!(navigations(tab.all()).is_empty() && tab.pending_logins().is_empty(), "nothing started");
    // What needs no page still works: the URL to open in a browser, and the session. Node has no
    // sessionStorage: the pending login stays in memory, where handleCallback(url) finds it, so
    // there is nothing to warn about (no redirect is coming back to a page).
    tab.ports.pending.borrow_mut().refuse_all();
    let mark = tab.mark();
    let url = tab.authorize_url(json!({}));
    assert!(matches!(tab.result(url), Ok(Value::Text(url)) if url.starts_with("https://accounts.feishu.cn/")));
    assert_eq!(warnings(tab.since(mark)), Vec::<String>::new());
    let session = tab.call(Call::GetSession(Json::Null));
    assert_eq!(tab.result(session), &Ok(Value::Unit));
}
