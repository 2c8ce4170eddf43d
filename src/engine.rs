//! The login engine: every decision of `FeishuLogin`, as a plain value that takes [`Event`]s and
//! returns [`Effect`]s ("sans-IO", like rustls, quinn-proto and h11).
//!
//! The engine owns single-flight (concurrent `login()` / `handleCallback()` calls share one
//! attempt), retries, the pending browser logins, session persistence with its memory fallback,
//! expiry, what listeners hear, and every error. It performs nothing: a driver (the browser's in
//! `js/driver.js`, a scripted one in the tests) performs the effects and feeds their outcomes back
//! as events, each tagged with the [`Op`] the effect carried, so a late or doubled answer (a host
//! that calls back twice, a fetch that settles after its attempt was given up) is ignored.
//! Synchronous questions (clock, random bytes, web storage, URL parsing) go through
//! [`Ports`](crate::ports::Ports).

use crate::authorize::{LoginOptions, PendingLogin, PENDING_TTL_MS};
use crate::backend::{
    build_request, read_response, retry_delay, transport_error, ExchangeRequest, HttpRequest, HttpResponse,
    TransportError,
};
use crate::callback::{strip_callback_params, validate_callback, CallbackParams};
use crate::config::{validate_scope, Config, ConfigInput, StorageChoice};
use crate::config::{BackendConfig, Lifecycle};
use crate::error::CodeSource;
use crate::error::{Error, ErrorKind};
use crate::host::{detect_surface, host_error, Api, HostFailure, HostProbe, Surface, ERRNO_UNSUPPORTED};
use crate::json::Json;
use crate::pkce::{random_token, CodeVerifier, RandomSource};
use crate::ports::{Area, Ports, Refused};
use crate::prelude::*;
use crate::session::Session;
use crate::storage::storage_key;
use subtle::ConstantTimeEq;

mod popup;
pub use popup::{
    build_passport_request, is_tmp_code, WindowEffect, WindowEvent, FEISHU_PASSPORT_URL, FEISHU_QR_SDK_URL,
    LARK_PASSPORT_URL, LARK_QR_SDK_URL, MAX_TMP_CODE_LEN, POPUP_CLOSE_GRACE_MS, POPUP_MESSAGE_TYPE, POPUP_POLL_MS,
    POPUP_TIMEOUT_MS,
};

/// Prints `[redacted]` for what can carry a secret, so a driver logging events leaks nothing.
const REDACTED: &str = "[redacted]";

impl core::fmt::Debug for Call {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Call::Login(options) => f.debug_tuple("Login").field(options).finish(),
            Call::AuthorizeUrl(options) => f.debug_tuple("AuthorizeUrl").field(options).finish(),
            Call::LoginWithRedirect(options) => f.debug_tuple("LoginWithRedirect").field(options).finish(),
            Call::HandleCallback(url) => {
                f.debug_tuple("HandleCallback").field(&url.as_ref().map(|_| REDACTED)).finish()
            }
            Call::IsCallback(url) => f.debug_tuple("IsCallback").field(&url.as_ref().map(|_| REDACTED)).finish(),
            Call::Refresh => f.write_str("Refresh"),
            Call::Logout(options) => f.debug_tuple("Logout").field(options).finish(),
            Call::GetSession(options) => f.debug_tuple("GetSession").field(options).finish(),
        }
    }
}

impl core::fmt::Debug for HostAnswer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            HostAnswer::Ready { has_request_access } => {
                f.debug_struct("Ready").field("has_request_access", has_request_access).finish()
            }
            HostAnswer::Code { .. } => f.debug_struct("Code").field("code", &REDACTED).finish_non_exhaustive(),
        }
    }
}

impl core::fmt::Debug for Effect {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Effect::Ready { surface, watch_storage } => {
                f.debug_struct("Ready").field("surface", surface).field("watch_storage", watch_storage).finish()
            }
            Effect::Settle { id, result } => f.debug_struct("Settle").field("id", id).field("result", result).finish(),
            Effect::Session(session) => f.debug_tuple("Session").field(session).finish(),
            Effect::Timer(ms) => f.debug_tuple("Timer").field(ms).finish(),
            Effect::Fetch { op, request } => f.debug_struct("Fetch").field("op", op).field("request", request).finish(),
            Effect::Sleep { op, ms } => f.debug_struct("Sleep").field("op", op).field("ms", ms).finish(),
            Effect::Host { op, call, timeout_ms } => {
                f.debug_struct("Host").field("op", op).field("call", call).field("timeout_ms", timeout_ms).finish()
            }
            Effect::Navigate { call, .. } => {
                f.debug_struct("Navigate").field("url", &REDACTED).field("call", call).finish()
            }
            Effect::ReplaceUrl(url) => f.debug_tuple("ReplaceUrl").field(url).finish(),
            Effect::Warn(message) => f.debug_tuple("Warn").field(message).finish(),
            Effect::Lock { op, name } => f.debug_struct("Lock").field("op", op).field("name", name).finish(),
            Effect::Unlock { op } => f.debug_struct("Unlock").field("op", op).finish(),
            Effect::Window(effect) => f.debug_tuple("Window").field(effect).finish(),
        }
    }
}

impl core::fmt::Debug for Event {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Event::Call { id, call, .. } => {
                f.debug_struct("Call").field("id", id).field("call", call).field("href", &REDACTED).finish()
            }
            Event::Fetched { op, result } => f
                .debug_struct("Fetched")
                .field("op", op)
                .field("status", &result.as_ref().map(|r| r.status))
                .finish_non_exhaustive(),
            Event::Slept { op } => f.debug_struct("Slept").field("op", op).finish(),
            Event::Host { op, result } => f.debug_struct("Host").field("op", op).field("result", result).finish(),
            Event::NavigationFailed { call } => f.debug_struct("NavigationFailed").field("call", call).finish(),
            Event::Navigated { call } => f.debug_struct("Navigated").field("call", call).finish(),
            Event::PageHidden => f.write_str("PageHidden"),
            Event::PageShown { persisted } => f.debug_struct("PageShown").field("persisted", persisted).finish(),
            Event::StorageChanged { key } => f.debug_struct("StorageChanged").field("key", key).finish(),
            Event::Tick => f.write_str("Tick"),
            Event::Visibility { visible } => f.debug_struct("Visibility").field("visible", visible).finish(),
            Event::Online => f.write_str("Online"),
            Event::Locked { op, held } => f.debug_struct("Locked").field("op", op).field("held", held).finish(),
            Event::Window(event) => f.debug_tuple("Window").field(event).finish(),
        }
    }
}

/// Identifies one effect whose outcome the engine waits for.
pub type Op = u32;

/// Identifies one call of a public member, chosen by the driver; the engine settles it once.
pub type CallId = u32;

/// How long the browser flow waits for the page to unload after navigating to Feishu. When the
/// page is still there (a `beforeunload` handler kept it, the authorize URL answered 204 or was
/// a download), `login()` rejects with kind `cancelled` and the next call starts afresh.
pub const NAVIGATION_GRACE_MS: u32 = 4_000;

/// How long a callback that failed at once answers repeated calls on the cleaned address bar
/// with its error: long enough for React StrictMode's immediate second call, far shorter than a
/// person clicking "log in" again (which must start a new login).
pub const REPEAT_WINDOW_MS: i64 = 1_000;

/// At most this many pending browser logins are kept (oldest dropped first): enough for the
/// callback in the address bar while a few more logins are started, and small, because every
/// `authorizeUrl()` rewrites the list (the benchmark found a third of its time in that write
/// with 8).
pub const MAX_PENDING: usize = 4;

/// A public member of `FeishuLogin`, with its argument as the driver read it.
/// # Security
/// `Debug` leaves out the URLs of `handleCallback`/`isCallback` (they carry the code).
pub enum Call {
    /// `login(options?)`.
    Login(Json),
    /// `authorizeUrl(options?)`.
    AuthorizeUrl(Json),
    /// `loginWithRedirect(options?)`.
    LoginWithRedirect(Json),
    /// `handleCallback(url?)`; `None` means the address bar's URL.
    HandleCallback(Option<String>),
    /// `isCallback(url?)`.
    IsCallback(Option<String>),
    /// The `session` getter and `authHeaders()`: re-reads the store (expiry, other tabs).
    Refresh,
    /// `logout(options?)`: `{ returnTo? }`.
    Logout(Json),
    /// `getSession(options?)`: `{ minValidityMs? }`.
    GetSession(Json),
}

/// What a host API answered.
/// # Security
/// `Debug` redacts the code and the state.
pub enum HostAnswer {
    /// `h5sdk.ready` fired; whether `tt.requestAccess` exists now.
    Ready {
        /// `typeof tt.requestAccess === "function"`.
        has_request_access: bool,
    },
    /// A login code, and the state `tt.requestAccess` echoed (if it did).
    Code {
        /// The one-time code.
        code: String,
        /// The echoed `state`.
        state: Option<String>,
    },
}

