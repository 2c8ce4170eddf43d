//! What crosses between the [`Engine`](crate::Engine) and its driver: the [`Event`]s it handles
//! and the [`Effect`]s it returns, with the values they carry. Nothing here decides anything.
//!
//! Every effect whose outcome the engine waits for carries an [`Op`]; the driver answers with an
//! event carrying the same op, so a late or doubled answer (a host calling back twice, a fetch
//! that settles after its attempt was given up) finds nobody waiting and is ignored.
//!
//! # Security
//! `Debug` redacts what can carry a secret (codes, states, tokens, `tmp_code`s), so a driver that
//! logs events and effects leaks nothing.

use crate::backend::{HttpRequest, HttpResponse, TransportError};
use crate::callback::CallbackParams;
use crate::error::Error;
use crate::host::{Api, HostFailure, Surface};
use crate::json::Json;
use crate::prelude::*;
use crate::session::Session;

/// Identifies one effect whose outcome the engine waits for.
pub type Op = u32;

/// Identifies one call of a public member, chosen by the driver; the engine settles it once.
pub type CallId = u32;

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
    /// The `session` and `status` getters and `authHeaders()`: the stored session is read again
    /// (it may have expired, or another tab may have changed it).
    ReadSession,
    /// `logout(options?)`: `{ returnTo? }`.
    Logout(Json),
    /// `getSession(options?)`: `{ minValidityMs? }`.
    GetSession(Json),
}

/// What a host API answered.
/// # Security
/// `Debug` redacts the code and the state.
pub enum HostAnswer {
    /// `h5sdk.ready` fired.
    Ready,
    /// What a login API resolved with: its `code` (the value itself, or its `code` member), and
    /// the `state` `tt.requestAccess` echoed; either may be missing.
    Code {
        /// The one-time code.
        code: Option<String>,
        /// The echoed `state`.
        state: Option<String>,
    },
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
    /// `location.assign` of [`Effect::Navigate`] returned: the browser took the navigation.
    Navigated {
        /// The effect's op.
        op: Op,
    },
    /// `location.assign` of [`Effect::Navigate`] threw (an invalid URL for this browser, a sandbox
    /// without `allow-top-navigation`).
    NavigationFailed {
        /// The effect's op.
        op: Op,
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
    /// A popup or QR login's window reported something.
    Window(WindowEvent),
}

/// Something a window of a popup or QR login said or did (the driver's report).
pub enum WindowEvent {
    /// `loginWithPopup(options)`, called in a click handler: the popup opens while the engine's
    /// [`WindowEffect::Popup`] is performed, in the same task.
    LoginWithPopup {
        /// Settled later.
        id: CallId,
        /// The options as JSON.
        options: Json,
    },
    /// `window.open` of [`WindowEffect::Popup`] returned no window (a popup blocker).
    PopupBlocked,
    /// The popup's `closed` became true.
    PopupClosed {
        /// Whether the popup was seen open on a page of another origin before (reading its
        /// `location` threw). A popup the user closes was; one whose opener link a
        /// `Cross-Origin-Opener-Policy` severed reads `closed` before it ever was (it is still
        /// open, out of this page's reach).
        cross_origin: bool,
    },
    /// A hand-over message while a popup login waits.
    PopupMessage {
        /// `event.source === popup` (a `postMessage` from the popup window).
        from_popup: bool,
        /// It came on the app's `BroadcastChannel` (any window of this origin can post there).
        channel: bool,
        /// `event.origin` (empty for the channel: always this origin).
        origin: String,
        /// `event.data` as JSON (`Null` when it is not plain data).
        data: Json,
    },
    /// `mountQrLogin(target, options)`, settled at once (id 0: it returns a handle).
    MountQr {
        /// Settled in the same step.
        id: CallId,
        /// Whether `target` named an element of the page.
        target: bool,
        /// `options` as JSON.
        options: Json,
        /// `location.href`.
        href: String,
    },
    /// The QR script loaded (or failed to), for `mount`.
    QrLoaded {
        /// Which mount.
        mount: u32,
        /// The script loaded (or `window.QRLogin` was already there).
        loaded: bool,
        /// `QRLogin(...)` was a function and returned an object.
        api: bool,
    },
    /// A `message` event while a QR login is mounted.
    QrMessage {
        /// Which mount's listener heard it.
        mount: u32,
        /// `event.origin`.
        origin: String,
        /// The QR SDK's `matchOrigin(event.origin)`.
        match_origin: bool,
        /// The QR SDK's `matchData(event.data)` (true when it has none).
        match_data: bool,
        /// `event.source` is the window of an iframe inside the mount's element (the QR SDK's),
        /// or of a frame inside that: every listener on the page hears every message, so another
        /// instance's QR is told apart by where its message comes from.
        from_frame: bool,
        /// `event.data` as JSON.
        data: Json,
    },
    /// `dispose()` of `mount`'s handle.
    DisposeQr {
        /// Which mount.
        mount: u32,
    },
}

/// How a call settles when it succeeds.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `undefined` (`null` for `getSession()`).
    Unit,
    /// The current session object (the one [`Effect::Session`] last announced), so that
    /// `await login()` and `auth.session` are the same object.
    Session,
    /// A string.
    Text(String),
    /// A boolean.
    Bool(bool),
}

