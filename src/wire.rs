//! The JSON the engine and the browser driver (`js/driver.js`) exchange: one event in, a list
//! of effects out, as text. Text keeps the wasm boundary to one export and a handful of string
//! imports (every JS value wasm-bindgen marshals costs glue bytes and an import shim).
//!
//! Events (`"t"` names the event):
//!
//! | event | fields |
//! | --- | --- |
//! | `init` | `config` (the app's config; `storage`/`docMiniApp` objects as `{}`, a storage object without its three methods as `false`), `env` `{href, page, docMiniApp, h5sdk, ttLogin}` (booleans: whether there is a `document`, which host APIs exist), `threw` when reading the config threw |
//! | `call` | `id`, `m` (`login`, `authorizeUrl`, `loginWithRedirect`, `handleCallback`, `isCallback`, `read` (the `session`/`status` getters, `authHeaders()`), `logout`, `getSession`), `arg`, `href`, `threw` when reading `arg` threw |
//! | `fetched` | `op`, then `status` + `body`, or `fail`: `"network"` / `"timeout"` |
//! | `slept` | `op` |
//! | `host` | `op`, then `ready: true` (h5sdk.ready fired), `value` (what the API resolved with), `error` (what it rejected with), `timeout: true` or `missing: true` (the API, or h5sdk's `ready`, does not exist) |
//! | `navigated`, `navfail` | `op` (`location.assign` returned, or threw) |
//! | `pagehide`, `tick` | — |
//! | `pageshow` | `persisted` |
//! | `storage` | `key` (`null`: the store was cleared) |
//! | `visibility` | `visible` (`visibilitychange`) |
//! | `online` | — |
//! | `locked` | `op`, `held` (the Web Lock was granted; `false`: no Web Locks, or the request failed) |
//! | `window` | popup and QR logins: `m` and its fields (see `window_event`) |
//!
//! Effects (`"e"` names the effect) mirror [`Effect`]: `ready` `{surface, watch}`, `settle`
//! `{id, session: true}` / `{id, value}` / `{id, error: {kind, m, a?, t?, code?, status?,
//! retryable}}` (`m`, `a`, `t`: a [`Message`]'s id, parameters and what follows it), `session` `{session, headers}`, `status` `{status}`, `timer` `{ms}`, `fetch`
//! `{op, method, url, headers, body, credentials, timeoutMs}`, `sleep` `{op, ms}`, `host` `{op,
//! api, appId?, scope?, state?, timeoutMs}`, `navigate` `{op, url}`, `replace` `{url}`, `warn`
//! `{m, a?, t?}`, `lock` `{op, name}`, `unlock` `{op}`; the window effects of popup and QR logins
//! `popup`, `handover`, `qrmount`, `qrready`, `qrunmount` (see `Writer::window`).
//!
//! This module encodes and decodes; it decides nothing.

use crate::backend::{HttpResponse, TransportError};
use crate::config::Credentials;
use crate::engine::{entry, WindowEffect, WindowEvent, POPUP_MESSAGE_TYPE};
use crate::engine::{Call, Effect, Engine, Environment, Event, HostAnswer, HostCall, Value};
use crate::error::decimal;
use crate::error::{Error, ErrorKind};
use crate::host::{HostFailure, HostProbe};
use crate::json::{write_string, Json};
use crate::ports::Ports;
use crate::prelude::*;

/// What the driver sent.
#[derive(Debug)]
pub enum Incoming {
    /// `new FeishuLogin(config)`.
    Init {
        /// The config as read, or the error reading it is.
        config: Result<Json, Error>,
        /// The page.
        env: Environment,
    },
    /// Anything else.
    Event(Event),
}

fn unreadable(what: &str) -> Error {
    Error::config(what, Msg::Unreadable)
}

/// An argument of the app's, which the driver sends as JSON text inside the event: an argument
/// the parser refuses (nested deeper than 128) then fails its own call, instead of making the
/// whole event unreadable and the call unanswered.
fn argument(json: &Json, key: &str) -> Result<Json, Error> {
    match json.get(key).and_then(Json::as_str) {
        None => Ok(Json::Null),
        Some(text) => Json::parse(text)
            .ok_or_else(|| Error::config(if key == "config" { "config" } else { "options" }, Msg::NotPlainData)),
    }
}

