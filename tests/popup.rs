//! Logins in other windows, natively through the scripted driver: the QR login's message checks
//! (`tmp_code`, origins), the passport endpoint's URL, the popup login's hand-over (by
//! `postMessage`, and on the app's channel when an opener policy severed the popup), and the
//! pending popup login that a tab with a copy of sessionStorage must not complete.

mod driver;
use driver::*;
use feishu_login::*;

fn window(tab: &mut Tab, event: WindowEvent) -> usize {
    tab.feed(Event::Window(event))
}

fn window_effects(fx: &[Effect]) -> Vec<&WindowEffect> {
    fx.iter().filter_map(|e| if let Effect::Window(w) = e { Some(w) } else { None }).collect()
}

/// Mounts a QR login in `tab`; returns the mount and its `goto`.
fn mount_qr(tab: &mut Tab, options: serde_json::Value) -> (u32, String) {
    let mark = tab.mark();
    let href = tab.href.clone();
    window(tab, WindowEvent::MountQr { id: 0, target: true, options: codec::to_json(&options), href });
    let fx = tab.since(mark);
    assert_eq!(tab.result(0), &Ok(Value::Unit), "{fx:?}");
    let mounted = window_effects(fx)
        .into_iter()
        .find_map(|w| match w {
            WindowEffect::MountQr { mount, goto, .. } => Some((*mount, goto.clone())),
            _ => None,
        })
        .expect("a mount effect");
    tab.log.retain(|e| !matches!(e, Effect::Settle { id: 0, .. }));
    mounted
}

fn qr_message(tab: &mut Tab, mount: u32, origin: &str, sdk: bool, data: serde_json::Value) -> Vec<String> {
    qr_message_from(tab, mount, origin, sdk, true, data)
}

fn qr_message_from(
    tab: &mut Tab,
    mount: u32,
    origin: &str,
    sdk: bool,
    from_frame: bool,
    data: serde_json::Value,
) -> Vec<String> {
    let mark = tab.mark();
    let event = WindowEvent::QrMessage {
        mount,
        origin: origin.into(),
        match_origin: sdk,
        match_data: true,
        from_frame,
        data: codec::to_json(&data),
    };
    window(tab, event);
    navigations(tab.since(mark)).into_iter().map(str::to_owned).collect()
}

// ---------------------------------------------------------------------------------------------
// QR login
// ---------------------------------------------------------------------------------------------

#[test]
fn qr_message_needs_the_sdk_and_our_origins_and_a_sane_tmp_code() {
    let mut tab = Tab::browser(&Browser::new());
    let (mount, goto) = mount_qr(&mut tab, json!({ "width": 300, "height": "300" }));
    assert!(goto.starts_with("https://accounts.feishu.cn/open-apis/authen/v1/authorize?"), "{goto}");
    assert_eq!(query(&goto, "code_challenge_method"), "S256");
    assert_eq!(query(&goto, "state"), tab.pending_logins()[0]["state"].as_str().unwrap(), "a pending login");

    let feishu = "https://passport.feishu.cn";
    // Another origin, even when the SDK's matchOrigin says yes.
    assert!(qr_message(&mut tab, mount, "https://evil.example", true, json!("tmp1")).is_empty());
    assert!(qr_message(&mut tab, mount, "https://passport.feishu.cn.evil.example", true, json!("tmp1")).is_empty());
    // Our origin, but the SDK's matchOrigin says no.
    assert!(qr_message(&mut tab, mount, feishu, false, json!("tmp1")).is_empty());
    // Not a string, oversized, odd characters.
    assert!(qr_message(&mut tab, mount, feishu, true, json!(42)).is_empty());
    assert!(qr_message(&mut tab, mount, feishu, true, json!({ "code": "tmp1" })).is_empty());
    assert!(qr_message(&mut tab, mount, feishu, true, json!("a".repeat(MAX_TMP_CODE_LEN + 1))).is_empty());
    assert!(qr_message(&mut tab, mount, feishu, true, json!("tmp&redirect_uri=https://evil.example")).is_empty());
    assert!(qr_message(&mut tab, mount, feishu, true, json!("")).is_empty());
    // Another mount's listener.
    assert!(qr_message(&mut tab, mount + 1, feishu, true, json!("tmp1")).is_empty());
    // Not from inside this QR's element: another instance's QR on the page (review finding).
    assert!(qr_message_from(&mut tab, mount, feishu, true, false, json!("tmp1")).is_empty());

    let urls = qr_message(&mut tab, mount, feishu, true, json!("tmp-1_OK"));
    assert_eq!(urls, vec![format!("{goto}&tmp_code=tmp-1_OK")]);
    // Once only: a double message is ignored.
    assert!(qr_message(&mut tab, mount, "https://accounts.feishu.cn", true, json!("tmp2")).is_empty());
    assert!(fetches(tab.all()).is_empty(), "the QR login never posts anything itself");
}

