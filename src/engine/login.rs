//! `login()` on every surface, `authorizeUrl()` and `loginWithRedirect()`.
//!
//! On the host surfaces a login asks the host for a code, then posts it:
//! `Host(Ready → RequestAccess | RequestAuthCode)` on the client, `Host(Asking)` on doc widgets
//! and mini programs, then `Exchanging`. In the browser it decides to navigate to Feishu: the
//! page's [`navigation`](super::navigation) then owns it until the page unloads.
//!
//! The host is one resource: a login that finds a renewal in flight takes it over (its host call,
//! or its exchange), so the host never has two calls at once and the renewal's callers hear the
//! login's session.

use super::entry::{self, Member};
use super::exchange::Exchange;
use super::host::HostStep;
use super::navigation::NavOwner;
use super::renewal::RenewalPhase;
use super::{cancelled, settle, CallId, Effect, Engine, Flow, HostAnswer, HostCall, Phase, Rng, Value};
use crate::authorize::LoginOptions;
use crate::backend::{build_request, ExchangeRequest};
use crate::callback::{is_callback, CallbackParams};
use crate::config::validate_scope;
use crate::error::{Error, ErrorKind};
use crate::host::{host_error, Api, HostFailure, Surface, ERRNO_UNSUPPORTED};
use crate::json::Json;
use crate::pkce::random_token;
use crate::ports::Ports;
use crate::prelude::*;
use subtle::ConstantTimeEq;

/// Where a login on a host surface is.
pub(super) enum LoginPhase {
    /// Waiting for the host.
    Host(HostStep),
    /// A logout superseded the login (or renewal) while its host call was out: the host is still
    /// busy with it, so the flow keeps the host until it answers; the answer is dropped, or, for
    /// logins that joined since, the host is asked again.
    Superseded,
    /// Posting the host's code to the backend.
    Exchanging(Exchange),
}

impl Engine {
    /// Why no login may start now: a logout is signing the user out, or the page is navigating
    /// away (nothing starts a login meanwhile).
    pub(super) fn refusal(&self) -> Option<Error> {
        if self.logout.is_some() {
            Some(cancelled(Msg::SigningOut))
        } else if self.navigation.is_some() {
            Some(cancelled(Msg::NavigatingAway))
        } else {
            None
        }
    }

    /// `member` navigates the page, opens a popup or draws into the page: without a page (Node,
    /// a worker) it is `unsupported`, saying to run it in a browser.
    pub(super) fn needs_page(&self, member: &str) -> Result<(), Error> {
        match self.page {
            true => Ok(()),
            false => Err(Error::new(ErrorKind::Unsupported, Message::new(Msg::NeedsPage).arg(member))),
        }
    }

