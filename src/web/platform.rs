//! The browser as the core's [`Platform`]: `fetch`, timers (`setTimeout`),
//! `crypto.getRandomValues`, `console.warn`, `history.replaceState`, and the `onChange`
//! listeners.

use crate::prelude::*;
use alloc::rc::Rc;
use core::cell::{Cell, RefCell};

use super::timer::{sleep, Timeout};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::backend::{HttpRequest, HttpResponse, Transport, TransportError};
use crate::client::Platform;
use crate::config::Credentials;
use crate::error::{Error, ErrorKind};
use crate::pkce::RandomSource;
use crate::session::Session;

/// The browser platform.
#[derive(Default)]
pub(crate) struct WebPlatform {
    listeners: RefCell<Vec<(u32, js_sys::Function)>>,
    next_listener_id: Cell<u32>,
    expiry_timer: RefCell<Option<Timeout>>,
    /// Re-reads the session when a timer says it may have expired (set by the facade, which
    /// owns the client).
    pub(crate) expiry_check: RefCell<Option<Rc<dyn Fn()>>>,
    /// `config.docMiniApp`, if given (else `globalThis.DocMiniApp` is used).
    pub(crate) doc_mini_app: Option<JsValue>,
    /// How long a host API may take to call back.
    pub(crate) host_timeout_ms: u32,
}

/// A session as the JS `Session` object.
pub(crate) fn session_to_js(session: &Session) -> JsValue {
    super::json::json_to_js(&session.to_json())
}

#[wasm_bindgen]
extern "C" {
    /// The global `fetch` (window or worker).
    #[wasm_bindgen(js_name = fetch)]
    fn fetch_with_init(url: &str, init: &web_sys::RequestInit) -> js_sys::Promise;
}

/// One `fetch`: the status and the body text. gloo-net did this at first; its request builder
/// and error types cost more wasm than this whole function (see CHANGELOG).
async fn fetch_text(request: &HttpRequest, signal: &web_sys::AbortSignal) -> Result<HttpResponse, JsValue> {
    let headers = web_sys::Headers::new()?;
    for (name, value) in &request.headers {
        headers.set(name, value)?;
    }
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_headers(&headers);
    init.set_body(&JsValue::from_str(&request.body));
    init.set_credentials(match request.credentials {
        Credentials::Omit => web_sys::RequestCredentials::Omit,
        Credentials::SameOrigin => web_sys::RequestCredentials::SameOrigin,
        Credentials::Include => web_sys::RequestCredentials::Include,
    });
    init.set_signal(Some(signal));
    let response: web_sys::Response = JsFuture::from(fetch_with_init(&request.url, &init)).await?.dyn_into()?;
    let body = JsFuture::from(response.text()?).await?.as_string().unwrap_or_default();
    Ok(HttpResponse { status: response.status(), body })
}

impl WebPlatform {
    /// A platform whose doc widget is `doc_mini_app` (else the global) and whose host calls
    /// time out after `host_timeout_ms`.
    pub(crate) fn new(doc_mini_app: Option<JsValue>, host_timeout_ms: u32) -> WebPlatform {
        WebPlatform { doc_mini_app, host_timeout_ms, ..WebPlatform::default() }
    }

    /// Adds an `onChange` listener; returns its id.
    pub(crate) fn add_listener(&self, listener: js_sys::Function) -> u32 {
        let id = self.next_listener_id.get();
        self.next_listener_id.set(id.wrapping_add(1));
        self.listeners.borrow_mut().push((id, listener));
        id
    }

    /// Removes the listener `id` (no-op when already removed).
    pub(crate) fn remove_listener(&self, id: u32) {
        self.listeners.borrow_mut().retain(|(i, _)| *i != id);
    }

    /// Schedules the expiry check for `session` (or cancels it for `None`).
    pub(crate) fn schedule_expiry(&self, session: Option<&Session>) {
        let timer = session.and_then(|s| s.expires_at).map(|expires_at| {
            // setTimeout takes at most 2^31-1 ms (~24.8 days); a longer session is re-checked then.
            let delay = expires_at.saturating_sub(self.now_ms()).clamp(0, i32::MAX.into()) as u32;
            let check = self.expiry_check.borrow().clone();
            Timeout::new(delay, move || {
                if let Some(check) = check {
                    check();
                }
            })
        });
        // Dropping the old Timeout cancels it.
        self.expiry_timer.replace(timer);
    }
}

impl Transport for WebPlatform {
    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError> {
        let controller = web_sys::AbortController::new().map_err(|_| TransportError::Unreachable)?;
        let timed_out = Rc::new(Cell::new(false));
        let _timer = {
            let (controller, timed_out) = (controller.clone(), timed_out.clone());
            Timeout::new(request.timeout_ms, move || {
                timed_out.set(true);
                controller.abort();
            })
        };
        let result = fetch_text(request, &controller.signal()).await;
        match result {
            Ok(response) => Ok(response),
            Err(_) if timed_out.get() => Err(TransportError::TimedOut),
            Err(_) => Err(TransportError::Unreachable),
        }
    }

    async fn sleep(&self, ms: u32) {
        sleep(ms).await
    }
}

impl RandomSource for WebPlatform {
    fn fill_random(&self, buf: &mut [u8]) -> Result<(), Error> {
        let crypto = super::get(&js_sys::global(), "crypto");
        let filled = crypto
            .dyn_into::<web_sys::Crypto>()
            .ok()
            .and_then(|crypto| crypto.get_random_values_with_u8_array(buf).ok())
            .is_some();
        if filled {
            Ok(())
        } else {
            Err(Error::new(
                ErrorKind::Crypto,
                "crypto.getRandomValues is not available, so no secure login can be started: use a current browser",
            ))
        }
    }
}

impl Platform for WebPlatform {
    fn now_ms(&self) -> i64 {
        // Date.now() is a whole number of ms (browsers coarsen it further, never below 1 ms).
        js_sys::Date::now() as i64
    }

    fn warn(&self, message: &str) {
        web_sys::console::warn_1(&JsValue::from_str(message));
    }

    fn session_changed(&self, session: Option<&Session>) {
        self.schedule_expiry(session);
        let value = session.map_or(JsValue::NULL, session_to_js);
        // A listener may unsubscribe (or subscribe) while being called: call a snapshot.
        let listeners: Vec<js_sys::Function> = self.listeners.borrow().iter().map(|(_, f)| f.clone()).collect();
        for listener in listeners {
            if let Err(thrown) = listener.call1(&JsValue::NULL, &value) {
                // One broken listener must not keep the others from hearing the change.
                web_sys::console::error_2(&JsValue::from_str("feishu-login: an onChange listener threw"), &thrown);
            }
        }
    }

    fn replace_url(&self, url: &str) {
        if let Some(history) = super::window().and_then(|w| w.history().ok()) {
            let state = history.state().unwrap_or(JsValue::NULL);
            let _ = history.replace_state_with_url(&state, "", Some(url));
        }
    }
}
