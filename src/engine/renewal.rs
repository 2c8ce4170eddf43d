//! Renewal: before the session expires (`renewBeforeMs`), or for `getSession()`, a new session
//! from `refreshUrl` (`POST` with the bearer token, in the browser) or from the host (a new code
//! posted to `backend`, on the host surfaces); one renewal for all tabs sharing the session.
//!
//! Phases: `Locking` (waiting for the Web Lock), `Settling` (holding it, waiting
//! [`LEASE_SETTLE_MS`] for a session the previous holder may still be writing), `Leasing` (no Web
//! Locks: wrote the localStorage lease, waiting to see whether it kept it), `Watching` (another tab
//! holds the lease), `Host` (asking the host, as a login does), `Exchanging`.
//!
//! A renewal never writes over another session: its answer applies only while the stored session
//! is still the one renewed (another tab may have renewed it, logged out or in). On the host
//! surfaces it never asks the host while a login does: it joins the login, and a login that
//! starts during a renewal takes it over (see [`login`](super::login)).

use super::entry;
use super::exchange::Exchange;
use super::host::HostStep;
use super::{settle, CallId, Effect, Engine, Flow, Op, Phase, Rng, Value};
use crate::backend::{bearer_request, BackendReply, RETRY_BASE_DELAY_MS};
use crate::error::Error;
use crate::host::Surface;
use crate::json::Json;
use crate::pkce::random_token;
use crate::ports::{Area, Ports};
use crate::prelude::*;
use crate::session::Session;

/// How long a tab that wrote the renewal lease, or was granted the Web Lock, waits before
/// deciding: `localStorage` has no compare-and-swap, so two tabs may both find the lease free and
/// both write it (the last write wins everywhere once the stores agree, well within this time);
/// and a lock's grant and the previous holder's localStorage write reach a page by different
/// routes, so the renewed session may arrive just after the lock.
pub const LEASE_SETTLE_MS: u32 = 250;

/// After a failed renewal, no automatic renewal (and no renewal for `getSession()`) starts for
/// this long; the session stays valid until it expires.
pub const RENEW_RETRY_MS: i64 = 30_000;

/// The shortest renewal timer the engine arms: a timer that fired early (a clock set back) or a
/// due time already past never becomes a 0 ms loop.
pub const MIN_TIMER_MS: i64 = 1_000;

/// `getSession()`'s `minValidityMs` when not given.
pub const DEFAULT_MIN_VALIDITY_MS: i64 = 60_000;

/// Where a renewal is.
pub(super) enum RenewalPhase {
    /// Waiting for the Web Lock that makes this tab the one renewing.
    Locking,
    /// Holding the Web Lock, waiting [`LEASE_SETTLE_MS`] before deciding.
    Settling,
    /// Wrote the localStorage lease, waiting [`LEASE_SETTLE_MS`] to see whether it kept it.
    Leasing,
    /// Another tab holds the lease: waiting for its session, or for the lease to run out.
    Watching,
    /// Asking the host for a new code (host surfaces).
    Host(HostStep),
    /// Posting to `refreshUrl` (or the host's code to `backend`).
    Exchanging(Exchange),
}

/// The renewal state of a tab beyond the flow in flight.
#[derive(Default)]
pub(super) struct Renewals {
    /// The armed renewal timer: its op and the time it is for.
    pub(super) timer: Option<(Op, i64)>,
    /// No renewal starts before this time (set after a failed one).
    not_before: i64,
    /// This tab's id in the lease, made when first needed.
    tab_id: Option<String>,
    /// Whether this tab wrote the lease and has not released it yet.
    lease_held: bool,
    /// The op of the Web Lock this tab holds.
    lock: Option<Op>,
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
    /// Whether the session can be renewed here: through `refreshUrl` in the browser, through the
    /// host on the host surfaces.
    fn can_renew(&self) -> bool {
        match self.surface {
            Surface::Browser => entry::REDIRECT && self.config.lifecycle.renewal.is_some(),
            _ => entry::HOSTS,
        }
    }

