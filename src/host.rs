//! The login surfaces and how the SDK decides which one it runs on.
//!
//! See [应用授权登录概述](https://open.feishu.cn/document/client-docs/build-login-free-system-)
//! and `shared/design/feishu.md` §1.

use crate::error::{decimal, message_with_hint, CodeSource, Error, ErrorKind};
use crate::prelude::*;

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

    /// The API whose codes the backend relays for a login code obtained on this surface: the
    /// codes of the browser and client surfaces (authorize redirect, `tt.requestAccess`,
    /// `tt.requestAuthCode`) are redeemed with OAuth token v2, those of the doc widget and mini
    /// program with tokenLoginValidate (`shared/design/feishu.md` §1).
    pub fn redeeming(self) -> CodeSource {
        match self {
            Surface::Browser | Surface::Client => CodeSource::OAuthToken,
            Surface::DocWidget | Surface::MiniProgram => CodeSource::TokenLoginValidate,
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

/// What a failed host API call carried: its numeric code (`errno`, `errCode` or the doc widget's
/// `APIInvokeError.code`), its message, or that it never answered.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HostFailure {
    /// The host's error code, kept even when unknown.
    pub code: Option<i64>,
    /// The host's message (`errMsg`, `errString`, `message`, or a rejected string).
    pub message: Option<String>,
    /// The host never called back within the host timeout.
    pub timed_out: bool,
    /// The API does not exist on this page.
    pub unavailable: bool,
}

impl HostFailure {
    /// A failure that is only a timeout.
    pub fn timeout() -> HostFailure {
        HostFailure { timed_out: true, ..HostFailure::default() }
    }

    /// The API is missing from this page.
    pub fn unavailable() -> HostFailure {
        HostFailure { unavailable: true, ..HostFailure::default() }
    }
}

/// `tt.requestAccess` failed with errno 103 (the client does not support it): fall back to
/// `tt.requestAuthCode`.
pub const ERRNO_UNSUPPORTED: i64 = 103;

/// The host API calls a login surface makes, each with the table its failure codes are read in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Api {
    /// `DocMiniApp.Service.User.login()`: doc widget `APIInvokeError` codes.
    DocWidgetLogin,
    /// `h5sdk.ready(cb)`: `tt` errno.
    H5sdkReady,
    /// `tt.requestAccess`: `tt` errno (2700002: the user refused).
    RequestAccess,
    /// `tt.requestAuthCode`: its errCode table, then `tt` errno.
    RequestAuthCode,
    /// `tt.login` in a mini program: `tt` errno.
    TtLogin,
}

impl Api {
    /// The API's name as messages show it (`"tt.requestAccess"`, …).
    pub fn name(self) -> &'static str {
        match self {
            Api::DocWidgetLogin => "DocMiniApp.Service.User.login",
            Api::H5sdkReady => "h5sdk.ready",
            Api::RequestAccess => "tt.requestAccess",
            Api::RequestAuthCode => "tt.requestAuthCode",
            Api::TtLogin => "tt.login",
        }
    }

    /// The table the API's failure codes are read in.
    pub fn code_source(self) -> CodeSource {
        match self {
            Api::DocWidgetLogin => CodeSource::DocWidget,
            Api::H5sdkReady | Api::RequestAccess | Api::TtLogin => CodeSource::TtErrno,
            Api::RequestAuthCode => CodeSource::RequestAuthCode,
        }
    }
}

