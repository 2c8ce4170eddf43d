//! `mountQrLogin()`: Feishu's QR code (its QR SDK's iframe) in the page; an accepted scan
//! navigates to the QR's `goto` with the scan's `tmp_code`, and Feishu redirects back with the
//! usual callback.
//!
//! Phases: `Loading` (the QR SDK script), `Ready` (scans are accepted), `Navigating` (a scan was
//! accepted; the page's [`navigation`](super::navigation) is the QR's). A navigation that does not
//! happen re-arms the QR; a logout, `dispose()` and `free()` unmount it.
//!
//! # Security
//! A `message` is accepted only when it comes from inside the mount's element (every listener on
//! the page hears every message, another instance's QR included), the QR SDK's own `matchOrigin`
//! (and `matchData`, when the SDK has one) *and* this SDK's list of origins agree, and its
//! `tmp_code` is short and made of URL-safe characters; it goes, once per navigation, with the
//! `goto` this engine built.

use super::navigation::NavOwner;
use super::{Effect, Engine, WindowEffect};
use crate::authorize::LoginOptions;
use crate::config::{Brand, FEISHU_AUTHORIZE_URL, LARK_AUTHORIZE_URL};
use crate::error::{Error, ErrorKind};
use crate::host::Surface;
use crate::json::Json;
use crate::ports::Ports;
use crate::prelude::*;
use crate::url::append_query;

/// Feishu's QR SDK build (`window.QRLogin`), the QR SDK document's current version.
pub const FEISHU_QR_SDK_URL: &str =
    "https://lf-package-cn.feishucdn.com/obj/feishu-static/lark/passport/qrcode/LarkSSOSDKWebQRCode-1.0.3.js";
/// Lark's build of the QR SDK (*unconfirmed*: pass `sdkUrl` to be sure).
pub const LARK_QR_SDK_URL: &str =
    "https://lf-package-us.larksuitecdn.com/obj/lark-static-us/lark/passport/qrcode/LarkSSOSDKWebQRCode-1.0.3.js";
/// The longest `tmp_code` accepted from the QR iframe. Feishu's are a few dozen characters; a
/// bound keeps a hostile frame from growing the authorize URL past what servers take.
pub const MAX_TMP_CODE_LEN: usize = 256;

/// Where a QR login is.
#[derive(PartialEq)]
pub(super) enum QrPhase {
    /// The QR SDK script is loading.
    Loading,
    /// Scans are accepted.
    Ready,
    /// A scan was accepted and the page navigates.
    Navigating,
}

/// The mounted QR login.
pub(super) struct Qr {
    mount: u32,
    goto: String,
    sdk_url: String,
    origins: Vec<String>,
    phase: QrPhase,
}

/// Whether `code` can be a `tmp_code`: 1 to [`MAX_TMP_CODE_LEN`] URL-safe characters.
pub(super) fn is_tmp_code(code: &str) -> bool {
    (1..=MAX_TMP_CODE_LEN).contains(&code.len())
        && code.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'))
}

/// The `tmp_code` in a QR message's data: the string itself (SDK 1.0.1/1.0.2), or the
/// `tmp_code` member of an object (1.0.3 with `matchData`).
fn tmp_code(data: &Json) -> Option<&str> {
    data.as_str().or_else(|| data.get("tmp_code").and_then(Json::as_str)).filter(|c| is_tmp_code(c))
}

impl Engine {
    /// The origins a QR `message` may come from: the configured `authorizeUrl`'s (an emulator,
    /// a gateway), else the brand's passport and accounts origins.
    fn qr_origins<P: Ports>(&self, ports: &P) -> Vec<String> {
        let config = &self.config;
        if config.authorize_url != FEISHU_AUTHORIZE_URL && config.authorize_url != LARK_AUTHORIZE_URL {
            return ports.parse_url(&config.authorize_url, None).map(|u| u.origin).into_iter().collect();
        }
        let domain = if config.brand == Brand::Lark { "larksuite.com" } else { "feishu.cn" };
        vec![String::from("https://passport.") + domain, String::from("https://accounts.") + domain]
    }

    /// `mountQrLogin(target, options)`.
    pub(super) fn mount_qr<P: Ports>(
        &mut self,
        target: bool,
        options: &Json,
        href: &str,
        ports: &P,
        out: &mut Vec<Effect>,
    ) -> Result<(), Error> {
        if self.surface != Surface::Browser {
            return Err(Error::new(
                ErrorKind::Unsupported,
                "mountQrLogin() is for the browser surface; inside Feishu call login(), which asks the host",
            ));
        }
        if !target {
            return Err(Error::config("target", "must be an element of the page or the id of one"));
        }
        if !matches!(options, Json::Null | Json::Object(_)) {
            return Err(Error::config("options", "must be an object { width?, height?, style?, sdkUrl? }"));
        }
        let sdk_url = match options.get("sdkUrl") {
            None | Some(Json::Null) if self.config.brand == Brand::Lark => LARK_QR_SDK_URL.to_owned(),
            None | Some(Json::Null) => FEISHU_QR_SDK_URL.to_owned(),
            Some(Json::String(url)) => match ports.parse_url(url, Some(href)) {
                Some(parsed) if parsed.is_http() && !parsed.has_credentials() => parsed.href,
                _ => return Err(Error::config("options.sdkUrl", "must be an http(s) URL")),
            },
            Some(_) => return Err(Error::config("options.sdkUrl", "must be a string")),
        };
        let login_options = LoginOptions::from_json(options)?;
        // A second mount replaces the first.
        self.unmount_qr("another mountQrLogin() replaced this QR login", out);
        let goto = self.authorize(&login_options, href, true, ports, out)?;
        self.next_mount += 1;
        let mount = self.next_mount;
        out.push(Effect::Window(WindowEffect::MountQr {
            mount,
            goto: goto.clone(),
            sdk_url: sdk_url.clone(),
            options: options.clone(),
            timeout_ms: self.config.host_timeout_ms,
        }));
        let origins = self.qr_origins(ports);
        self.qr = Some(Qr { mount, goto, sdk_url, origins, phase: QrPhase::Loading });
        Ok(())
    }