    /// When `session` is due for automatic renewal: `renewBeforeMs` before it expires, but not
    /// before half its lifetime (a backend handing out sessions shorter than `renewBeforeMs`
    /// must not be asked again at once, over and over), nor during the pause after a failed
    /// renewal. `None`: never (disabled, no renewal path, no expiry, or not before it expires).
    fn renew_due(&self, session: &Session) -> Option<i64> {
        let before = i64::from(self.config.lifecycle.renew_before_ms);
        let expires_at = session.expires_at?;
        if before == 0 || !self.can_renew() {
            return None;
        }
        let half_life = session.obtained_at.saturating_add(expires_at.saturating_sub(session.obtained_at) / 2);
        let due = expires_at.saturating_sub(before).max(half_life).max(self.renewals.not_before);
        (due < expires_at).then_some(due)
    }

    /// Arms the renewal timer for the session listeners know (re-armed only when its time
    /// changed); none while a renewal runs.
    pub(super) fn arm_renewal_timer(&mut self, out: &mut Vec<Effect>) {
        let due = match &self.announced {
            Some(Some(session)) if self.renewal().is_none() => self.renew_due(session),
            _ => None,
        };
        if self.renewals.timer.map(|(_, at)| at) == due {
            return;
        }
        self.renewals.timer = due.map(|at| {
            let op = self.op();
            out.push(Effect::Sleep { op, ms: timer_ms(at - self.now) });
            (op, at)
        });
    }

    /// Releases the Web Lock or the lease when no renewal needs it any more.
    pub(super) fn release_lease<P: Ports>(&mut self, ports: &P, out: &mut Vec<Effect>) {
        if self.renewal().is_some() {
            return;
        }
        if let Some(op) = self.renewals.lock.take() {
            out.push(Effect::Unlock { op });
        }
        if self.renewals.lease_held {
            self.renewals.lease_held = false;
            if matches!(self.lease(ports), Lease::Mine) {
                let _ = ports.put(Area::Shared, &self.keys.renewal, None);
            }
        }
    }

    pub(super) fn renewal_timer_fired<P: Ports>(&mut self, ports: &P, out: &mut Vec<Effect>) {
        self.renewals.timer = None;
        self.renew_if_due(ports, out);
    }

    /// The renewal timer fired, the page became visible or the network came back: renews when
    /// the clock says the session is due, whatever the timer was armed for (a timer fires late
    /// after a laptop slept, early after the clock was set back).
    pub(super) fn renew_if_due<P: Ports>(&mut self, ports: &P, out: &mut Vec<Effect>) {
        let Some(session) = self.read_session(ports, out) else { return };
        if self.renewal().is_none() && self.renew_due(&session).is_some_and(|due| self.now >= due) {
            self.start_renewal(session, None, out);
        }
    }

    /// `getSession({ minValidityMs })`: the session when it stays valid that long, else a
    /// renewal shared by every caller (and every tab); `null` when signed out.
    pub(super) fn get_session<P: Ports>(&mut self, id: CallId, options: &Json, ports: &P, out: &mut Vec<Effect>) {
        let bad = || Error::new(crate::error::ErrorKind::Config, Msg::MinValidityMs);
        let min_validity = match options {
            Json::Null => Ok(DEFAULT_MIN_VALIDITY_MS),
            Json::Object(_) => {
                crate::config::check_options(options, "getSession", &[("minValidityMs", crate::config::Shape::Any)])
                    .and_then(|()| match options.get("minValidityMs") {
                        None | Some(Json::Null) => Ok(DEFAULT_MIN_VALIDITY_MS),
                        Some(Json::Number(n)) => n.truncated(0).map(|(ms, _)| ms).filter(|ms| *ms >= 0).ok_or_else(bad),
                        Some(_) => Err(bad()),
                    })
            }
            _ => Err(bad()),
        };
        let min_validity = match min_validity {
            Ok(ms) => ms,
            Err(error) => return settle(id, Err(error), out),
        };
        let Some(session) = self.read_session(ports, out) else {
            return settle(id, Ok(Value::Unit), out);
        };
        let long_enough = session.expires_at.is_none_or(|at| at.saturating_sub(self.now) >= min_validity);
        if let Some(index) = self.renewal() {
            if !long_enough {
                return self.flows[index].readers.push(id);
            }
        }
        // Valid long enough, no way to renew, or pausing after a failed renewal: the session
        // as it is (still valid: read_session removed an expired one).
        if long_enough || !self.can_renew() || self.now < self.renewals.not_before {
            return settle(id, Ok(Value::Session), out);
        }
        self.start_renewal(session, Some(id), out);
    }

