//! `loginWithPopup()`: the authorize page in a popup, whose callback page hands the callback
//! back to this page.
//!
//! Phases: `Open` (waiting for the hand-over; the popup timeout runs), `Severed` (the popup reads
//! `closed` but was never seen on another origin: a `Cross-Origin-Opener-Policy` cut this page's
//! link to it while it still runs, so the hand-over can only come on the app's
//! `BroadcastChannel`; wait for it until the timeout), `Closed` (the user closed it: a short grace
//! for a message on its way, then `cancelled`), `Exchanging`.
//!
//! # Security
//! - The pending login (state, verifier) never leaves this page's memory: a tab that got a copy
//!   of sessionStorage (any tab opened with an opener) has nothing to complete it with, and the
//!   popup itself only hands the callback over. Only a SHA-256 of the state is shared
//!   (localStorage), so that the callback page knows it is a popup's, even without `opener`.
//! - The popup hands over with `postMessage` to this page's origin exactly, or on the app's
//!   `BroadcastChannel` (same origin only). This page accepts a `postMessage` only from that
//!   popup window and that origin, and a channel message only with the state it sent (compared
//!   in constant time; other tabs' popups use the same channel); once.

use super::exchange::Exchange;
use super::store::{digest, has_mark, mark, marks, write_marks};
use super::{cancelled, settle, CallId, Effect, Engine, Flow, Phase, WindowEffect};
use crate::authorize::{LoginOptions, PendingLogin, PENDING_TTL_MS};
use crate::callback::{validate_callback, CallbackParams};
use crate::error::{Error, ErrorKind};
use crate::host::Surface;
use crate::json::Json;
use crate::ports::Ports;
use crate::prelude::*;
use subtle::ConstantTimeEq;

/// How often the driver checks `popup.closed`.
pub const POPUP_POLL_MS: u32 = 500;
/// After the popup is seen closed, how long its message may still be on its way (it posts,
/// then closes itself) before the login counts as cancelled.
pub const POPUP_CLOSE_GRACE_MS: u32 = 1_000;
/// How long a popup login waits at most: as long as its pending login is valid.
pub const POPUP_TIMEOUT_MS: u32 = PENDING_TTL_MS as u32;
/// The `type` of the popup's hand-over message (so other messages to the opener are not read).
pub const POPUP_MESSAGE_TYPE: &str = "feishu-login:popup";
/// `window.open`'s features for the popup: a popup window of the size of Feishu's consent page.
const POPUP_FEATURES: &str = "popup,width=520,height=680";

/// Where a popup login is.
pub(super) enum PopupPhase {
    /// Waiting for the hand-over (its pending login kept in memory only).
    Waiting(PendingLogin, Link),
    /// Posting the handed-over code.
    Exchanging(Exchange),
}

/// What this page knows of the popup window while it waits.
#[derive(PartialEq)]
pub(super) enum Link {
    /// Open; the flow's op is the popup timeout.
    Open,
    /// Reads `closed` but was never seen on another origin: an opener policy severed this page's
    /// link to it while it runs on; the op is still the popup timeout.
    Severed,
    /// Closed by the user; the op is the grace for its last message.
    Closed,
}

fn popup_error(message: Msg) -> Error {
    Error::new(ErrorKind::Popup, message)
}

impl Engine {
    /// The app's hand-over channel (`BroadcastChannel` name).
    fn channel(&self) -> String {
        self.keys.popup.clone()
    }

    fn popup_index(&self) -> Option<usize> {
        self.flows.iter().position(|f| matches!(f.phase, Phase::Popup(_)))
    }

    /// `loginWithPopup(options)`.
    pub(super) fn login_with_popup<P: Ports>(&mut self, id: CallId, options: &Json, ports: &P, out: &mut Vec<Effect>) {
        if let Err(error) = self.start_popup(id, options, ports, out) {
            settle(id, Err(error), out);
        }
    }

    fn start_popup<P: Ports>(
        &mut self,
        id: CallId,
        options: &Json,
        ports: &P,
        out: &mut Vec<Effect>,
    ) -> Result<(), Error> {
        if self.surface != Surface::Browser {
            return Err(Error::new(
                ErrorKind::Unsupported,
                Message::new(Msg::BrowserSurfaceOnly).arg("loginWithPopup"),
            ));
        }
        let options = LoginOptions::from_json(options, "loginWithPopup")?;
        self.needs_page("loginWithPopup")?;
        if let Some(error) = self.refusal() {
            return Err(error);
        }
        // One popup at a time: a second call shares the login in flight (and opens no window);
        // but a popup out of reach may have been closed already (its opener cannot tell), so a
        // new call opens a new one, and the earlier calls end.
        if let Some(index) = self.popup_index() {
            if !matches!(self.flows[index].phase, Phase::Popup(PopupPhase::Waiting(_, Link::Severed))) {
                self.flows[index].callers.push(id);
                return Ok(());
            }
            self.end_flow(index, Err(cancelled(Msg::AnotherPopup)), out);
        }
        // The returnTo option moves the address bar of a redirect; a popup leaves this page alone.
        let request = self.authorize_request(&LoginOptions { return_to: None, ..options }, ports)?;
        let mut list = marks(&self.keys.popup, self.now, None, ports);
        list.push(mark(&digest(&request.pending.state), self.now));
        write_marks(&self.keys.popup, list, ports);
        let op = self.op();
        let channel = self.channel();
        out.push(Effect::Window(WindowEffect::Popup {
            id,
            url: request.url,
            features: POPUP_FEATURES,
            poll_ms: POPUP_POLL_MS,
            channel,
        }));
        out.push(Effect::Sleep { op, ms: POPUP_TIMEOUT_MS });
        let phase = Phase::Popup(PopupPhase::Waiting(request.pending, Link::Open));
        self.flows.push(Flow { op, callers: vec![id], readers: Vec::new(), phase });
        Ok(())
    }