/// Where the app stands, as `auth.status` says it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// A valid session.
    SignedIn,
    /// No session.
    SignedOut,
    /// The page is about to leave for Feishu (a login decided to navigate); back to signed in or
    /// out when the navigation is cancelled.
    Redirecting,
    /// A `logout()` runs (server side, then `returnTo`), or one was just heard from another tab.
    SigningOut,
}

impl Status {
    /// The name in the public API (`"signedIn"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::SignedIn => "signedIn",
            Status::SignedOut => "signedOut",
            Status::Redirecting => "redirecting",
            Status::SigningOut => "signingOut",
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
    /// The session changed: replace the session object (`None`: signed out) and the headers
    /// `authHeaders()` returns, then call the `onChange` listeners. Never announced twice in a
    /// row with the same session.
    Session {
        /// The session.
        session: Option<Session>,
        /// `authHeaders()`: `Authorization: Bearer <token>` while signed in, none else.
        headers: Vec<(String, String)>,
    },
    /// The status changed; the `onStatus` listeners hear it after the step's `onChange` ones.
    /// When the session changes in the same step, this comes first.
    Status(Status),
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
    /// `location.assign(url)`; then [`Event::Navigated`], or [`Event::NavigationFailed`] when it
    /// throws.
    Navigate {
        /// Tag of the answer.
        op: Op,
        /// Where to.
        url: String,
    },
    /// `history.replaceState(history.state, "", url)`.
    ReplaceUrl(String),
    /// A problem that did not stop the SDK (`console.warn`). Never carries a secret.
    Warn(Message),
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
    /// Work on a popup or QR login's window.
    Window(WindowEffect),
}

/// What the driver must do for a login in another window.
#[derive(PartialEq)]
pub enum WindowEffect {
    /// Open the popup for call `id` (`window.open("", "_blank", features)`, in this same task:
    /// the click's), send it to `url`, then report [`WindowEvent::PopupClosed`] (checking
    /// `closed` every `poll_ms`) and the hand-over messages of the popup window and of the
    /// `BroadcastChannel` `channel`, until the call settles; then close it. No window:
    /// [`WindowEvent::PopupBlocked`].
    Popup {
        /// The `loginWithPopup()` call.
        id: CallId,
        /// The authorize URL.
        url: String,
        /// `window.open`'s features.
        features: &'static str,
        /// How often to check `closed`.
        poll_ms: u32,
        /// The app's hand-over channel.
        channel: String,
    },
    /// In the popup: hand the callback to the page that opened it, with
    /// `opener.postMessage(data, origin)` where an opener of this origin exists and on the
    /// `BroadcastChannel` `channel` (an opener policy may have severed the opener link); then
    /// `window.close()`. `data`: `{type, code?, error?, state}`.
    HandOver {
        /// This page's origin: the only one the message may be delivered to.
        origin: String,
        /// The app's hand-over channel.
        channel: String,
        /// The callback's parameters.
        params: CallbackParams,
    },
    /// Render the QR code: load `sdk_url` unless `window.QRLogin` exists, call
    /// `QRLogin({id, goto, width, height, style})`, listen to `message` events; report
    /// [`WindowEvent::QrLoaded`] and [`WindowEvent::QrMessage`].
    MountQr {
        /// The mount (the handle's identity).
        mount: u32,
        /// The authorize URL the QR SDK completes.
        goto: String,
        /// Where the QR SDK script is.
        sdk_url: String,
        /// The app's options, whose `width`, `height` and `style` go to `QRLogin` as given (they
        /// only shape Feishu's iframe).
        options: Json,
        /// How long the script may take to load before `ready` rejects (`hostTimeoutMs`).
        timeout_ms: u32,
    },
    /// Settle `mount`'s `ready` (a mount already settled ignores it).
    QrReady {
        /// Which mount.
        mount: u32,
        /// `Err` rejects `ready`.
        result: Result<(), Error>,
    },
    /// Remove `mount`'s listener and iframe; its `ready`, if still pending, rejects with `error`.
    UnmountQr {
        /// Which mount.
        mount: u32,
        /// Why it ended.
        error: Error,
    },
}

