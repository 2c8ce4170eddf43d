//! The login engine: every decision of `FeishuLogin`, as a plain value that takes [`Event`]s and
//! returns [`Effect`]s ("sans-IO", like rustls, quinn-proto and h11).
//!
//! [`Engine::handle`] is the one entry point: the driver (the browser's in `js/driver.js`, a
//! scripted one in the tests) passes the time, read once, and the event; the engine routes it to
//! the flow waiting for it and appends the effects to perform. Synchronous questions (random
//! bytes, web storage, URL parsing) go through [`Ports`](crate::ports::Ports).
//!
//! Each flow has its own file and phase enum: [`login`] (host surfaces; the browser's navigation
//! is [`navigation`]), [`callback`], [`popup`], [`renewal`], [`logout`], [`qr`]; [`exchange`]
//! talks to the backend for all of them, [`store`] persists. A later event finds what it
//! supersedes in the owner table below: who holds the host, the renewal lock, the page's
//! navigation, and the right to write the session.

mod callback;
pub(crate) mod entry;
mod exchange;
mod host;
mod login;
mod logout;
mod navigation;
mod passport;
mod popup;
mod protocol;
mod qr;
mod renewal;
mod store;

pub use callback::REPEAT_WINDOW_MS;
pub use entry::ENTRY;
pub use navigation::NAVIGATION_GRACE_MS;
pub use passport::{FEISHU_PASSPORT_URL, LARK_PASSPORT_URL};
pub use popup::{POPUP_CLOSE_GRACE_MS, POPUP_MESSAGE_TYPE, POPUP_POLL_MS, POPUP_TIMEOUT_MS};
pub use protocol::{Call, CallId, Effect, Event, HostAnswer, HostCall, Op, Status, Value, WindowEffect, WindowEvent};
pub use qr::{FEISHU_QR_SDK_URL, LARK_QR_SDK_URL, MAX_TMP_CODE_LEN};
pub use renewal::{DEFAULT_MIN_VALIDITY_MS, LEASE_SETTLE_MS, MIN_TIMER_MS, RENEW_RETRY_MS};
pub use store::MAX_PENDING;

use crate::config::{Config, ConfigInput, StorageChoice};
use crate::error::{Error, ErrorKind};
use crate::host::{detect_surface, HostProbe, Surface};
use crate::json::Json;
use crate::pkce::RandomSource;
use crate::ports::Ports;
use crate::prelude::*;
use crate::session::Session;
use entry::Member;
use exchange::Exchange;
use login::LoginPhase;
use logout::Logout;
use navigation::Navigation;
use popup::PopupPhase;
use qr::Qr;
use renewal::{RenewalPhase, Renewals};
use store::{Fallback, Keys};

/// What the driver sees of the page when the SDK is constructed.
#[derive(Clone, Debug, Default)]
pub struct Environment {
    /// `location.href` (empty outside a window).
    pub href: String,
    /// Which host APIs exist.
    pub probe: HostProbe,
    /// Whether there is a page (a `document`): without one (Node, a worker) nothing can
    /// navigate, open a popup or draw a QR code.
    pub page: bool,
}

/// A login, callback, popup login or renewal in flight, with everyone waiting for it.
struct Flow {
    /// The op of the effect whose answer it waits for.
    op: Op,
    /// `login()`, `handleCallback()`, `loginWithPopup()` calls: the new session, or the error.
    callers: Vec<CallId>,
    /// `getSession()` calls: the session that stands afterwards, never an error.
    readers: Vec<CallId>,
    phase: Phase,
}

/// Where a flow is; each flow's phases are in its own file.
enum Phase {
    /// A login on a host surface.
    Login(LoginPhase),
    /// A redirect callback's exchange: the callback `url` (repeated calls share it) and where
    /// the address bar goes afterwards.
    Callback { url: String, return_to: Option<String>, exchange: Exchange },
    /// A popup login.
    Popup(PopupPhase),
    /// A renewal of the session whose token this is.
    Renewal { token: String, phase: RenewalPhase },
}