#[test]
fn qr_origins_are_the_configured_authorize_urls_when_one_is_set() {
    let browser = Browser::new();
    let config = config(json!({ "authorizeUrl": "http://127.0.0.1:9000/open-apis/authen/v1/authorize" }));
    let mut tab = Tab::open(&browser, config, PAGE, HostProbe::default());
    let (mount, goto) = mount_qr(&mut tab, json!({ "sdkUrl": "/emulator/qr-sdk.js" }));
    assert!(qr_message(&mut tab, mount, "https://passport.feishu.cn", true, json!("t")).is_empty());
    assert_eq!(
        qr_message(&mut tab, mount, "http://127.0.0.1:9000", true, json!({ "tmp_code": "t" })),
        vec![format!("{goto}&tmp_code=t")]
    );

    let mut lark = Tab::open(&browser, driver::config(json!({ "brand": "lark" })), PAGE, HostProbe::default());
    let (mount, _) = mount_qr(&mut lark, json!({}));
    assert!(qr_message(&mut lark, mount, "https://passport.feishu.cn", true, json!("t")).is_empty());
    assert_eq!(qr_message(&mut lark, mount, "https://passport.larksuite.com", true, json!("t")).len(), 1);
}

#[test]
fn qr_mount_is_replaced_disposed_and_reports_its_script() {
    let mut tab = Tab::browser(&Browser::new());
    let (first, _) = mount_qr(&mut tab, json!({}));
    let sdk = window_effects(tab.all()).into_iter().find_map(|w| {
        if let WindowEffect::MountQr { sdk_url, .. } = w {
            Some(sdk_url.clone())
        } else {
            None
        }
    });
    assert_eq!(sdk.as_deref(), Some(FEISHU_QR_SDK_URL));
    let mark = tab.mark();
    let (second, _) = mount_qr(&mut tab, json!({}));
    assert!(window_effects(tab.since(mark))
        .iter()
        .any(|w| matches!(w, WindowEffect::UnmountQr { mount, error } if *mount == first && error.kind() == ErrorKind::Cancelled)));
    assert!(qr_message(&mut tab, first, "https://passport.feishu.cn", true, json!("t")).is_empty(), "replaced");

    let mark = tab.mark();
    window(&mut tab, WindowEvent::QrLoaded { mount: second, loaded: false, api: false });
    let ready = window_effects(tab.since(mark));
    assert!(
        matches!(ready[..], [WindowEffect::QrReady { result: Err(ref e), .. }] if e.kind() == ErrorKind::Host && e.message().contains(FEISHU_QR_SDK_URL)),
        "{ready:?}"
    );
    let (third, _) = mount_qr(&mut tab, json!({}));
    let mark = tab.mark();
    window(&mut tab, WindowEvent::QrLoaded { mount: third, loaded: true, api: false });
    assert!(
        matches!(window_effects(tab.since(mark))[..], [WindowEffect::QrReady { result: Err(ref e), .. }] if e.kind() == ErrorKind::Host)
    );

    let (fourth, _) = mount_qr(&mut tab, json!({}));
    let mark = tab.mark();
    window(&mut tab, WindowEvent::DisposeQr { mount: fourth });
    assert!(matches!(window_effects(tab.since(mark))[..], [WindowEffect::UnmountQr { .. }]));
    assert!(qr_message(&mut tab, fourth, "https://passport.feishu.cn", true, json!("t")).is_empty(), "disposed");

    // Bad arguments and surfaces.
    let href = tab.href.clone();
    let mark = tab.mark();
    window(&mut tab, WindowEvent::MountQr { id: 5, target: false, options: Json::Null, href: href.clone() });
    let options = codec::to_json(&json!({ "sdkUrl": "javascript:alert(1)" }));
    window(&mut tab, WindowEvent::MountQr { id: 6, target: true, options, href });
    assert_eq!((tab.kind(5), tab.kind(6)), (ErrorKind::Config, ErrorKind::Config));
    assert!(window_effects(tab.since(mark)).is_empty());
    let mut widget = widget_tab(&Browser::new());
    let href = widget.href.clone();
    window(&mut widget, WindowEvent::MountQr { id: 1, target: true, options: Json::Null, href });
    assert_eq!(widget.kind(1), ErrorKind::Unsupported);
}