// ---- Debug, redacted ----------------------------------------------------------------------

/// Prints `[redacted]` for what can carry a secret.
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
            Call::ReadSession => f.write_str("ReadSession"),
            Call::Logout(options) => f.debug_tuple("Logout").field(options).finish(),
            Call::GetSession(options) => f.debug_tuple("GetSession").field(options).finish(),
        }
    }
}

impl core::fmt::Debug for HostAnswer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            HostAnswer::Ready => f.write_str("Ready"),
            HostAnswer::Code { code, .. } => {
                f.debug_struct("Code").field("code", &code.as_ref().map(|_| REDACTED)).finish_non_exhaustive()
            }
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
            Event::Navigated { op } => f.debug_struct("Navigated").field("op", op).finish(),
            Event::NavigationFailed { op } => f.debug_struct("NavigationFailed").field("op", op).finish(),
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

impl core::fmt::Debug for WindowEvent {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Messages carry codes and states: only their kind and origin are printed.
        match self {
            WindowEvent::LoginWithPopup { id, .. } => {
                f.debug_struct("LoginWithPopup").field("id", id).finish_non_exhaustive()
            }
            WindowEvent::PopupBlocked => f.write_str("PopupBlocked"),
            WindowEvent::PopupClosed { cross_origin } => {
                f.debug_struct("PopupClosed").field("cross_origin", cross_origin).finish()
            }
            WindowEvent::PopupMessage { from_popup, channel, origin, .. } => f
                .debug_struct("PopupMessage")
                .field("from_popup", from_popup)
                .field("channel", channel)
                .field("origin", origin)
                .finish_non_exhaustive(),
            WindowEvent::MountQr { id, target, .. } => {
                f.debug_struct("MountQr").field("id", id).field("target", target).finish_non_exhaustive()
            }
            WindowEvent::QrLoaded { mount, loaded, api } => {
                f.debug_struct("QrLoaded").field("mount", mount).field("loaded", loaded).field("api", api).finish()
            }
            WindowEvent::QrMessage { mount, origin, .. } => {
                f.debug_struct("QrMessage").field("mount", mount).field("origin", origin).finish_non_exhaustive()
            }
            WindowEvent::DisposeQr { mount } => f.debug_struct("DisposeQr").field("mount", mount).finish(),
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
            Effect::Session { session, .. } => {
                f.debug_struct("Session").field("session", session).finish_non_exhaustive()
            }
            Effect::Status(status) => f.debug_tuple("Status").field(status).finish(),
            Effect::Timer(ms) => f.debug_tuple("Timer").field(ms).finish(),
            Effect::Fetch { op, request } => f.debug_struct("Fetch").field("op", op).field("request", request).finish(),
            Effect::Sleep { op, ms } => f.debug_struct("Sleep").field("op", op).field("ms", ms).finish(),
            Effect::Host { op, call, timeout_ms } => {
                f.debug_struct("Host").field("op", op).field("call", call).field("timeout_ms", timeout_ms).finish()
            }
            Effect::Navigate { op, .. } => f.debug_struct("Navigate").field("op", op).field("url", &REDACTED).finish(),
            Effect::ReplaceUrl(url) => f.debug_tuple("ReplaceUrl").field(url).finish(),
            Effect::Warn(message) => f.debug_tuple("Warn").field(message).finish(),
            Effect::Lock { op, name } => f.debug_struct("Lock").field("op", op).field("name", name).finish(),
            Effect::Unlock { op } => f.debug_struct("Unlock").field("op", op).finish(),
            Effect::Window(effect) => f.debug_tuple("Window").field(effect).finish(),
        }
    }
}

impl core::fmt::Debug for WindowEffect {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            WindowEffect::Popup { id, poll_ms, .. } => {
                f.debug_struct("Popup").field("id", id).field("poll_ms", poll_ms).finish_non_exhaustive()
            }
            WindowEffect::HandOver { origin, params, .. } => {
                f.debug_struct("HandOver").field("origin", origin).field("params", params).finish_non_exhaustive()
            }
            WindowEffect::MountQr { mount, sdk_url, .. } => {
                f.debug_struct("MountQr").field("mount", mount).field("sdk_url", sdk_url).finish_non_exhaustive()
            }
            WindowEffect::QrReady { mount, result } => {
                f.debug_struct("QrReady").field("mount", mount).field("result", result).finish()
            }
            WindowEffect::UnmountQr { mount, error } => {
                f.debug_struct("UnmountQr").field("mount", mount).field("error", error).finish()
            }
        }
    }
}
