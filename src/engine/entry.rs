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
macro_rules! lacks {
    ($what:literal, $from:literal) => {
        concat!($what, " is not in ", entry!(), ": import it from ", $from)
    };
}

fn lacking(message: &'static str) -> Error {
    Error::new(ErrorKind::Config, message)
}

/// Why `login()` on `surface` is not in this entry, if it is not: the browser entry inside a
/// Feishu host, the host entry in a plain browser.
pub(super) fn no_login_on(surface: Surface) -> Option<Error> {
    match surface {
        Surface::Browser if !REDIRECT => Some(lacking(concat!(
            "login() found no Feishu host on this page (DocMiniApp, h5sdk, tt.login), and the browser redirect is not in ",
            entry!(),
            ": run the page inside Feishu (a doc widget, the Feishu client, a mini program), or import feishu-login/browser or feishu-login"
        ))),
        Surface::Browser => None,
        _ if !HOSTS => Some(no_hosts()),
        _ => None,
    }
}

/// A member of the browser redirect, without it.
pub(super) fn no_redirect(member: Member) -> Error {
    lacking(match member {
        Member::AuthorizeUrl => lacks!("authorizeUrl()", "feishu-login/browser or feishu-login"),
        Member::LoginWithRedirect => lacks!("loginWithRedirect()", "feishu-login/browser or feishu-login"),
        Member::HandleCallback => lacks!("handleCallback()", "feishu-login/browser or feishu-login"),
        Member::IsCallback => lacks!("isCallback()", "feishu-login/browser or feishu-login"),
    })
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
    lacking(concat!(
        "login() runs inside Feishu here (a doc widget, the Feishu client or a mini program: see auth.surface), and the Feishu hosts are not in ",
        entry!(),
        ": import feishu-login/host or feishu-login, or set surface: \"browser\" for the browser redirect"
    ))
}

/// `loginWithPopup()` without the popup flow.
pub(super) fn no_popup() -> Error {
    lacking(lacks!("loginWithPopup()", "feishu-login"))
}

/// `mountQrLogin()` without the QR flow.
pub(super) fn no_qr() -> Error {
    lacking(lacks!("mountQrLogin()", "feishu-login"))
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
