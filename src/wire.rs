//! The JSON the engine and the browser driver (`js/driver.js`) exchange: one event in, a list
//! of effects out, as text. Text keeps the wasm boundary to one export and a handful of string
//! imports (every JS value wasm-bindgen marshals costs glue bytes and an import shim).
//!
//! Events (`"t"` names the event):
//!
//! | event | fields |
//! | --- | --- |
//! | `init` | `config` (the app's config; `storage`/`docMiniApp` objects as `{}`, a storage object without its three methods as `false`), `env` `{href, docMiniApp, h5sdk, ttLogin}` (booleans: which host APIs exist), `threw` when reading the config threw |
//! | `call` | `id`, `m` (`login`, `authorizeUrl`, `loginWithRedirect`, `handleCallback`, `isCallback`, `refresh`, `logout`), `arg`, `href`, `threw` when reading `arg` threw |
//! | `fetched` | `op`, then `status` + `body`, or `fail`: `"network"` / `"timeout"` |
//! | `slept` | `op` |
//! | `host` | `op`, then `ready` (h5sdk.ready fired; the value: whether `tt.requestAccess` exists), `value` (what the API resolved with), `error` (what it rejected with), `timeout: true` or `missing: true` |
//! | `navfail`, `pagehide`, `tick` | — |
//! | `pageshow` | `persisted` |
//! | `storage` | `key` (`null`: the store was cleared) |
//!
//! Effects (`"e"` names the effect) mirror [`Effect`]: `ready` `{surface, watch}`, `settle`
//! `{id, session: true}` / `{id, value}` / `{id, error: {kind, message, code?, status?,
//! retryable}}`, `session` `{session, headers}`, `timer` `{ms}`, `fetch` `{op, url, headers,
//! body, credentials, timeoutMs}`, `sleep` `{op, ms}`, `host` `{op, api, appId?, scope?, state?,
//! timeoutMs}`, `navigate` `{url}`, `replace` `{url}`, `warn` `{message}`.