    /// Starts renewing `session`. Where tabs share the session (localStorage), it first takes
    /// the renewal lock or lease, so that one tab renews for all. On a host surface with a login
    /// in flight, it joins that login instead: the host is asked once.
    fn start_renewal(&mut self, session: Session, reader: Option<CallId>, out: &mut Vec<Effect>) {
        if self.surface != Surface::Browser {
            if let Some(login) = self.flows.iter_mut().find(|f| matches!(f.phase, Phase::Login(_))) {
                login.readers.extend(reader);
                return;
            }
        }
        let op = self.op();
        let phase = Phase::Renewal { token: session.token, phase: RenewalPhase::Locking };
        self.flows.push(Flow { op, callers: Vec::new(), readers: reader.into_iter().collect(), phase });
        let index = self.flows.len() - 1;
        if !self.shares_session() {
            return self.renew_now(index, out);
        }
        // One tab renews for all: a Web Lock where the browser has them (released by the
        // browser when the tab dies), else the localStorage lease (the answer says which).
        out.push(Effect::Lock { op, name: self.keys.renewal.clone() });
    }

    /// The answer to a Web Lock request.
    pub(super) fn locked<P: Ports>(&mut self, op: Op, held: bool, ports: &P, out: &mut Vec<Effect>) {
        let index = self.flows.iter().position(|f| f.op == op);
        match index.filter(|&i| matches!(self.flows[i].phase, Phase::Renewal { phase: RenewalPhase::Locking, .. })) {
            // No Web Locks here: the localStorage lease instead.
            Some(index) if !held => self.take_lease(index, ports, out),
            Some(index) => {
                self.renewals.lock = Some(op);
                // The tab that held the lock before may have renewed already (its session may
                // still be on its way: settle first).
                if !self.adopt_if_renewed(index, ports, out) {
                    self.renewal_waits(index, RenewalPhase::Settling, LEASE_SETTLE_MS, out);
                }
            }
            // Granted to a renewal that ended meanwhile (adopted, taken over, ended by a logout).
            None if held => out.push(Effect::Unlock { op }),
            None => {}
        }
    }

    /// A pause of renewal `index` ended: the lock holder's settle pause (then renew, unless the
    /// previous holder's session arrived), the lease writer's (then renew when the lease still
    /// names this tab, even if the pause outlasted it: a throttled tab's timer fires late; else
    /// wait for the tab that wrote it last), or the wait for another tab's lease (it ran out
    /// without a new session: its holder is gone; take over).
    pub(super) fn renewal_slept<P: Ports>(&mut self, index: usize, ports: &P, out: &mut Vec<Effect>) {
        let leasing = match &self.flows[index].phase {
            Phase::Renewal { phase: RenewalPhase::Settling, .. } => false,
            Phase::Renewal { phase: RenewalPhase::Leasing, .. } => true,
            Phase::Renewal { phase: RenewalPhase::Watching, .. } => return self.take_lease(index, ports, out),
            _ => return,
        };
        if self.adopt_if_renewed(index, ports, out) {
            return;
        }
        if !leasing || self.lease_owner(ports).is_some_and(|owner| Some(owner) == self.renewals.tab_id) {
            return self.renew_now(index, out);
        }
        self.renewals.lease_held = false;
        self.take_lease(index, ports, out);
    }