    /// The browser opened no window.
    pub(super) fn popup_blocked(&mut self, out: &mut Vec<Effect>) {
        if let Some(index) = self.popup_index() {
            let error = popup_error(Msg::PopupBlocked);
            self.end_flow(index, Err(error), out);
        }
    }

    /// The popup reads `closed`: closed by the user when it was seen on another origin (Feishu's
    /// page) before, else severed by an opener policy while it still runs.
    pub(super) fn popup_closed(&mut self, cross_origin: bool, out: &mut Vec<Effect>) {
        let Some(index) = self.popup_index() else { return };
        let op = self.op();
        let flow = &mut self.flows[index];
        if let Phase::Popup(PopupPhase::Waiting(_, link @ Link::Open)) = &mut flow.phase {
            if cross_origin {
                // Its message may still be on its way: the popup posts, then closes itself.
                *link = Link::Closed;
                flow.op = op;
                out.push(Effect::Sleep { op, ms: POPUP_CLOSE_GRACE_MS });
            } else {
                *link = Link::Severed;
                // Said now: a closed popup cannot be told from a severed one, and the call
                // settles only at the popup's timeout.
                out.push(Effect::Warn(Msg::WarnPopupSevered.into()));
            }
        }
    }

    /// The popup's timer ended: closed (after the grace) → `cancelled`; severed → `popup`
    /// naming the opener policy; else `timeout`.
    pub(super) fn popup_slept(&mut self, index: usize, out: &mut Vec<Effect>) {
        let error = match &self.flows[index].phase {
            Phase::Popup(PopupPhase::Waiting(_, Link::Closed)) => cancelled(Msg::PopupClosed),
            Phase::Popup(PopupPhase::Waiting(_, Link::Severed)) => popup_error(Msg::PopupSevered),
            _ => Error::new(ErrorKind::Timeout, Msg::PopupTimeout),
        };
        self.end_flow(index, Err(error), out);
    }

    /// A hand-over message: from the popup window (`from_popup`, with `origin`) or on the app's
    /// channel.
    pub(super) fn popup_message<P: Ports>(
        &mut self,
        from_popup: bool,
        channel: bool,
        origin: &str,
        data: &Json,
        ports: &P,
        out: &mut Vec<Effect>,
    ) {
        let Some(index) = self.popup_index() else { return };
        // Other windows, other origins and other messages are none of this login's business.
        let from_our_popup = from_popup && self.config.page_origin.as_deref() == Some(origin);
        if !(from_our_popup || channel) || data.get("type").and_then(Json::as_str) != Some(POPUP_MESSAGE_TYPE) {
            return;
        }
        let text = |key: &str| data.get(key).and_then(Json::as_str).map(str::to_owned);
        let params = CallbackParams { code: text("code"), state: text("state"), error: text("error") };
        let state = params.state.clone().unwrap_or_default();
        let Phase::Popup(PopupPhase::Waiting(pending, _)) = &self.flows[index].phase else { return };
        // The channel carries every tab's hand-overs: another state is another tab's popup.
        // From the popup window itself, it fails below (constant time), before anything is posted.
        if channel && !bool::from(state.as_bytes().ct_eq(pending.state.as_bytes())) {
            return;
        }
        let flow = self.flows.remove(index);
        let Phase::Popup(PopupPhase::Waiting(pending, _)) = flow.phase else { return };
        let list = marks(&self.keys.popup, self.now, Some(&digest(&state)), ports);
        write_marks(&self.keys.popup, list, ports);
        let checked = validate_callback(params, Some(pending), self.now)
            .and_then(|validated| self.consume_state(&state, ports).map(|()| validated));
        let (op, phase) = match checked {
            Ok(validated) => {
                let pkce = Some((validated.verifier(), validated.redirect_uri()));
                let (op, exchange) = self.post_code(validated.code(), Surface::Browser, pkce, out);
                (op, Phase::Popup(PopupPhase::Exchanging(exchange)))
            }
            // Failed before anything was posted: the callers hear why.
            Err(error) => {
                for id in flow.callers {
                    settle(id, Err(error.clone()), out);
                }
                return;
            }
        };
        self.flows.insert(index, Flow { op, phase, ..flow });
    }

    /// On a callback page: hands the callback to the page that opened the popup instead of
    /// exchanging it, when its state is a popup login's of this origin (the shared mark) and not
    /// a pending login of this tab. `None`: an ordinary callback.
    pub(super) fn hand_over<P: Ports>(
        &mut self,
        params: &CallbackParams,
        ports: &P,
        out: &mut Vec<Effect>,
    ) -> Option<Result<(), Error>> {
        let state = params.state.as_deref().filter(|_| params.is_callback())?;
        if !has_mark(&marks(&self.keys.popup, self.now, None, ports), &digest(state)) {
            return None;
        }
        let origin = self.config.page_origin.clone()?;
        let channel = self.channel();
        out.push(Effect::Window(WindowEffect::HandOver { origin, channel, params: params.clone() }));
        Some(Err(cancelled(Msg::HandedOver)))
    }
}