// ---------------------------------------------------------------------------------------------
// Passport
// ---------------------------------------------------------------------------------------------

#[test]
fn passport_url_has_no_scope_and_no_pkce_but_a_state_and_the_backend_is_told() {
    let browser = Browser::new();
    let mut tab = Tab::open(&browser, config(json!({ "passport": true })), PAGE, HostProbe::default());
    let state = start_login(&mut tab, json!({}));
    let url = navigations(tab.all())[0].to_owned();
    assert!(url.starts_with("https://passport.feishu.cn/suite/passport/oauth/authorize?client_id="), "{url}");
    assert_eq!(query(&url, "client_id"), APP);
    assert_eq!(query(&url, "redirect_uri"), REDIRECT);
    assert_eq!(query(&url, "response_type"), "code");
    assert!(state.len() >= 22);
    for absent in ["scope", "code_challenge", "code_challenge_method"] {
        assert!(!url.contains(&format!("{absent}=")), "{absent} in {url}");
    }
    // The callback is checked like any other, and the backend hears it is a passport code.
    tab.feed(Event::PageHidden);
    tab.load(&format!("{REDIRECT}?code=c&state=forged"));
    let forged = tab.handle_callback(None);
    assert_eq!(tab.kind(forged), ErrorKind::State);
    tab.load(&callback(&state));
    let id = tab.handle_callback(None);
    let body = body(tab.pending_fetch().1);
    assert_eq!(body["passport"], json!(true));
    assert_eq!(body["redirectUri"], json!(REDIRECT));
    tab.answer_fetch(200, TOKEN_BODY);
    assert_eq!(tab.result(id), &Ok(Value::Session));

    // Without passport, the body has no such field.
    let (plain, _) = signed_in_browser_tab(&Browser::new());
    assert!(fetches(plain.all()).iter().all(|r| !r.body.contains("passport")));

    let mut lark =
        Tab::open(&browser, config(json!({ "passport": true, "brand": "lark" })), PAGE, HostProbe::default());
    start_login(&mut lark, json!({ "force": true }));
    assert!(navigations(lark.all())[0].starts_with("https://passport.larksuite.com/suite/passport/oauth/authorize?"));

    let mut out = Vec::new();
    let scoped = new_engine(
        &config(json!({ "passport": true, "scope": ["a"] })),
        PAGE,
        HostProbe::default(),
        &tab.ports,
        &mut out,
    );
    assert_eq!(scoped.err().map(|e| e.kind()), Some(ErrorKind::Config));
    let typo = new_engine(&config(json!({ "passport": "yes" })), PAGE, HostProbe::default(), &tab.ports, &mut out);
    assert!(typo.err().is_some_and(|e| e.message().contains("`passport`")));
    let options_scope = tab.login(json!({ "scope": ["a"], "force": true }));
    assert_eq!(tab.kind(options_scope), ErrorKind::Config);
}

#[test]
fn passport_goto_of_a_qr_login_is_the_passport_endpoint() {
    let mut tab = Tab::open(&Browser::new(), config(json!({ "passport": true })), PAGE, HostProbe::default());
    let (mount, goto) = mount_qr(&mut tab, json!({}));
    assert!(goto.starts_with(FEISHU_PASSPORT_URL), "{goto}");
    assert!(!goto.contains("code_challenge"));
    assert_eq!(qr_message(&mut tab, mount, "https://passport.feishu.cn", true, json!("t1")).len(), 1);
}

// ---------------------------------------------------------------------------------------------
// Popup
// ---------------------------------------------------------------------------------------------

