//! Logins in another window: `loginWithPopup()` (the authorize page in a popup that hands the
//! callback back to its opener), `mountQrLogin()` (Feishu's QR code in an iframe of the page, whose
//! `tmp_code` completes the authorize URL), and the `passport: true` flow on Feishu's historical
//! passport endpoint ([web app login, seed 001](https://open.feishu.cn/document/deprecated-guide/app-login/web-app-login/web-app-overview),
//! [QR SDK](https://open.feishu.cn/document/common-capabilities/sso/web-application-sso/qr-sdk-documentation)).
//!
//! Every decision is here: which message is accepted (window, origin, state, `tmp_code`), when a
//! popup counts as closed, what each failure says. The driver opens windows, loads the QR script,
//! listens to `message` events and reports what it saw as [`WindowEvent`]s.
//!
//! # Security
//! - A popup login's pending record (state, verifier) never leaves this page's memory: a tab that
//!   got a copy of sessionStorage (any tab opened with an opener) has nothing to complete it with,
//!   and the popup itself only hands the callback over. Only a SHA-256 of the state is shared
//!   (localStorage), so that the callback page in the popup knows it is one.
//! - The popup hands over with `postMessage` to its own origin, exactly; the opener accepts only
//!   messages from that popup window and that origin, with the state it sent, once.
//! - A QR `message` is accepted only when it comes from inside the mount's element (every listener
//!   on the page hears every message, another instance's QR included), the QR SDK's own
//!   `matchOrigin` (and `matchData`, when the SDK has one) *and* this SDK's list of origins agree,
//!   and its `tmp_code` is short and made of URL-safe characters; it is used once, with the `goto`
//!   this engine built.

use super::{Attempt, Engine, Finish, Phase, Purpose, Rng};
use crate::authorize::{build_authorize_request, build_request_at, AuthorizeRequest, LoginOptions, PENDING_TTL_MS};
use crate::callback::{validate_callback, CallbackParams};
use crate::config::{Brand, Config, FEISHU_AUTHORIZE_URL, LARK_AUTHORIZE_URL};
use crate::engine::{CallId, Effect, Value};
use crate::error::{Error, ErrorKind};
use crate::host::Surface;
use crate::json::Json;
use crate::ports::{Area, Ports, UrlParser};
use crate::prelude::*;
use crate::url::append_query;
use subtle::ConstantTimeEq;

/// Feishu's historical authorize endpoint (seed 001): no `scope`, no PKCE.
pub const FEISHU_PASSPORT_URL: &str = "https://passport.feishu.cn/suite/passport/oauth/authorize";
/// Lark's historical authorize endpoint.
pub const LARK_PASSPORT_URL: &str = "https://passport.larksuite.com/suite/passport/oauth/authorize";
/// Feishu's QR SDK build (`window.QRLogin`), the QR SDK document's current version.
pub const FEISHU_QR_SDK_URL: &str =
    "https://lf-package-cn.feishucdn.com/obj/feishu-static/lark/passport/qrcode/LarkSSOSDKWebQRCode-1.0.3.js";
/// Lark's build of the QR SDK (*unconfirmed*: pass `sdkUrl` to be sure).
pub const LARK_QR_SDK_URL: &str =
    "https://lf-package-us.larksuitecdn.com/obj/lark-static-us/lark/passport/qrcode/LarkSSOSDKWebQRCode-1.0.3.js";
/// The longest `tmp_code` accepted from the QR iframe. Feishu's are a few dozen characters; a
/// bound keeps a hostile frame from growing the authorize URL past what servers take.
pub const MAX_TMP_CODE_LEN: usize = 256;
/// How often the driver checks `popup.closed`.
pub const POPUP_POLL_MS: u32 = 500;
/// After the popup is seen closed, how long its message may still be on its way (it posts,
/// then closes itself) before the login counts as cancelled.
pub const POPUP_CLOSE_GRACE_MS: u32 = 1_000;
/// How long a popup login waits at most: as long as its pending login is valid.
pub const POPUP_TIMEOUT_MS: u32 = PENDING_TTL_MS as u32;
/// The `type` of the popup's hand-over message (so other messages to the opener are not read).
pub const POPUP_MESSAGE_TYPE: &str = "feishu-login:popup";

