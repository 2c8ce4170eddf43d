//! # feishu-login
//!
//! Sign people into web apps and Feishu (Lark) doc widgets with their Feishu account.
//!
//! This crate is a Rust→WebAssembly SDK shipped as the npm package `feishu-login`. Every decision
//! lives in a sans-IO [`Engine`]: it takes [`Event`]s (a member was called, a fetch answered, a
//! timer fired, the page came back) and returns [`Effect`]s (fetch this, wait, call a host API,
//! navigate, settle that call, tell the listeners), asking the browser only small synchronous
//! questions through [ports](Ports); the time is an argument of each step. The browser driver (`js/driver.js`) performs effects and
//! answers ports; natively, tests drive it with a script.
//!
//! ```
//! use feishu_login::*;
//!
//! /// The page's answers to the engine's synchronous questions.
//! struct Page;
//! const NOW: i64 = 1_700_000_000_000; // Date.now(), read by the driver once per step
//! impl Random for Page { fn fill(&self, buf: &mut [u8]) -> bool { buf.fill(7); true } }
//! impl Stores for Page {
//!     fn get(&self, _: Area, _: &str) -> Result<Option<String>, Refused> { Ok(None) }
//!     fn put(&self, _: Area, _: &str, _: Option<&str>) -> Result<(), Refused> { Ok(()) }
//! }
//! impl UrlParser for Page {
//!     fn parse_url(&self, _: &str, _: Option<&str>) -> Option<Url> { None } // not a web page
//! }
//!
//! // `new FeishuLogin({ appId, backend })` inside a doc widget.
//! let config = Json::parse(r#"{"appId":"cli_a5ca35a685b0x26e","backend":"/api/feishu/login"}"#).unwrap();
//! let env = Environment { probe: HostProbe { doc_mini_app: true, ..Default::default() }, page: true, ..Default::default() };
//! let mut effects = Vec::new();
//! let mut engine = Engine::new(NOW, &config, &env, &Page, &mut effects)?;
//! assert_eq!(effects[0], Effect::Ready { surface: Surface::DocWidget, watch_storage: true });
//!
//! // `login()`: the engine asks the host for a code, then waits for the answer.
//! effects.clear();
//! engine.handle(NOW, Event::Call { id: 1, call: Call::Login(Json::Null), href: String::new() }, &Page, &mut effects);
//! assert!(matches!(effects[..], [Effect::Host { call: HostCall::DocWidgetLogin, .. }]));
//!
//! // RFC 7636 Appendix B
//! let verifier = CodeVerifier::from_stored("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into());
//! assert_eq!(verifier.challenge_s256(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
//! # Ok::<(), feishu_login::Error>(())
//! ```
#![deny(missing_docs)]
// Every public type a user can reach is one they can name (no `pub` type behind a private module).
#![deny(unnameable_types)]
#![cfg_attr(docsrs, feature(doc_cfg))]
// no_std so that the shipped wasm (built without the default `std` feature) carries no panic
// formatting machinery; with `std` (the default: native tests, browser tests) std is linked.
#![no_std]

extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

/// The names the std prelude would give, for a `no_std` crate.
mod prelude {
    pub(crate) use crate::messages::{Message, Msg};
    pub(crate) use alloc::borrow::ToOwned;
    #[cfg(test)]
    pub(crate) use alloc::format;
    pub(crate) use alloc::string::String;
    #[cfg(test)]
    pub(crate) use alloc::string::ToString;
    pub(crate) use alloc::vec;
    pub(crate) use alloc::vec::Vec;
}

// The shipped build has no std: it brings its own allocator (lol_alloc's free list, which
// coalesces freed neighbours: 461 B gzip smaller than talc; a browser test holds memory bounded)
// and a panic handler that traps without formatting anything.
#[cfg(all(target_arch = "wasm32", not(feature = "std")))]
#[global_allocator]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    // SAFETY: the wasm runs on one thread (no atomics, no shared memory).
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

#[cfg(all(target_arch = "wasm32", not(feature = "std")))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

mod authorize;
mod backend;
mod base64url;
mod callback;
mod config;
mod engine;
mod error;
mod form;
mod host;
mod json;
pub mod messages;
mod pkce;
mod ports;
mod session;
mod sha256;
mod storage;
mod url;
pub mod wire;

#[cfg(any(test, feature = "whatwg"))]
pub mod whatwg;

#[cfg(test)]
mod testing;

#[cfg(target_arch = "wasm32")]
mod facade;

#[cfg(feature = "web")]
#[cfg_attr(docsrs, doc(cfg(feature = "web")))]
pub mod web;

// The engine and what crosses its boundary.
pub use backend::{HttpRequest, HttpResponse, TransportError};
pub use callback::CallbackParams;
pub use config::Credentials;
pub use engine::{
    Call, CallId, Effect, Engine, Environment, Event, HostAnswer, HostCall, Op, Status, Value, WindowEffect,
    WindowEvent,
};
pub use error::{Error, ErrorKind};
pub use host::{Api, HostFailure, HostProbe, Surface};
pub use json::{Json, Number};
pub use messages::{Message, Msg};
pub use ports::{Area, Ports, Random, Refused, Stores, Url, UrlParser};
pub use session::Session;

// The timing and limits a driver (or a test) reads.
pub use engine::{
    DEFAULT_MIN_VALIDITY_MS, ENTRY, FEISHU_PASSPORT_URL, FEISHU_QR_SDK_URL, LARK_PASSPORT_URL, LARK_QR_SDK_URL,
    LEASE_SETTLE_MS, MAX_PENDING, MAX_TMP_CODE_LEN, MIN_TIMER_MS, NAVIGATION_GRACE_MS, POPUP_CLOSE_GRACE_MS,
    POPUP_MESSAGE_TYPE, POPUP_POLL_MS, POPUP_TIMEOUT_MS, RENEW_RETRY_MS, REPEAT_WINDOW_MS,
};

// The URL decisions the fuzz targets hold against the WHATWG parser.
pub use authorize::{build_authorize_request, AuthorizeRequest, LoginOptions, PendingLogin, PENDING_TTL_MS};
pub use callback::{is_callback, strip_callback_params, validate_callback, ValidatedCallback, CALLBACK_PARAMS};
pub use config::{
    BackendConfig, BackendInput, Brand, CodeIn, Config, ConfigInput, Lifecycle, StorageChoice, MAX_SCOPES,
};
pub use error::CodeSource;
pub use pkce::{CodeVerifier, RandomSource};