    /// `login(options)`.
    pub(super) fn login<P: Ports>(&mut self, id: CallId, options: &Json, href: &str, ports: &P, out: &mut Vec<Effect>) {
        // A flow this entry lacks (entry.rs) says which entry has it; its code is behind the
        // entry's constant flags, so that it is left out of the entry's wasm.
        if let Some(error) = entry::no_login_on(self.surface) {
            return settle(id, Err(error), out);
        }
        // Bad options are this call's error even when a login is in flight.
        let options = match LoginOptions::from_json(options, "login") {
            Ok(options) => options,
            Err(error) => return settle(id, Err(error), out),
        };
        if let Some(error) = self.refusal() {
            return settle(id, Err(error), out);
        }
        // Concurrent calls share one login in flight, whichever started it (a renewal is not one).
        if let Some(flow) = self.flows.iter_mut().find(|f| !matches!(f.phase, Phase::Renewal { .. })) {
            return flow.callers.push(id);
        }
        if entry::REDIRECT && self.surface == Surface::Browser {
            if let Some(error) = self.repeat_failure(href, ports) {
                return settle(id, Err(error), out);
            }
            if is_callback(href, ports) {
                return self.start_callback(id, href.to_owned(), href, ports, out);
            }
        }
        if !options.force && self.read_session(ports, out).is_some() {
            return settle(id, Ok(Value::Session), out);
        }
        if entry::REDIRECT && self.surface == Surface::Browser {
            return match self.needs_page("login").and_then(|()| self.authorize(&options, href, true, ports, out)) {
                Ok(url) => self.navigate(url, NavOwner::Login(vec![id]), out),
                Err(error) => settle(id, Err(error), out),
            };
        }
        // The scope is checked before anything is asked of the host.
        let scope = match options.scope.map(|scope| validate_scope("options.scope", scope)) {
            Some(Ok(scope)) => scope,
            Some(Err(error)) => return settle(id, Err(error), out),
            None => self.config.scope.clone(),
        };
        // A renewal in flight yields to this login: its host call or exchange becomes the login's
        // (the host is asked once), or the login asks the host now.
        if let Some(index) = self.renewal() {
            let flow = &mut self.flows[index];
            flow.callers.push(id);
            let phase = core::mem::replace(&mut flow.phase, Phase::Login(LoginPhase::Host(HostStep::RequestAuthCode)));
            match phase {
                Phase::Renewal { phase: RenewalPhase::Host(step), .. } => {
                    flow.phase = Phase::Login(LoginPhase::Host(step))
                }
                Phase::Renewal { phase: RenewalPhase::Exchanging(exchange), .. } => {
                    flow.phase = Phase::Login(LoginPhase::Exchanging(exchange));
                }
                _ => self.ask_host(index, self.first_host_step(scope), out),
            }
            return;
        }
        // The op is the host call's (`ask_host`).
        let phase = Phase::Login(LoginPhase::Host(HostStep::RequestAuthCode));
        self.flows.push(Flow { op: 0, callers: vec![id], readers: Vec::new(), phase });
        self.ask_host(self.flows.len() - 1, self.first_host_step(scope), out);
    }

    /// `authorizeUrl(options)`: a fresh authorize URL, its pending login recorded.
    pub(super) fn authorize_url<P: Ports>(
        &mut self,
        id: CallId,
        options: &Json,
        href: &str,
        ports: &P,
        out: &mut Vec<Effect>,
    ) {
        if !entry::REDIRECT {
            return settle(id, Err(entry::no_redirect(Member::AuthorizeUrl)), out);
        }
        let result =
            LoginOptions::from_json(options, "authorizeUrl").and_then(|o| self.authorize(&o, href, false, ports, out));
        settle(id, result.map(Value::Text), out);
    }

    /// `loginWithRedirect(options)`: settled once the browser took the navigation.
    pub(super) fn login_with_redirect<P: Ports>(
        &mut self,
        id: CallId,
        options: &Json,
        href: &str,
        ports: &P,
        out: &mut Vec<Effect>,
    ) {
        if !entry::REDIRECT {
            return settle(id, Err(entry::no_redirect(Member::LoginWithRedirect)), out);
        }
        let result = LoginOptions::from_json(options, "loginWithRedirect").and_then(|options| {
            self.needs_page("loginWithRedirect")?;
            match self.refusal() {
                Some(error) => Err(error),
                None => self.authorize(&options, href, true, ports, out),
            }
        });
        match result {
            Ok(url) => self.navigate(url, NavOwner::Redirect(vec![id]), out),
            Err(error) => settle(id, Err(error), out),
        }
    }

    /// The first host call of a login on this surface.
    pub(super) fn first_host_step(&self, scope: Vec<String>) -> HostStep {
        match self.surface {
            Surface::Client => HostStep::Ready { scope },
            Surface::DocWidget => HostStep::Asking(Api::DocWidgetLogin),
            _ => HostStep::Asking(Api::TtLogin),
        }
    }

