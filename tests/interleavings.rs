//! When two things happen at once, natively: the model-based test (generated interleavings of
//! events from two or three tabs sharing localStorage, checked after every step against the rules
//! of `tests/model/mod.rs`; `MODEL_SEQUENCES`, default 3000, and `MODEL_SEED` change how many and
//! which; the `interleavings` fuzz target searches the same space for millions), and through the
//! scripted driver of `tests/driver/`, a logout while a guard watches the session and a host
//! renewal during `login({force: true})`.

mod driver;
mod model;
use driver::*;
use feishu_login::*;

const LOGOUT: &str = "https://app.example/api/logout";
const HOUR: i64 = 3_600_000;

/// Host calls whose answer has not come yet.
fn outstanding_host_calls(tab: &Tab) -> usize {
    tab.all().iter().filter(|e| matches!(e, Effect::Host { op, .. } if !tab.answered.contains(op))).count()
}

/// Answers every outstanding Web Lock request of `tab` with `held`, and ends the settle pause
/// that follows, until a host call or a fetch is outstanding.
fn through_the_lease(tab: &mut Tab) {
    for _ in 0..4 {
        let lock = tab.outstanding(|e| match e {
            Effect::Lock { op, .. } => Some((*op, ())),
            _ => None,
        });
        if let Some((op, ())) = lock {
            tab.answered.push(op);
            tab.feed(Event::Locked { op, held: true });
        }
        let settle = tab.outstanding(|e| match e {
            Effect::Sleep { op, ms } if *ms == LEASE_SETTLE_MS => Some((*op, ())),
            _ => None,
        });
        match settle {
            Some((op, ())) => {
                tab.answered.push(op);
                tab.feed(Event::Slept { op });
            }
            None if lock.is_none() => return,
            None => {}
        }
    }
}

