//! # feishu-login
//!
//! Sign people into web apps and Feishu (Lark) doc widgets with their Feishu account.
//!
//! This crate is a Rust→WebAssembly SDK shipped as the npm package `feishu-login`. Its core (this
//! crate outside `web/` and `facade`) is plain Rust: configuration, PKCE, the authorize URL, the
//! callback, the backend exchange and the session, tested natively. The browser layer adapts it
//! to `crypto.getRandomValues`, web storage, `fetch` and the Feishu host APIs.
//!
//! ```
//! use feishu_login::{ConfigInput, BackendInput, CodeVerifier};
//!
//! let config = ConfigInput {
//!     app_id: Some("cli_a5ca35a685b0x26e".into()),
//!     backend: BackendInput { url: Some("/api/feishu/login".into()), ..Default::default() },
//!     ..Default::default()
//! }
//! .validate("https://app.example/login")?;
//! assert_eq!(config.redirect_uri.as_deref(), Some("https://app.example/login"));
//!
//! // RFC 7636 Appendix B
//! let verifier = CodeVerifier::from_stored("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into());
//! assert_eq!(verifier.challenge_s256(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
//! # Ok::<(), feishu_login::Error>(())
//! ```
#![deny(missing_docs)]
// no_std so that the shipped wasm (built without the default `std` feature) carries no panic
// formatting machinery; with `std` (the default: native tests, browser tests) std is linked.
#![no_std]

extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

/// The names the std prelude would give, for a `no_std` crate.
mod prelude {
    pub(crate) use alloc::borrow::ToOwned;
    pub(crate) use alloc::boxed::Box;
    #[cfg(test)]
    pub(crate) use alloc::format;
    pub(crate) use alloc::string::String;
    #[cfg(test)]
    pub(crate) use alloc::string::ToString;
    pub(crate) use alloc::vec;
    pub(crate) use alloc::vec::Vec;
}

// The shipped build has no std: it brings its own allocator (talc: a fraction of dlmalloc's
// bytes in the wasm) and a panic handler that traps without formatting anything.
#[cfg(all(target_arch = "wasm32", not(feature = "std")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

#[cfg(all(target_arch = "wasm32", not(feature = "std")))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

mod authorize;
mod backend;
mod base64url;
mod callback;
mod client;
mod config;
mod error;
mod form;
mod host;
mod json;
mod pkce;
mod session;
mod sha256;
mod storage;
mod url;

#[cfg(test)]
mod testing;

#[cfg(target_arch = "wasm32")]
mod facade;
#[cfg(target_arch = "wasm32")]
mod web;

pub use authorize::{build_authorize_request, AuthorizeRequest, LoginOptions, PendingLogin, PENDING_TTL_MS};
pub use backend::{
    build_request, exchange_code, is_safe_to_retry, read_response, BackendReply, ExchangeRequest, HttpRequest,
    HttpResponse, Transport, TransportError, RETRY_BASE_DELAY_MS,
};
pub use callback::{
    is_callback, strip_callback_params, validate_callback, CallbackParams, ValidatedCallback, CALLBACK_PARAMS,
};
pub use client::{Client, Platform};
pub use config::{
    BackendConfig, BackendInput, Brand, CodeIn, Config, ConfigInput, Credentials, StorageChoice, DEFAULT_RETRIES,
    DEFAULT_TIMEOUT_MS, FEISHU_AUTHORIZE_URL, LARK_AUTHORIZE_URL, MAX_SCOPES,
};
pub use error::{feishu_code_hint, feishu_code_is_transient, Error, ErrorKind};
pub use host::{detect_surface, HostProbe, Surface};
pub use json::{Json, Number};
pub use pkce::{random_token, CodeVerifier, RandomSource};
pub use session::{Session, StoredSession, RECORD_VERSION};
pub use storage::{storage_key, FallbackStore, KeyValueStore, MemoryStore, StoreRefused};
pub use url::UrlParts;

#[cfg(target_arch = "wasm32")]
pub use facade::FeishuLogin;