use crate::backend::{HttpResponse, TransportError};
use crate::config::Credentials;
use crate::engine::{Call, Effect, Engine, Environment, Event, HostAnswer, HostCall, Value};
use crate::error::{Error, ErrorKind};
use crate::host::{HostFailure, HostProbe};
use crate::json::Json;
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
    Error::config(what, "could not be read (a getter or Proxy trap threw): pass a plain object")
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
    let event = match kind {
        "init" => {
            let env = json.get("env")?;
            let config = match json.get("config") {
                _ if flag(&json, "threw") => Err(unreadable("config")),
                Some(config) => Ok(config.clone()),
                None => Ok(Json::Null),
            };
            let probe = HostProbe {
                doc_mini_app: flag(env, "docMiniApp"),
                h5sdk: flag(env, "h5sdk"),
                tt_login: flag(env, "ttLogin"),
            };
            return Some(Ok(Incoming::Init {
                config,
                env: Environment { href: text(env, "href").unwrap_or_default(), probe },
            }));
        }
        "call" => {
            let id = number(&json, "id")? as u32;
            let arg = json.get("arg").cloned().unwrap_or(Json::Null);
            if flag(&json, "threw") {
                return Some(Err((id, unreadable("options"))));
            }
            let url = || arg.as_str().map(str::to_owned);
            let call = match json.get("m")?.as_str()? {
                "login" => Call::Login(arg.clone()),
                "authorizeUrl" => Call::AuthorizeUrl(arg.clone()),
                "loginWithRedirect" => Call::LoginWithRedirect(arg.clone()),
                "handleCallback" => Call::HandleCallback(url()),
                "isCallback" => Call::IsCallback(url()),
                "refresh" => Call::Refresh,
                "logout" => Call::Logout,
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
        "host" => {
            let result = if let Some(ready) = json.get("ready") {
                Ok(HostAnswer::Ready { has_request_access: matches!(ready, Json::Bool(true)) })
            } else if let Some(value) = json.get("value") {
                // `DocMiniApp.Service.User.login()` resolves with the code; `tt.*` with `{code}`.
                match value.as_str().map(str::to_owned).or_else(|| text(value, "code")) {
                    Some(code) => Ok(HostAnswer::Code { code, state: text(value, "state") }),
                    None => Err(HostFailure {
                        message: Some("the host answered without a code".into()),
                        ..Default::default()
                    }),
                }
            } else if flag(&json, "timeout") {
                Err(HostFailure::timeout())
            } else if flag(&json, "missing") {
                Err(HostFailure::unavailable())
            } else {
                Err(host_failure(json.get("error").unwrap_or(&Json::Null)))
            };
            Event::Host { op: op()?, result }
        }
        "navfail" => Event::NavigationFailed,
        "pagehide" => Event::PageHidden,
        "pageshow" => Event::PageShown { persisted: flag(&json, "persisted") },
        "storage" => Event::StorageChanged { key: text(&json, "key") },
        "tick" => Event::Tick,
        _ => return None,
    };
    Some(Ok(Incoming::Event(event)))
}

fn int(value: i64) -> Json {
    Json::integer(value)
}

/// The JSON of an error: `{kind, message, code?, status?, retryable}`.
pub fn error_json(error: &Error) -> Json {
    let mut members = vec![
        ("kind".to_owned(), Json::string(error.kind().as_str())),
        ("message".to_owned(), Json::string(error.message())),
        ("retryable".to_owned(), Json::Bool(error.retryable())),
    ];
    if let Some(code) = error.code() {
        members.push(("code".to_owned(), int(code)));
    }
    if let Some(status) = error.status() {
        members.push(("status".to_owned(), int(status.into())));
    }
    Json::Object(members)
}

fn effect(name: &str, mut fields: Vec<(&str, Json)>) -> Json {
    let mut members = vec![("e".to_owned(), Json::string(name))];
    members.extend(fields.drain(..).map(|(k, v)| (k.to_owned(), v)));
    Json::Object(members)
}

/// The JSON of one effect.
pub fn effect_json(item: &Effect) -> Json {
    match item {
        Effect::Ready { surface, watch_storage } => {
            effect("ready", vec![("surface", Json::string(surface.as_str())), ("watch", Json::Bool(*watch_storage))])
        }
        Effect::Settle { id, result } => {
            let outcome = match result {
                Ok(Value::Session) => ("session", Json::Bool(true)),
                Ok(Value::Unit) => ("value", Json::Null),
                Ok(Value::Bool(b)) => ("value", Json::Bool(*b)),
                Ok(Value::Text(s)) => ("value", Json::string(s)),
                Err(error) => ("error", error_json(error)),
            };
            effect("settle", vec![("id", int((*id).into())), outcome])
        }
        Effect::Session(session) => {
            let headers = match session {
                Some(s) => Json::object([("Authorization", Json::String(String::from("Bearer ") + &s.token))]),
                None => Json::Object(Vec::new()),
            };
            let session = session.as_ref().map_or(Json::Null, |s| s.to_json());
            effect("session", vec![("session", session), ("headers", headers)])
        }
        Effect::Timer(ms) => effect("timer", vec![("ms", ms.map_or(Json::Null, |ms| int(ms.into())))]),
        Effect::Fetch { op, request } => {
            let headers =
                request.headers.iter().map(|(k, v)| Json::Array(vec![Json::string(k), Json::string(v)])).collect();
            let credentials = match request.credentials {
                Credentials::Omit => "omit",
                Credentials::SameOrigin => "same-origin",
                Credentials::Include => "include",
            };
            effect(
                "fetch",
                vec![
                    ("op", int((*op).into())),
                    ("url", Json::string(&request.url)),
                    ("headers", Json::Array(headers)),
                    ("body", Json::string(&request.body)),
                    ("credentials", Json::string(credentials)),
                    ("timeoutMs", int(request.timeout_ms.into())),
                ],
            )
        }
        Effect::Sleep { op, ms } => effect("sleep", vec![("op", int((*op).into())), ("ms", int((*ms).into()))]),
        Effect::Host { op, call, timeout_ms } => {
            let mut fields = vec![("op", int((*op).into())), ("timeoutMs", int((*timeout_ms).into()))];
            let api = match call {
                HostCall::DocWidgetLogin => "docWidget",
                HostCall::H5sdkReady => "h5sdkReady",
                HostCall::TtLogin => "ttLogin",
                HostCall::RequestAuthCode { app_id } => {
                    fields.push(("appId", Json::string(app_id)));
                    "requestAuthCode"
                }
                HostCall::RequestAccess { app_id, scope, state } => {
                    fields.push(("appId", Json::string(app_id)));
                    fields.push(("scope", Json::Array(scope.iter().map(|s| Json::string(s)).collect())));
                    fields.push(("state", Json::string(state)));
                    "requestAccess"
                }
            };
            fields.push(("api", Json::string(api)));
            effect("host", fields)
        }
        Effect::Navigate(url) => effect("navigate", vec![("url", Json::string(url))]),
        Effect::ReplaceUrl(url) => effect("replace", vec![("url", Json::string(url))]),
        Effect::Warn(message) => effect("warn", vec![("message", Json::string(message))]),
    }
}

/// The effects as one JSON array.
pub fn write_effects(effects: &[Effect]) -> String {
    Json::Array(effects.iter().map(effect_json).collect()).to_text()
}

/// One step of the protocol: reads `event`, hands it to the engine (creating it on `init`) and
/// writes the effects. The wasm's `Engine.step` is this function over the browser's ports.
pub fn step<P: Ports>(engine: &mut Option<Engine>, event: &str, ports: &P) -> String {
    let mut out = Vec::new();
    match read_event(event) {
        // A malformed event is a driver bug; there is no call to answer.
        None => {}
        Some(Err((id, error))) => out.push(Effect::Settle { id, result: Err(error) }),
        Some(Ok(Incoming::Init { config, env })) => {
            match config.and_then(|config| Engine::new(&config, &env, ports, &mut out)) {
                Ok(created) => *engine = Some(created),
                Err(error) => out.push(Effect::Settle { id: 0, result: Err(error) }),
            }
        }
        Some(Ok(Incoming::Event(event))) => match (engine.as_mut(), event) {
            (Some(engine), event) => engine.handle(event, ports, &mut out),
            (None, Event::Call { id, .. }) => out.push(Effect::Settle {
                id,
                result: Err(Error::new(
                    ErrorKind::Config,
                    "this FeishuLogin could not be constructed: create a new one with a valid config",
                )),
            }),
            (None, _) => {}
        },
    }
    write_effects(&out)
}