/// Starts a popup login in `tab`; returns the call and the authorize URL the popup was sent to.
fn popup(tab: &mut Tab) -> (CallId, String) {
    tab.next_id += 1;
    let id = tab.next_id;
    let mark = tab.mark();
    window(tab, WindowEvent::LoginWithPopup { id, options: Json::Null });
    let url = window_effects(tab.since(mark))
        .into_iter()
        .find_map(|w| if let WindowEffect::Popup { url, .. } = w { Some(url.clone()) } else { None })
        .unwrap_or_else(|| panic!("a popup effect: {:?}", tab.since(mark)));
    assert_eq!(sleeps(tab.since(mark)), vec![POPUP_TIMEOUT_MS], "nothing waits forever");
    (id, url)
}

fn message(state: &str, code: &str) -> Json {
    codec::to_json(&json!({ "type": POPUP_MESSAGE_TYPE, "code": code, "state": state }))
}

fn from_popup(tab: &mut Tab, origin: &str, from_popup: bool, data: Json) {
    window(tab, WindowEvent::PopupMessage { from_popup, channel: false, origin: origin.into(), data });
}

fn on_channel(tab: &mut Tab, data: Json) {
    window(tab, WindowEvent::PopupMessage { from_popup: false, channel: true, origin: String::new(), data });
}

const ORIGIN: &str = "https://app.example";

#[test]
fn popup_login_completes_from_its_own_window_and_origin_only() {
    let mut tab = Tab::browser(&Browser::new());
    let (id, url) = popup(&mut tab);
    let state = query(&url, "state");
    assert!(tab.pending_logins().is_empty(), "the popup login's record stays in memory");
    from_popup(&mut tab, "https://evil.example", true, message(&state, "c1"));
    from_popup(&mut tab, ORIGIN, false, message(&state, "c1"));
    from_popup(&mut tab, ORIGIN, true, codec::to_json(&json!({ "code": "c1", "state": state })));
    from_popup(&mut tab, ORIGIN, true, codec::to_json(&json!("c1")));
    assert!(fetches(tab.all()).is_empty() && tab.is_pending(id), "ignored: {:?}", tab.all());

    from_popup(&mut tab, ORIGIN, true, message(&state, "c1"));
    let request = body(tab.pending_fetch().1);
    assert_eq!((request["code"].as_str(), request["redirectUri"].as_str()), (Some("c1"), Some(REDIRECT)));
    // A double message is not a second login.
    from_popup(&mut tab, ORIGIN, true, message(&state, "c2"));
    assert_eq!(fetches(tab.all()).len(), 1);
    tab.answer_fetch(200, TOKEN_BODY);
    assert_eq!(tab.result(id), &Ok(Value::Session));
    assert!(tab.ports.browser.shared.borrow().items.keys().all(|k| !k.ends_with("/popup")), "the mark is gone");
}

#[test]
fn popup_answering_with_a_foreign_state_is_a_state_error_and_posts_nothing() {
    let mut tab = Tab::browser(&Browser::new());
    let (id, _) = popup(&mut tab);
    from_popup(&mut tab, ORIGIN, true, message("not-the-state-we-sent", "c1"));
    assert_eq!(tab.kind(id), ErrorKind::State);
    assert!(fetches(tab.all()).is_empty());
    assert_eq!(announced(tab.all()), vec![None], "no session");
}

#[test]
fn popup_blocked_closed_or_timed_out_settles() {
    let mut tab = Tab::browser(&Browser::new());
    let (blocked, _) = popup(&mut tab);
    window(&mut tab, WindowEvent::PopupBlocked);
    assert_eq!(tab.kind(blocked), ErrorKind::Popup);

    let (id, url) = popup(&mut tab);
    window(&mut tab, WindowEvent::PopupClosed { cross_origin: true });
    assert!(tab.is_pending(id), "its message may still come");
    assert_eq!(tab.end_sleep(), POPUP_CLOSE_GRACE_MS);
    assert_eq!(tab.kind(id), ErrorKind::Cancelled);
    // The message after the login was given up is ignored.
    from_popup(&mut tab, ORIGIN, true, message(&query(&url, "state"), "c"));
    assert!(fetches(tab.all()).is_empty());

    // Closed, but the message arrives within the grace: the login completes.
    let (id, url) = popup(&mut tab);
    window(&mut tab, WindowEvent::PopupClosed { cross_origin: true });
    from_popup(&mut tab, ORIGIN, true, message(&query(&url, "state"), "c"));
    tab.answer_fetch(200, TOKEN_BODY);
    assert_eq!(tab.result(id), &Ok(Value::Session));

    let (id, _) = popup(&mut tab);
    assert_eq!(tab.end_sleep(), POPUP_TIMEOUT_MS);
    assert_eq!(tab.kind(id), ErrorKind::Timeout);
}