#[test]
fn a_host_renewal_and_a_forced_login_make_one_host_call_and_answer_both_callers() {
    let browser = Browser::new();
    let mut tab = widget_tab(&browser);
    host_login(&mut tab, r#"{"token":"tok-1","expiresIn":3600}"#);
    // The renewal timer fires (or getSession() asks for more validity): the renewal asks the host.
    let renewal = tab.call(Call::GetSession(driver::codec::to_json(&json!({ "minValidityMs": 2 * HOUR }))));
    through_the_lease(&mut tab);
    assert_eq!(outstanding_host_calls(&tab), 1, "the renewal asks the host: {:?}", tab.all());
    // The app logs in again meanwhile.
    let login = tab.login(json!({ "force": true }));
    assert_eq!(outstanding_host_calls(&tab), 1, "never two host calls at once: {:?}", tab.all());
    tab.host_code("host-code-2", None);
    assert_eq!(fetches(tab.all()).iter().filter(|r| body(r)["code"] == "host-code-2").count(), 1);
    tab.answer_fetch(200, r#"{"token":"tok-2","expiresIn":3600}"#);
    assert_eq!(tab.result(login), &Ok(Value::Session));
    assert_eq!(tab.result(renewal), &Ok(Value::Session));
    assert_eq!(outstanding_host_calls(&tab), 0);
}

#[test]
fn logout_with_return_to_refuses_logins_until_it_navigates_and_never_goes_to_feishu_between() {
    let browser = Browser::new();
    let (mut tab, _) = signed_in_browser_tab(&browser);
    tab.config = config(json!({ "logoutUrl": LOGOUT }));
    tab.load(PAGE);
    let mark = tab.mark();
    let out = tab.call(Call::Logout(driver::codec::to_json(&json!({ "returnTo": "/bye" }))));
    let fx = tab.since(mark);
    let signing_out = fx.iter().position(|e| matches!(e, Effect::Status(Status::SigningOut)));
    let gone = fx.iter().position(|e| matches!(e, Effect::Session { session: None, .. }));
    assert!(signing_out.is_some() && signing_out < gone, "signingOut before listeners hear null: {fx:?}");
    // A guard hears null and logs in, while the server side of the logout is in flight.
    let guard = tab.login(json!({}));
    assert!(navigations(tab.since(mark)).is_empty(), "no authorize navigation: {:?}", tab.since(mark));
    assert_eq!(tab.kind(guard), ErrorKind::Cancelled);
    assert!(tab.error(guard).message().contains("logout"), "{}", tab.error(guard).message());
    tab.answer_fetch(204, "");
    assert_eq!(navigations(tab.since(mark)), vec!["https://app.example/bye"]);
    assert!(tab.is_pending(out));
    tab.feed(Event::Navigated { op: navigation_op(tab.all()).unwrap() });
    assert_eq!(tab.result(out), &Ok(Value::Unit));
    // Until the page unloads it is still signing out: a guard's login is still refused.
    let late = tab.login(json!({}));
    assert_eq!(tab.kind(late), ErrorKind::Cancelled);
    assert_eq!(statuses(tab.since(mark)), vec![Status::SigningOut]);
    // A navigation that does not happen ends the logout: signed out, logins start again.
    tab.end_sleep();
    assert_eq!(statuses(tab.since(mark)), vec![Status::SigningOut, Status::SignedOut]);
    assert!(navigations(tab.since(mark)).iter().all(|url| !url.starts_with("https://accounts.feishu.cn")));
}

#[test]
fn generated_interleavings_keep_the_rules() {
    let sequences: u64 = std::env::var("MODEL_SEQUENCES").ok().and_then(|n| n.parse().ok()).unwrap_or(3000);
    let seed: u64 = std::env::var("MODEL_SEED").ok().and_then(|n| n.parse().ok()).unwrap_or(1);
    for i in 0..sequences {
        let seed = seed.wrapping_add(i);
        let len = 20 + (seed % 7) as usize * 15;
        let outcome = std::panic::catch_unwind(|| model::run(&mut model::Seeded::new(seed, len)));
        if let Err(panic) = outcome {
            let why = panic.downcast_ref::<String>().cloned().unwrap_or_default();
            panic!("sequence with MODEL_SEED={seed} MODEL_SEQUENCES=1 failed: {why}");
        }
    }
}

// Found by the interleavings fuzz target: another tab renewed while this tab's renewal waited
// for the host; the renewal ended and a forced login called the host a second time.
#[test]
fn a_renewal_that_adopts_another_tabs_session_keeps_the_host_until_its_call_answers() {
    let browser = Browser::new();
    let mut tab = widget_tab(&browser);
    host_login(&mut tab, r#"{"token":"tok-1","expiresIn":3600}"#);
    let renewal = tab.call(Call::GetSession(driver::codec::to_json(&json!({ "minValidityMs": 2 * HOUR }))));
    through_the_lease(&mut tab);
    let (asked, _) = tab.pending_host();
    // Another tab renewed meanwhile: this tab adopts its session.
    tab.store_session(&Session { surface: Surface::DocWidget, ..session("tok-other", Some(START + 2 * HOUR)) });
    tab.feed(Event::StorageChanged { key: Some(SESSION_KEY.into()) });
    assert_eq!(tab.result(renewal), &Ok(Value::Session));
    let login = tab.login(json!({ "force": true }));
    assert_eq!(outstanding_host_calls(&tab), 1, "the host still has the renewal's call: {:?}", tab.all());
    // Its answer is not this login's (it was asked before): the host is asked again.
    tab.answered.push(asked);
    tab.feed(Event::Host { op: asked, result: Ok(HostAnswer::Code { code: Some("old".into()), state: None }) });
    assert!(fetches(tab.all()).iter().all(|r| body(r)["code"] != "old"));
    tab.host_code("new", None);
    tab.answer_fetch(200, r#"{"token":"tok-2","expiresIn":3600}"#);
    assert_eq!(tab.result(login), &Ok(Value::Session));
}

#[test]
fn a_login_answered_after_another_tabs_logout_writes_nothing_even_before_the_storage_event() {
    let browser = Browser::new();
    let mut a = widget_tab(&browser);
    let mut b = widget_tab(&browser);
    host_login(&mut a, TOKEN_BODY);
    let login = b.login(json!({ "force": true }));
    b.host_code("b-code", None);
    a.call(Call::Logout(Json::Null));
    assert_eq!(browser.stored_session(), None);
    // B's backend answers before B heard A's storage events.
    let mark = b.mark();
    b.answer_fetch(200, r#"{"token":"tok-late","expiresIn":3600}"#);
    assert_eq!(browser.stored_session(), None, "the late answer writes nothing");
    assert_eq!(b.kind(login), ErrorKind::Cancelled);
    assert_eq!(statuses(b.since(mark)), vec![Status::SigningOut, Status::SignedOut]);
    assert!(announced(b.since(mark)).iter().all(Option::is_none), "B never hears the late session");
}

// Seen in Chromium with two tabs of a Leptos app: the browser delivers another tab's writes to
// localStorage key by key, so a tab can see the logout epoch move while its copy of the store
// still holds the session that logout removed. It heard signingOut, then signedIn (the stale
// session), then signedOut without signingOut: a guard took that for a session that ended by
// itself and logged in.
#[test]
fn another_tabs_logout_seen_before_its_session_removal_still_ends_the_session_in_that_step() {
    let browser = Browser::new();
    let mut a = widget_tab(&browser);
    host_login(&mut a, TOKEN_BODY);
    let mut b = widget_tab(&browser);
    assert_eq!(statuses(b.all()), vec![Status::SignedIn]);
    let stale = browser.stored_session().unwrap();
    a.call(Call::Logout(Json::Null));
    // B's copy of the store: the epoch has moved, the session's removal has not arrived.
    browser.session.borrow_mut().items.insert(SESSION_KEY.into(), stale);
    let mark = b.mark();
    b.feed(Event::StorageChanged { key: Some("feishu-login/v1/cli_enginetest/logout".into()) });
    assert_eq!(statuses(b.since(mark)), vec![Status::SigningOut, Status::SignedOut]);
    assert_eq!(announced(b.since(mark)), vec![None]);
    let login = b.login(json!({}));
    assert_eq!(outstanding_host_calls(&b), 1, "the ended session does not answer login(): {:?}", b.since(mark));
    // The removal arrives: nothing more to hear.
    browser.session.borrow_mut().items.remove(SESSION_KEY);
    b.feed(Event::StorageChanged { key: Some(SESSION_KEY.into()) });
    assert_eq!(statuses(b.since(mark)), vec![Status::SigningOut, Status::SignedOut]);
    assert_eq!(announced(b.since(mark)), vec![None]);
    // A login after the logout (here the one B started) is a session like any other.
    b.host_code("host-code-2", None);
    b.answer_fetch(200, r#"{"token":"tok-2","expiresIn":3600}"#);
    assert_eq!(b.result(login), &Ok(Value::Session));
    assert_eq!(statuses(b.since(mark)), vec![Status::SigningOut, Status::SignedOut, Status::SignedIn]);
}
