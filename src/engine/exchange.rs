//! A request to the app's backend and its retries: the login exchange (a code posted to
//! `backend`) and the renewal (`POST refreshUrl` with the bearer token). Every flow that talks to
//! the backend goes through here, so the retry rules exist once.

use super::{Effect, Engine, Op};
use crate::backend::TransportError;
use crate::backend::{read_response, retry_delay, transport_error, BackendReply, HttpRequest, HttpResponse};
use crate::config::BackendConfig;
use crate::error::Error;
use crate::host::Surface;
use crate::prelude::*;

/// A backend request in flight: what was sent, how many tries were made, and the surface whose
/// code table reads a relayed Feishu code.
pub(super) struct Exchange {
    pub(super) request: HttpRequest,
    tries: u32,
    pub(super) surface: Surface,
    /// A renewal through `refreshUrl` (else the login backend).
    renewal: bool,
}

/// What became of a try.
pub(super) enum Answer {
    /// Try again after this pause.
    Retry(u32),
    /// The backend's usable answer.
    Reply(BackendReply),
    /// It failed for good.
    Failed(Error),
}

impl Exchange {
    /// Sends `request`; the flow now waits for the returned op.
    pub(super) fn send(
        engine: &mut Engine,
        request: HttpRequest,
        surface: Surface,
        renewal: bool,
        out: &mut Vec<Effect>,
    ) -> (Op, Exchange) {
        let op = engine.op();
        out.push(Effect::Fetch { op, request: request.clone() });
        (op, Exchange { request, tries: 0, surface, renewal })
    }

    /// Reads the answer of a try. Connection failures, 502/503/504 and the redeeming API's "try
    /// again" codes are retried (with backoff, `retries` times): the one-time code cannot have
    /// been spent.
    pub(super) fn answered(
        &mut self,
        backend: &BackendConfig,
        renewal: Option<&BackendConfig>,
        result: Result<HttpResponse, TransportError>,
    ) -> Answer {
        let endpoint = match (self.renewal, renewal) {
            (true, Some(renewal)) => renewal,
            _ => backend,
        };
        let source = self.surface.redeeming();
        let error = match result.map(|response| read_response(&endpoint.url, &response, source)) {
            Ok(Ok(reply)) => return Answer::Reply(reply),
            Ok(Err(error)) => error,
            Err(failure) => transport_error(endpoint, failure),
        };
        match retry_delay(&error, self.tries, endpoint, source) {
            Some(ms) => {
                self.tries += 1;
                Answer::Retry(ms)
            }
            None => Answer::Failed(error),
        }
    }
}