/// Something that happened outside the engine.
/// # Security
/// `Debug` redacts what can carry an authorization code: the address bar's URL and host answers.
pub enum Event {
    /// A member was called; `href` is `location.href` at that moment.
    Call {
        /// Settled later with [`Effect::Settle`].
        id: CallId,
        /// The member.
        call: Call,
        /// The address bar's URL.
        href: String,
    },
    /// The answer to [`Effect::Fetch`].
    Fetched {
        /// The effect's op.
        op: Op,
        /// The status and body, or why there is none.
        result: Result<HttpResponse, TransportError>,
    },
    /// [`Effect::Sleep`] ended.
    Slept {
        /// The effect's op.
        op: Op,
    },
    /// The answer to [`Effect::Host`].
    Host {
        /// The effect's op.
        op: Op,
        /// What the host answered.
        result: Result<HostAnswer, HostFailure>,
    },
    /// `location.assign` threw (an invalid URL for this browser, a sandbox without
    /// `allow-top-navigation`), for [`Effect::Navigate`] of `call`.
    NavigationFailed {
        /// The effect's `call`.
        call: Option<CallId>,
    },
    /// `location.assign` returned, for [`Effect::Navigate`] with a `call`.
    Navigated {
        /// The effect's `call`.
        call: CallId,
    },
    /// `pagehide`: the page is being unloaded (or put in the back/forward cache).
    PageHidden,
    /// `pageshow`; `persisted` when the page came back from the back/forward cache.
    PageShown {
        /// `PageTransitionEvent.persisted`.
        persisted: bool,
    },
    /// A `storage` event: another tab changed `key` (`None`: it cleared the store).
    StorageChanged {
        /// The changed key.
        key: Option<String>,
    },
    /// The timer of [`Effect::Timer`] fired.
    Tick,
    /// `visibilitychange`: whether the page is visible now. A hidden tab's timers are throttled
    /// or frozen, so a page shown again re-checks whether its session needs renewing.
    Visibility {
        /// `document.visibilityState === "visible"`.
        visible: bool,
    },
    /// `online`: the network is back; a renewal that was due is tried.
    Online,
    /// The answer to [`Effect::Lock`]: `held` when the lock was granted (and is held until
    /// [`Effect::Unlock`]), `false` when there are no Web Locks here or the request failed.
    Locked {
        /// The effect's op.
        op: Op,
        /// Whether this tab holds the lock now.
        held: bool,
    },
    /// A popup or QR login's window reported something (`src/engine/popup.rs`).
    Window(WindowEvent),
}

/// How a call settles when it succeeds.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `undefined`.
    Unit,
    /// The current session object (the one [`Effect::Session`] last announced), so that
    /// `await login()` and `auth.session` are the same object.
    Session,
    /// A string.
    Text(String),
    /// A boolean.
    Bool(bool),
}

/// A host API call.
#[derive(Clone, Debug, PartialEq)]
pub enum HostCall {
    /// `DocMiniApp.Service.User.login()`.
    DocWidgetLogin,
    /// `h5sdk.ready(cb)`.
    H5sdkReady,
    /// `tt.requestAccess({ appID, scopeList, state })`.
    RequestAccess {
        /// `appID`.
        app_id: String,
        /// `scopeList`.
        scope: Vec<String>,
        /// `state`, echoed by the client.
        state: String,
    },
    /// `tt.requestAuthCode({ appId })`.
    RequestAuthCode {
        /// `appId`.
        app_id: String,
    },
    /// `tt.login()` in a mini program.
    TtLogin,
}

impl HostCall {
    /// Which API it is (its name in messages, its code table).
    pub fn api(&self) -> Api {
        match self {
            HostCall::DocWidgetLogin => Api::DocWidgetLogin,
            HostCall::H5sdkReady => Api::H5sdkReady,
            HostCall::RequestAccess { .. } => Api::RequestAccess,
            HostCall::RequestAuthCode { .. } => Api::RequestAuthCode,
            HostCall::TtLogin => Api::TtLogin,
        }
    }
}

/// Something the driver must do.
/// # Security
/// `Debug` leaves out the URL of [`Effect::Navigate`] (a QR login's carries the `tmp_code`).
#[derive(PartialEq)]
pub enum Effect {
    /// The constructor succeeded: the detected (or forced) surface. The first effect.
    Ready {
        /// The surface.
        surface: Surface,
        /// Whether to listen to other tabs' `storage` events.
        watch_storage: bool,
    },
    /// Settle call `id`: resolve (or return) with the value, or reject (or throw) with the error.
    Settle {
        /// The call.
        id: CallId,
        /// Its outcome.
        result: Result<Value, Error>,
    },
    /// The session changed: replace the session object (`None`: signed out) and call the
    /// listeners. Never announced twice in a row with the same session.
    Session(Option<Session>),
    /// Arm the expiry timer to fire [`Event::Tick`] in this many ms (`None`: disarm it).
    Timer(Option<u32>),
    /// `fetch` with an abort after `request.timeout_ms`; answer with [`Event::Fetched`].
    Fetch {
        /// Tag of the answer.
        op: Op,
        /// The request.
        request: HttpRequest,
    },
    /// Wait `ms`, then [`Event::Slept`].
    Sleep {
        /// Tag of the answer.
        op: Op,
        /// How long.
        ms: u32,
    },
    /// Call a host API, giving up after `timeout_ms`; answer with [`Event::Host`].
    Host {
        /// Tag of the answer.
        op: Op,
        /// The API and its arguments.
        call: HostCall,
        /// How long it may take.
        timeout_ms: u32,
    },
    /// `location.assign(url)`; then [`Event::Navigated`] for `call` (if any), or
    /// [`Event::NavigationFailed`] when it throws.
    Navigate {
        /// Where to.
        url: String,
        /// The call (`loginWithRedirect()`) that settles once the browser took it.
        call: Option<CallId>,
    },
    /// `history.replaceState(history.state, "", url)`.
    ReplaceUrl(String),
    /// A problem that did not stop the SDK (`console.warn`). Never carries a secret.
    Warn(String),
    /// Request the [Web Lock](https://w3c.github.io/web-locks/) `name` (exclusive, waiting
    /// until it is free); answer with [`Event::Locked`], and hold it until [`Effect::Unlock`].
    Lock {
        /// Tag of the answer and of the release.
        op: Op,
        /// The lock's name.
        name: String,
    },
    /// Release the Web Lock granted to `op`.
    Unlock {
        /// The op of [`Effect::Lock`].
        op: Op,
    },
    /// Work on a popup or QR login's window (`src/engine/popup.rs`).
    Window(WindowEffect),
}

/// What an attempt waits for.
#[derive(Debug)]
enum Phase {
    /// A host call.
    Host(HostStep),
    /// A popup login: its pending login (kept in memory only), and whether the popup closed.
    Popup { pending: PendingLogin, closed: bool },
    /// The backend's answer, or the pause before retrying it.
    Exchange { request: HttpRequest, tries: u32, surface: Surface, finish: Finish },
    /// The page to unload after `location.assign`; `hidden` once `pagehide` fired.
    Navigating { hidden: bool },
    /// A renewal waits for the Web Lock that makes it the one renewing tab.
    Locking,
    /// A renewal holds the Web Lock and waits [`LEASE_SETTLE_MS`] before deciding: the grant
    /// and the previous holder's localStorage write reach this page by different routes, so
    /// the renewed session may arrive just after the lock.
    Locked,
    /// A renewal wrote the cross-tab lease and waits [`LEASE_SETTLE_MS`] to see whether it kept it.
    Lease,
    /// Another tab holds the renewal lease: wait for its session, or for the lease to run out.
    Watching,
}

/// The host call an attempt is in.
#[derive(Debug)]
enum HostStep {
    /// One call that answers with the code (doc widget, mini program).
    Simple(HostCall),
    /// `h5sdk.ready`, before the client's login call.
    Ready { scope: Vec<String> },
    /// `tt.requestAccess` with this state, which the client echoes.
    RequestAccess { state: String },
    /// `tt.requestAuthCode`.
    RequestAuthCode,
}

/// What to do with the address bar after a browser callback's exchange succeeded.
#[derive(Debug, Default)]
struct Finish {
    return_to: Option<String>,
}

/// Which calls an attempt can answer.
#[derive(Debug, PartialEq)]
enum Purpose {
    /// `login()`.
    Login,
    /// `handleCallback(url)`.
    Callback(String),
    /// A renewal of the session whose token this is (`getSession()`, automatic renewal).
    Renew(String),
}

/// One login in flight, shared by every call waiting for it.
#[derive(Debug)]
struct Attempt {
    op: Op,
    purpose: Purpose,
    waiters: Vec<CallId>,
    phase: Phase,
}

/// A store with a memory fallback that never sticks: a refused write keeps the value in memory
/// for this page *and* removes the key from the refusing store, so no older value resurfaces
/// after a reload; the next write tries the store again (issue #9, item 5).
#[derive(Debug, Default)]
struct Fallback {
    /// Values this page holds instead of the store; `None` is a removal the store refused.
    memory: Vec<(String, Option<String>)>,
    warned: bool,
}

impl Fallback {
    /// `Some` when memory, not the store, has the last word on `key`.
    fn get(&self, key: &str) -> Option<Option<&str>> {
        self.memory.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_deref())
    }

    /// Memory has the last word on `key` from now on.
    fn keep(&mut self, key: &str, value: Option<&str>) {
        self.forget(key);
        self.memory.push((key.to_owned(), value.map(str::to_owned)));
    }

    /// The store has the last word on `key` again.
    fn forget(&mut self, key: &str) {
        self.memory.retain(|(k, _)| k != key);
    }
}