    fn renewal_waits(&mut self, index: usize, next: RenewalPhase, ms: u32, out: &mut Vec<Effect>) {
        let op = self.op();
        let flow = &mut self.flows[index];
        flow.op = op;
        if let Phase::Renewal { phase, .. } = &mut flow.phase {
            *phase = next;
        }
        out.push(Effect::Sleep { op, ms });
    }

    /// This tab's id in the lease; `None` without a secure random source (then no lease).
    fn tab_id<P: Ports>(&mut self, ports: &P) -> Option<String> {
        if self.renewals.tab_id.is_none() {
            self.renewals.tab_id = random_token(&Rng(ports)).ok();
        }
        self.renewals.tab_id.clone()
    }

    /// The lease's record: its owner and until when.
    fn lease_record<P: Ports>(&self, ports: &P) -> Option<(Option<String>, i64)> {
        let record = Json::parse(&ports.get(Area::Shared, &self.keys.renewal).ok().flatten()?)?;
        let owner = record.get("owner").and_then(Json::as_str).map(str::to_owned);
        Some((owner, record.get("until").and_then(Json::as_i64).unwrap_or(0)))
    }

    fn lease_owner<P: Ports>(&self, ports: &P) -> Option<String> {
        self.lease_record(ports)?.0
    }

    /// Reads the lease. One that ran out, or that claims longer than a renewal can take (a
    /// clock set back in the tab that wrote it, a forged value), is free.
    fn lease<P: Ports>(&mut self, ports: &P) -> Lease {
        let Some((owner, until)) = self.lease_record(ports) else { return Lease::Free };
        if until <= self.now || until > self.now.saturating_add(self.lease_ms()) {
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
        let endpoint = match (self.surface, &self.config.lifecycle.renewal) {
            (Surface::Browser, Some(renewal)) => renewal,
            (Surface::Browser, None) => return 0,
            _ => &self.config.backend,
        };
        let tries = i64::from(endpoint.retries) + 1;
        let pause = i64::from(RETRY_BASE_DELAY_MS) << endpoint.retries.min(8);
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
            (Lease::Other(until), _) => (RenewalPhase::Watching, timer_ms(until - self.now)),
            (_, Some(me)) => {
                let until = self.now.saturating_add(self.lease_ms());
                let record = Json::object([("owner", Json::string(&me)), ("until", Json::integer(until))]);
                if ports.put(Area::Shared, &self.keys.renewal, Some(&record.to_text())).is_err() {
                    // No shared store, so no other tab to agree with.
                    return self.renew_now(index, out);
                }
                self.renewals.lease_held = true;
                (RenewalPhase::Leasing, LEASE_SETTLE_MS)
            }
        };
        self.renewal_waits(index, phase, ms, out);
    }

    /// Whether the stored session is no longer the one renewal `index` started from (another
    /// tab renewed it, logged out, or logged in again); then the renewal ends with what is
    /// stored, and its callers hear it.
    fn adopt_if_renewed<P: Ports>(&mut self, index: usize, ports: &P, out: &mut Vec<Effect>) -> bool {
        let stored = self.read_session(ports, out);
        let Phase::Renewal { token, .. } = &self.flows[index].phase else { return false };
        if stored.is_some_and(|s| s.token == *token) {
            return false;
        }
        self.supersede(index, Ok(()), out);
        true
    }

    /// Another tab changed the session: a renewal here waiting for it (or racing it) ends.
    pub(super) fn session_changed_elsewhere<P: Ports>(&mut self, ports: &P, out: &mut Vec<Effect>) {
        if let Some(index) = self.renewal() {
            self.adopt_if_renewed(index, ports, out);
        }
    }