fn number(json: &Json, key: &str) -> Option<i64> {
    match json.get(key)? {
        // Some clients send codes as strings ("103").
        Json::String(text) => text.trim().parse().ok(),
        value => value.as_i64(),
    }
}

fn text(json: &Json, key: &str) -> Option<String> {
    json.get(key).and_then(Json::as_str).map(str::to_owned)
}

fn flag(json: &Json, key: &str) -> bool {
    matches!(json.get(key), Some(Json::Bool(true)))
}

/// What a host rejected with: an `APIInvokeError` (`code`), a `tt` error object (`errno` /
/// `errCode`, `errMsg` / `errString`), a string, or an `Error`. Never fails: an unreadable value
/// is a failure without code.
fn host_failure(error: &Json) -> HostFailure {
    let code = ["errno", "errCode", "code"].iter().find_map(|key| number(error, key));
    let message = error
        .as_str()
        .map(str::to_owned)
        .or_else(|| ["errMsg", "errString", "message"].iter().find_map(|key| text(error, key)));
    HostFailure { code, message, ..HostFailure::default() }
}

/// Reads one event of the driver.
///
/// # Errors
/// `config` when an argument could not be read; a malformed event (a driver bug) is `None`.
pub fn read_event(text_in: &str) -> Option<Result<Incoming, (u32, Error)>> {
    let json = Json::parse(text_in)?;
    let kind = json.get("t")?.as_str()?;
    let op = || number(&json, "op").map(|n| n as u32);
    if kind == "window" {
        return window_event(&json);
    }
    let event = match kind {
        "init" => {
            let env = json.get("env")?;
            let config = if flag(&json, "threw") { Err(unreadable("config")) } else { argument(&json, "config") };
            let probe = HostProbe {
                doc_mini_app: flag(env, "docMiniApp"),
                h5sdk: flag(env, "h5sdk"),
                tt_login: flag(env, "ttLogin"),
            };
            return Some(Ok(Incoming::Init {
                config,
                env: Environment { href: text(env, "href").unwrap_or_default(), probe, page: flag(env, "page") },
            }));
        }
        "call" => {
            let id = number(&json, "id")? as u32;
            let arg = match argument(&json, "arg") {
                Ok(arg) if !flag(&json, "threw") => arg,
                Ok(_) => return Some(Err((id, unreadable("options")))),
                Err(error) => return Some(Err((id, error))),
            };
            let url = || arg.as_str().map(str::to_owned);
            let call = match json.get("m")?.as_str()? {
                "login" => Call::Login(arg.clone()),
                "authorizeUrl" => Call::AuthorizeUrl(arg.clone()),
                "loginWithRedirect" => Call::LoginWithRedirect(arg.clone()),
                "handleCallback" => Call::HandleCallback(url()),
                "isCallback" => Call::IsCallback(url()),
                "read" => Call::ReadSession,
                "logout" => Call::Logout(arg.clone()),
                "getSession" => Call::GetSession(arg.clone()),
                _ => return None,
            };
            Event::Call { id, call, href: text(&json, "href").unwrap_or_default() }
        }
        "fetched" => {
            let result = match (number(&json, "status"), text(&json, "fail")) {
                (Some(status), _) => {
                    Ok(HttpResponse { status: status as u16, body: text(&json, "body").unwrap_or_default() })
                }
                (None, Some(fail)) if fail == "timeout" => Err(TransportError::TimedOut),
                _ => Err(TransportError::Unreachable),
            };
            Event::Fetched { op: op()?, result }
        }
        "slept" => Event::Slept { op: op()? },
        "host" if !entry::HOSTS => return None,
        "host" => {
            let result = if flag(&json, "ready") {
                Ok(HostAnswer::Ready)
            } else if let Some(value) = json.get("value") {
                // `DocMiniApp.Service.User.login()` resolves with the code; `tt.*` with `{code}`.
                let code = value.as_str().map(str::to_owned).or_else(|| text(value, "code"));
                Ok(HostAnswer::Code { code, state: text(value, "state") })
            } else if flag(&json, "timeout") {
                Err(HostFailure::timeout())
            } else if flag(&json, "missing") {
                Err(HostFailure::unavailable())
            } else {
                Err(host_failure(json.get("error").unwrap_or(&Json::Null)))
            };
            Event::Host { op: op()?, result }
        }
        "navfail" => Event::NavigationFailed { op: op()? },
        "navigated" => Event::Navigated { op: op()? },
        "pagehide" => Event::PageHidden,
        "pageshow" => Event::PageShown { persisted: flag(&json, "persisted") },
        "storage" => Event::StorageChanged { key: text(&json, "key") },
        "tick" => Event::Tick,
        "visibility" => Event::Visibility { visible: flag(&json, "visible") },
        "online" => Event::Online,
        "locked" => Event::Locked { op: op()?, held: flag(&json, "held") },
        _ => return None,
    };
    Some(Ok(Incoming::Event(event)))
}

