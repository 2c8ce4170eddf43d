//! `passport: true`: the browser flow on Feishu's historical passport endpoint
//! ([web app login](https://open.feishu.cn/document/deprecated-guide/app-login/web-app-login/web-app-overview)),
//! the `goto` Feishu's QR SDK documents. Its authorize URL has `client_id`, `redirect_uri`,
//! `response_type=code` and `state`, no `scope` and no PKCE; the backend is told with
//! `"passport": true` in the login request.

use super::{Engine, Rng};
use crate::authorize::{build_authorize_request, build_request_at, AuthorizeRequest, LoginOptions};
use crate::config::{Brand, FEISHU_AUTHORIZE_URL, LARK_AUTHORIZE_URL};
use crate::error::Error;
use crate::json::Json;
use crate::ports::Ports;

/// Feishu's historical authorize endpoint: no `scope`, no PKCE.
pub const FEISHU_PASSPORT_URL: &str = "https://passport.feishu.cn/suite/passport/oauth/authorize";
/// Lark's historical authorize endpoint.
pub const LARK_PASSPORT_URL: &str = "https://passport.larksuite.com/suite/passport/oauth/authorize";

/// Reads `passport` from the config.
///
/// # Errors
/// `config` when it is not a boolean.
pub(super) fn read(config: &Json) -> Result<bool, Error> {
    match config.get("passport") {
        None | Some(Json::Null) => Ok(false),
        Some(Json::Bool(b)) => Ok(*b),
        Some(_) => Err(Error::config("passport", "must be a boolean")),
    }
}

impl Engine {
    /// The authorize request of this configuration: the passport endpoint's (the configured
    /// `authorizeUrl` when one is set, else the brand's) or the OAuth one.
    ///
    /// # Errors
    /// As [`build_authorize_request`]; `config` for `options.scope` with `passport: true`.
    pub(super) fn authorize_request<P: Ports>(
        &self,
        options: &LoginOptions,
        ports: &P,
    ) -> Result<AuthorizeRequest, Error> {
        let config = &self.config;
        if !self.passport {
            return build_authorize_request(config, options, &Rng(ports), ports, self.now);
        }
        if options.scope.is_some() {
            return Err(Error::config(
                "options.scope",
                "cannot be used with passport: true (the endpoint takes no scope)",
            ));
        }
        let endpoint = match config.brand {
            _ if config.authorize_url != FEISHU_AUTHORIZE_URL && config.authorize_url != LARK_AUTHORIZE_URL => {
                config.authorize_url.as_str()
            }
            Brand::Feishu => FEISHU_PASSPORT_URL,
            Brand::Lark => LARK_PASSPORT_URL,
        };
        build_request_at(config, endpoint, false, options, &Rng(ports), ports, self.now)
    }
}
