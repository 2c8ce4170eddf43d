//! Which login flows this build carries, and so which npm entry its wasm is: `feishu-login`
//! (every flow), `feishu-login/host` (the Feishu hosts) or `feishu-login/browser` (the redirect),
//! chosen by cargo features (`Cargo.toml`, `scripts/build-pkg.mjs`).
//!
//! Every entry has the same API. A call that needs a flow the entry lacks settles with a
//! `config` error naming the entry to import; the flows' code is then unreachable and the
//! optimizer drops it. The flags are constants (`cfg!`), not `#[cfg]` items: every build
//! type-checks the same code, and a branch on a flag that is `false` costs no byte.

use crate::error::{Error, ErrorKind};
use crate::host::Surface;
use crate::messages::{Message, Msg};

/// The Feishu hosts: doc widget, in-client web app and mini program.
pub(crate) const HOSTS: bool = cfg!(feature = "hosts");
/// The browser redirect with PKCE, its callback and `refreshUrl` renewal.
pub(crate) const REDIRECT: bool = cfg!(feature = "redirect");
/// `loginWithPopup()`.
pub(crate) const POPUP: bool = cfg!(feature = "popup");
/// `mountQrLogin()`.
pub(crate) const QR: bool = cfg!(feature = "qr");

/// The npm entry of this build, as a literal (for `concat!`).
#[cfg(all(feature = "hosts", feature = "redirect", feature = "popup", feature = "qr"))]
macro_rules! entry {
    () => {
        "feishu-login"
    };
}
#[cfg(all(feature = "hosts", not(feature = "redirect")))]
macro_rules! entry {
    () => {
        "feishu-login/host"
    };
}
#[cfg(all(feature = "redirect", not(feature = "hosts"), not(feature = "popup"), not(feature = "qr")))]
macro_rules! entry {
    () => {
        "feishu-login/browser"
    };
}
#[cfg(not(any(
    all(feature = "hosts", feature = "redirect", feature = "popup", feature = "qr"),
    all(feature = "hosts", not(feature = "redirect")),
    all(feature = "redirect", not(feature = "hosts"), not(feature = "popup"), not(feature = "qr")),
)))]
macro_rules! entry {
    () => {
        "this build of feishu-login"
    };
}

/// The npm entry this build is: `"feishu-login"`, `"feishu-login/host"` or `"feishu-login/browser"`.
pub const ENTRY: &str = entry!();

/// `what` is not in this entry: import it from `from`.
fn lacks(what: &str, from: &str) -> Error {
    Error::new(ErrorKind::Config, Message::new(Msg::NotInEntry).arg(what).arg(ENTRY).arg(from))
}

/// Why `login()` on `surface` is not in this entry, if it is not: the browser entry inside a
/// Feishu host, the host entry in a plain browser.
pub(super) fn no_login_on(surface: Surface) -> Option<Error> {
    match surface {
        Surface::Browser if !REDIRECT => {
            Some(Error::new(ErrorKind::Config, Message::new(Msg::NoRedirectInEntry).arg(ENTRY)))
        }
        Surface::Browser => None,
        _ if !HOSTS => Some(no_hosts()),
        _ => None,
    }
}

/// A member of the browser redirect, without it.
pub(super) fn no_redirect(member: Member) -> Error {
    let what = match member {
        Member::AuthorizeUrl => "authorizeUrl()",
        Member::LoginWithRedirect => "loginWithRedirect()",
        Member::HandleCallback => "handleCallback()",
        Member::IsCallback => "isCallback()",
    };
    lacks(what, "feishu-login/browser or feishu-login")
}

/// The members of the browser redirect (besides `login()`), for [`no_redirect`].
pub(super) enum Member {
    AuthorizeUrl,
    LoginWithRedirect,
    HandleCallback,
    IsCallback,
}

/// `login()` on a Feishu host surface without the hosts.
pub(super) fn no_hosts() -> Error {
    Error::new(ErrorKind::Config, Message::new(Msg::NoHostsInEntry).arg(ENTRY))
}

/// `loginWithPopup()` without the popup flow.
pub(super) fn no_popup() -> Error {
    lacks("loginWithPopup()", "feishu-login")
}

/// `mountQrLogin()` without the QR flow.
pub(super) fn no_qr() -> Error {
    lacks("mountQrLogin()", "feishu-login")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_build_is_the_full_entry_and_refuses_no_login() {
        assert_eq!(ENTRY, "feishu-login");
        assert!((HOSTS, REDIRECT, POPUP, QR) == (true, true, true, true));
        for surface in [Surface::Browser, Surface::DocWidget, Surface::Client, Surface::MiniProgram] {
            assert!(no_login_on(surface).is_none(), "{surface:?}");
        }
    }
}