    /// Makes the host call of `step` for flow `index` (a login or a renewal).
    pub(super) fn ask_host(&mut self, index: usize, step: HostStep, out: &mut Vec<Effect>) {
        if !entry::HOSTS {
            // Not reached: an entry without the hosts logs in and renews on no host surface.
            return self.end_flow(index, Err(entry::no_hosts()), out);
        }
        let app_id = || self.config.app_id.clone();
        let call = match &step {
            HostStep::Ready { .. } => HostCall::H5sdkReady,
            HostStep::RequestAccess { state } => {
                let scope = match &self.flows[index].phase {
                    Phase::Login(LoginPhase::Host(HostStep::Ready { scope }))
                    | Phase::Renewal { phase: RenewalPhase::Host(HostStep::Ready { scope }), .. } => scope.clone(),
                    _ => self.config.scope.clone(),
                };
                HostCall::RequestAccess { app_id: app_id(), scope, state: state.clone() }
            }
            HostStep::RequestAuthCode => HostCall::RequestAuthCode { app_id: app_id() },
            HostStep::Asking(Api::DocWidgetLogin) => HostCall::DocWidgetLogin,
            HostStep::Asking(_) => HostCall::TtLogin,
        };
        // The owner table's rule: the host has one call at a time, this flow's.
        debug_assert!(self.host_owner().is_none_or(|owner| owner == index), "a second host call");
        let op = self.op();
        out.push(Effect::Host { op, call, timeout_ms: self.config.host_timeout_ms });
        let flow = &mut self.flows[index];
        flow.op = op;
        match &mut flow.phase {
            Phase::Renewal { phase, .. } => *phase = RenewalPhase::Host(step),
            phase => *phase = Phase::Login(LoginPhase::Host(step)),
        }
    }

    /// The host answered flow `index` (a login, or a renewal on a host surface).
    pub(super) fn host_answered<P: Ports>(
        &mut self,
        index: usize,
        result: Result<HostAnswer, HostFailure>,
        ports: &P,
        out: &mut Vec<Effect>,
    ) {
        if !entry::HOSTS {
            return; // no host was asked
        }
        let step = match &self.flows[index].phase {
            Phase::Login(LoginPhase::Host(step)) | Phase::Renewal { phase: RenewalPhase::Host(step), .. } => step,
            Phase::Login(LoginPhase::Superseded) => {
                if self.flows[index].callers.is_empty() && self.flows[index].readers.is_empty() {
                    self.flows.remove(index);
                } else {
                    self.ask_host(index, self.first_host_step(self.config.scope.clone()), out);
                }
                return;
            }
            _ => return,
        };
        let api = match step {
            HostStep::Ready { .. } => Api::H5sdkReady,
            HostStep::RequestAccess { .. } => Api::RequestAccess,
            HostStep::RequestAuthCode => Api::RequestAuthCode,
            HostStep::Asking(api) => *api,
        };
        let no_code = || Error::new(ErrorKind::Host, Message::new(Msg::HostNoCode).arg(api.name()));
        let (code, echoed) = match (step, result) {
            // A client without requestAccess (missing, or errno 103): requestAuthCode instead.
            (HostStep::RequestAccess { .. }, Err(failure))
                if failure.unavailable || failure.code == Some(ERRNO_UNSUPPORTED) =>
            {
                return self.ask_host(index, HostStep::RequestAuthCode, out);
            }
            // An h5sdk without `ready` is ready.
            (HostStep::Ready { .. }, Ok(HostAnswer::Ready) | Err(HostFailure { unavailable: true, .. })) => {
                return match random_token(&Rng(ports)) {
                    Ok(state) => self.ask_host(index, HostStep::RequestAccess { state }, out),
                    Err(error) => self.host_failed(index, error, out),
                };
            }
            (_, Err(failure)) => return self.host_failed(index, host_error(api, &failure), out),
            (HostStep::Ready { .. }, Ok(_)) | (_, Ok(HostAnswer::Ready)) => {
                return self.host_failed(index, no_code(), out);
            }
            (_, Ok(HostAnswer::Code { code, state })) => (code, state),
        };
        if let HostStep::RequestAccess { state } = step {
            // Clients that echo no state are accepted; one that echoes another is not.
            if echoed.is_some_and(|echoed| !bool::from(echoed.as_bytes().ct_eq(state.as_bytes()))) {
                let error = Error::new(ErrorKind::State, Msg::HostStateMismatch);
                return self.host_failed(index, error, out);
            }
        }
        let code = match code {
            None => return self.host_failed(index, no_code(), out),
            Some(code) if code.is_empty() => {
                let error = Error::new(ErrorKind::Host, Msg::HostEmptyCode);
                return self.host_failed(index, error, out);
            }
            Some(code) => code,
        };
        let surface = self.surface;
        let (op, exchange) = self.post_code(&code, surface, None, out);
        let flow = &mut self.flows[index];
        flow.op = op;
        match &mut flow.phase {
            Phase::Renewal { phase, .. } => *phase = RenewalPhase::Exchanging(exchange),
            phase => *phase = Phase::Login(LoginPhase::Exchanging(exchange)),
        }
    }