/// The engine behind one `FeishuLogin`.
pub struct Engine {
    config: Config,
    surface: Surface,
    session_key: String,
    pending_key: String,
    consumed_key: String,
    sessions: Fallback,
    /// Pending logins sessionStorage refused, for `authorizeUrl()` flows that stay on this page.
    pending_memory: Fallback,
    /// Popup and QR logins, `passport: true`.
    windows: popup::Windows,
    /// The session listeners last heard of (`Some(None)`: signed out).
    announced: Option<Option<Session>>,
    attempts: Vec<Attempt>,
    next_op: Op,
    /// The address bar (cleaned) after a callback there failed at once, the error, and when.
    recent_failure: Option<(String, Error, i64)>,
    /// Renewal and logout (issue #12).
    life: Life,
}

/// What the driver sees of the page when the SDK is constructed.
#[derive(Clone, Debug, Default)]
pub struct Environment {
    /// `location.href` (empty outside a window).
    pub href: String,
    /// Which host APIs exist.
    pub probe: HostProbe,
}

/// Adapts the random port to the PKCE generator.
struct Rng<'a, P: Ports>(&'a P);

impl<P: Ports> RandomSource for Rng<'_, P> {
    fn fill_random(&self, buf: &mut [u8]) -> Result<(), Error> {
        if self.0.fill(buf) {
            Ok(())
        } else {
            Err(Error::new(
                ErrorKind::Crypto,
                "crypto.getRandomValues is not available, so no secure login can be started: use a current browser",
            ))
        }
    }
}

fn cancelled(message: &'static str) -> Error {
    Error::new(ErrorKind::Cancelled, message)
}

impl Engine {
    /// Validates the configuration, detects the surface and reads the stored session.
    ///
    /// # Errors
    /// `config`, naming the field at fault.
    pub fn new<P: Ports>(config: &Json, env: &Environment, ports: &P, out: &mut Vec<Effect>) -> Result<Engine, Error> {
        // `docMiniApp` is a live JS object the driver keeps; the engine only checks what it was.
        if !matches!(config.get("docMiniApp"), None | Some(Json::Null | Json::Object(_))) {
            return Err(Error::config("docMiniApp", "must be the object from new BlockitClient().initAPI()"));
        }
        let lifecycle = Lifecycle::from_json(config, &env.href, ports)?;
        let json = config;
        let config = ConfigInput::from_json(config)?.validate(&env.href, ports)?;
        let windows = popup::Windows::from_config(json, &config)?;
        let surface = detect_surface(config.surface, env.probe);
        let mut engine = Engine {
            session_key: storage_key(&config.app_id, "session"),
            pending_key: storage_key(&config.app_id, "pending"),
            consumed_key: storage_key(&config.app_id, "consumed"),
            life: Life::new(lifecycle, storage_key(&config.app_id, "renewal"), ports.now_ms()),
            config,
            surface,
            sessions: Fallback::default(),
            pending_memory: Fallback::default(),
            windows,
            announced: None,
            attempts: Vec::new(),
            next_op: 0,
            recent_failure: None,
        };
        out.push(Effect::Ready { surface, watch_storage: engine.config.storage == StorageChoice::Local });
        engine.refresh(ports, out);
        engine.after(ports, out);
        Ok(engine)
    }