impl Phase {
    /// The backend request the flow waits for, if it is exchanging.
    fn exchange(&mut self) -> Option<&mut Exchange> {
        match self {
            Phase::Login(LoginPhase::Exchanging(exchange))
            | Phase::Callback { exchange, .. }
            | Phase::Popup(PopupPhase::Exchanging(exchange))
            | Phase::Renewal { phase: RenewalPhase::Exchanging(exchange), .. } => Some(exchange),
            _ => None,
        }
    }
}

/// Who waits for an op (see [`Engine::waiting_for`]).
enum Waiter {
    Flow(usize),
    Navigation,
    Logout,
    RenewalTimer,
}

/// The engine behind one `FeishuLogin`.
pub struct Engine {
    config: Config,
    surface: Surface,
    /// [`Environment::page`].
    page: bool,
    keys: Keys,
    /// The time of the event being handled, as the driver read it.
    now: i64,
    next_op: Op,
    session_memory: Fallback,
    /// Pending logins sessionStorage refused, for `authorizeUrl()` flows that stay on this page.
    pending_memory: Fallback,
    storage_warned: bool,
    /// The session listeners last heard of (`Some(None)`: signed out).
    announced: Option<Option<Session>>,
    /// The status listeners last heard.
    status: Option<Status>,
    /// The logout epoch this tab knows (see [`logout`]).
    epoch: i64,
    /// A logout of another tab was heard in this step: the status passes through `signingOut`.
    heard_logout: bool,
    /// The token of the last session another tab's logout ended: this tab's copy of
    /// localStorage may still hold it for a while (see [`logout`]). Tokens are not reused.
    ended: Option<String>,
    flows: Vec<Flow>,
    navigation: Option<Navigation>,
    logout: Option<Logout>,
    qr: Option<Qr>,
    next_mount: u32,
    renewals: Renewals,
    /// The address bar (cleaned) after a callback there failed at once, the error, and when.
    recent_failure: Option<(String, Error, i64)>,
}

/// Adapts the random port to the PKCE generator.
struct Rng<'a, P: Ports>(&'a P);

impl<P: Ports> RandomSource for Rng<'_, P> {
    fn fill_random(&self, buf: &mut [u8]) -> Result<(), Error> {
        if self.0.fill(buf) {
            Ok(())
        } else {
            Err(Error::new(ErrorKind::Crypto, Msg::Crypto))
        }
    }
}

fn cancelled(message: Msg) -> Error {
    Error::new(ErrorKind::Cancelled, message)
}

fn settle(id: CallId, result: Result<Value, Error>, out: &mut Vec<Effect>) {
    // Id 0: a synchronous member (js/driver.js), which throws the error at once.
    if let (0, Err(error)) = (id, &result) {
        crate::messages::check_thrown(error, crate::messages::Flows::THIS);
    }
    out.push(Effect::Settle { id, result });
}

impl Engine {
    /// Validates the configuration, detects the surface and reads the stored session; `now` is
    /// the time (ms since the epoch).
    ///
    /// # Errors
    /// `config`, naming the field at fault.
    pub fn new<P: Ports>(
        now: i64,
        config: &Json,
        env: &Environment,
        ports: &P,
        out: &mut Vec<Effect>,
    ) -> Result<Engine, Error> {
        let checked = ConfigInput::from_json(config)?.validate(&env.href, ports)?;
        let surface = detect_surface(checked.surface, env.probe);
        let mut engine = Engine {
            keys: Keys::new(&checked.app_id),
            config: checked,
            surface,
            page: env.page,
            now,
            next_op: 0,
            session_memory: Fallback::default(),
            pending_memory: Fallback::default(),
            storage_warned: false,
            announced: None,
            status: None,
            epoch: 0,
            heard_logout: false,
            ended: None,
            flows: Vec::new(),
            navigation: None,
            logout: None,
            qr: None,
            next_mount: 0,
            renewals: Renewals::default(),
            recent_failure: None,
        };
        engine.read_epoch(ports);
        out.push(Effect::Ready { surface, watch_storage: engine.shares_session() });
        engine.read_session(ports, out);
        engine.after(ports, out);
        Ok(engine)
    }