#[test]
fn popup_callback_page_hands_over_to_its_opener_without_exchanging() {
    let mut opener = Tab::browser(&Browser::new());
    let (id, url) = popup(&mut opener);
    let state = query(&url, "state");
    // The popup: a page of the same origin, opened by the opener, loads the callback.
    let mut popup_tab = opener.open_child(&callback(&state));
    let call = popup_tab.login(json!({}));
    assert_eq!(popup_tab.kind(call), ErrorKind::Cancelled, "the popup's own call ends: it closes");
    let handed: Vec<_> = window_effects(popup_tab.all())
        .into_iter()
        .filter_map(|w| {
            if let WindowEffect::HandOver { origin, params, .. } = w {
                Some((origin.clone(), params.clone()))
            } else {
                None
            }
        })
        .collect();
    assert_eq!(handed.len(), 1);
    assert_eq!(handed[0].0, ORIGIN, "posted to this origin exactly");
    assert_eq!((handed[0].1.code.as_deref(), handed[0].1.state.as_deref()), (Some("THE_CODE"), Some(state.as_str())));
    assert!(fetches(popup_tab.all()).is_empty(), "the popup never exchanges");
    assert_eq!(popup_tab.href, REDIRECT, "the code left the popup's address bar");

    from_popup(&mut opener, ORIGIN, true, message(&state, "THE_CODE"));
    opener.answer_fetch(200, TOKEN_BODY);
    assert_eq!(opener.result(id), &Ok(Value::Session));
}

#[test]
fn copied_pending_record_in_another_tab_cannot_complete_a_popup_login() {
    let browser = Browser::new();
    let mut opener = Tab::browser(&browser);
    // An ordinary pending login too, so the copy is not empty.
    opener.authorize_url(json!({}));
    let (id, url) = popup(&mut opener);
    let state = query(&url, "state");
    // A tab opened by the opener (sessionStorage copied), without an opener of its own now (or
    // the user pasted the URL): it loads the popup's callback and tries to complete it. It can
    // only hand it over, as the popup would (the popup login's mark says whose it is).
    let mut other = opener.open_child(&callback(&state));
    let call = other.handle_callback(None);
    assert_eq!(other.kind(call), ErrorKind::Cancelled);
    assert!(fetches(other.all()).is_empty(), "no backend post from the other tab");
    let login = other.login(json!({}));
    assert!(fetches(other.all()).is_empty() && other.settlements(login).len() <= 1);

    // The opener still completes its own login.
    from_popup(&mut opener, ORIGIN, true, message(&state, "THE_CODE"));
    opener.answer_fetch(200, TOKEN_BODY);
    assert_eq!(opener.result(id), &Ok(Value::Session));
    // And the callback cannot be replayed into the opener afterwards.
    let replay = opener.handle_callback(Some(&callback(&state)));
    assert_eq!(opener.kind(replay), ErrorKind::State);
}

#[test]
fn popup_login_is_for_the_browser_and_logout_cancels_it() {
    let mut widget = widget_tab(&Browser::new());
    window(&mut widget, WindowEvent::LoginWithPopup { id: 1, options: Json::Null });
    assert_eq!(widget.kind(1), ErrorKind::Unsupported);

    let mut tab = Tab::browser(&Browser::new());
    let (id, _) = popup(&mut tab);
    let (second, _) = {
        let mark = tab.mark();
        window(&mut tab, WindowEvent::LoginWithPopup { id: 77, options: Json::Null });
        assert!(window_effects(tab.since(mark)).is_empty(), "a second call shares the popup in flight");
        (77, ())
    };
    tab.call(Call::Logout(Json::Null));
    assert_eq!((tab.kind(id), tab.kind(second)), (ErrorKind::Cancelled, ErrorKind::Cancelled));
}