    /// The checked configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    fn dispatch<P: Ports>(&mut self, event: Event, ports: &P, out: &mut Vec<Effect>) {
        match event {
            Event::Call { id, call, href } => self.call(id, call, &href, ports, out),
            Event::Fetched { op, result } => {
                if let Some(index) = self.attempt_index(op) {
                    self.fetched(index, result, ports, out);
                }
            }
            Event::Slept { op } => {
                let Some(index) = self.attempt_index(op) else { return };
                match &self.attempts[index].phase {
                    Phase::Exchange { request, .. } => {
                        let request = request.clone();
                        let op = self.op();
                        self.attempts[index].op = op;
                        out.push(Effect::Fetch { op, request });
                    }
                    Phase::Navigating { hidden: false } => self.fail(
                        index,
                        cancelled("the page did not navigate to Feishu's login page (a beforeunload handler kept it, or the authorize URL did not answer with a page): call login() again"),
                        out,
                    ),
                    Phase::Popup { .. } => self.popup_slept(index, out),
                    // Unloading: the page is going away; nothing may settle now.
                    _ => {}
                }
            }
            Event::Host { op, result } => {
                if let Some(index) = self.attempt_index(op) {
                    self.host_answered(index, result, ports, out);
                }
            }
            Event::Navigated { call } => out.push(Effect::Settle { id: call, result: Ok(Value::Unit) }),
            Event::NavigationFailed { call } => {
                let error = Error::new(
                    ErrorKind::Unsupported,
                    "the browser refused to navigate to Feishu's login page (a sandboxed iframe without allow-top-navigation?): open the app in its own tab, or use a host surface",
                );
                match (call, self.navigating()) {
                    (Some(id), _) => out.push(Effect::Settle { id, result: Err(error) }),
                    (None, Some(index)) => self.fail(index, error, out),
                    (None, None) => {}
                }
            }
            Event::PageHidden => {
                for attempt in &mut self.attempts {
                    if let Phase::Navigating { hidden } = &mut attempt.phase {
                        *hidden = true;
                    }
                }
            }
            Event::PageShown { persisted } => {
                if persisted {
                    // Back from the back/forward cache: the login this page started never came
                    // back here, and another tab may have changed the session meanwhile.
                    if let Some(index) = self.navigating() {
                        self.fail(
                            index,
                            cancelled(
                                "the user came back from Feishu's login page without logging in: call login() again",
                            ),
                            out,
                        );
                    }
                    self.refresh(ports, out);
                }
            }
            Event::StorageChanged { key } => {
                if key.is_none() || key.as_deref() == Some(self.session_key.as_str()) {
                    self.refresh(ports, out);
                }
            }
            Event::Window(event) => self.window(event, ports, out),
            Event::Tick => {
                let session = self.stored_session(ports, out);
                let unchanged = !self.announce(session.clone(), ports, out);
                // A session longer than setTimeout's limit is re-checked at the limit.
                if let (true, Some(session)) = (unchanged, session) {
                    out.push(Effect::Timer(expiry_delay(&session, ports.now_ms())));
                }
            }
            // Handled by lifecycle_event.
            Event::Visibility { .. } | Event::Online | Event::Locked { .. } => {}
        }
    }

    fn op(&mut self) -> Op {
        self.next_op = self.next_op.wrapping_add(1);
        self.next_op
    }

    fn attempt_index(&self, op: Op) -> Option<usize> {
        self.attempts.iter().position(|a| a.op == op)
    }

    fn navigating(&self) -> Option<usize> {
        self.attempts.iter().position(|a| matches!(a.phase, Phase::Navigating { .. }))
    }

    fn call<P: Ports>(&mut self, id: CallId, call: Call, href: &str, ports: &P, out: &mut Vec<Effect>) {
        let result = match call {
            Call::Refresh => {
                self.refresh(ports, out);
                Ok(Value::Unit)
            }
            Call::IsCallback(url) => {
                Ok(Value::Bool(crate::callback::is_callback(url.as_deref().unwrap_or(href), ports)))
            }
            Call::Logout(options) => return self.logout(id, &options, ports, out),
            Call::GetSession(options) => return self.get_session(id, &options, ports, out),
            Call::AuthorizeUrl(options) => LoginOptions::from_json(&options)
                .and_then(|o| self.authorize(&o, href, false, ports, out))
                .map(Value::Text),
            Call::LoginWithRedirect(options) => {
                match LoginOptions::from_json(&options).and_then(|o| self.authorize(&o, href, true, ports, out)) {
                    // Settled once the driver says whether the browser took the navigation.
                    Ok(url) => return out.push(Effect::Navigate { url, call: Some(id) }),
                    Err(error) => Err(error),
                }
            }
            Call::HandleCallback(url) => {
                // React StrictMode calls it twice: the second call shares the first's attempt,
                // also when it reads the address bar that the first call already cleaned.
                let from_address_bar = url.is_none();
                let url = url.unwrap_or_else(|| href.to_owned());
                let shared = |a: &&mut Attempt| match &a.purpose {
                    Purpose::Callback(started) => {
                        *started == url || (from_address_bar && strip_callback_params(started, ports) == url)
                    }
                    _ => false,
                };
                match self.attempts.iter_mut().find(shared) {
                    Some(attempt) => attempt.waiters.push(id),
                    None => match self.repeat_failure(&url, ports).filter(|_| from_address_bar) {
                        Some(error) => out.push(Effect::Settle { id, result: Err(error) }),
                        None => self.start_callback(id, url, href, ports, out),
                    },
                }
                return;
            }
            Call::Login(options) => {
                // Bad options are this call's error even when an attempt is in flight.
                let options = match LoginOptions::from_json(&options) {
                    Ok(options) => options,
                    Err(error) => return out.push(Effect::Settle { id, result: Err(error) }),
                };
                // Concurrent calls share one attempt, whichever started it (a renewal is not one).
                if let Some(attempt) = self.attempts.iter_mut().find(|a| !matches!(a.purpose, Purpose::Renew(_))) {
                    attempt.waiters.push(id);
                    return;
                }
                if let Some(error) = self.repeat_failure(href, ports).filter(|_| self.surface == Surface::Browser) {
                    return out.push(Effect::Settle { id, result: Err(error) });
                }
                if self.surface == Surface::Browser && crate::callback::is_callback(href, ports) {
                    self.start_callback(id, href.to_owned(), href, ports, out);
                    return;
                }
                if !options.force && self.refresh(ports, out).is_some() {
                    return out.push(Effect::Settle { id, result: Ok(Value::Session) });
                }
                self.start_login(id, &options, href, ports, out);
                return;
            }
        };
        out.push(Effect::Settle { id, result });
    }

    /// A fresh authorize URL; its pending login is added to this tab's list.
    ///
    /// # Errors
    /// `config`, `crypto`, and, when `navigating`, `storage` if sessionStorage refuses the
    /// pending login: memory does not survive the redirect, so the login could never complete
    /// and must fail before navigating (issue #9, item 6). Without navigation (`authorizeUrl()`,
    /// whose URL may be used on this very page) the pending login is kept in memory.
    fn authorize<P: Ports>(
        &mut self,
        options: &LoginOptions,
        href: &str,
        navigating: bool,
        ports: &P,
        out: &mut Vec<Effect>,
    ) -> Result<String, Error> {
        let now = ports.now_ms();
        let request = self.authorize_request(options, ports, now)?;
        // Older pending logins stay: a callback in the address bar may still need one (item 4),
        // and that one is never the one dropped to keep the list short.
        let mut list = self.pending_list(ports, now);
        list.push(request.pending);
        let needed = CallbackParams::parse(href, ports).ok().and_then(|p| p.state).unwrap_or_default();
        while list.len() > MAX_PENDING {
            let oldest_unneeded = list.iter().position(|p| !bool::from(p.state.as_bytes().ct_eq(needed.as_bytes())));
            list.remove(oldest_unneeded.unwrap_or(0));
        }
        if !self.write_pending(&list, ports) {
            if navigating {
                return Err(Error::new(
                    ErrorKind::Storage,
                    "sessionStorage refused to keep the pending login (blocked storage, a sandboxed iframe or private mode), so the redirect could not be completed: allow storage for this site, or log in on a Feishu host surface",
                ));
            }
            out.push(Effect::Warn(String::from(
                "feishu-login: sessionStorage refused the pending login; it is kept in memory for this page only, so a redirect to this authorize URL cannot complete here",
            )));
        }
        Ok(request.url)
    }

    /// This tab's unexpired pending logins, oldest first. A record of the single-object format
    /// of 0.1 counts as a list of one.
    fn pending_list<P: Ports>(&self, ports: &P, now: i64) -> Vec<PendingLogin> {
        let text = match self.pending_memory.get(&self.pending_key) {
            Some(kept) => kept.map(str::to_owned),
            None => ports.get(Area::Pending, &self.pending_key).ok().flatten(),
        };
        let parsed = text.and_then(|t| Json::parse(&t));
        let records = match parsed {
            Some(Json::Array(items)) => items,
            Some(object @ Json::Object(_)) => vec![object],
            _ => Vec::new(),
        };
        records.iter().filter_map(PendingLogin::from_json).filter(|p| !p.is_expired(now)).collect()
    }

    fn start_login<P: Ports>(
        &mut self,
        id: CallId,
        options: &LoginOptions,
        href: &str,
        ports: &P,
        out: &mut Vec<Effect>,
    ) {
        let op = self.op();
        let (step, call) = match self.surface {
            Surface::Browser => {
                match self.authorize(options, href, true, ports, out) {
                    Ok(url) => {
                        out.push(Effect::Navigate { url, call: None });
                        out.push(Effect::Sleep { op, ms: NAVIGATION_GRACE_MS });
                        let phase = Phase::Navigating { hidden: false };
                        self.attempts.push(Attempt { op, purpose: Purpose::Login, waiters: vec![id], phase });
                    }
                    Err(error) => out.push(Effect::Settle { id, result: Err(error) }),
                }
                return;
            }
            Surface::DocWidget => (HostStep::Simple(HostCall::DocWidgetLogin), HostCall::DocWidgetLogin),
            Surface::MiniProgram => (HostStep::Simple(HostCall::TtLogin), HostCall::TtLogin),
            Surface::Client => {
                // The scope is checked before anything is asked of the host.
                let scope = match &options.scope {
                    Some(scope) => match validate_scope("options.scope", scope.clone()) {
                        Ok(scope) => scope,
                        Err(error) => return out.push(Effect::Settle { id, result: Err(error) }),
                    },
                    None => self.config.scope.clone(),
                };
                (HostStep::Ready { scope }, HostCall::H5sdkReady)
            }
        };
        out.push(Effect::Host { op, call, timeout_ms: self.config.host_timeout_ms });
        self.attempts.push(Attempt { op, purpose: Purpose::Login, waiters: vec![id], phase: Phase::Host(step) });
    }

    fn host_answered<P: Ports>(
        &mut self,
        index: usize,
        result: Result<HostAnswer, HostFailure>,
        ports: &P,
        out: &mut Vec<Effect>,
    ) {
        let Phase::Host(step) = &self.attempts[index].phase else { return };
        let api = match step {
            HostStep::Simple(call) => call.api(),
            HostStep::Ready { .. } => Api::H5sdkReady,
            HostStep::RequestAccess { .. } => Api::RequestAccess,
            HostStep::RequestAuthCode => Api::RequestAuthCode,
        };
        let answer = match result {
            Ok(answer) => answer,
            // A client without requestAccess support answers errno 103: fall back.
            Err(failure)
                if failure.code == Some(ERRNO_UNSUPPORTED) && matches!(step, HostStep::RequestAccess { .. }) =>
            {
                return self.next_host_step(index, HostStep::RequestAuthCode, out);
            }
            Err(failure) => return self.fail(index, host_error(api, &failure), out),
        };
        let (code, echoed) = match (step, answer) {
            (HostStep::Ready { scope }, HostAnswer::Ready { has_request_access: true }) => {
                let scope = scope.clone();
                return match random_token(&Rng(ports)) {
                    Ok(state) => {
                        let call =
                            HostCall::RequestAccess { app_id: self.config.app_id.clone(), scope, state: state.clone() };
                        self.host_step(index, HostStep::RequestAccess { state }, call, out)
                    }
                    Err(error) => self.fail(index, error, out),
                };
            }
            (HostStep::Ready { .. }, HostAnswer::Ready { has_request_access: false }) => {
                return self.next_host_step(index, HostStep::RequestAuthCode, out);
            }
            (HostStep::Ready { .. }, HostAnswer::Code { .. }) | (_, HostAnswer::Ready { .. }) => {
                let failure =
                    HostFailure { message: Some("the host answered without a code".into()), ..Default::default() };
                return self.fail(index, host_error(api, &failure), out);
            }
            (_, HostAnswer::Code { code, state }) => (code, state),
        };
        if let HostStep::RequestAccess { state } = step {
            // Clients that echo no state are accepted; one that echoes another is not.
            if echoed.is_some_and(|echoed| !bool::from(echoed.as_bytes().ct_eq(state.as_bytes()))) {
                let error = Error::new(
                    ErrorKind::State,
                    "tt.requestAccess answered with another state than the one sent: try again",
                );
                return self.fail(index, error, out);
            }
        }
        if code.is_empty() {
            let error = Error::new(ErrorKind::Host, "the Feishu host returned an empty login code: try again");
            return self.fail(index, error, out);
        }
        let surface = self.surface;
        let (op, phase) = self.exchange(&code, surface, None, Finish::default(), out);
        let attempt = &mut self.attempts[index];
        attempt.op = op;
        attempt.phase = phase;
    }

    fn next_host_step(&mut self, index: usize, step: HostStep, out: &mut Vec<Effect>) {
        let call = match &step {
            HostStep::RequestAuthCode => HostCall::RequestAuthCode { app_id: self.config.app_id.clone() },
            _ => return,
        };
        self.host_step(index, step, call, out);
    }

    fn host_step(&mut self, index: usize, step: HostStep, call: HostCall, out: &mut Vec<Effect>) {
        let op = self.op();
        let attempt = &mut self.attempts[index];
        attempt.op = op;
        attempt.phase = Phase::Host(step);
        out.push(Effect::Host { op, call, timeout_ms: self.config.host_timeout_ms });
    }

    /// Validates the callback in `url` against this tab's pending logins, then exchanges its code.
    fn start_callback<P: Ports>(&mut self, id: CallId, url: String, href: &str, ports: &P, out: &mut Vec<Effect>) {
        let in_address_bar = url == href;
        if in_address_bar {
            // The code leaves the address bar (and so the history and Referer) at once, even
            // when the login then fails.
            let stripped = strip_callback_params(&url, ports);
            if stripped != url {
                out.push(Effect::ReplaceUrl(stripped));
            }
        }
        let now = ports.now_ms();
        if let Err(error) = self.check_callback(id, url.clone(), in_address_bar, ports, out) {
            if in_address_bar {
                // React StrictMode calls again at once, on the cleaned address bar: that call
                // must hear the same answer, not "no callback" (or a new redirect, for login()).
                self.recent_failure = Some((strip_callback_params(&url, ports), error.clone(), now));
            }
            out.push(Effect::Settle { id, result: Err(error) });
        }
    }

    /// Validates a callback and starts its exchange; an early failure is returned.
    fn check_callback<P: Ports>(
        &mut self,
        id: CallId,
        url: String,
        in_address_bar: bool,
        ports: &P,
        out: &mut Vec<Effect>,
    ) -> Result<(), Error> {
        let now = ports.now_ms();
        let params = CallbackParams::parse(&url, ports)?;
        if let Some(handed_over) = self.hand_over(&params, ports, out) {
            return handed_over;
        }
        let state = params.state.clone().unwrap_or_default();
        let mut list = self.pending_list(ports, now);
        let matching = list.iter().position(|p| bool::from(p.state.as_bytes().ct_eq(state.as_bytes())));
        let pending = match matching {
            Some(index) => {
                // Consumed before anything else, so the same callback cannot be replayed.
                let pending = list.remove(index);
                self.write_pending(&list, ports);
                Some(pending)
            }
            // Checked against the newest one for the message; nothing is consumed, so a forged
            // callback cannot destroy the login a real one still needs.
            None => list.pop(),
        };
        let validated = validate_callback(params, pending, now)?;
        self.consume_state(&state, ports, now)?;
        let finish = Finish { return_to: validated.return_to().filter(|_| in_address_bar).map(str::to_owned) };
        let pkce = Some((validated.verifier(), validated.redirect_uri()));
        let (op, phase) = self.exchange(validated.code(), Surface::Browser, pkce, finish, out);
        self.attempts.push(Attempt { op, purpose: Purpose::Callback(url), waiters: vec![id], phase });
        Ok(())
    }

    /// The failure of the callback that was in the address bar at `href` a moment ago, if any.
    fn repeat_failure<P: Ports>(&self, href: &str, ports: &P) -> Option<Error> {
        let (url, error, at) = self.recent_failure.as_ref()?;
        (url == href && ports.now_ms() - at < REPEAT_WINDOW_MS).then(|| error.clone())
    }

    /// Writes this tab's pending logins; `false` when sessionStorage refused and they are kept
    /// in this page's memory instead. (A refused removal leaves a record in the store whose
    /// state can no longer complete: consume_state refuses it in every tab.)
    fn write_pending<P: Ports>(&mut self, list: &[PendingLogin], ports: &P) -> bool {
        let value = (!list.is_empty()).then(|| Json::Array(list.iter().map(|p| p.to_json()).collect()).to_text());
        match ports.put(Area::Pending, &self.pending_key, value.as_deref()) {
            Ok(()) => {
                self.pending_memory.forget(&self.pending_key);
                true
            }
            Err(Refused) => {
                self.pending_memory.keep(&self.pending_key, value.as_deref());
                false
            }
        }
    }

    /// A state completes at most once across all tabs of the origin: sessionStorage is copied
    /// into tabs opened with an opener, so the pending record alone cannot guarantee it. The
    /// record of consumed states (their SHA-256, never the state itself) lives in localStorage
    /// for as long as a pending login can; a store that refuses leaves the per-tab guarantee.
    fn consume_state<P: Ports>(&self, state: &str, ports: &P, now: i64) -> Result<(), Error> {
        let digest = crate::base64url::encode(&crate::sha256::sha256(state.as_bytes()));
        let text = ports.get(Area::Shared, &self.consumed_key).ok().flatten();
        let mut kept: Vec<Json> = Vec::new();
        if let Some(Json::Array(items)) = text.and_then(|t| Json::parse(&t)) {
            for item in items {
                let live = item.get("until").and_then(Json::as_i64).is_some_and(|until| until > now);
                if !live {
                    continue;
                }
                if item.get("sha").and_then(Json::as_str) == Some(digest.as_str()) {
                    return Err(Error::new(
                        ErrorKind::State,
                        "this login callback was already used (in this or another tab): start the login again",
                    ));
                }
                kept.push(item);
            }
        }
        kept.push(Json::object([("sha", Json::string(&digest)), ("until", Json::integer(now + PENDING_TTL_MS))]));
        let _ = ports.put(Area::Shared, &self.consumed_key, Some(&Json::Array(kept).to_text()));
        Ok(())
    }

    /// Posts `code` to the backend: the fetch effect, and the op and phase the attempt waits in.
    fn exchange(
        &mut self,
        code: &str,
        surface: Surface,
        pkce: Option<(&CodeVerifier, &str)>,
        finish: Finish,
        out: &mut Vec<Effect>,
    ) -> (Op, Phase) {
        let exchange = ExchangeRequest { code, surface, app_id: &self.config.app_id, pkce };
        let mut request = build_request(&self.config.backend, &exchange);
        if self.windows.passport && surface == Surface::Browser {
            // The backend redeems passport codes at the passport token endpoint (README, backend
            // contract): it is told so in the body.
            request.body.pop();
            request.body += ",\"passport\":true}";
        }
        let op = self.op();
        out.push(Effect::Fetch { op, request: request.clone() });
        (op, Phase::Exchange { request, tries: 0, surface, finish })
    }

    fn fetched<P: Ports>(
        &mut self,
        index: usize,
        result: Result<HttpResponse, TransportError>,
        ports: &P,
        out: &mut Vec<Effect>,
    ) {
        let (tries, surface) = match &self.attempts[index].phase {
            Phase::Exchange { tries, surface, .. } => (*tries, *surface),
            _ => return,
        };
        let backend = &self.config.backend;
        // Codes the backend relays come from the API that redeems this surface's codes.
        let source = CodeSource::redeeming(surface);
        let outcome = match result {
            Ok(response) => read_response(&backend.url, &response, source),
            Err(error) => Err(transport_error(backend, error)),
        };
        let reply = match outcome {
            Ok(reply) => reply,
            Err(error) => match retry_delay(&error, tries, backend, source) {
                Some(ms) => return self.retry_after(index, ms, out),
                None => return self.fail(index, error, out),
            },
        };
        let attempt = self.attempts.remove(index);
        let obtained_at = ports.now_ms();
        let session = Session {
            token: reply.token,
            expires_at: reply.expires_in_ms.map(|ms| obtained_at.saturating_add(ms)),
            user: reply.user,
            surface,
            obtained_at,
        };
        self.write_session(Some(&session), ports, out);
        self.announce(Some(session), ports, out);
        if let Phase::Exchange { finish: Finish { return_to: Some(url) }, .. } = attempt.phase {
            out.push(Effect::ReplaceUrl(url));
        }
        for id in attempt.waiters {
            out.push(Effect::Settle { id, result: Ok(Value::Session) });
        }
    }

    /// Retries the exchange of the attempt at `index` (a login's or a renewal's) after `ms`: a
    /// new op, so that a late answer to the failed try is ignored, and one more try counted.
    fn retry_after(&mut self, index: usize, ms: u32, out: &mut Vec<Effect>) {
        let op = self.op();
        let attempt = &mut self.attempts[index];
        attempt.op = op;
        if let Phase::Exchange { tries, .. } = &mut attempt.phase {
            *tries += 1;
        }
        out.push(Effect::Sleep { op, ms });
    }

    fn fail(&mut self, index: usize, error: Error, out: &mut Vec<Effect>) {
        if matches!(self.attempts[index].purpose, Purpose::Renew(_)) {
            return self.renewal_failed(index, &error, out);
        }
        let attempt = self.attempts.remove(index);
        for id in attempt.waiters {
            out.push(Effect::Settle { id, result: Err(error.clone()) });
        }
    }

    fn warn_storage(&mut self, out: &mut Vec<Effect>) {
        if !self.sessions.warned {
            self.sessions.warned = true;
            let label = match self.config.storage {
                StorageChoice::Session => "sessionStorage",
                StorageChoice::Custom => "the storage object",
                _ => "localStorage",
            };
            out.push(Effect::Warn(
                String::from("feishu-login: ")
                    + label
                    + " is not available here (sandboxed iframe or blocked storage); the session is kept in memory for this page only",
            ));
        }
    }

    /// The stored session text: the memory copy when the store refused the last write, else the
    /// store's.
    fn read_session_text<P: Ports>(&mut self, ports: &P, out: &mut Vec<Effect>) -> Option<String> {
        if let Some(value) = self.sessions.get(&self.session_key) {
            return value.map(str::to_owned);
        }
        if self.config.storage == StorageChoice::Memory {
            return None;
        }
        match ports.get(Area::Session, &self.session_key) {
            Ok(value) => value,
            Err(Refused) => {
                self.warn_storage(out);
                None
            }
        }
    }

    /// Persists `session` (or removes it). A refused write keeps it in memory for this page,
    /// removes any older value from the store and is retried on the next write.
    fn write_session<P: Ports>(&mut self, session: Option<&Session>, ports: &P, out: &mut Vec<Effect>) {
        let text = session.map(|s| s.encode());
        if self.config.storage == StorageChoice::Memory {
            return self.sessions.keep(&self.session_key, text.as_deref());
        }
        match ports.put(Area::Session, &self.session_key, text.as_deref()) {
            Ok(()) => self.sessions.forget(&self.session_key),
            Err(Refused) => {
                self.sessions.keep(&self.session_key, text.as_deref());
                if text.is_some() {
                    // An older session must not come back after a reload.
                    let _ = ports.put(Area::Session, &self.session_key, None);
                }
                self.warn_storage(out);
            }
        }
    }

    /// Re-reads the stored session: an expired one is removed, a corrupt one removed with a
    /// warning; listeners hear of any change. Returns the valid session.
    fn refresh<P: Ports>(&mut self, ports: &P, out: &mut Vec<Effect>) -> Option<Session> {
        let session = self.stored_session(ports, out);
        self.announce(session.clone(), ports, out);
        session
    }

    /// The valid stored session; an expired one is removed, a corrupt one removed with a warning.
    fn stored_session<P: Ports>(&mut self, ports: &P, out: &mut Vec<Effect>) -> Option<Session> {
        let text = self.read_session_text(ports, out);
        match text.map(|t| Session::decode(&t)) {
            None => None,
            Some(Some(session)) if !session.is_expired(ports.now_ms()) => Some(session),
            Some(Some(_expired)) => {
                self.write_session(None, ports, out);
                None
            }
            Some(None) => {
                self.write_session(None, ports, out);
                out.push(Effect::Warn(
                    "feishu-login: the stored session was unreadable and has been cleared; log in again".into(),
                ));
                None
            }
        }
    }

    /// Tells the driver about the session when it differs from what listeners last heard, and
    /// arms the expiry timer; `false` when listeners already heard of it.
    fn announce<P: Ports>(&mut self, session: Option<Session>, ports: &P, out: &mut Vec<Effect>) -> bool {
        if self.announced.as_ref() == Some(&session) {
            return false;
        }
        let now = ports.now_ms();
        out.push(Effect::Timer(session.as_ref().and_then(|s| expiry_delay(s, now))));
        out.push(Effect::Session(session.clone()));
        self.announced = Some(session);
        true
    }
}