    /// Handles one event at time `now` (ms since the epoch, read once by the driver); the effects
    /// to perform are appended to `out`, in order.
    pub fn handle<P: Ports>(&mut self, now: i64, event: Event, ports: &P, out: &mut Vec<Effect>) {
        self.now = now;
        // A logout in another tab supersedes everything in flight here, before anything of this
        // event can write a session.
        self.check_epoch(ports, out);
        match event {
            Event::Call { id, call, href } => self.call(id, call, &href, ports, out),
            Event::Fetched { op, result } => match self.waiting_for(op) {
                Some(Waiter::Flow(index)) => self.fetched(index, result, ports, out),
                Some(Waiter::Logout) => self.logout_answered(result, out),
                _ => {}
            },
            Event::Slept { op } => match self.waiting_for(op) {
                Some(Waiter::Flow(index)) => self.flow_slept(index, ports, out),
                Some(Waiter::Navigation) => self.navigation_grace_ended(out),
                Some(Waiter::RenewalTimer) => self.renewal_timer_fired(ports, out),
                _ => {}
            },
            Event::Host { op, result } => {
                if let Some(Waiter::Flow(index)) = self.waiting_for(op) {
                    self.host_answered(index, result, ports, out);
                }
            }
            Event::Locked { op, held } => self.locked(op, held, ports, out),
            Event::Navigated { op } => self.navigated(op, out),
            Event::NavigationFailed { op } => self.navigation_failed(op, out),
            Event::PageHidden => self.page_hidden(),
            Event::PageShown { persisted } => {
                if persisted {
                    // Back from the back/forward cache: the navigation this page started never
                    // happened, and another tab may have changed the session meanwhile.
                    self.navigation_cancelled(cancelled(Msg::CameBack), out);
                    self.read_session(ports, out);
                }
            }
            Event::StorageChanged { key } => {
                if key.is_none() || key.as_deref() == Some(self.keys.session.as_str()) {
                    self.read_session(ports, out);
                    self.session_changed_elsewhere(ports, out);
                } else if key.as_deref() == Some(self.keys.renewal.as_str()) {
                    self.lease_changed_elsewhere(ports, out);
                }
            }
            Event::Tick => {
                let session = self.stored_session(ports, out);
                // A session longer than setTimeout's limit is re-checked at the limit.
                if !self.announce(session.clone(), out) {
                    if let Some(session) = session {
                        out.push(Effect::Timer(expiry_delay(&session, self.now)));
                    }
                }
            }
            Event::Visibility { visible: true } | Event::Online => self.renew_if_due(ports, out),
            Event::Visibility { visible: false } => {}
            Event::Window(event) => self.window(event, ports, out),
        }
        self.after(ports, out);
    }

    fn call<P: Ports>(&mut self, id: CallId, call: Call, href: &str, ports: &P, out: &mut Vec<Effect>) {
        match call {
            Call::ReadSession => {
                self.read_session(ports, out);
                settle(id, Ok(Value::Unit), out);
            }
            Call::IsCallback(url) => {
                if !entry::REDIRECT {
                    return settle(id, Err(entry::no_redirect(Member::IsCallback)), out);
                }
                let answer = crate::callback::is_callback(url.as_deref().unwrap_or(href), ports);
                settle(id, Ok(Value::Bool(answer)), out);
            }
            Call::Login(options) => self.login(id, &options, href, ports, out),
            Call::AuthorizeUrl(options) => self.authorize_url(id, &options, href, ports, out),
            Call::LoginWithRedirect(options) => self.login_with_redirect(id, &options, href, ports, out),
            Call::HandleCallback(url) => self.handle_callback(id, url, href, ports, out),
            Call::Logout(options) => self.start_logout(id, &options, ports, out),
            Call::GetSession(options) => self.get_session(id, &options, ports, out),
        }
    }

