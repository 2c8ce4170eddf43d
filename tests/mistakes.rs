//! Mistakes an app makes in what it passes, named by the engine (natively, through the scripted
//! driver of `tests/driver/`): a key the config or a member's options do not take is a `config`
//! error naming it and the closest key they do take (TypeScript catches these for TS users; this
//! is for JS and for objects built at run time).

mod driver;
use driver::*;
use feishu_login::*;
use serde_json::json;

/// The error of `new FeishuLogin(config)`.
fn construction_error(config: serde_json::Value) -> Error {
    let tab = Tab::browser(&Browser::new());
    let mut out = Vec::new();
    let error = new_engine(&config, PAGE, HostProbe::default(), &tab.ports, &mut out).err().expect("a config error");
    assert!(out.is_empty(), "nothing happens for an invalid config");
    error
}

#[test]
fn a_misspelt_config_key_is_named_with_the_key_it_meant() {
    let error = construction_error(config(json!({ "redirectUrl": "https://app.example/cb" })));
    assert_eq!(error.kind(), ErrorKind::Config);
    assert_eq!(error.message(), "unknown key `redirectUrl` in the config: did you mean `redirectUri`?");
    let error = construction_error(config(json!({ "backend": { "url": "/api", "timeout": 5000 } })));
    assert_eq!(error.message(), "unknown key `timeout` in the config's `backend`: did you mean `timeoutMs`?");
    let error = construction_error(config(json!({ "refreshUrl": { "url": "/r", "credential": "include" } })));
    assert_eq!(error.message(), "unknown key `credential` in the config's `refreshUrl`: did you mean `credentials`?");
    let error = construction_error(config(json!({ "logoutUrl": { "url": "/o", "retry": 1 } })));
    assert!(error.message().contains("in the config's `logoutUrl`: did you mean `retries`?"), "{}", error.message());
    // What the driver adds and keeps: the storage object (as `{}`) and docMiniApp.
    let tab = Tab::open(
        &Browser::new(),
        config(json!({ "storage": {}, "docMiniApp": {}, "hostTimeoutMs": 5, "renewBeforeMs": 0 })),
        PAGE,
        HostProbe::default(),
    );
    assert!(matches!(tab.all()[0], Effect::Ready { .. }));
}

#[test]
fn a_misspelt_option_is_named_with_the_member_and_the_key_it_meant() {
    let mut tab = Tab::browser(&Browser::new());
    let cases = [
        (
            Call::Login(codec::to_json(&json!({ "forse": true }))),
            "unknown key `forse` in the options of login(): did you mean `force`?",
        ),
        (
            Call::AuthorizeUrl(codec::to_json(&json!({ "scopes": ["a"] }))),
            "in the options of authorizeUrl(): did you mean `scope`?",
        ),
        (
            Call::LoginWithRedirect(codec::to_json(&json!({ "returnUrl": "/x" }))),
            "in the options of loginWithRedirect(): did you mean `returnTo`?",
        ),
        (
            Call::Logout(codec::to_json(&json!({ "return_to": "/" }))),
            "unknown key `return_to` in the options of logout(): did you mean `returnTo`?",
        ),
        (
            Call::GetSession(codec::to_json(&json!({ "minValidity": 5 }))),
            "in the options of getSession(): did you mean `minValidityMs`?",
        ),
    ];
    for (call, message) in cases {
        let id = tab.call(call);
        assert_eq!(tab.kind(id), ErrorKind::Config);
        assert!(tab.error(id).message().contains(message), "{}", tab.error(id).message());
    }
    assert!(navigations(tab.all()).is_empty() && fetches(tab.all()).is_empty(), "nothing started");
    assert!(tab.pending_logins().is_empty(), "no pending login recorded");

    let href = tab.href.clone();
    tab.feed(Event::Window(WindowEvent::LoginWithPopup { id: 40, options: codec::to_json(&json!({ "Force": true })) }));
    assert!(tab.error(40).message().contains("`Force` in the options of loginWithPopup(): did you mean `force`?"));
    let options = codec::to_json(&json!({ "sdkURL": "https://cdn.example/qr.js" }));
    tab.feed(Event::Window(WindowEvent::MountQr { id: 41, target: true, options, href: href.clone() }));
    assert!(tab.error(41).message().contains("`sdkURL` in the options of mountQrLogin(): did you mean `sdkUrl`?"));
    // The QR's own keys and the login's are known to mountQrLogin().
    let options =
        codec::to_json(&json!({ "width": 300, "height": "300", "style": "", "scope": ["a"], "returnTo": "/x" }));
    tab.feed(Event::Window(WindowEvent::MountQr { id: 42, target: true, options, href }));
    assert_eq!(tab.result(42), &Ok(Value::Unit));
}

#[test]
fn the_string_custom_is_no_storage() {
    // "custom" is how the reader names a storage object; as a string it would leave the engine
    // on an object the driver does not have.
    let error = construction_error(config(json!({ "storage": "custom" })));
    assert_eq!(error.kind(), ErrorKind::Config);
    assert!(error.message().starts_with("invalid config: `storage` must be"), "{}", error.message());
}