    /// The QR script of `mount` loaded (or failed to).
    pub(super) fn qr_loaded(&mut self, mount: u32, loaded: bool, api: bool, out: &mut Vec<Effect>) {
        let Some(qr) = self.qr.as_mut().filter(|q| q.mount == mount && q.phase == QrPhase::Loading) else { return };
        let result = match (loaded, api) {
            (true, true) => {
                qr.phase = QrPhase::Ready;
                Ok(())
            }
            (false, _) => Err(Error::new(
                ErrorKind::Host,
                String::from("the Feishu QR SDK could not be loaded from ")
                    + &qr.sdk_url
                    + " (or not within hostTimeoutMs): check options.sdkUrl, the network and the page's Content-Security-Policy (script-src)",
            )),
            (true, false) => Err(Error::new(
                ErrorKind::Host,
                String::from("the script at ")
                    + &qr.sdk_url
                    + " defines no usable window.QRLogin: point options.sdkUrl at Feishu's QR SDK",
            )),
        };
        if result.is_err() {
            self.qr = None;
        }
        out.push(Effect::Window(WindowEffect::QrReady { mount, result }));
    }

    /// A `message` event heard by `mount`'s listener; `sdk_agrees`: the QR SDK's own checks and
    /// the frame it came from.
    pub(super) fn qr_message(
        &mut self,
        mount: u32,
        origin: &str,
        sdk_agrees: bool,
        data: &Json,
        out: &mut Vec<Effect>,
    ) {
        // While the page navigates (this scan's, or a login's), or a logout runs, scans wait.
        if self.refusal().is_some() {
            return;
        }
        let Some(qr) = self.qr.as_mut().filter(|q| q.mount == mount && q.phase != QrPhase::Navigating) else { return };
        // Both the SDK's own check and ours: either alone has been wrong before (an SDK that
        // matched any subdomain; a gateway origin the SDK does not know).
        if !sdk_agrees || !qr.origins.iter().any(|o| o == origin) {
            return;
        }
        let Some(code) = tmp_code(data) else {
            return out.push(Effect::Warn(
                "feishu-login: ignored a QR login message without a usable tmp_code (a string of at most 256 URL-safe characters)".into(),
            ));
        };
        qr.phase = QrPhase::Navigating;
        let url = append_query(&qr.goto, &[("tmp_code", code)]);
        self.navigate(url, NavOwner::Qr, out);
    }

    /// The scan's navigation did not happen: the QR takes the next scan.
    pub(super) fn qr_rearm(&mut self) {
        if let Some(qr) = self.qr.as_mut().filter(|q| q.phase == QrPhase::Navigating) {
            qr.phase = QrPhase::Ready;
        }
    }

    /// `dispose()` of `mount`'s handle (once or more).
    pub(super) fn dispose_qr(&mut self, mount: u32, out: &mut Vec<Effect>) {
        if self.qr.as_ref().is_some_and(|q| q.mount == mount) {
            self.unmount_qr("the QR login was disposed", out);
        }
    }

    /// Removes the mounted QR login, if any; a `ready` still pending rejects with `why`.
    pub(super) fn unmount_qr(&mut self, why: &'static str, out: &mut Vec<Effect>) {
        if let Some(qr) = self.qr.take() {
            let error = Error::new(ErrorKind::Cancelled, why);
            out.push(Effect::Window(WindowEffect::UnmountQr { mount: qr.mount, error }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tmp_codes_are_short_and_url_safe() {
        assert!(is_tmp_code("c0a1-B_2.~"));
        assert!(is_tmp_code(&"a".repeat(MAX_TMP_CODE_LEN)));
        for bad in ["", "a&b=c", "a b", "a#b", "é", "a/b", "a%20"] {
            assert!(!is_tmp_code(bad), "{bad}");
        }
        assert!(!is_tmp_code(&"a".repeat(MAX_TMP_CODE_LEN + 1)));
        assert_eq!(tmp_code(&Json::parse(r#"{"tmp_code":"abc"}"#).unwrap()), Some("abc"));
        assert_eq!(tmp_code(&Json::parse("42").unwrap()), None);
    }
}