/// Something a window of the login said or did (the driver's report).
pub enum WindowEvent {
    /// Sent once after the constructor when `window.opener` is a window of this page's origin.
    Opener,
    /// `loginWithPopup(options)`; `opened`: whether `window.open` returned a window.
    LoginWithPopup {
        /// Settled later.
        id: CallId,
        /// The options as JSON.
        options: Json,
        /// `window.open` returned a window.
        opened: bool,
    },
    /// The popup's `closed` became true.
    PopupClosed,
    /// A `message` event while a popup login waits.
    PopupMessage {
        /// `event.source === popup`.
        from_popup: bool,
        /// `event.origin`.
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

impl core::fmt::Debug for WindowEvent {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Messages carry codes and states: only their kind and origin are printed.
        match self {
            WindowEvent::Opener => f.write_str("Opener"),
            WindowEvent::LoginWithPopup { id, opened, .. } => {
                f.debug_struct("LoginWithPopup").field("id", id).field("opened", opened).finish_non_exhaustive()
            }
            WindowEvent::PopupClosed => f.write_str("PopupClosed"),
            WindowEvent::PopupMessage { from_popup, origin, .. } => f
                .debug_struct("PopupMessage")
                .field("from_popup", from_popup)
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

/// What the driver must do for a login in another window.
#[derive(Debug, PartialEq)]
pub enum WindowEffect {
    /// Navigate the window `window.open` gave call `id` to `url`; report `closed` (checked every
    /// `poll_ms`) and `message` events until the call settles, then close it.
    Popup {
        /// The `loginWithPopup()` call.
        id: CallId,
        /// The authorize URL.
        url: String,
        /// How often to check `closed`.
        poll_ms: u32,
    },
    /// In the popup: `opener.postMessage({type, code?, error?, state}, origin)`, then
    /// `window.close()`.
    HandOver {
        /// This page's origin: the only one the message may be delivered to.
        origin: String,
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

/// A mounted QR login.
#[derive(Debug)]
struct QrMount {
    mount: u32,
    goto: String,
    sdk_url: String,
    origins: Vec<String>,
    /// `ready` settled.
    ready: bool,
    /// A `tmp_code` was accepted: any later message is ignored.
    used: bool,
}

/// The engine's state for logins in other windows.
#[derive(Debug, Default)]
pub(crate) struct Windows {
    /// `passport: true`.
    pub(crate) passport: bool,
    /// This page is a popup whose opener has this page's origin.
    opener: bool,
    qr: Option<QrMount>,
    next_mount: u32,
}

impl Windows {
    /// Reads `passport` from the config.
    ///
    /// # Errors
    /// `config` when `passport` is not a boolean, or is combined with `scope` (the passport
    /// endpoint takes none).
    pub(crate) fn from_config(json: &Json, config: &Config) -> Result<Windows, Error> {
        let passport = match json.get("passport") {
            None | Some(Json::Null) => false,
            Some(Json::Bool(b)) => *b,
            Some(_) => return Err(Error::config("passport", "must be a boolean")),
        };
        if passport && !config.scope.is_empty() {
            return Err(Error::config(
                "scope",
                "cannot be used with passport: true (the passport endpoint takes no scope): remove one of them",
            ));
        }
        Ok(Windows { passport, ..Windows::default() })
    }
}

fn popup_error(message: &'static str) -> Error {
    Error::new(ErrorKind::Popup, message)
}

/// Whether `code` can be a `tmp_code`: 1 to [`MAX_TMP_CODE_LEN`] URL-safe characters.
pub fn is_tmp_code(code: &str) -> bool {
    (1..=MAX_TMP_CODE_LEN).contains(&code.len())
        && code.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'))
}

/// The `tmp_code` in a QR message's data: the string itself (SDK 1.0.1/1.0.2), or the
/// `tmp_code` member of an object (1.0.3 with `matchData`).
fn tmp_code(data: &Json) -> Option<&str> {
    data.as_str().or_else(|| data.get("tmp_code").and_then(Json::as_str)).filter(|c| is_tmp_code(c))
}

/// The authorize URL of the passport endpoint (`passport: true`): `client_id`, `redirect_uri`,
/// `response_type=code`, `state`; no `scope`, no PKCE (the endpoint takes neither). The pending
/// login is made as usual (its verifier is simply never used).
///
/// # Errors
/// As [`build_authorize_request`]; `config` for `options.scope`.
pub fn build_passport_request(
    config: &Config,
    options: &LoginOptions,
    random: &dyn crate::pkce::RandomSource,
    urls: &dyn UrlParser,
    now: i64,
) -> Result<AuthorizeRequest, Error> {
    if options.scope.is_some() {
        return Err(Error::config("options.scope", "cannot be used with passport: true (the endpoint takes no scope)"));
    }
    build_request_at(config, &passport_endpoint(config), false, options, random, urls, now)
}

/// Whether the authorize endpoint is the brand's default (not an emulator or gateway).
fn default_endpoint(config: &Config) -> bool {
    config.authorize_url == FEISHU_AUTHORIZE_URL || config.authorize_url == LARK_AUTHORIZE_URL
}

/// The passport endpoint: the configured `authorizeUrl` when one is set, else the brand's.
fn passport_endpoint(config: &Config) -> String {
    match (default_endpoint(config), config.brand) {
        (false, _) => config.authorize_url.clone(),
        (true, Brand::Feishu) => FEISHU_PASSPORT_URL.into(),
        (true, Brand::Lark) => LARK_PASSPORT_URL.into(),
    }
}

/// The origins a QR `message` may come from: the configured `authorizeUrl`'s (an emulator, a
/// gateway), else the brand's passport and accounts origins.
fn qr_origins(config: &Config, urls: &dyn UrlParser) -> Vec<String> {
    if !default_endpoint(config) {
        return urls.parse_url(&config.authorize_url, None).map(|u| u.origin).into_iter().collect();
    }
    let domain = if config.brand == Brand::Lark { "larksuite.com" } else { "feishu.cn" };
    vec![String::from("https://passport.") + domain, String::from("https://accounts.") + domain]
}

impl Engine {
    /// Handles a [`WindowEvent`].
    pub(crate) fn window<P: Ports>(&mut self, event: WindowEvent, ports: &P, out: &mut Vec<Effect>) {
        match event {
            WindowEvent::Opener => self.windows.opener = true,
            WindowEvent::LoginWithPopup { id, options, opened } => {
                if let Err(error) = self.login_with_popup(id, &options, opened, ports, out) {
                    out.push(Effect::Settle { id, result: Err(error) });
                }
            }
            WindowEvent::PopupClosed => {
                let Some(index) = self.popup_index() else { return };
                let op = self.op();
                let attempt = &mut self.attempts[index];
                if let Phase::Popup { closed: closed @ false, .. } = &mut attempt.phase {
                    *closed = true;
                    // Its message may still be on its way: the popup posts, then closes itself.
                    attempt.op = op;
                    out.push(Effect::Sleep { op, ms: POPUP_CLOSE_GRACE_MS });
                }
            }
            WindowEvent::PopupMessage { from_popup, origin, data } => {
                self.popup_message(from_popup, &origin, &data, ports, out);
            }
            WindowEvent::MountQr { id, target, options, href } => {
                let result = self.mount_qr(target, &options, &href, ports, out).map(|()| Value::Unit);
                out.push(Effect::Settle { id, result });
            }
            WindowEvent::QrLoaded { mount, loaded, api } => {
                let Some(qr) = self.windows.qr.as_mut().filter(|q| q.mount == mount && !q.ready) else { return };
                qr.ready = true;
                let result = match (loaded, api) {
                    (true, true) => Ok(()),
                    (false, _) => Err(Error::new(
                        ErrorKind::Host,
                        String::from("the Feishu QR SDK could not be loaded from ")
                            + &qr.sdk_url
                            + " (or not within hostTimeoutMs): check options.sdkUrl, the network and the page's Content-Security-Policy (script-src)",
                    )),
                    (true, false) => Err(Error::new(
                        ErrorKind::Host,
                        String::from("the script at ")
                            + &qr.sdk_url
                            + " defines no usable window.QRLogin: point options.sdkUrl at Feishu's QR SDK",
                    )),
                };
                let failed = result.is_err();
                out.push(Effect::Window(WindowEffect::QrReady { mount, result }));
                if failed {
                    self.windows.qr = None;
                }
            }
            WindowEvent::QrMessage { mount, origin, match_origin, match_data, from_frame, data } => {
                self.qr_message(mount, &origin, match_origin && match_data && from_frame, &data, out);
            }
            WindowEvent::DisposeQr { mount } => {
                if self.windows.qr.as_ref().is_some_and(|q| q.mount == mount) {
                    self.unmount_qr("the QR login was disposed", out);
                }
            }
        }
    }

    /// The authorize request of this configuration: the passport endpoint's or the OAuth one.
    pub(crate) fn authorize_request<P: Ports>(
        &self,
        options: &LoginOptions,
        ports: &P,
        now: i64,
    ) -> Result<AuthorizeRequest, Error> {
        if self.windows.passport {
            build_passport_request(&self.config, options, &Rng(ports), ports, now)
        } else {
            build_authorize_request(&self.config, options, &Rng(ports), ports, now)
        }
    }

    fn popup_index(&self) -> Option<usize> {
        self.attempts.iter().position(|a| matches!(a.phase, Phase::Popup { .. }))
    }

    fn popup_key(&self) -> String {
        crate::storage::storage_key(&self.config.app_id, "popup")
    }

    /// The shared list of popup logins (SHA-256 of their states, until when they are valid);
    /// expired ones are dropped. `without` is removed too.
    fn popup_marks<P: Ports>(&self, ports: &P, now: i64, without: Option<&str>) -> Vec<Json> {
        let text = ports.get(Area::Shared, &self.popup_key()).ok().flatten();
        let Some(Json::Array(items)) = text.and_then(|t| Json::parse(&t)) else { return Vec::new() };
        items
            .into_iter()
            .filter(|i| i.get("until").and_then(Json::as_i64).is_some_and(|until| until > now))
            .filter(|i| without.is_none() || i.get("sha").and_then(Json::as_str) != without)
            .collect()
    }

    fn write_popup_marks<P: Ports>(&self, marks: Vec<Json>, ports: &P) {
        let value = (!marks.is_empty()).then(|| Json::Array(marks).to_text());
        let _ = ports.put(Area::Shared, &self.popup_key(), value.as_deref());
    }

    fn login_with_popup<P: Ports>(
        &mut self,
        id: CallId,
        options: &Json,
        opened: bool,
        ports: &P,
        out: &mut Vec<Effect>,
    ) -> Result<(), Error> {
        if self.surface != Surface::Browser {
            return Err(Error::new(
                ErrorKind::Unsupported,
                "loginWithPopup() is for the browser surface; inside Feishu call login(), which asks the host",
            ));
        }
        let options = LoginOptions::from_json(options)?;
        if !opened {
            return Err(popup_error(
                "the browser blocked the login popup: call loginWithPopup() directly in a click handler (before any await), or use loginWithRedirect()",
            ));
        }
        // One popup at a time: a second call shares the login in flight (its spare window closes).
        if let Some(attempt) = self.attempts.iter_mut().find(|a| matches!(a.phase, Phase::Popup { .. })) {
            attempt.waiters.push(id);
            return Ok(());
        }
        let now = ports.now_ms();
        // The returnTo option moves the address bar of a redirect; a popup leaves this page alone.
        let request = self.authorize_request(&LoginOptions { return_to: None, ..options }, ports, now)?;
        let digest = crate::base64url::encode(&crate::sha256::sha256(request.pending.state.as_bytes()));
        let mut marks = self.popup_marks(ports, now, None);
        marks.push(Json::object([("sha", Json::string(&digest)), ("until", Json::integer(now + PENDING_TTL_MS))]));
        self.write_popup_marks(marks, ports);
        let op = self.op();
        out.push(Effect::Window(WindowEffect::Popup { id, url: request.url, poll_ms: POPUP_POLL_MS }));
        out.push(Effect::Sleep { op, ms: POPUP_TIMEOUT_MS });
        let phase = Phase::Popup { pending: request.pending, closed: false };
        self.attempts.push(Attempt { op, purpose: Purpose::Login, waiters: vec![id], phase });
        Ok(())
    }

    /// The popup login's timer ended: closed (after the grace) → `cancelled`, else `timeout`.
    pub(crate) fn popup_slept(&mut self, index: usize, out: &mut Vec<Effect>) {
        let closed = matches!(self.attempts[index].phase, Phase::Popup { closed: true, .. });
        let error = if closed {
            Error::new(
                ErrorKind::Cancelled,
                "the login popup was closed before the login completed: call loginWithPopup() again",
            )
        } else {
            Error::new(
                ErrorKind::Timeout,
                "the login popup did not complete within 10 minutes: call loginWithPopup() again",
            )
        };
        self.fail(index, error, out);
    }

    fn popup_message<P: Ports>(
        &mut self,
        from_popup: bool,
        origin: &str,
        data: &Json,
        ports: &P,
        out: &mut Vec<Effect>,
    ) {
        let Some(index) = self.popup_index() else { return };
        // Other windows, other origins and other messages are none of this login's business.
        if !from_popup
            || self.config.page_origin.as_deref() != Some(origin)
            || data.get("type").and_then(Json::as_str) != Some(POPUP_MESSAGE_TYPE)
        {
            return;
        }
        let text = |key: &str| data.get(key).and_then(Json::as_str).map(str::to_owned);
        let params = CallbackParams { code: text("code"), state: text("state"), error: text("error") };
        // A foreign state fails in validate_callback (constant time), before anything is posted.
        let state = params.state.clone().unwrap_or_default();
        let now = ports.now_ms();
        let phase = core::mem::replace(&mut self.attempts[index].phase, Phase::Navigating { hidden: true });
        let Phase::Popup { pending, .. } = phase else { return };
        let digest = crate::base64url::encode(&crate::sha256::sha256(state.as_bytes()));
        let marks = self.popup_marks(ports, now, Some(&digest));
        self.write_popup_marks(marks, ports);
        let validated = match validate_callback(params, Some(pending), now)
            .and_then(|v| self.consume_state(&state, ports, now).map(|()| v))
        {
            Ok(validated) => validated,
            Err(error) => return self.fail(index, error, out),
        };
        let pkce = Some((validated.verifier(), validated.redirect_uri()));
        let (op, phase) = self.exchange(validated.code(), Surface::Browser, pkce, Finish::default(), out);
        let attempt = &mut self.attempts[index];
        attempt.op = op;
        attempt.phase = phase;
    }

    /// On the callback page in a popup: hands the callback to the opener instead of exchanging
    /// it, when this page has a same-origin opener, no pending login of its own for the state,
    /// and a popup login of this origin waits for it. `None`: an ordinary callback.
    pub(crate) fn hand_over<P: Ports>(
        &mut self,
        params: &CallbackParams,
        ports: &P,
        out: &mut Vec<Effect>,
    ) -> Option<Result<(), Error>> {
        let state = params.state.as_deref().filter(|_| self.windows.opener && params.is_callback())?;
        let now = ports.now_ms();
        let own = self.pending_list(ports, now).iter().any(|p| bool::from(p.state.as_bytes().ct_eq(state.as_bytes())));
        let digest = crate::base64url::encode(&crate::sha256::sha256(state.as_bytes()));
        let marked =
            self.popup_marks(ports, now, None).iter().any(|m| m.get("sha").and_then(Json::as_str) == Some(&digest));
        if own || !marked {
            return None;
        }
        let origin = self.config.page_origin.clone()?;
        out.push(Effect::Window(WindowEffect::HandOver { origin, params: params.clone() }));
        Some(Err(Error::new(
            ErrorKind::Cancelled,
            "this page is a login popup: it handed the login to the window that opened it, and closes",
        )))
    }

    fn mount_qr<P: Ports>(
        &mut self,
        target: bool,
        options: &Json,
        href: &str,
        ports: &P,
        out: &mut Vec<Effect>,
    ) -> Result<(), Error> {
        if self.surface != Surface::Browser {
            return Err(Error::new(
                ErrorKind::Unsupported,
                "mountQrLogin() is for the browser surface; inside Feishu call login(), which asks the host",
            ));
        }
        if !target {
            return Err(Error::config("target", "must be an element of the page or the id of one"));
        }
        if !matches!(options, Json::Null | Json::Object(_)) {
            return Err(Error::config("options", "must be an object { width?, height?, style?, sdkUrl? }"));
        }
        let sdk_url = match options.get("sdkUrl") {
            None | Some(Json::Null) if self.config.brand == Brand::Lark => LARK_QR_SDK_URL.to_owned(),
            None | Some(Json::Null) => FEISHU_QR_SDK_URL.to_owned(),
            Some(Json::String(url)) => match ports.parse_url(url, Some(href)) {
                Some(parsed) if parsed.is_http() && !parsed.has_credentials() => parsed.href,
                _ => return Err(Error::config("options.sdkUrl", "must be an http(s) URL")),
            },
            Some(_) => return Err(Error::config("options.sdkUrl", "must be a string")),
        };
        let login_options = LoginOptions::from_json(options)?;
        // A second mount replaces the first.
        if self.windows.qr.is_some() {
            self.unmount_qr("another mountQrLogin() replaced this QR login", out);
        }
        let goto = self.authorize(&login_options, href, true, ports, out)?;
        self.windows.next_mount += 1;
        let mount = self.windows.next_mount;
        let origins = qr_origins(&self.config, ports);
        out.push(Effect::Window(WindowEffect::MountQr {
            mount,
            goto: goto.clone(),
            sdk_url: sdk_url.clone(),
            options: options.clone(),
            timeout_ms: self.config.host_timeout_ms,
        }));
        self.windows.qr = Some(QrMount { mount, goto, sdk_url, origins, ready: false, used: false });
        Ok(())
    }

    fn unmount_qr(&mut self, why: &'static str, out: &mut Vec<Effect>) {
        if let Some(qr) = self.windows.qr.take() {
            let error = Error::new(ErrorKind::Cancelled, why);
            out.push(Effect::Window(WindowEffect::UnmountQr { mount: qr.mount, error }));
        }
    }

    fn qr_message(&mut self, mount: u32, origin: &str, sdk_agrees: bool, data: &Json, out: &mut Vec<Effect>) {
        let Some(qr) = self.windows.qr.as_mut().filter(|q| q.mount == mount && !q.used) else { return };
        // Both the SDK's own check and ours: either alone has been wrong before (an SDK that
        // matched any subdomain; a gateway origin the SDK does not know).
        if !sdk_agrees || !qr.origins.iter().any(|o| o == origin) {
            return;
        }
        let Some(code) = tmp_code(data) else {
            return out.push(Effect::Warn(
                "feishu-login: ignored a QR login message without a usable tmp_code (a string of at most 256 URL-safe characters)".into(),
            ));
        };
        qr.used = true;
        let url = append_query(&qr.goto, &[("tmp_code", code)]);
        out.push(Effect::Navigate { url, call: None });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tmp_codes_are_short_and_url_safe() {
        assert!(is_tmp_code("c0a1-B_2.~"));
        assert!(is_tmp_code(&"a".repeat(MAX_TMP_CODE_LEN)));
        for bad in ["", "a&b=c", "a b", "a#b", "é", "a/b", "a%20"] {
            assert!(!is_tmp_code(bad), "{bad}");
        }
        assert!(!is_tmp_code(&"a".repeat(MAX_TMP_CODE_LEN + 1)));
        assert_eq!(tmp_code(&Json::parse(r#"{"tmp_code":"abc"}"#).unwrap()), Some("abc"));
        assert_eq!(tmp_code(&Json::parse("42").unwrap()), None);
    }
}