/// Milliseconds until `session` expires, within what `setTimeout` takes (2^31-1 ms, ~24.8
/// days; a longer session is re-checked then); `None` when it never expires.
fn expiry_delay(session: &Session, now: i64) -> Option<u32> {
    session.expires_at.map(|at| at.saturating_sub(now).clamp(0, i32::MAX.into()) as u32)
}

// ---------------------------------------------------------------------------------------------
// Session lifecycle (issue #12): renewal before expiry, one renewal across tabs, logout.
// ---------------------------------------------------------------------------------------------

/// How long a tab that wrote the renewal lease waits before reading it back: `localStorage` has
/// no compare-and-swap, so two tabs may both find the lease free and both write it. The last
/// write wins everywhere once the stores agree (well within this time), and only the tab that
/// reads back its own id renews.
pub const LEASE_SETTLE_MS: u32 = 250;

/// After a failed renewal, no automatic renewal (and no renewal for `getSession()`) starts for
/// this long; the session stays valid until it expires.
pub const RENEW_RETRY_MS: i64 = 30_000;

/// The shortest renewal timer the engine arms: a timer that fired early (a clock set back) or a
/// due time already past never becomes a 0 ms loop.
pub const MIN_TIMER_MS: i64 = 1_000;

/// `getSession()`'s `minValidityMs` when not given.
pub const DEFAULT_MIN_VALIDITY_MS: i64 = 60_000;

