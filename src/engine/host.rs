//! The steps of a conversation with the Feishu host (doc widget, client, mini program), which a
//! login and a renewal both go through: the host is asked the same way for either. Its own module
//! so that [`login`](super::login) and [`renewal`](super::renewal) share it without importing
//! each other.

use crate::host::Api;
use crate::prelude::*;

/// The host call a login (or a renewal, which asks the host the same way) waits for.
pub(super) enum HostStep {
    /// `h5sdk.ready`, before the client's login call with this scope.
    Ready { scope: Vec<String> },
    /// `tt.requestAccess` with this state, which the client echoes.
    RequestAccess { state: String },
    /// `tt.requestAuthCode`.
    RequestAuthCode,
    /// One call that answers with the code: `DocMiniApp.Service.User.login()`, `tt.login()`.
    Asking(Api),
}