    /// Routes a popup or QR login's report.
    fn window<P: Ports>(&mut self, event: WindowEvent, ports: &P, out: &mut Vec<Effect>) {
        // A flow this entry lacks (src/engine/entry.rs): its calls say which entry has it, its
        // reports are dropped.
        match event {
            WindowEvent::LoginWithPopup { id, .. } if !entry::POPUP => return settle(id, Err(entry::no_popup()), out),
            WindowEvent::MountQr { id, .. } if !entry::QR => return settle(id, Err(entry::no_qr()), out),
            WindowEvent::PopupBlocked | WindowEvent::PopupClosed { .. } | WindowEvent::PopupMessage { .. }
                if !entry::POPUP =>
            {
                return
            }
            WindowEvent::QrLoaded { .. } | WindowEvent::QrMessage { .. } | WindowEvent::DisposeQr { .. }
                if !entry::QR =>
            {
                return
            }
            _ => {}
        }
        match event {
            WindowEvent::LoginWithPopup { id, options } => self.login_with_popup(id, &options, ports, out),
            WindowEvent::PopupBlocked => self.popup_blocked(out),
            WindowEvent::PopupClosed { cross_origin } => self.popup_closed(cross_origin, out),
            WindowEvent::PopupMessage { from_popup, channel, origin, data } => {
                self.popup_message(from_popup, channel, &origin, &data, ports, out);
            }
            WindowEvent::MountQr { id, target, options, href } => {
                let result = self.mount_qr(target, &options, &href, ports, out).map(|()| Value::Unit);
                settle(id, result, out);
            }
            WindowEvent::QrLoaded { mount, loaded, api } => self.qr_loaded(mount, loaded, api, out),
            WindowEvent::QrMessage { mount, origin, match_origin, match_data, from_frame, data } => {
                self.qr_message(mount, &origin, match_origin && match_data && from_frame, &data, out);
            }
            WindowEvent::DisposeQr { mount } => self.dispose_qr(mount, out),
        }
    }

    fn op(&mut self) -> Op {
        self.next_op = self.next_op.wrapping_add(1);
        self.next_op
    }

    /// Whether tabs share the session (`storage: "local"`): then they hear each other's changes,
    /// renew once for all, and a logout in one supersedes what the others have in flight.
    fn shares_session(&self) -> bool {
        self.config.storage == StorageChoice::Local
    }

    // ---- The owner table ------------------------------------------------------------------
    //
    // | shared thing           | owner                                   | what a later event does            |
    // | ---------------------- | --------------------------------------- | ---------------------------------- |
    // | an op (an answer)      | the flow, navigation, logout or renewal | an answer nobody owns is dropped   |
    // |                        | timer that emitted it                   |                                    |
    // | the host API           | the one flow in a host phase            | a login joins or takes over a      |
    // |                        |                                         | renewal's call, never a second one |
    // | the renewal lock/lease | the renewal flow                        | released when no renewal is left   |
    // | the page's navigation  | a browser login, a redirect, the QR or  | logins are refused while it runs   |
    // |                        | the logout                              |                                    |
    // | the stored session     | any flow started since the last logout  | a logout, in any tab, ends them    |
    // |                        | (the epoch)                             | all before they can write          |

    /// Who waits for the answer `op`.
    fn waiting_for(&self, op: Op) -> Option<Waiter> {
        if let Some(index) = self.flows.iter().position(|flow| flow.op == op) {
            return Some(Waiter::Flow(index));
        }
        if self.navigation.as_ref().is_some_and(|n| n.op == op) {
            return Some(Waiter::Navigation);
        }
        if self.logout.as_ref().is_some_and(|l| l.phase == logout::LogoutPhase::Posting(op)) {
            return Some(Waiter::Logout);
        }
        self.renewals.timer.is_some_and(|(timer, _)| timer == op).then_some(Waiter::RenewalTimer)
    }

