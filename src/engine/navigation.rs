//! The page's navigation: the one `location.assign` in flight, whoever decided it (a browser
//! `login()`, `loginWithRedirect()`, an accepted QR scan, `logout()`'s `returnTo`).
//!
//! From the decision until the page unloads, the status is `redirecting` (`signingOut` for the
//! logout's) and no login starts. When the page stays (no `pagehide` within
//! [`NAVIGATION_GRACE_MS`]: a `beforeunload` prompt answered "stay", a 204 answer; or it comes back
//! from the back/forward cache), the navigation is cancelled: a login's callers hear `cancelled`,
//! a QR login takes scans again, a logout is over.

use super::{cancelled, settle, CallId, Effect, Engine, Error, ErrorKind, Op, Value};
use crate::prelude::*;

/// How long the browser flow waits for the page to unload after navigating. When the page is
/// still there (a `beforeunload` handler kept it, the URL answered 204 or was a download), the
/// navigation counts as cancelled and the next login starts afresh.
pub const NAVIGATION_GRACE_MS: u32 = 4_000;

/// Who decided the navigation.
pub(super) enum NavOwner {
    /// `login()` calls: they settle only when the navigation is cancelled (the page unloads
    /// otherwise).
    Login(Vec<CallId>),
    /// `loginWithRedirect()`: settled once the browser took the navigation (or refused it).
    Redirect(Vec<CallId>),
    /// An accepted QR scan.
    Qr,
    /// `logout()` going to `returnTo`; its calls settle once the browser took the navigation.
    Logout(Vec<CallId>),
}

/// Where the navigation is.
#[derive(PartialEq)]
enum NavPhase {
    /// `location.assign` was asked for; the browser has not said whether it took it.
    Redirecting,
    /// The browser took it; the page should unload within the grace.
    Navigating,
    /// `pagehide` fired: the page is going away (or into the back/forward cache).
    Unloading,
}

/// The navigation in flight.
pub(super) struct Navigation {
    /// The op of the `Navigate` effect and of its grace timer.
    pub(super) op: Op,
    phase: NavPhase,
    owner: NavOwner,
}

impl Engine {
    /// Navigates the page to `url` for `owner`.
    pub(super) fn navigate(&mut self, url: String, owner: NavOwner, out: &mut Vec<Effect>) {
        let op = self.op();
        out.push(Effect::Navigate { op, url });
        out.push(Effect::Sleep { op, ms: NAVIGATION_GRACE_MS });
        self.navigation = Some(Navigation { op, phase: NavPhase::Redirecting, owner });
    }

    pub(super) fn page_hidden(&mut self) {
        if let Some(navigation) = &mut self.navigation {
            navigation.phase = NavPhase::Unloading;
        }
    }

    /// The browser took the navigation: the calls that wait for that settle.
    pub(super) fn navigated(&mut self, op: Op, out: &mut Vec<Effect>) {
        let Some(navigation) = self.navigation.as_mut().filter(|n| n.op == op) else { return };
        if navigation.phase == NavPhase::Redirecting {
            navigation.phase = NavPhase::Navigating;
        }
        if let NavOwner::Redirect(ids) | NavOwner::Logout(ids) = &mut navigation.owner {
            for id in ids.drain(..) {
                settle(id, Ok(Value::Unit), out);
            }
        }
    }

    /// `location.assign` threw.
    pub(super) fn navigation_failed(&mut self, op: Op, out: &mut Vec<Effect>) {
        if self.navigation.as_ref().is_some_and(|n| n.op == op) {
            let error = Error::new(
                ErrorKind::Unsupported,
                "the browser refused to navigate (a sandboxed iframe without allow-top-navigation?): open the app in its own tab, or use a host surface",
            );
            self.navigation_cancelled(error, out);
        }
    }

    /// The grace ended: a page still here did not navigate.
    pub(super) fn navigation_grace_ended(&mut self, out: &mut Vec<Effect>) {
        if self.navigation.as_ref().is_some_and(|n| n.phase != NavPhase::Unloading) {
            self.navigation_cancelled(
                cancelled("the page did not navigate (a beforeunload handler kept it, or the URL did not answer with a page): call login() again"),
                out,
            );
        }
    }

    /// The navigation in flight did not happen: its owner hears why.
    pub(super) fn navigation_cancelled(&mut self, error: Error, out: &mut Vec<Effect>) {
        let Some(navigation) = self.navigation.take() else { return };
        match navigation.owner {
            // The calls still waiting hear why (a redirect's and a logout's settled when the
            // browser took the navigation, unless it threw).
            NavOwner::Login(ids) | NavOwner::Redirect(ids) => {
                for id in ids {
                    settle(id, Err(error.clone()), out);
                }
            }
            // A logout whose returnTo did not happen is over all the same.
            NavOwner::Logout(ids) => {
                for id in ids {
                    settle(id, Err(error.clone()), out);
                }
                self.logout = None;
            }
            NavOwner::Qr => self.qr_rearm(),
        }
    }
}