    /// Another tab released the lease. Its session would have come first (it writes the
    /// session, then releases), so its renewal failed: this tab does not try the same again at
    /// once; it pauses like the tab that failed, and its callers keep the valid session.
    pub(super) fn lease_changed_elsewhere<P: Ports>(&mut self, ports: &P, out: &mut Vec<Effect>) {
        let Some(index) = self.renewal() else { return };
        if !matches!(self.flows[index].phase, Phase::Renewal { phase: RenewalPhase::Watching, .. })
            || !matches!(self.lease(ports), Lease::Free)
            || self.adopt_if_renewed(index, ports, out)
        {
            return;
        }
        self.renewals.not_before = self.now.saturating_add(RENEW_RETRY_MS);
        self.end_flow(index, Ok(()), out);
    }

    /// Sends the renewal: `POST refreshUrl` with the bearer token in the browser; on the host
    /// surfaces, the login's host call again (silent once the user consented), whose code is
    /// then posted to the login backend.
    fn renew_now(&mut self, index: usize, out: &mut Vec<Effect>) {
        if self.surface != Surface::Browser {
            let step = self.first_host_step(self.config.scope.clone());
            return self.ask_host(index, step, out);
        }
        let (Phase::Renewal { token, .. }, Some(endpoint)) = (&self.flows[index].phase, &self.config.lifecycle.renewal)
        else {
            return;
        };
        let request = bearer_request(endpoint, token);
        let (op, exchange) = Exchange::send(self, request, Surface::Browser, true, out);
        let flow = &mut self.flows[index];
        flow.op = op;
        if let Phase::Renewal { phase, .. } = &mut flow.phase {
            *phase = RenewalPhase::Exchanging(exchange);
        }
    }

    /// The renewal's final answer. A new session replaces the stored one only while that is
    /// still the session renewed: after a logout (here or in another tab) or a new login, a
    /// late answer never signs anyone back in. `401`/`403` from `refreshUrl` ends the session;
    /// other failures keep it until it expires.
    pub(super) fn renewed<P: Ports>(
        &mut self,
        index: usize,
        result: Result<BackendReply, Error>,
        ports: &P,
        out: &mut Vec<Effect>,
    ) {
        let Phase::Renewal { token, .. } = &self.flows[index].phase else { return };
        let token = token.clone();
        let stored = self.stored_session(ports, out).filter(|s| s.token == token);
        match (result, stored) {
            (Ok(reply), Some(old)) => {
                let mut session = self.new_session(reply, old.surface);
                // A renewal answer without a user keeps the one the login gave.
                session.user = session.user.or(old.user);
                self.write_session(Some(&session), ports, out);
                self.announce(Some(session), out);
            }
            (Ok(_), None) => {
                self.read_session(ports, out);
            }
            // The backend says the session has ended (revoked, or logged out elsewhere).
            (Err(error), stored) if self.surface == Surface::Browser && matches!(error.status(), Some(401 | 403)) => {
                if stored.is_some() {
                    self.write_session(None, ports, out);
                    out.push(Effect::Warn(Message::new(Msg::WarnRenewalRefused).then(error.content().clone())));
                }
                self.read_session(ports, out);
            }
            (Err(error), _) => return self.renewal_failed(index, &error, out),
        }
        self.end_flow(index, Ok(()), out);
    }

    /// A renewal failed for good: the session stays until it expires, the app hears a warning,
    /// waiting callers get the session as it is, and no renewal starts for [`RENEW_RETRY_MS`].
    pub(super) fn renewal_failed(&mut self, index: usize, error: &Error, out: &mut Vec<Effect>) {
        self.renewals.not_before = self.now.saturating_add(RENEW_RETRY_MS);
        out.push(Effect::Warn(Message::new(Msg::WarnRenewal).then(error.content().clone())));
        self.end_flow(index, Ok(()), out);
    }
}