    /// The flow holding the host API (a login or a renewal in a host phase): at most one.
    fn host_owner(&self) -> Option<usize> {
        self.flows.iter().position(|flow| {
            matches!(
                flow.phase,
                Phase::Login(LoginPhase::Host(_) | LoginPhase::Superseded)
                    | Phase::Renewal { phase: RenewalPhase::Host(_), .. }
            )
        })
    }

    /// The renewal in flight, which holds the renewal lock or lease.
    fn renewal(&self) -> Option<usize> {
        self.flows.iter().position(|flow| matches!(flow.phase, Phase::Renewal { .. }))
    }

    // ---- Ending flows --------------------------------------------------------------------

    /// Ends flow `index`: its callers hear `result` (`Ok`: the session just announced), its
    /// readers the session that stands.
    fn end_flow(&mut self, index: usize, result: Result<(), Error>, out: &mut Vec<Effect>) {
        self.end(index, result, false, out);
    }

    /// Ends every flow: a logout superseded them.
    fn end_every_flow(&mut self, why: Msg, out: &mut Vec<Effect>) {
        let mut index = 0;
        while index < self.flows.len() {
            index += usize::from(self.supersede(index, Err(cancelled(why)), out));
        }
    }

    /// Ends flow `index` before its answer came; the host owner keeps the host (its call is still
    /// out), as a superseded login without calls: `true`.
    fn supersede(&mut self, index: usize, result: Result<(), Error>, out: &mut Vec<Effect>) -> bool {
        self.end(index, result, true, out)
    }

    fn end(&mut self, index: usize, result: Result<(), Error>, keep_host: bool, out: &mut Vec<Effect>) -> bool {
        let kept = keep_host && self.host_owner() == Some(index);
        let (callers, readers) = if kept {
            let flow = &mut self.flows[index];
            flow.phase = Phase::Login(LoginPhase::Superseded);
            (core::mem::take(&mut flow.callers), core::mem::take(&mut flow.readers))
        } else {
            let flow = self.flows.remove(index);
            (flow.callers, flow.readers)
        };
        for id in callers {
            settle(id, result.clone().map(|()| Value::Session), out);
        }
        let current = self.current();
        for id in readers {
            settle(id, Ok(current.clone()), out);
        }
        kept
    }

    /// A flow's exchange succeeded: the session is written and announced, and the flow ends.
    fn signed_in<P: Ports>(&mut self, index: usize, session: Session, ports: &P, out: &mut Vec<Effect>) {
        self.write_session(Some(&session), ports, out);
        self.announce(Some(session), out);
        self.end_flow(index, Ok(()), out);
    }

    /// What a reader resolves with: the session listeners know, or `null`.
    fn current(&self) -> Value {
        match self.announced {
            Some(Some(_)) => Value::Session,
            _ => Value::Unit,
        }
    }

    /// A backend answer for flow `index`.
    fn fetched<P: Ports>(
        &mut self,
        index: usize,
        result: Result<crate::backend::HttpResponse, crate::backend::TransportError>,
        ports: &P,
        out: &mut Vec<Effect>,
    ) {
        let Engine { flows, config, .. } = self;
        let Some(exchange) = flows[index].phase.exchange() else { return };
        match exchange.answered(&config.backend, config.lifecycle.renewal.as_ref(), result) {
            exchange::Answer::Retry(ms) => {
                let op = self.op();
                self.flows[index].op = op;
                out.push(Effect::Sleep { op, ms });
            }
            exchange::Answer::Reply(reply) => self.exchanged(index, Ok(reply), ports, out),
            exchange::Answer::Failed(error) => self.exchanged(index, Err(error), ports, out),
        }
    }