/// Reads a `window` event (popup and QR logins, [`WindowEvent`]): `m` names it.
///
/// | `m` | fields |
/// | --- | --- |
/// | `popup` | `id`, `arg` (options) |
/// | `popupblocked` | — (`window.open` returned no window) |
/// | `popupclosed` | `crossOrigin` (the popup was seen on another origin before) |
/// | `popupmsg` | `fromPopup`, `channel` (from the `BroadcastChannel`), `origin`, `data` (JSON text of `event.data`) |
/// | `qr` | `id`, `target` (an element was found), `arg` (options), `href` |
/// | `qrloaded` | `mount`, `loaded`, `api` |
/// | `qrmsg` | `mount`, `origin`, `matchOrigin`, `matchData`, `fromFrame`, `data` |
/// | `qrdispose` | `mount` |
fn window_event(json: &Json) -> Option<Result<Incoming, (u32, Error)>> {
    let id = || number(json, "id").map(|n| n as u32);
    let mount = || number(json, "mount").map(|n| n as u32);
    // Data that is not plain JSON (a function, a cycle) reads as null: never a usable message.
    let data = || argument(json, "data").unwrap_or(Json::Null);
    let href = || text(json, "href").unwrap_or_default();
    let origin = || text(json, "origin").unwrap_or_default();
    let options = |id: u32| match argument(json, "arg") {
        Ok(arg) if !flag(json, "threw") => Ok(arg),
        Ok(_) => Err((id, unreadable("options"))),
        Err(error) => Err((id, error)),
    };
    let m = json.get("m")?.as_str()?;
    // The reports of a flow this entry lacks: its driver sends none (src/engine/entry.rs).
    if !entry::POPUP && matches!(m, "popupblocked" | "popupclosed" | "popupmsg")
        || !entry::QR && matches!(m, "qrloaded" | "qrmsg" | "qrdispose")
    {
        return None;
    }
    let event = match m {
        "popup" => {
            let id = id()?;
            match options(id) {
                Ok(options) => WindowEvent::LoginWithPopup { id, options },
                Err(error) => return Some(Err(error)),
            }
        }
        "popupblocked" => WindowEvent::PopupBlocked,
        "popupclosed" => WindowEvent::PopupClosed { cross_origin: flag(json, "crossOrigin") },
        "popupmsg" => WindowEvent::PopupMessage {
            from_popup: flag(json, "fromPopup"),
            channel: flag(json, "channel"),
            origin: origin(),
            data: data(),
        },
        "qr" => {
            let id = id()?;
            match options(id) {
                Ok(options) => WindowEvent::MountQr { id, target: flag(json, "target"), options, href: href() },
                Err(error) => return Some(Err(error)),
            }
        }
        "qrloaded" => WindowEvent::QrLoaded { mount: mount()?, loaded: flag(json, "loaded"), api: flag(json, "api") },
        "qrmsg" => WindowEvent::QrMessage {
            mount: mount()?,
            origin: origin(),
            match_origin: flag(json, "matchOrigin"),
            match_data: flag(json, "matchData"),
            from_frame: flag(json, "fromFrame"),
            data: data(),
        },
        "qrdispose" => WindowEvent::DisposeQr { mount: mount()? },
        _ => return None,
    };
    Some(Ok(Incoming::Event(Event::Window(event))))
}

/// Writes effects as JSON text directly: building a `Json` tree per effect only to serialize it
/// cost ~4 KB of wasm.
struct Writer(String);

impl Writer {
    /// `,"name":` (or `"name":` for an object's first member).
    fn key(&mut self, name: &str) -> &mut Self {
        if !self.0.ends_with('{') {
            self.0.push(',');
        }
        write_string(name, &mut self.0);
        self.0.push(':');
        self
    }

