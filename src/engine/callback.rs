//! The redirect callback (`handleCallback()`, or `login()` on the callback page): validated
//! against this tab's pending logins once, then one exchange shared by every call.
//!
//! A callback whose login was started before a later logout (in any tab of the origin) ends with
//! `cancelled` instead of signing the user back in; a popup login's callback is handed to the
//! window that opened it (see [`popup`](super::popup)).

use super::entry::{self, Member};
use super::{settle, CallId, Effect, Engine, Flow, Phase};
use crate::callback::{strip_callback_params, validate_callback, CallbackParams};
use crate::error::{Error, ErrorKind};
use crate::host::Surface;
use crate::ports::Ports;
use crate::prelude::*;
use subtle::ConstantTimeEq;

/// How long a callback that failed at once answers repeated calls on the cleaned address bar
/// with its error: long enough for React StrictMode's immediate second call, far shorter than a
/// person clicking "log in" again (which must start a new login).
pub const REPEAT_WINDOW_MS: i64 = 1_000;

impl Engine {
    /// `handleCallback(url)`.
    pub(super) fn handle_callback<P: Ports>(
        &mut self,
        id: CallId,
        url: Option<String>,
        href: &str,
        ports: &P,
        out: &mut Vec<Effect>,
    ) {
        if !entry::REDIRECT {
            return settle(id, Err(entry::no_redirect(Member::HandleCallback)), out);
        }
        // React StrictMode calls it twice: the second call shares the first's exchange, also
        // when it reads the address bar that the first call already cleaned.
        let from_address_bar = url.is_none();
        let url = url.unwrap_or_else(|| href.to_owned());
        let shared = self.flows.iter_mut().find(|flow| match &flow.phase {
            Phase::Callback { url: started, .. } => {
                *started == url || (from_address_bar && strip_callback_params(started, ports) == url)
            }
            _ => false,
        });
        if let Some(flow) = shared {
            return flow.callers.push(id);
        }
        match self.repeat_failure(&url, ports).filter(|_| from_address_bar) {
            Some(error) => settle(id, Err(error), out),
            None => self.start_callback(id, url, href, ports, out),
        }
    }

    /// Validates the callback in `url` against this tab's pending logins, then exchanges its code.
    pub(super) fn start_callback<P: Ports>(
        &mut self,
        id: CallId,
        url: String,
        href: &str,
        ports: &P,
        out: &mut Vec<Effect>,
    ) {
        let in_address_bar = url == href;
        if in_address_bar {
            // The code leaves the address bar (and so the history and Referer) at once, even
            // when the login then fails.
            let stripped = strip_callback_params(&url, ports);
            if stripped != url {
                out.push(Effect::ReplaceUrl(stripped));
            }
        }
        if let Err(error) = self.check_callback(id, url.clone(), in_address_bar, ports, out) {
            if in_address_bar {
                // React StrictMode calls again at once, on the cleaned address bar: that call
                // must hear the same answer, not "no callback" (or a new redirect, for login()).
                self.recent_failure = Some((strip_callback_params(&url, ports), error.clone(), self.now));
            }
            settle(id, Err(error), out);
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
        let params = CallbackParams::parse(&url, ports)?;
        let state = params.state.clone().unwrap_or_default();
        let mut list = self.pending_list(ports);
        let matching = list.iter().position(|p| bool::from(p.state.as_bytes().ct_eq(state.as_bytes())));
        if matching.is_none() && entry::POPUP {
            if let Some(handed_over) = self.hand_over(&params, ports, out) {
                return handed_over;
            }
        }
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
        let epoch = pending.as_ref().map_or(self.epoch, |p| p.epoch);
        let validated = validate_callback(params, pending, self.now)?;
        self.consume_state(&state, ports)?;
        if epoch != self.epoch {
            return Err(Error::new(ErrorKind::Cancelled, super::logout::SUPERSEDED));
        }
        let return_to = validated.return_to().filter(|_| in_address_bar).map(str::to_owned);
        let pkce = Some((validated.verifier(), validated.redirect_uri()));
        let (op, exchange) = self.post_code(validated.code(), Surface::Browser, pkce, out);
        let phase = Phase::Callback { url, return_to, exchange };
        self.flows.push(Flow { op, callers: vec![id], readers: Vec::new(), phase });
        Ok(())
    }

    /// The failure of the callback that was in the address bar at `href` a moment ago, if any.
    pub(super) fn repeat_failure<P: Ports>(&self, href: &str, _ports: &P) -> Option<Error> {
        let (url, error, at) = self.recent_failure.as_ref()?;
        (url == href && self.now - at < REPEAT_WINDOW_MS).then(|| error.clone())
    }
}