/// A `logout()` call waiting for `logoutUrl`, and where it goes after (`returnTo`, checked).
type LogoutCall = (CallId, Result<Option<String>, Error>);

/// The renewal and logout state of an engine.
#[derive(Debug)]
struct Life {
    config: Lifecycle,
    /// `feishu-login/v1/<appId>/renewal` in localStorage: `{"owner": tab id, "until": ms}`.
    lease_key: String,
    /// This tab's id in the lease, made when first needed.
    tab_id: Option<String>,
    /// Whether this tab wrote the lease and has not released it yet.
    lease_held: bool,
    /// The op of the Web Lock this tab holds.
    lock: Option<Op>,
    /// The armed renewal timer: its op and the time it is for.
    timer: Option<(Op, i64)>,
    /// No renewal starts before this time (set after a failed one).
    not_before: i64,
    /// The time of the event being handled (`fail()` has no ports).
    now: i64,
    /// The server-side logout in flight and the calls waiting for it, with their `returnTo`.
    logout: Option<(Op, Vec<LogoutCall>)>,
}

impl Life {
    fn new(config: Lifecycle, lease_key: String, now: i64) -> Life {
        Life {
            config,
            lease_key,
            tab_id: None,
            lease_held: false,
            lock: None,
            timer: None,
            not_before: 0,
            now,
            logout: None,
        }
    }
}

/// What the renewal lease says.
enum Lease {
    /// Nobody holds it (never written, released, run out, or unreadable).
    Free,
    /// This tab holds it.
    Mine,
    /// Another tab holds it until then.
    Other(i64),
}

/// `ms` as a timer delay: at least [`MIN_TIMER_MS`], at most what `setTimeout` takes.
fn timer_ms(ms: i64) -> u32 {
    ms.clamp(MIN_TIMER_MS, i32::MAX.into()) as u32
}

impl Engine {
    /// Handles one event; the effects to perform are appended to `out`, in order.
    pub fn handle<P: Ports>(&mut self, event: Event, ports: &P, out: &mut Vec<Effect>) {
        self.life.now = ports.now_ms();
        if let Some(event) = self.lifecycle_event(event, ports, out) {
            self.dispatch(event, ports, out);
        }
        self.after(ports, out);
    }

    /// The events of renewal and logout; every other event is handed back.
    fn lifecycle_event<P: Ports>(&mut self, event: Event, ports: &P, out: &mut Vec<Effect>) -> Option<Event> {
        match event {
            Event::Slept { op } if self.life.timer.is_some_and(|(timer, _)| timer == op) => {
                self.life.timer = None;
                self.renew_if_due(ports, out);
            }
            Event::Visibility { visible: true } | Event::Online => self.renew_if_due(ports, out),
            Event::Visibility { visible: false } => {}
            Event::Locked { op, held } => match self.attempt_index(op) {
                Some(index) if matches!(self.attempts[index].phase, Phase::Locking) => {
                    if !held {
                        // No Web Locks here: the localStorage lease instead.
                        self.take_lease(index, ports, out);
                    } else {
                        self.life.lock = Some(op);
                        // The tab that held the lock before may have renewed already (its
                        // session may still be on its way: settle first).
                        if !self.adopt_if_renewed(index, ports, out) {
                            let op = self.op();
                            let attempt = &mut self.attempts[index];
                            attempt.op = op;
                            attempt.phase = Phase::Locked;
                            out.push(Effect::Sleep { op, ms: LEASE_SETTLE_MS });
                        }
                    }
                }
                // Granted to a renewal that ended meanwhile (adopted, cancelled by logout).
                _ if held => out.push(Effect::Unlock { op }),
                _ => {}
            },
            Event::Fetched { op, result } if self.life.logout.as_ref().is_some_and(|(o, _)| *o == op) => {
                self.logged_out(result, out);
            }
            Event::Fetched { op, result } => match self.attempt_index(op) {
                Some(index) if matches!(self.attempts[index].purpose, Purpose::Renew(_)) => {
                    self.renewed(index, result, ports, out);
                }
                _ => return Some(Event::Fetched { op, result }),
            },
            Event::Slept { op } => match self.attempt_index(op) {
                Some(index) if matches!(self.attempts[index].phase, Phase::Lease) => {
                    self.lease_settled(index, ports, out)
                }
                Some(index) if matches!(self.attempts[index].phase, Phase::Locked) => {
                    if !self.adopt_if_renewed(index, ports, out) {
                        self.renew_now(index, out);
                    }
                }
                Some(index) if matches!(self.attempts[index].phase, Phase::Watching) => {
                    // The lease ran out without a new session: its holder is gone. Take over.
                    self.take_lease(index, ports, out);
                }
                _ => return Some(Event::Slept { op }),
            },
            Event::StorageChanged { key } => {
                if key.is_none() || key.as_deref() == Some(self.session_key.as_str()) {
                    self.session_changed_elsewhere(ports, out);
                } else if key.as_deref() == Some(self.life.lease_key.as_str()) {
                    self.lease_changed_elsewhere(ports, out);
                }
                return Some(Event::StorageChanged { key });
            }
            event => return Some(event),
        }
        None
    }

    /// What a renewal's callers resolve with: the session listeners know, or `null`.
    fn current(&self) -> Value {
        match self.announced {
            Some(Some(_)) => Value::Session,
            _ => Value::Unit,
        }
    }

    /// The index of the renewal in flight.
    fn renewing(&self) -> Option<usize> {
        self.attempts.iter().position(|a| matches!(a.purpose, Purpose::Renew(_)))
    }

    /// The endpoint that renews on this surface: `refreshUrl` in the browser, the login backend
    /// (with a new host code) on the host surfaces; `None` when the session cannot be renewed.
    fn renewal_endpoint(&self) -> Option<&BackendConfig> {
        match self.surface {
            Surface::Browser => self.life.config.refresh.as_ref(),
            _ => Some(&self.config.backend),
        }
    }