    fn text(&mut self, name: &str, value: &str) -> &mut Self {
        self.key(name);
        write_string(value, &mut self.0);
        self
    }

    fn int(&mut self, name: &str, value: i64) -> &mut Self {
        self.key(name);
        self.0 += &decimal(value);
        self
    }

    fn raw(&mut self, name: &str, json: &str) -> &mut Self {
        self.key(name).0.push_str(json);
        self
    }

    fn flag(&mut self, name: &str, value: bool) -> &mut Self {
        self.raw(name, if value { "true" } else { "false" })
    }

    /// `"name":{"a":"1",…}`, or with `array`, `"name":[["a","1"],…]`.
    fn pairs(&mut self, name: &str, pairs: &[(String, String)], array: bool) -> &mut Self {
        self.key(name).0.push(if array { '[' } else { '{' });
        for (i, (key, value)) in pairs.iter().enumerate() {
            if i > 0 {
                self.0.push(',');
            }
            if array {
                self.0.push('[');
            }
            write_string(key, &mut self.0);
            self.0.push(if array { ',' } else { ':' });
            write_string(value, &mut self.0);
            if array {
                self.0.push(']');
            }
        }
        self.0.push(if array { ']' } else { '}' });
        self
    }

    fn json(&mut self, name: &str, value: &Json) -> &mut Self {
        self.key(name);
        value.write(&mut self.0);
        self
    }

    fn open(&mut self, effect: &str) -> &mut Self {
        if self.0.len() > 1 {
            self.0.push(',');
        }
        self.0.push('{');
        self.text("e", effect)
    }

    /// A [`Message`] as its id and parameters, `"m":id,"a":[…],"t":{…}`: the driver fills in
    /// the text (`messages.js`, written from `src/messages.rs`). `a` and `t` only when present.
    fn message(&mut self, message: &Message) -> &mut Self {
        self.int("m", message.id() as i64);
        if !message.args().is_empty() {
            self.key("a").0.push('[');
            for (i, arg) in message.args().iter().enumerate() {
                if i > 0 {
                    self.0.push(',');
                }
                write_string(arg, &mut self.0);
            }
            self.0.push(']');
        }
        if let Some(next) = message.next() {
            self.key("t").0.push('{');
            self.message(next).0.push('}');
        }
        self
    }

    fn error(&mut self, error: &Error) {
        self.key("error").0.push('{');
        self.text("kind", error.kind().as_str()).message(error.content());
        self.flag("retryable", error.retryable());
        if let Some(code) = error.code() {
            self.int("code", code);
        }
        if let Some(status) = error.status() {
            self.int("status", status.into());
        }
        self.0.push('}');
    }

