//! The login surfaces and how the SDK decides which one it runs on.
//!
//! See [应用授权登录概述](https://open.feishu.cn/document/client-docs/build-login-free-system-)
//! and `shared/design/feishu.md` §1.

/// Where the page runs, which decides how a login code is obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Surface {
    /// A 云文档小组件 (doc widget): `DocMiniApp.Service.User.login()`.
    DocWidget,
    /// A web app inside the Feishu client (免登): `tt.requestAccess` / `tt.requestAuthCode`.
    Client,
    /// A Feishu mini program: `tt.login`.
    MiniProgram,
    /// A plain browser: the OAuth redirect with PKCE.
    Browser,
}

impl Surface {
    /// The surface's name in the public API (`"docWidget"`, `"client"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Surface::DocWidget => "docWidget",
            Surface::Client => "client",
            Surface::MiniProgram => "miniProgram",
            Surface::Browser => "browser",
        }
    }

    /// The surface called `name`, if any (`"auto"` is not a surface).
    pub fn from_name(name: &str) -> Option<Surface> {
        Some(match name {
            "docWidget" => Surface::DocWidget,
            "client" => Surface::Client,
            "miniProgram" => Surface::MiniProgram,
            "browser" => Surface::Browser,
            _ => return None,
        })
    }
}

/// What the page offers, as probed by the browser adapter (`Reflect.has` on globals).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HostProbe {
    /// `config.docMiniApp` or `globalThis.DocMiniApp` has `Service.User.login`.
    pub doc_mini_app: bool,
    /// `globalThis.h5sdk` exists (the Feishu client's web-app container).
    pub h5sdk: bool,
    /// `globalThis.tt.login` exists (a mini program, or a client that exposes it).
    pub tt_login: bool,
}

/// Detects the surface: the explicit choice first, then doc widget, then the Feishu client's
/// web-app container, then mini program, then the browser.
pub fn detect_surface(forced: Option<Surface>, probe: HostProbe) -> Surface {
    if let Some(surface) = forced {
        return surface;
    }
    if probe.doc_mini_app {
        Surface::DocWidget
    } else if probe.h5sdk {
        Surface::Client
    } else if probe.tt_login {
        Surface::MiniProgram
    } else {
        Surface::Browser
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in [Surface::DocWidget, Surface::Client, Surface::MiniProgram, Surface::Browser] {
            assert_eq!(Surface::from_name(s.as_str()), Some(s));
        }
        assert_eq!(Surface::from_name("auto"), None);
    }

    #[test]
    fn detection_order() {
        let all = HostProbe { doc_mini_app: true, h5sdk: true, tt_login: true };
        assert_eq!(detect_surface(Some(Surface::Browser), all), Surface::Browser);
        assert_eq!(detect_surface(None, all), Surface::DocWidget);
        assert_eq!(detect_surface(None, HostProbe { doc_mini_app: false, ..all }), Surface::Client);
        assert_eq!(detect_surface(None, HostProbe { tt_login: true, ..Default::default() }), Surface::MiniProgram);
        assert_eq!(detect_surface(None, HostProbe::default()), Surface::Browser);
    }
}