    /// When `session` is due for automatic renewal: `renewBeforeMs` before it expires, but not
    /// before half its lifetime (a backend handing out sessions shorter than `renewBeforeMs`
    /// must not be asked again at once, over and over), nor during the pause after a failed
    /// renewal. `None`: never (disabled, no renewal path, no expiry, or not before it expires).
    fn renew_due(&self, session: &Session) -> Option<i64> {
        let before = i64::from(self.life.config.renew_before_ms);
        let expires_at = session.expires_at?;
        if before == 0 || self.renewal_endpoint().is_none() {
            return None;
        }
        let half_life = session.obtained_at.saturating_add(expires_at.saturating_sub(session.obtained_at) / 2);
        let due = expires_at.saturating_sub(before).max(half_life).max(self.life.not_before);
        (due < expires_at).then_some(due)
    }

    /// After every event: releases a lease no renewal needs any more, and arms the renewal
    /// timer for the session listeners know (re-armed only when its time changed).
    fn after<P: Ports>(&mut self, ports: &P, out: &mut Vec<Effect>) {
        if let (Some(op), None) = (self.life.lock, self.renewing()) {
            self.life.lock = None;
            out.push(Effect::Unlock { op });
        }
        if self.life.lease_held && self.renewing().is_none() {
            self.life.lease_held = false;
            if matches!(self.lease(ports), Lease::Mine) {
                let _ = ports.put(Area::Shared, &self.life.lease_key, None);
            }
        }
        let due = match &self.announced {
            Some(Some(session)) if self.renewing().is_none() => self.renew_due(session),
            _ => None,
        };
        if self.life.timer.map(|(_, at)| at) == due {
            return;
        }
        self.life.timer = due.map(|at| {
            let op = self.op();
            out.push(Effect::Sleep { op, ms: timer_ms(at - self.life.now) });
            (op, at)
        });
    }

    /// The renewal timer fired, the page became visible or the network came back: renews when
    /// the clock says the session is due, whatever the timer was armed for (a timer fires late
    /// after a laptop slept, early after the clock was set back).
    fn renew_if_due<P: Ports>(&mut self, ports: &P, out: &mut Vec<Effect>) {
        let Some(session) = self.refresh(ports, out) else { return };
        if self.renewing().is_none() && self.renew_due(&session).is_some_and(|due| self.life.now >= due) {
            self.start_renewal(session, Vec::new(), out);
        }
    }

    /// `getSession({ minValidityMs })`: the session when it stays valid that long, else a
    /// renewal shared by every caller (and every tab); `null` when signed out.
    fn get_session<P: Ports>(&mut self, id: CallId, options: &Json, ports: &P, out: &mut Vec<Effect>) {
        let min_validity = match options {
            Json::Null => Ok(DEFAULT_MIN_VALIDITY_MS),
            Json::Object(_) => match options.get("minValidityMs") {
                None | Some(Json::Null) => Ok(DEFAULT_MIN_VALIDITY_MS),
                Some(Json::Number(n)) => n.truncated(0).map(|(ms, _)| ms).filter(|ms| *ms >= 0).ok_or(()),
                Some(_) => Err(()),
            },
            _ => Err(()),
        };
        let Ok(min_validity) = min_validity else {
            let error = Error::config("options.minValidityMs", "must be a number of milliseconds, 0 or more");
            return out.push(Effect::Settle { id, result: Err(error) });
        };
        let Some(session) = self.refresh(ports, out) else {
            return out.push(Effect::Settle { id, result: Ok(Value::Unit) });
        };
        let long_enough = session.expires_at.is_none_or(|at| at.saturating_sub(self.life.now) >= min_validity);
        if let Some(index) = self.renewing() {
            if !long_enough {
                return self.attempts[index].waiters.push(id);
            }
        }
        // Valid long enough, no way to renew, or pausing after a failed renewal: the session
        // as it is (still valid: refresh() removed an expired one).
        if long_enough || self.renewal_endpoint().is_none() || self.life.now < self.life.not_before {
            return out.push(Effect::Settle { id, result: Ok(Value::Session) });
        }
        self.start_renewal(session, vec![id], out);
    }

    /// Starts renewing `session`. Where tabs share the session (localStorage), it first takes
    /// the renewal lease, so that one tab renews for all.
    fn start_renewal(&mut self, session: Session, waiters: Vec<CallId>, out: &mut Vec<Effect>) {
        let op = self.op();
        let purpose = Purpose::Renew(session.token);
        self.attempts.push(Attempt { op, purpose, waiters, phase: Phase::Locking });
        if self.config.storage != StorageChoice::Local {
            let index = self.attempts.len() - 1;
            return self.renew_now(index, out);
        }
        // One tab renews for all: a Web Lock where the browser has them (released by the
        // browser when the tab dies), else the localStorage lease (the answer says which).
        out.push(Effect::Lock { op, name: self.life.lease_key.clone() });
    }

    /// This tab's id in the lease; `None` without a secure random source (then no lease).
    fn tab_id<P: Ports>(&mut self, ports: &P) -> Option<String> {
        if self.life.tab_id.is_none() {
            self.life.tab_id = random_token(&Rng(ports)).ok();
        }
        self.life.tab_id.clone()
    }

    /// Reads the lease. One that ran out, or that claims longer than a renewal can take (a
    /// clock set back in the tab that wrote it, a forged value), is free.
    fn lease<P: Ports>(&mut self, ports: &P) -> Lease {
        let text = ports.get(Area::Shared, &self.life.lease_key).ok().flatten();
        let Some(record) = text.and_then(|t| Json::parse(&t)) else { return Lease::Free };
        let owner = record.get("owner").and_then(Json::as_str);
        let until = record.get("until").and_then(Json::as_i64).unwrap_or(0);
        let now = self.life.now;
        if until <= now || until > now.saturating_add(self.lease_ms()) {
            return Lease::Free;
        }
        match (owner, self.tab_id(ports)) {
            (Some(owner), Some(me)) if owner == me => Lease::Mine,
            _ => Lease::Other(until),
        }
    }

    /// How long a lease lasts: longer than the renewal can take (every try with its timeout
    /// and pause, and on host surfaces the host calls), so that a live renewer keeps it, and
    /// no longer, so that a tab closed while renewing blocks the others only that long.
    fn lease_ms(&self) -> i64 {
        let Some(endpoint) = self.renewal_endpoint() else { return 0 };
        let tries = i64::from(endpoint.retries) + 1;
        let pause = i64::from(crate::backend::RETRY_BASE_DELAY_MS) << endpoint.retries.min(8);
        let host = if self.surface == Surface::Browser { 0 } else { 3 * i64::from(self.config.host_timeout_ms) };
        tries * (i64::from(endpoint.timeout_ms) + pause) + host + i64::from(LEASE_SETTLE_MS)
    }

    /// Takes the lease when it is free (then checks, after [`LEASE_SETTLE_MS`], that this tab
    /// kept it), else waits for the tab holding it.
    fn take_lease<P: Ports>(&mut self, index: usize, ports: &P, out: &mut Vec<Effect>) {
        if self.adopt_if_renewed(index, ports, out) {
            return;
        }
        let (phase, ms) = match (self.lease(ports), self.tab_id(ports)) {
            (_, None) => return self.renew_now(index, out),
            (Lease::Other(until), _) => (Phase::Watching, timer_ms(until - self.life.now)),
            (_, Some(me)) => {
                let until = self.life.now.saturating_add(self.lease_ms());
                let record = Json::object([("owner", Json::string(&me)), ("until", Json::integer(until))]);
                if ports.put(Area::Shared, &self.life.lease_key, Some(&record.to_text())).is_err() {
                    // No shared store, so no other tab to agree with.
                    return self.renew_now(index, out);
                }
                self.life.lease_held = true;
                (Phase::Lease, LEASE_SETTLE_MS)
            }
        };
        let op = self.op();
        let attempt = &mut self.attempts[index];
        attempt.op = op;
        attempt.phase = phase;
        out.push(Effect::Sleep { op, ms });
    }

    /// The lease settled: renew when this tab kept it, else wait for the tab that did.
    fn lease_settled<P: Ports>(&mut self, index: usize, ports: &P, out: &mut Vec<Effect>) {
        if self.adopt_if_renewed(index, ports, out) {
            return;
        }
        match self.lease(ports) {
            Lease::Mine => self.renew_now(index, out),
            _ => {
                self.life.lease_held = false;
                self.take_lease(index, ports, out);
            }
        }
    }

    /// Whether the stored session is no longer the one the renewal at `index` started from
    /// (another tab renewed it, logged out, or logged in again); then the renewal ends with
    /// what is stored, and its callers hear it.
    fn adopt_if_renewed<P: Ports>(&mut self, index: usize, ports: &P, out: &mut Vec<Effect>) -> bool {
        let stored = self.refresh(ports, out);
        let Purpose::Renew(token) = &self.attempts[index].purpose else { return false };
        if stored.as_ref().is_some_and(|s| s.token == *token) {
            return false;
        }
        let attempt = self.attempts.remove(index);
        for id in attempt.waiters {
            out.push(Effect::Settle { id, result: Ok(self.current()) });
        }
        true
    }