    fn effect(&mut self, item: &Effect) {
        match item {
            Effect::Ready { surface, watch_storage } => {
                self.open("ready").text("surface", surface.as_str()).flag("watch", *watch_storage);
            }
            Effect::Settle { id, result } => {
                self.open("settle").int("id", (*id).into());
                match result {
                    Ok(Value::Session) => drop(self.flag("session", true)),
                    Ok(Value::Unit) => drop(self.raw("value", "null")),
                    Ok(Value::Bool(b)) => drop(self.flag("value", *b)),
                    Ok(Value::Text(s)) => drop(self.text("value", s)),
                    Err(error) => self.error(error),
                }
            }
            Effect::Session { session, headers } => {
                self.open("session");
                match session {
                    Some(session) => drop(self.json("session", &session.to_json())),
                    None => drop(self.raw("session", "null")),
                }
                self.pairs("headers", headers, false);
            }
            Effect::Status(status) => {
                self.open("status").text("status", status.as_str());
            }
            Effect::Timer(ms) => {
                self.open("timer");
                match ms {
                    Some(ms) => drop(self.int("ms", (*ms).into())),
                    None => drop(self.raw("ms", "null")),
                }
            }
            Effect::Fetch { op, request } => {
                self.open("fetch").int("op", (*op).into()).text("method", request.method).text("url", &request.url);
                self.pairs("headers", &request.headers, true);
                let credentials = match request.credentials {
                    Credentials::Omit => "omit",
                    Credentials::SameOrigin => "same-origin",
                    Credentials::Include => "include",
                };
                self.text("body", &request.body).text("credentials", credentials);
                self.int("timeoutMs", request.timeout_ms.into());
            }
            Effect::Sleep { op, ms } => {
                self.open("sleep").int("op", (*op).into()).int("ms", (*ms).into());
            }
            // Not reached: an entry without the hosts asks none (src/engine/entry.rs).
            Effect::Host { .. } if !entry::HOSTS => {
                self.open("host");
            }
            Effect::Host { op, call, timeout_ms } => {
                self.open("host").int("op", (*op).into()).int("timeoutMs", (*timeout_ms).into());
                let api = match call {
                    HostCall::DocWidgetLogin => "docWidget",
                    HostCall::H5sdkReady => "h5sdkReady",
                    HostCall::TtLogin => "ttLogin",
                    HostCall::RequestAuthCode { app_id } => {
                        self.text("appId", app_id);
                        "requestAuthCode"
                    }
                    HostCall::RequestAccess { app_id, scope, state } => {
                        self.text("appId", app_id).text("state", state);
                        self.json("scope", &Json::Array(scope.iter().map(|s| Json::string(s)).collect()));
                        "requestAccess"
                    }
                };
                self.text("api", api);
            }
            Effect::Navigate { op, url } => {
                self.open("navigate").int("op", (*op).into()).text("url", url);
            }
            Effect::ReplaceUrl(url) => {
                self.open("replace").text("url", url);
            }
            Effect::Warn(message) => {
                self.open("warn").message(message);
            }
            Effect::Lock { op, name } => {
                self.open("lock").int("op", (*op).into()).text("name", name);
            }
            Effect::Unlock { op } => {
                self.open("unlock").int("op", (*op).into());
            }
            Effect::Window(effect) => self.window(effect),
        }
        self.0.push('}');
    }
}

impl Writer {
    /// A [`WindowEffect`]: `popup` `{id, url, features, pollMs, channel}`, `handover` `{origin,
    /// channel, data: {type, code?, state, error?}}`, `qrmount` `{mount, goto, sdkUrl, timeoutMs,
    /// options}`, `qrready` `{mount, error?}`, `qrunmount` `{mount, error}`.
    fn window(&mut self, effect: &WindowEffect) {
        if !(entry::POPUP || entry::QR) {
            // Not reached: an entry without popup and QR logins has no window (src/engine/entry.rs).
            self.open("window");
            return;
        }
        match effect {
            WindowEffect::Popup { id, url, features, poll_ms, channel } => {
                self.open("popup").int("id", (*id).into()).text("url", url).text("features", features);
                self.int("pollMs", (*poll_ms).into()).text("channel", channel);
            }
            WindowEffect::HandOver { origin, channel, params } => {
                self.open("handover").text("origin", origin).text("channel", channel).key("data").0.push('{');
                self.text("type", POPUP_MESSAGE_TYPE);
                for (name, value) in [("code", &params.code), ("state", &params.state), ("error", &params.error)] {
                    if let Some(value) = value {
                        self.text(name, value);
                    }
                }
                self.0.push('}');
            }
            WindowEffect::MountQr { mount, goto, sdk_url, options, timeout_ms } => {
                self.open("qrmount").int("mount", (*mount).into()).text("goto", goto).text("sdkUrl", sdk_url);
                self.int("timeoutMs", (*timeout_ms).into()).json("options", options);
            }
            WindowEffect::QrReady { mount, result } => {
                self.open("qrready").int("mount", (*mount).into());
                if let Err(error) = result {
                    self.error(error);
                }
            }
            WindowEffect::UnmountQr { mount, error } => {
                self.open("qrunmount").int("mount", (*mount).into()).error(error);
            }
        }
    }
}

/// The effects as one JSON array.
pub fn write_effects(effects: &[Effect]) -> String {
    let mut out = Writer(String::from("["));
    for item in effects {
        out.effect(item);
    }
    out.0.push(']');
    out.0
}

