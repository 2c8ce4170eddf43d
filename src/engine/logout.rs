//! `logout({ returnTo })`, and a logout heard from another tab.
//!
//! A logout supersedes every login, callback, renewal, popup and QR login in flight, in every tab
//! of the origin. Tabs that share the session (`storage: "local"`) agree through the logout
//! epoch, a counter in localStorage (`feishu-login/v1/<appId>/logout`): a logout increments it
//! before it removes the session, every step of every tab reads it first (so a tab hears a logout
//! before any late answer of its own can write a session), and a redirect login carries the epoch
//! it started in (its callback after a later logout is `cancelled`). A tab that hears the epoch
//! move before the session's removal reaches it (each key's change arrives on its own) ignores
//! the session it knew from then on: it was ended.
//!
//! Phases: `Posting` (`logoutUrl` with the bearer token; the session is removed already),
//! `Navigating` (to `returnTo`, until the page unloads). The status is `signingOut` throughout,
//! and no login starts.

use super::navigation::NavOwner;
use super::{cancelled, settle, CallId, Effect, Engine, Op, Value};
use crate::backend::{bearer_request, read_response, transport_error, HttpResponse, TransportError};
use crate::config::{check_options, text, Shape};
use crate::error::{CodeSource, Error, ErrorKind};
use crate::json::Json;
use crate::ports::{Area, Ports};
use crate::prelude::*;

/// Why a login, callback, renewal, popup or QR login in flight ended: a logout superseded it.
pub(super) const SUPERSEDED: Msg = Msg::LoggedOutMeanwhile;

/// Where a logout is.
#[derive(PartialEq)]
pub(super) enum LogoutPhase {
    /// `logoutUrl` was posted; its answer has this op.
    Posting(Op),
    /// The page navigates to `returnTo`.
    Navigating,
}

/// The logout in flight and the calls waiting for it, each with its `returnTo` (checked).
pub(super) struct Logout {
    pub(super) phase: LogoutPhase,
    waiters: Vec<(CallId, Result<Option<String>, Error>)>,
}

impl Engine {
    /// The logout epoch in localStorage (`None`: not shared, or unreadable).
    fn stored_epoch<P: Ports>(&self, ports: &P) -> Option<i64> {
        if !self.shares_session() {
            return None;
        }
        let text = ports.get(Area::Shared, &self.keys.logout).ok()?;
        Some(text.and_then(|t| Json::parse(&t)?.as_i64()).unwrap_or(0))
    }

    /// The epoch at construction.
    pub(super) fn read_epoch<P: Ports>(&mut self, ports: &P) {
        self.epoch = self.stored_epoch(ports).unwrap_or(0);
    }

    /// Every step begins here: when another tab logged out since this tab last looked, that
    /// logout supersedes everything in flight here (the status passes through `signingOut`).
    pub(super) fn check_epoch<P: Ports>(&mut self, ports: &P, out: &mut Vec<Effect>) {
        match self.stored_epoch(ports) {
            Some(stored) if stored != self.epoch => self.epoch = stored,
            _ => return,
        }
        self.heard_logout = true;
        self.sync_status(out);
        self.navigation_cancelled(cancelled(SUPERSEDED), out);
        self.unmount_qr(SUPERSEDED, out);
        // The browser delivers the other tab's writes key by key: the epoch can arrive while
        // this tab's copy of localStorage still holds the session that logout removed. The
        // session this tab knew is over all the same; a newer one (a login after the logout)
        // is not.
        if let Some(Some(known)) = &self.announced {
            self.ended = Some(known.token.clone());
        }
        self.read_session(ports, out);
        self.end_every_flow(SUPERSEDED, out);
    }