    /// Another tab changed the session: a renewal here waiting for it (or racing it) ends.
    fn session_changed_elsewhere<P: Ports>(&mut self, ports: &P, out: &mut Vec<Effect>) {
        if let Some(index) = self.renewing() {
            self.adopt_if_renewed(index, ports, out);
        }
    }

    /// Another tab released the lease. Its session would have come first (it writes the
    /// session, then releases), so its renewal failed: this tab does not try the same again at
    /// once; it pauses like the tab that failed, and its callers keep the valid session.
    fn lease_changed_elsewhere<P: Ports>(&mut self, ports: &P, out: &mut Vec<Effect>) {
        let Some(index) = self.renewing() else { return };
        if !matches!(self.attempts[index].phase, Phase::Watching) || !matches!(self.lease(ports), Lease::Free) {
            return;
        }
        if self.adopt_if_renewed(index, ports, out) {
            return;
        }
        self.life.not_before = self.life.now.saturating_add(RENEW_RETRY_MS);
        let attempt = self.attempts.remove(index);
        for id in attempt.waiters {
            out.push(Effect::Settle { id, result: Ok(self.current()) });
        }
    }

    /// Sends the renewal: `POST refreshUrl` with the bearer token in the browser; on the host
    /// surfaces, the login's host call again (silent once the user consented), whose code is
    /// then posted to the login backend.
    fn renew_now(&mut self, index: usize, out: &mut Vec<Effect>) {
        let op = self.op();
        let Purpose::Renew(token) = &self.attempts[index].purpose else { return };
        let (phase, effect) = match (self.surface, &self.life.config.refresh) {
            (Surface::Browser, Some(refresh)) => {
                let request = crate::backend::bearer_request(refresh, token);
                let effect = Effect::Fetch { op, request: request.clone() };
                (Phase::Exchange { request, tries: 0, surface: Surface::Browser, finish: Finish::default() }, effect)
            }
            (Surface::Browser, None) => return,
            (surface, _) => {
                let (step, call) = match surface {
                    Surface::DocWidget => (HostStep::Simple(HostCall::DocWidgetLogin), HostCall::DocWidgetLogin),
                    Surface::MiniProgram => (HostStep::Simple(HostCall::TtLogin), HostCall::TtLogin),
                    _ => (HostStep::Ready { scope: self.config.scope.clone() }, HostCall::H5sdkReady),
                };
                (Phase::Host(step), Effect::Host { op, call, timeout_ms: self.config.host_timeout_ms })
            }
        };
        let attempt = &mut self.attempts[index];
        attempt.op = op;
        attempt.phase = phase;
        out.push(effect);
    }

    /// The renewal's answer. A new session replaces the stored one only while that is still the
    /// session renewed: after a logout (here or in another tab) or a new login, a late answer
    /// never signs anyone back in. `401`/`403` from `refreshUrl` ends the session; other
    /// failures are retried like a login's, then keep the session until it expires.
    fn renewed<P: Ports>(
        &mut self,
        index: usize,
        result: Result<HttpResponse, TransportError>,
        ports: &P,
        out: &mut Vec<Effect>,
    ) {
        let Phase::Exchange { tries, .. } = self.attempts[index].phase else { return };
        let Some(endpoint) = self.renewal_endpoint() else { return };
        let source = CodeSource::redeeming(self.surface);
        let outcome = match result {
            Ok(response) => read_response(&endpoint.url, &response, source),
            Err(error) => Err(transport_error(endpoint, error)),
        };
        let reply = match outcome {
            Ok(reply) => reply,
            Err(error) if self.surface == Surface::Browser && matches!(error.status(), Some(401 | 403)) => {
                // The backend says the session has ended (revoked, or logged out elsewhere).
                let attempt = self.attempts.remove(index);
                let Purpose::Renew(token) = attempt.purpose else { return };
                if self.stored_session(ports, out).is_some_and(|s| s.token == token) {
                    self.write_session(None, ports, out);
                }
                self.refresh(ports, out);
                for id in attempt.waiters {
                    out.push(Effect::Settle { id, result: Ok(Value::Unit) });
                }
                return;
            }
            Err(error) => match retry_delay(&error, tries, endpoint, source) {
                Some(ms) => return self.retry_after(index, ms, out),
                None => return self.fail(index, error, out),
            },
        };
        let attempt = self.attempts.remove(index);
        let Purpose::Renew(token) = attempt.purpose else { return };
        match self.stored_session(ports, out) {
            Some(old) if old.token == token => {
                let now = self.life.now;
                let session = Session {
                    token: reply.token,
                    expires_at: reply.expires_in_ms.map(|ms| now.saturating_add(ms)),
                    // A renewal answer without a user keeps the one the login gave.
                    user: reply.user.or(old.user),
                    surface: old.surface,
                    obtained_at: now,
                };
                self.write_session(Some(&session), ports, out);
                self.announce(Some(session), ports, out);
            }
            _ => {
                self.refresh(ports, out);
            }
        }
        for id in attempt.waiters {
            out.push(Effect::Settle { id, result: Ok(self.current()) });
        }
    }

    /// A renewal failed for good: the session stays until it expires, the app hears a warning,
    /// waiting callers get the session as it is, and no renewal starts for [`RENEW_RETRY_MS`].
    fn renewal_failed(&mut self, index: usize, error: &Error, out: &mut Vec<Effect>) {
        let attempt = self.attempts.remove(index);
        self.life.not_before = self.life.now.saturating_add(RENEW_RETRY_MS);
        out.push(Effect::Warn(
            String::from("feishu-login: the session could not be renewed, it stays valid until it expires (")
                + error.message()
                + ")",
        ));
        for id in attempt.waiters {
            out.push(Effect::Settle { id, result: Ok(self.current()) });
        }
    }

    /// `logout({ returnTo })`: ends the session server-side at `logoutUrl` (the request leaves
    /// before the local removal, with the token it ends), then removes it from every store at
    /// once; every tab hears `null`. Settles when the server answered (or failed: a warning,
    /// never a kept session), then navigates to `returnTo`.
    fn logout<P: Ports>(&mut self, id: CallId, options: &Json, ports: &P, out: &mut Vec<Effect>) {
        let return_to = match options {
            Json::Null => Ok(None),
            Json::Object(_) => match options.get("returnTo") {
                None | Some(Json::Null) => Ok(None),
                Some(Json::String(url)) => self.config.resolve_return_to(url, ports).map(Some),
                Some(_) => Err(Error::config("options.returnTo", "must be a string")),
            },
            _ => Err(Error::config("options", "must be an object { returnTo? }")),
        };
        let session = self.stored_session(ports, out);
        // A renewal in flight ends: its answer finds no attempt and is dropped; its callers
        // hear that nobody is signed in.
        while let Some(index) = self.renewing() {
            for id in self.attempts.remove(index).waiters {
                out.push(Effect::Settle { id, result: Ok(Value::Unit) });
            }
        }
        // A login still in flight must not sign the user back in when it completes.
        while !self.attempts.is_empty() {
            self.fail(0, cancelled("logout() was called while this login was in flight"), out);
        }
        if let (Some(endpoint), Some(session)) = (&self.life.config.logout, &session) {
            let request = crate::backend::bearer_request(endpoint, &session.token);
            let op = self.op();
            out.push(Effect::Fetch { op, request });
            // A logout still in flight ended an older session (another tab or a popup signed in
            // meanwhile): its callers now wait for this answer, and this token is ended too.
            let waiters = self.life.logout.take().map_or_else(Vec::new, |(_, waiters)| waiters);
            self.life.logout = Some((op, waiters));
        }
        self.write_session(None, ports, out);
        self.announce(None, ports, out);
        match &mut self.life.logout {
            Some((_, waiters)) => waiters.push((id, return_to)),
            None => finish_logout(id, return_to, out),
        }
    }

    /// The answer of `logoutUrl`. The session is gone here already; a failure only means the
    /// server may still honour the token until it expires, which the app hears as a warning.
    fn logged_out(&mut self, result: Result<HttpResponse, TransportError>, out: &mut Vec<Effect>) {
        let Some((_, waiters)) = self.life.logout.take() else { return };
        let Some(endpoint) = &self.life.config.logout else { return };
        let problem = match result {
            // 401: the server had ended the session already.
            Ok(response) if response.status == 401 => None,
            Ok(response) => read_response(&endpoint.url, &response, CodeSource::OAuthToken).err(),
            Err(error) => Some(transport_error(endpoint, error)),
        };
        // A 2xx without a session body is what a logout endpoint answers.
        if let Some(problem) = problem.filter(|p| p.kind() != ErrorKind::Response) {
            out.push(Effect::Warn(
                String::from("feishu-login: logout() removed the session from this browser, but the server may accept its token until it expires: ")
                    + problem.message(),
            ));
        }
        for (id, return_to) in waiters {
            finish_logout(id, return_to, out);
        }
    }
}

/// Settles a `logout()` call, navigating to its `returnTo` first when it has one.
fn finish_logout(id: CallId, return_to: Result<Option<String>, Error>, out: &mut Vec<Effect>) {
    match return_to {
        Ok(Some(url)) => out.push(Effect::Navigate { url, call: Some(id) }),
        Ok(None) => out.push(Effect::Settle { id, result: Ok(Value::Unit) }),
        Err(error) => out.push(Effect::Settle { id, result: Err(error) }),
    }
}