/// One step of the protocol: reads `event`, hands it to the engine at `now` (creating it on
/// `init`) and writes the effects. The wasm's `Engine.step` is this function over the browser's
/// ports.
pub fn step<P: Ports>(engine: &mut Option<Engine>, event: &str, now: i64, ports: &P) -> String {
    let mut out = Vec::new();
    let event = read_event(event);
    let mounting_qr = matches!(event, Some(Ok(Incoming::Event(Event::Window(WindowEvent::MountQr { .. })))));
    match event {
        // A malformed event is a driver bug; there is no call to answer.
        None => {}
        Some(Err((id, error))) => out.push(Effect::Settle { id, result: Err(error) }),
        Some(Ok(Incoming::Init { config, env })) => {
            match config.and_then(|config| Engine::new(now, &config, &env, ports, &mut out)) {
                Ok(created) => *engine = Some(created),
                Err(error) => out.push(Effect::Settle { id: 0, result: Err(error) }),
            }
        }
        Some(Ok(Incoming::Event(event))) => match (engine.as_mut(), event) {
            (Some(engine), event) => engine.handle(now, event, ports, &mut out),
            (None, Event::Call { id, .. }) => {
                out.push(Effect::Settle { id, result: Err(Error::new(ErrorKind::Config, Msg::NotConstructed)) })
            }
            (None, _) => {}
        },
    }
    // Thrown synchronously: the text must be in this entry's messages-sync.js, and outside
    // mountQrLogin() it may not need the QR login (the entries without it throw the same there).
    for effect in &out {
        if let Effect::Settle { id: 0, result: Err(error) } = effect {
            let flows = crate::messages::Flows::THIS;
            crate::messages::check_thrown(error, flows);
            if !mounting_qr {
                crate::messages::check_thrown(error, crate::messages::Flows { qr: false, ..flows });
            }
        }
    }
    write_effects(&out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::HttpRequest;
    use crate::host::Surface;
    use crate::session::Session;
    use serde_json::{json, Value as J};

    fn written(effects: &[Effect]) -> J {
        serde_json::from_str(&write_effects(effects)).expect("the effects are JSON")
    }

    #[test]
    fn effects_are_json_the_driver_reads() {
        let session = Session {
            token: "t\"1\n".into(),
            expires_at: Some(5),
            user: Json::parse(r#"{"__proto__":{"admin":true},"名":"张三"}"#),
            surface: Surface::Browser,
            obtained_at: 1,
        };
        let request = HttpRequest {
            method: "POST",
            url: "/api".into(),
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: "{\"code\":\"c\"}".into(),
            credentials: Credentials::Include,
            timeout_ms: 10,
        };
        let message = Message::new(Msg::BackendCode).arg("/api").arg("400").arg("20049").then(Msg::OAuth20049.into());
        let error = Error::new(ErrorKind::Backend, message).with_code(20049).with_status(400);
        let effects = [
            Effect::Ready { surface: Surface::Client, watch_storage: false },
            Effect::Settle { id: 3, result: Ok(Value::Session) },
            Effect::Settle { id: 4, result: Ok(Value::Text("u".into())) },
            Effect::Settle { id: 5, result: Err(error) },
            Effect::Session { session: Some(session), headers: vec![("Authorization".into(), "Bearer t\"1\n".into())] },
            Effect::Session { session: None, headers: Vec::new() },
            Effect::Status(crate::engine::Status::SigningOut),
            Effect::Timer(None),
            Effect::Fetch { op: 7, request },
            Effect::Host {
                op: 8,
                call: HostCall::RequestAccess { app_id: "cli".into(), scope: vec!["a".into()], state: "s".into() },
                timeout_ms: 9,
            },
            Effect::ReplaceUrl("/x".into()),
            Effect::Warn(Msg::WarnUnreadable.into()),
        ];
        assert_eq!(
            written(&effects),
            json!([
                {"e": "ready", "surface": "client", "watch": false},
                {"e": "settle", "id": 3, "session": true},
                {"e": "settle", "id": 4, "value": "u"},
                {"e": "settle", "id": 5, "error": {"kind": "backend", "m": Msg::BackendCode as u8, "a": ["/api", "400", "20049"], "t": {"m": Msg::OAuth20049 as u8}, "retryable": false, "code": 20049, "status": 400}},
                {"e": "session", "session": {"token": "t\"1\n", "expiresAt": 5, "user": {"__proto__": {"admin": true}, "名": "张三"}, "surface": "browser", "obtainedAt": 1}, "headers": {"Authorization": "Bearer t\"1\n"}},
                {"e": "session", "session": null, "headers": {}},
                {"e": "status", "status": "signingOut"},
                {"e": "timer", "ms": null},
                {"e": "fetch", "op": 7, "method": "POST", "url": "/api", "headers": [["Content-Type", "application/json"]], "body": "{\"code\":\"c\"}", "credentials": "include", "timeoutMs": 10},
                {"e": "host", "op": 8, "timeoutMs": 9, "appId": "cli", "state": "s", "scope": ["a"], "api": "requestAccess"},
                {"e": "replace", "url": "/x"},
                {"e": "warn", "m": Msg::WarnUnreadable as u8},
            ])
        );
        assert_eq!(write_effects(&[]), "[]");
    }

    #[test]
    fn events_are_read_and_bad_arguments_are_config_errors() {
        let event = |text: &str| read_event(text).expect("an event").map_err(|(id, e)| (id, e.kind()));
        assert!(matches!(
            event(r#"{"t":"host","op":4,"error":{"errno":"103","errMsg":"no"}}"#),
            Ok(Incoming::Event(Event::Host { op: 4, result: Err(HostFailure { code: Some(103), .. }) }))
        ));
        assert!(matches!(
            event(r#"{"t":"host","op":4,"value":{"code":"c","state":"s"}}"#),
            Ok(Incoming::Event(Event::Host { result: Ok(HostAnswer::Code { .. }), .. }))
        ));
        assert!(matches!(
            event(r#"{"t":"fetched","op":2,"fail":"timeout"}"#),
            Ok(Incoming::Event(Event::Fetched { result: Err(TransportError::TimedOut), .. }))
        ));
        // A getter that threw is a config error, never a hang.
        assert_eq!(event(r#"{"t":"call","id":9,"m":"login","threw":true}"#).unwrap_err(), (9, ErrorKind::Config));
        // An argument nested past the parser's limit fails its own call (config), instead of
        // making the event unreadable and the call hang.
        let deep = String::from("[").repeat(200) + &"]".repeat(200);
        let text = String::from(r#"{"t":"call","id":7,"m":"login","arg":"#) + &Json::string(&deep).to_text() + "}";
        assert_eq!(event(&text).unwrap_err(), (7, ErrorKind::Config));
        assert!(matches!(
            event(r#"{"t":"call","id":8,"m":"handleCallback","arg":"\"https://a/?code=c\""}"#),
            Ok(Incoming::Event(Event::Call { call: Call::HandleCallback(Some(_)), .. }))
        ));
        assert!(matches!(event(r#"{"t":"init","threw":true,"env":{}}"#), Ok(Incoming::Init { config: Err(_), .. })));
        assert!(read_event("{").is_none() && read_event(r#"{"t":"nope"}"#).is_none());
    }

    #[test]
    fn lifecycle_events_and_calls_are_read() {
        let event = |text: &str| read_event(text).expect("an event").map_err(|(id, e)| (id, e.kind()));
        assert!(matches!(
            event(r#"{"t":"visibility","visible":true}"#),
            Ok(Incoming::Event(Event::Visibility { visible: true }))
        ));
        assert!(matches!(event(r#"{"t":"visibility"}"#), Ok(Incoming::Event(Event::Visibility { visible: false }))));
        assert!(matches!(event(r#"{"t":"online"}"#), Ok(Incoming::Event(Event::Online))));
        assert!(matches!(
            event(r#"{"t":"call","id":3,"m":"getSession","arg":"{\"minValidityMs\":5}"}"#),
            Ok(Incoming::Event(Event::Call { id: 3, call: Call::GetSession(Json::Object(_)), .. }))
        ));
        assert!(matches!(
            event(r#"{"t":"call","id":4,"m":"logout","arg":"null"}"#),
            Ok(Incoming::Event(Event::Call { id: 4, call: Call::Logout(Json::Null), .. }))
        ));
        assert!(matches!(
            event(r#"{"t":"locked","op":6,"held":true}"#),
            Ok(Incoming::Event(Event::Locked { op: 6, held: true }))
        ));
        let effects = [Effect::Lock { op: 6, name: "feishu-login/v1/cli/renewal".into() }, Effect::Unlock { op: 6 }];
        assert_eq!(
            written(&effects),
            json!([{"e": "lock", "op": 6, "name": "feishu-login/v1/cli/renewal"}, {"e": "unlock", "op": 6}])
        );
    }
}