#[test]
fn debug_of_the_qr_navigation_never_shows_the_tmp_code() {
    // Effect::Navigate's Debug once printed the URL with the scan's tmp_code, a one-time login
    // code (messages and their data are redacted already).
    let mut tab = Tab::browser(&Browser::new());
    let (mount, _) = mount_qr(&mut tab, json!({}));
    let urls = qr_message(&mut tab, mount, "https://passport.feishu.cn", true, json!("tmp-SECRET_1"));
    assert_eq!(urls.len(), 1);
    let printed = format!("{:?}", tab.all());
    assert!(!printed.contains("tmp-SECRET_1"), "{printed}");
    assert!(printed.contains("Navigate"), "{printed}");
}

#[test]
fn a_popup_severed_by_an_opener_policy_hands_over_on_the_channel_with_its_own_state_only() {
    let browser = Browser::new();
    let mut tab = Tab::browser(&browser);
    let (id, url) = popup(&mut tab);
    let state = query(&url, "state");
    let channel = format!("feishu-login/v1/{APP}/popup");
    let opened = window_effects(tab.all()).into_iter().find_map(|w| match w {
        WindowEffect::Popup { channel, features, .. } => Some((channel.clone(), *features)),
        _ => None,
    });
    assert_eq!(opened, Some((channel.clone(), "popup,width=520,height=680")));
    // The opener's handle reads closed while the popup was never seen on another origin: the
    // page's Cross-Origin-Opener-Policy cut the link; the popup still runs.
    let mark = tab.mark();
    window(&mut tab, WindowEvent::PopupClosed { cross_origin: false });
    assert!(tab.is_pending(id));
    assert_eq!(sleeps(tab.all()), vec![POPUP_TIMEOUT_MS], "no grace: it waits for the hand-over");
    // The developer hears it at once, not 10 minutes later: once, naming the header to change.
    let warned = warnings(tab.since(mark));
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert!(
        warned[0].contains("Cross-Origin-Opener-Policy") && warned[0].contains("same-origin-allow-popups"),
        "{}",
        warned[0]
    );
    // Another tab's popup on the same channel: not this login's.
    on_channel(&mut tab, message("another-tabs-state", "c0"));
    assert!(tab.is_pending(id) && fetches(tab.all()).is_empty());
    // The callback page hands over on the channel (it has no opener).
    let mut callback_page = Tab::open(&browser, tab.config.clone(), &callback(&state), HostProbe::default());
    let own = callback_page.login(json!({}));
    assert_eq!(callback_page.kind(own), ErrorKind::Cancelled);
    assert!(callback_page.error(own).message().contains("popup"), "{}", callback_page.error(own).message());
    let handed = window_effects(callback_page.all()).into_iter().find_map(|w| match w {
        WindowEffect::HandOver { channel, params, .. } => Some((channel.clone(), params.state.clone())),
        _ => None,
    });
    assert_eq!(handed, Some((channel, Some(state.clone()))));
    on_channel(&mut tab, message(&state, "THE_CODE"));
    assert_eq!(body(tab.pending_fetch().1)["code"], "THE_CODE");
    tab.answer_fetch(200, TOKEN_BODY);
    assert_eq!(tab.result(id), &Ok(Value::Session));
}

#[test]
fn a_severed_popup_that_never_hands_over_fails_naming_the_opener_policy() {
    let mut tab = Tab::browser(&Browser::new());
    let (id, _) = popup(&mut tab);
    window(&mut tab, WindowEvent::PopupClosed { cross_origin: false });
    assert_eq!(tab.end_sleep(), POPUP_TIMEOUT_MS);
    assert_eq!(tab.kind(id), ErrorKind::Popup);
    let text = tab.error(id).message();
    assert!(text.contains("Cross-Origin-Opener-Policy") && text.contains("same-origin-allow-popups"), "{text}");

    // A new loginWithPopup() while a severed popup waits opens a new one; the earlier call ends.
    let (first, _) = popup(&mut tab);
    window(&mut tab, WindowEvent::PopupClosed { cross_origin: false });
    let (second, url) = popup(&mut tab);
    assert_eq!(tab.kind(first), ErrorKind::Cancelled);
    from_popup(&mut tab, ORIGIN, true, message(&query(&url, "state"), "c"));
    tab.answer_fetch(200, TOKEN_BODY);
    assert_eq!(tab.result(second), &Ok(Value::Session));
}