/// The [`Error`] for a failed host `call`, its code read in the call's own table: refusals (`tt`
/// errno 107, requestAccess 2700002) are `denied`; no answer and the doc widget's 10110002 are
/// `timeout`; the rest is `host` with the code kept and, for known codes, what to do.
pub fn host_error(call: Api, failure: &HostFailure) -> Error {
    let api = call.name();
    if failure.unavailable {
        return Error::new(
            ErrorKind::Unsupported,
            String::from(api)
                + " is not available on this page: run it inside Feishu, pass `docMiniApp` for a doc widget, or set `surface`",
        );
    }
    if failure.timed_out {
        return Error::new(
            ErrorKind::Timeout,
            String::from(api) + " did not answer in time: check that the page runs inside Feishu, then try again",
        )
        .with_retryable(true);
    }
    let source = call.code_source();
    let kind = match failure.code {
        Some(code) if source.is_refusal(code) => ErrorKind::Denied,
        Some(code) if source.is_timeout(code) => ErrorKind::Timeout,
        _ => ErrorKind::Host,
    };
    let mut message = String::from(api) + " failed";
    if let Some(code) = failure.code {
        message = message + " with code " + &decimal(code);
    }
    if let Some(text) = failure.message.as_deref().filter(|m| !m.is_empty()) {
        message = message + " (\"" + &text.chars().take(200).collect::<String>() + "\")";
    }
    let retryable = kind == ErrorKind::Timeout || failure.code.is_some_and(|code| source.is_transient(code));
    let error = Error::new(kind, message_with_hint(message, source, failure.code)).with_retryable(retryable);
    match failure.code {
        Some(code) => error.with_code(code),
        None => error,
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
    fn host_failures_map_to_kinds_and_keep_codes() {
        let failure = |code: Option<i64>| HostFailure { code, message: Some("msg".into()), ..Default::default() };
        let cases = [
            (Api::RequestAccess, Some(2_700_002), ErrorKind::Denied),
            (Api::RequestAccess, Some(107), ErrorKind::Denied),
            (Api::DocWidgetLogin, Some(10_110_002), ErrorKind::Timeout),
            (Api::DocWidgetLogin, Some(10_110_006), ErrorKind::Host),
            (Api::RequestAuthCode, Some(10236), ErrorKind::Host),
            (Api::RequestAccess, Some(987_654), ErrorKind::Host),
            (Api::RequestAccess, None, ErrorKind::Host),
        ];
        for (call, code, kind) in cases {
            let error = host_error(call, &failure(code));
            assert_eq!((error.kind(), error.code()), (kind, code));
            assert!(error.message().starts_with(&(String::from(call.name()) + " failed")), "{}", error.message());
        }
        let redirect = host_error(Api::RequestAuthCode, &failure(Some(10236)));
        assert!(redirect.message().contains("redirect URLs"), "{}", redirect.message());
        let never = host_error(Api::H5sdkReady, &HostFailure::timeout());
        assert_eq!(never.kind(), ErrorKind::Timeout);
        assert_eq!(never.code(), None);
        assert!(never.retryable());
        assert_eq!(host_error(Api::TtLogin, &HostFailure::unavailable()).kind(), ErrorKind::Unsupported);
    }

    #[test]
    fn backend_codes_are_read_in_the_table_of_the_redeeming_api() {
        assert_eq!(Surface::Browser.redeeming(), CodeSource::OAuthToken);
        assert_eq!(Surface::Client.redeeming(), CodeSource::OAuthToken);
        assert_eq!(Surface::DocWidget.redeeming(), CodeSource::TokenLoginValidate);
        assert_eq!(Surface::MiniProgram.redeeming(), CodeSource::TokenLoginValidate);
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

    // Each host API numbers its failures on its own.
    #[test]
    fn host_codes_are_read_in_the_table_of_the_api_that_failed() {
        let failure = |code: i64| HostFailure { code: Some(code), ..Default::default() };
        let widget = Api::DocWidgetLogin;
        let refused = host_error(widget, &failure(107));
        assert_eq!(refused.kind(), ErrorKind::Host, "107 is a tt errno, not a widget code");
        assert!(!refused.message().contains("refused"), "{}", refused.message());
        assert_eq!(host_error(widget, &failure(2_700_002)).kind(), ErrorKind::Host);
        assert!(!host_error(widget, &failure(111)).retryable());
        assert_eq!(host_error(widget, &failure(10_110_002)).kind(), ErrorKind::Timeout);
        assert!(host_error(widget, &failure(10_110_002)).retryable());

        for api in [Api::RequestAccess, Api::TtLogin, Api::H5sdkReady] {
            assert!(host_error(api, &failure(111)).retryable(), "{api:?}");
            assert!(host_error(api, &failure(303)).retryable(), "{api:?}");
            assert_eq!(host_error(api, &failure(107)).kind(), ErrorKind::Denied, "{api:?}");
            let timeout = host_error(api, &failure(10_110_002));
            assert_eq!(timeout.kind(), ErrorKind::Host, "{api:?}: a widget code");
            assert!(!timeout.retryable(), "{api:?}");
            assert!(!host_error(api, &failure(10232)).retryable(), "{api:?}: a requestAuthCode errCode");
            assert!(!host_error(api, &failure(10236)).message().contains("redirect URLs"), "{api:?}");
        }
        assert_eq!(host_error(Api::RequestAccess, &failure(2_700_002)).kind(), ErrorKind::Denied);

        let auth_code = Api::RequestAuthCode;
        assert!(host_error(auth_code, &failure(10232)).retryable());
        assert!(host_error(auth_code, &failure(10236)).message().contains("redirect URLs"));
        assert!(host_error(auth_code, &failure(111)).retryable(), "errno values fall back to the errno table");
        assert_eq!(host_error(auth_code, &failure(107)).kind(), ErrorKind::Denied);
    }
}