    /// `logout({ returnTo })`: ends the session server-side at `logoutUrl` (the request leaves
    /// before the local removal, with the token it ends), then removes it from every store at
    /// once; every tab hears `null`. Settles when the server answered (or failed: a warning,
    /// never a kept session), then navigates to `returnTo`.
    pub(super) fn start_logout<P: Ports>(&mut self, id: CallId, options: &Json, ports: &P, out: &mut Vec<Effect>) {
        let return_to = match options {
            Json::Null => Ok(None),
            Json::Object(_) => check_options(options, "logout", &[("returnTo", Shape::Text)]).and_then(|()| {
                text(options, "returnTo").map(|url| self.config.resolve_return_to(&url, ports)).transpose()
            }),
            _ => Err(Error::new(ErrorKind::Config, Msg::LogoutOptions)),
        };
        let session = self.stored_session(ports, out);
        // The epoch moves before the session goes: a tab that hears the removal hears the
        // logout first.
        if let Some(stored) = self.stored_epoch(ports) {
            let next = stored.max(self.epoch) + 1;
            if ports.put(Area::Shared, &self.keys.logout, Some(&Json::integer(next).to_text())).is_ok() {
                self.epoch = next;
            }
        }
        self.navigation_cancelled(cancelled(SUPERSEDED), out);
        self.unmount_qr(SUPERSEDED, out);
        // A logout still in flight ended an older session (another tab or a popup signed in
        // meanwhile): its callers now wait for this answer too, and this token is ended too.
        let (mut phase, mut waiters) = match self.logout.take() {
            Some(Logout { phase, waiters }) => (Some(phase), waiters),
            None => (None, Vec::new()),
        };
        if let (Some(endpoint), Some(session)) = (&self.config.lifecycle.logout, &session) {
            let request = bearer_request(endpoint, &session.token);
            let op = self.op();
            out.push(Effect::Fetch { op, request });
            phase = Some(LogoutPhase::Posting(op));
        }
        waiters.push((id, return_to));
        let posting = matches!(phase, Some(LogoutPhase::Posting(_)));
        self.logout = Some(Logout { phase: phase.unwrap_or(LogoutPhase::Navigating), waiters });
        // signingOut before anyone hears null.
        self.sync_status(out);
        self.write_session(None, ports, out);
        self.announce(None, out);
        self.end_every_flow(SUPERSEDED, out);
        if !posting {
            self.finish_logout(out);
        }
    }

    /// The answer of `logoutUrl`. The session is gone here already; a failure only means the
    /// server may still honour the token until it expires, which the app hears as a warning.
    pub(super) fn logout_answered(&mut self, result: Result<HttpResponse, TransportError>, out: &mut Vec<Effect>) {
        let Some(endpoint) = &self.config.lifecycle.logout else { return };
        let problem = match result {
            // 401: the server had ended the session already.
            Ok(response) if response.status == 401 => None,
            Ok(response) => read_response(&endpoint.url, &response, CodeSource::OAuthToken).err(),
            Err(error) => Some(transport_error(endpoint, error)),
        };
        // A 2xx without a session body is what a logout endpoint answers.
        if let Some(problem) = problem.filter(|p| p.kind() != ErrorKind::Response) {
            out.push(Effect::Warn(Message::new(Msg::WarnLogout).then(problem.content().clone())));
        }
        self.finish_logout(out);
    }

    /// Both sides are done: the calls settle, or wait for the navigation to `returnTo`.
    fn finish_logout(&mut self, out: &mut Vec<Effect>) {
        let Some(logout) = self.logout.take() else { return };
        let mut going = None;
        let mut ids = Vec::new();
        for (id, return_to) in logout.waiters {
            match return_to {
                Ok(Some(url)) => {
                    going = Some(url);
                    ids.push(id);
                }
                Ok(None) => settle(id, Ok(Value::Unit), out),
                Err(error) => settle(id, Err(error), out),
            }
        }
        if let Some(url) = going {
            self.logout = Some(Logout { phase: LogoutPhase::Navigating, waiters: Vec::new() });
            self.navigate(url, NavOwner::Logout(ids), out);
        }
    }
}
