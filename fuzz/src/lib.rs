//! The fuzz harness of feishu-login: [`invariants`] (the checks, also run by the SDK's plain
//! `cargo test`), [`input`] (structured inputs), the text inputs of the `callback` and
//! `return_to` targets, and [`model`] (the engine in two or three tabs, also run by `cargo test`)
//! for the `interleavings` target.
//!
//! The text targets read NUL-separated fields, so that the checked-in seeds (`fuzz/seeds/`) are
//! plain text and URLs may hold tabs and newlines.
#![warn(missing_docs)]

pub mod input;
pub mod invariants;
pub mod json;
/// The model of two or three tabs around the engine, shared with the SDK's `cargo test`.
#[path = "../../tests/model/mod.rs"]
#[allow(missing_docs)]
pub mod model;

use feishu_login::{CodeVerifier, PendingLogin};

/// The `callback` target: `url [\0 state [\0 now]]`. The pending login's state is the URL's own
/// `state` (as the browser reads it) when no second field is given, none when it is `-`; it
/// was created at 0 and the callback arrives at `now` ms (1000 when not given).
pub fn run_callback(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut fields = text.split('\0');
    let url = fields.next().unwrap_or("");
    let state = match fields.next() {
        None => url::Url::parse(url)
            .ok()
            .and_then(|u| u.query_pairs().find(|(n, _)| n == "state").map(|(_, v)| v.into_owned())),
        Some("-") => None,
        Some(state) => Some(state.to_owned()),
    };
    let now = fields.next().map_or(1_000, |n| n.trim().parse().unwrap_or(i64::MIN));
    let pending = state.map(|state| PendingLogin {
        state,
        verifier: CodeVerifier::from_stored("v".repeat(43)),
        redirect_uri: "https://app.example/cb".into(),
        return_to: None,
        created_at: 0,
        epoch: 0,
    });
    invariants::check_callback(url, pending, now);
}

/// The `return_to` target: `page \0 returnTo [\0 returnTo …]`; one field alone is a returnTo on
/// `https://app.example/login?x=1#top`.
pub fn run_return_to(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let fields: Vec<&str> = text.split('\0').collect();
    let (page, return_tos) = match fields.as_slice() {
        [_] => ("https://app.example/login?x=1#top", &fields[..1]),
        [page, rest @ ..] => (*page, rest),
        [] => return,
    };
    let Some(config) = invariants::page_config(page) else { return };
    for return_to in return_tos {
        invariants::check_return_to(&config, page, return_to);
    }
}

/// The `json` target: the input as JSON text (when UTF-8), and as a structured value written
/// out by the SDK; a parsed object is also read as a config.
pub fn run_json(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Some(value) = json::check_text(text) {
            invariants::check_config_json(&value, "https://app.example/login?x=1#top");
        }
    }
    if let Ok(value) = arbitrary::Unstructured::new(data).arbitrary::<input::Value>() {
        json::check_value(&value.json());
    }
}

/// The `interleavings` target: the bytes choose the tabs and the events (a call, an answer, late
/// `storage` events, time passing, a navigation that does not happen, …); every step is held to
/// the model's rules, then everything is drained and checked.
pub fn run_interleavings(data: &[u8]) {
    model::run(&mut model::Bytes(data));
}