    /// A host call of flow `index` failed for good.
    fn host_failed(&mut self, index: usize, error: Error, out: &mut Vec<Effect>) {
        if matches!(self.flows[index].phase, Phase::Renewal { .. }) {
            return self.renewal_failed(index, &error, out);
        }
        self.end_flow(index, Err(error), out);
    }

    /// Posts a login code to the backend (with the PKCE verifier and `redirect_uri` of a browser
    /// login); with `passport: true`, a browser code is marked for the passport token endpoint.
    pub(super) fn post_code(
        &mut self,
        code: &str,
        surface: Surface,
        pkce: Option<(&crate::pkce::CodeVerifier, &str)>,
        out: &mut Vec<Effect>,
    ) -> (super::Op, Exchange) {
        let passport = self.config.passport && surface == Surface::Browser;
        let exchange = ExchangeRequest { code, surface, app_id: &self.config.app_id, pkce, passport };
        let request = build_request(&self.config.backend, &exchange);
        Exchange::send(self, request, surface, false, out)
    }

    /// A fresh authorize URL; its pending login is added to this tab's list.
    ///
    /// # Errors
    /// `config`, `crypto`, and, when `navigating`, `storage` if sessionStorage refuses the
    /// pending login: memory does not survive the redirect, so the login could never complete
    /// and must fail before navigating. Without navigation (`authorizeUrl()`, whose URL may be
    /// used on this very page) the pending login is kept in memory.
    pub(super) fn authorize<P: Ports>(
        &mut self,
        options: &LoginOptions,
        href: &str,
        navigating: bool,
        ports: &P,
        out: &mut Vec<Effect>,
    ) -> Result<String, Error> {
        let mut request = self.authorize_request(options, ports)?;
        request.pending.epoch = self.epoch;
        // Older pending logins stay: a callback in the address bar may still need one, and that
        // one is never the one dropped to keep the list short.
        let mut list = self.pending_list(ports);
        list.push(request.pending);
        let needed = CallbackParams::parse(href, ports).ok().and_then(|p| p.state).unwrap_or_default();
        while list.len() > super::MAX_PENDING {
            let oldest_unneeded = list.iter().position(|p| !bool::from(p.state.as_bytes().ct_eq(needed.as_bytes())));
            list.remove(oldest_unneeded.unwrap_or(0));
        }
        if !self.write_pending(&list, ports) {
            if navigating {
                return Err(Error::new(ErrorKind::Storage, Msg::PendingRefused));
            }
            // Without a page (Node) no redirect comes back: memory is where it belongs.
            if self.page {
                out.push(Effect::Warn(Msg::WarnPendingInMemory.into()));
            }
        }
        Ok(request.url)
    }
}