    /// The backend's final answer for flow `index`, handed to the flow's own rules.
    fn exchanged<P: Ports>(
        &mut self,
        index: usize,
        result: Result<crate::backend::BackendReply, Error>,
        ports: &P,
        out: &mut Vec<Effect>,
    ) {
        if matches!(self.flows[index].phase, Phase::Renewal { .. }) {
            return self.renewed(index, result, ports, out);
        }
        let reply = match result {
            Ok(reply) => reply,
            Err(error) => return self.end_flow(index, Err(error), out),
        };
        let (surface, return_to) = match &mut self.flows[index].phase {
            Phase::Callback { return_to, exchange, .. } => (exchange.surface, return_to.take()),
            phase => (phase.exchange().map_or(self.surface, |e| e.surface), None),
        };
        let session = self.new_session(reply, surface);
        self.signed_in(index, session, ports, out);
        // The address bar leaves the callback page once the session is there.
        if let Some(url) = return_to {
            out.push(Effect::ReplaceUrl(url));
        }
    }

    fn new_session(&self, reply: crate::backend::BackendReply, surface: Surface) -> Session {
        Session {
            token: reply.token,
            expires_at: reply.expires_in_ms.map(|ms| self.now.saturating_add(ms)),
            user: reply.user,
            surface,
            obtained_at: self.now,
        }
    }

    /// A pause of flow `index` ended.
    fn flow_slept<P: Ports>(&mut self, index: usize, ports: &P, out: &mut Vec<Effect>) {
        let resent = self.flows[index].phase.exchange().map(|exchange| exchange.request.clone());
        if let Some(request) = resent {
            // The pause before a retry.
            let op = self.op();
            self.flows[index].op = op;
            out.push(Effect::Fetch { op, request });
            return;
        }
        match self.flows[index].phase {
            Phase::Popup(_) if entry::POPUP => self.popup_slept(index, out),
            Phase::Renewal { .. } => self.renewal_slept(index, ports, out),
            _ => {}
        }
    }

    // ---- What listeners hear ---------------------------------------------------------------

    fn derived_status(&self) -> Status {
        if self.logout.is_some() || self.heard_logout {
            Status::SigningOut
        } else if self.navigation.is_some() {
            Status::Redirecting
        } else if let Some(Some(_)) = self.announced {
            Status::SignedIn
        } else {
            Status::SignedOut
        }
    }

    /// Tells the driver the status when it changed.
    fn sync_status(&mut self, out: &mut Vec<Effect>) {
        let status = self.derived_status();
        if self.status != Some(status) {
            self.status = Some(status);
            out.push(Effect::Status(status));
        }
    }

    /// Tells the driver about the session when it differs from what listeners last heard (the
    /// status first, when it changes with it), and arms the expiry timer; `false` when listeners
    /// already heard of it.
    fn announce(&mut self, session: Option<Session>, out: &mut Vec<Effect>) -> bool {
        if self.announced.as_ref() == Some(&session) {
            return false;
        }
        out.push(Effect::Timer(session.as_ref().and_then(|s| expiry_delay(s, self.now))));
        self.announced = Some(session.clone());
        self.sync_status(out);
        let headers = match &session {
            Some(session) => vec![(String::from("Authorization"), session.authorization())],
            None => Vec::new(),
        };
        out.push(Effect::Session { session, headers });
        true
    }

    /// After every event: releases a renewal lock or lease no renewal needs any more, arms the
    /// renewal timer, and tells the driver the status.
    fn after<P: Ports>(&mut self, ports: &P, out: &mut Vec<Effect>) {
        self.release_lease(ports, out);
        self.arm_renewal_timer(out);
        self.heard_logout = false;
        self.sync_status(out);
    }
}

/// Milliseconds until `session` expires, within what `setTimeout` takes (2^31-1 ms, ~24.8
/// days; a longer session is re-checked then); `None` when it never expires.
fn expiry_delay(session: &Session, now: i64) -> Option<u32> {
    session.expires_at.map(|at| at.saturating_sub(now).clamp(0, i32::MAX.into()) as u32)
}
