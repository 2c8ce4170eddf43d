//! The JavaScript API (wasm32 only): the `FeishuLogin` class of the api.md contract. Each
//! method only converts arguments and results; the logic lives in the core.

use crate::prelude::*;
use alloc::rc::{Rc, Weak};
use core::cell::RefCell;

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use crate::callback::is_callback;
use crate::client::{Client, Platform};
use crate::config::StorageChoice;
use crate::error::{Error, ErrorKind};
use crate::host::{detect_surface, HostProbe, Surface};
use crate::storage::{FallbackStore, KeyValueStore, MemoryStore};
use crate::web::config::{read_config, read_options};
use crate::web::error::to_js;
use crate::web::host::{doc_widget_login_method, tt_method};
use crate::web::platform::{session_to_js, WebPlatform};
use crate::web::storage::{ObjectStorage, WebStorage};
use crate::web::{get, location_href, object, window};

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = r#"
/** Where the page runs, which decides how a login code is obtained. */
export type Surface = "docWidget" | "client" | "miniProgram" | "browser";

/** The stable `kind` of a `FeishuLoginError`. */
export type FeishuLoginErrorKind =
  | "config" | "unsupported" | "denied" | "host" | "state" | "callback"
  | "network" | "timeout" | "backend" | "response" | "storage" | "crypto";

/** A synchronous string store, like `localStorage`. */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** Where login codes are posted, and how. */
export interface BackendOptions {
  /** Absolute http(s) URL or relative path. */
  url: string;
  /** Extra request headers (ASCII values). */
  headers?: Record<string, string>;
  /** Default "same-origin". */
  credentials?: "omit" | "same-origin" | "include";
  /** Default 10000. */
  timeoutMs?: number;
  /** Retries of safely retryable failures (connection, 502/503/504, relayed 20050/20072). Default 2. */
  retries?: number;
  /** "query" also appends `?code=` to the URL. Default "body". */
  codeIn?: "body" | "query";
}

/** `new FeishuLogin(config)`. */
export interface FeishuLoginConfig {
  /** The app's App ID (`cli_…`). */
  appId: string;
  /** Where codes are posted: a URL, or options. */
  backend: string | BackendOptions;
  /** Browser flow callback; default: this page without query and fragment. */
  redirectUri?: string;
  /** Scopes to request (authorize `scope` / requestAccess `scopeList`). */
  scope?: string[];
  /** Default "feishu". */
  brand?: "feishu" | "lark";
  /** Override of the brand's authorize endpoint (gateway, local emulator). */
  authorizeUrl?: string;
  /** Where the session persists; default "local". Falls back to memory when storage throws. */
  storage?: "local" | "session" | "memory" | StorageLike;
  /** The object from `new BlockitClient().initAPI()`; default `globalThis.DocMiniApp`. */
  docMiniApp?: object;
  /** Force a login surface; default "auto". */
  surface?: "auto" | Surface;
  /** How long h5sdk.ready, tt.* and DocMiniApp calls may take to answer; default 30000. */
  hostTimeoutMs?: number;
}

/** The app's session, as issued by its backend. */
export interface Session {
  /** The backend's session token; send it as `Authorization: Bearer …`. */
  token: string;
  /** When the session ends (ms since the epoch), or null if the backend gave no `expiresIn`. */
  expiresAt: number | null;
  /** The user object the backend returned. */
  user: unknown | null;
  /** The surface it was obtained on. */
  surface: Surface;
  /** When it was obtained (ms since the epoch). */
  obtainedAt: number;
}

/** Options of `login`, `authorizeUrl` and `loginWithRedirect`. */
export interface LoginOptions {
  /** Scopes for this attempt instead of the configured ones. */
  scope?: string[];
  /** Ignore a valid stored session. */
  force?: boolean;
  /** Same-origin path or URL to put in the address bar after the callback. */
  returnTo?: string;
}

/** `{ Authorization: "Bearer …" }` when signed in, else `{}`. */
export type AuthHeaders = { Authorization: string } | Record<string, never>;
"#;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(typescript_type = "FeishuLoginConfig")]
    pub type ConfigArg;
    #[wasm_bindgen(typescript_type = "LoginOptions")]
    pub type OptionsArg;
    #[wasm_bindgen(typescript_type = "(session: Session | null) => void")]
    pub type ListenerArg;
}

struct Inner {
    client: Client<WebPlatform>,
    surface: Surface,
    inflight: RefCell<Option<Promise>>,
    storage_listener: RefCell<Option<StorageListener>>,
}

/// The window's `storage` listener (other tabs' changes), removed on drop.
struct StorageListener {
    window: web_sys::Window,
    callback: Closure<dyn FnMut(web_sys::Event)>,
}

impl Drop for StorageListener {
    fn drop(&mut self) {
        let _ = self.window.remove_event_listener_with_callback("storage", self.callback.as_ref().unchecked_ref());
    }
}

/// Signs the user in with Feishu on every surface and keeps the app's session.
#[wasm_bindgen]
pub struct FeishuLogin {
    inner: Rc<Inner>,
}

fn probe_host(doc_mini_app: Option<&JsValue>) -> HostProbe {
    HostProbe {
        doc_mini_app: doc_widget_login_method(doc_mini_app).is_some(),
        h5sdk: get(&js_sys::global(), "h5sdk").is_object(),
        tt_login: tt_method("login").is_some(),
    }
}

fn boxed<S: KeyValueStore + 'static>(store: S) -> Box<dyn KeyValueStore> {
    Box::new(store)
}

fn reject(error: &Error) -> Promise {
    Promise::reject(&to_js(error))
}

#[wasm_bindgen]
impl FeishuLogin {
    /// Validates `config` and reads the stored session.
    ///
    /// # Errors
    /// Throws `FeishuLoginError` of kind `config` naming the field at fault.
    #[wasm_bindgen(constructor)]
    pub fn new(config: ConfigArg) -> Result<FeishuLogin, JsValue> {
        let js = read_config(&config).map_err(|e| to_js(&e))?;
        let config = js.input.validate(&location_href()).map_err(|e| to_js(&e))?;
        let sessions = match config.storage {
            StorageChoice::Local => FallbackStore::new(WebStorage::local().map(boxed), "localStorage"),
            StorageChoice::Session => FallbackStore::new(WebStorage::session().map(boxed), "sessionStorage"),
            StorageChoice::Memory => FallbackStore::new(Some(boxed(MemoryStore::default())), "memory"),
            StorageChoice::Custom => {
                FallbackStore::new(js.storage_object.and_then(ObjectStorage::new).map(boxed), "the storage object")
            }
        };
        let pending = FallbackStore::new(WebStorage::session().map(boxed), "sessionStorage");
        let surface = detect_surface(config.surface, probe_host(js.doc_mini_app.as_ref()));
        let watch_other_tabs = config.storage == StorageChoice::Local && !sessions.is_memory();
        let platform = WebPlatform::new(js.doc_mini_app, config.host_timeout_ms);
        if sessions.is_memory() && config.storage != StorageChoice::Memory {
            platform.warn(&sessions.fallback_warning());
        }
        let inner = Rc::new(Inner {
            client: Client::new(config, platform, sessions, pending),
            surface,
            inflight: RefCell::new(None),
            storage_listener: RefCell::new(None),
        });
        let weak = Rc::downgrade(&inner);
        inner.client.platform().expiry_check.replace(Some(Rc::new(move || {
            if let Some(inner) = weak.upgrade() {
                // Removes an expired session (listeners hear null) or re-arms the timer.
                let session = inner.client.session();
                inner.client.platform().schedule_expiry(session.as_ref());
            }
        })));
        inner.client.platform().schedule_expiry(inner.client.session().as_ref());
        if let (true, Some(window)) = (watch_other_tabs, window()) {
            let weak: Weak<Inner> = Rc::downgrade(&inner);
            let callback = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
                let Some(inner) = weak.upgrade() else { return };
                let key = get(event.as_ref(), "key").as_string();
                // key null: another tab called localStorage.clear().
                if key.is_none() || key.as_deref() == Some(inner.client.session_key()) {
                    let session = inner.client.session();
                    inner.client.platform().session_changed(session.as_ref());
                }
            });
            let _ = window.add_event_listener_with_callback("storage", callback.as_ref().unchecked_ref());
            inner.storage_listener.replace(Some(StorageListener { window, callback }));
        }
        Ok(FeishuLogin { inner })
    }

    /// The detected (or forced) login surface.
    #[wasm_bindgen(getter, unchecked_return_type = "Surface")]
    pub fn surface(&self) -> String {
        self.inner.surface.as_str().to_owned()
    }

    /// The persisted, unexpired session, or `null`. An expired or corrupt one is removed.
    #[wasm_bindgen(getter, unchecked_return_type = "Session | null")]
    pub fn session(&self) -> JsValue {
        self.inner.client.session().map_or(JsValue::NULL, |s| session_to_js(&s))
    }

    /// Signs in on the current surface; returns the stored session when one is valid (unless
    /// `options.force`). Browser: completes a callback in the URL, else redirects to Feishu (the
    /// promise does not settle while the page unloads). Concurrent calls share one attempt.
    #[wasm_bindgen(unchecked_return_type = "Promise<Session>")]
    pub fn login(&self, options: Option<OptionsArg>) -> Promise {
        if let Some(promise) = self.inner.inflight.borrow().clone() {
            return promise;
        }
        let inner = self.inner.clone();
        let options: Option<JsValue> = options.map(Into::into);
        let promise = future_to_promise(async move {
            let result = inner.login(options).await;
            inner.inflight.replace(None);
            result.map_err(|e| to_js(&e))
        });
        self.inner.inflight.replace(Some(promise.clone()));
        promise
    }

    /// A fresh authorize URL with PKCE S256 and state; records the pending login.
    #[wasm_bindgen(js_name = authorizeUrl, unchecked_return_type = "Promise<string>")]
    pub fn authorize_url(&self, options: Option<OptionsArg>) -> Promise {
        match read_options(options.as_deref()).and_then(|o| self.inner.client.authorize_url(&o)) {
            Ok(url) => Promise::resolve(&JsValue::from_str(&url)),
            Err(error) => reject(&error),
        }
    }

    /// Sends the browser to Feishu's authorize page.
    #[wasm_bindgen(js_name = loginWithRedirect, unchecked_return_type = "Promise<void>")]
    pub fn login_with_redirect(&self, options: Option<OptionsArg>) -> Promise {
        match read_options(options.as_deref()).and_then(|o| self.inner.client.authorize_url(&o)).and_then(assign) {
            Ok(()) => Promise::resolve(&JsValue::UNDEFINED),
            Err(error) => reject(&error),
        }
    }

    /// Whether `url` (default `location.href`) carries `code`+`state` or `error`+`state`.
    #[wasm_bindgen(js_name = isCallback)]
    pub fn is_callback(&self, url: Option<String>) -> bool {
        is_callback(&url.unwrap_or_else(location_href))
    }

    /// Validates the callback in `url` (default `location.href`), posts the code with its
    /// verifier, persists the session, and strips `code`, `state`, `error` from the address bar.
    #[wasm_bindgen(js_name = handleCallback, unchecked_return_type = "Promise<Session>")]
    pub fn handle_callback(&self, url: Option<String>) -> Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let href = location_href();
            let url = url.unwrap_or_else(|| href.clone());
            let in_address_bar = url == href;
            match inner.client.handle_callback(&url, in_address_bar).await {
                Ok(session) => Ok(session_to_js(&session)),
                Err(error) => Err(to_js(&error)),
            }
        })
    }

    /// Removes the session; `onChange` listeners hear `null`.
    pub fn logout(&self) {
        self.inner.client.logout();
    }

    /// Calls `listener` with `Session | null` on login, logout, expiry and changes made by other
    /// tabs. Returns the function that unsubscribes it.
    #[wasm_bindgen(js_name = onChange, unchecked_return_type = "() => void")]
    pub fn on_change(&self, listener: ListenerArg) -> Result<JsValue, JsValue> {
        let listener: js_sys::Function =
            JsValue::from(listener).dyn_into().map_err(|_| to_js(&Error::config("onChange", "takes a function")))?;
        let id = self.inner.client.platform().add_listener(listener);
        let weak = Rc::downgrade(&self.inner);
        let unsubscribe = Closure::<dyn FnMut()>::new(move || {
            if let Some(inner) = weak.upgrade() {
                inner.client.platform().remove_listener(id);
            }
        });
        Ok(unsubscribe.into_js_value())
    }

    /// `{ Authorization: "Bearer <token>" }` while signed in, else `{}`.
    #[wasm_bindgen(js_name = authHeaders, unchecked_return_type = "AuthHeaders")]
    pub fn auth_headers(&self) -> JsValue {
        match self.inner.client.session() {
            Some(session) => object(&[("Authorization", (String::from("Bearer ") + &session.token).into())]).into(),
            None => js_sys::Object::new().into(),
        }
    }
}

fn assign(url: String) -> Result<(), Error> {
    window().and_then(|w| w.location().assign(&url).ok()).ok_or_else(|| {
        Error::new(ErrorKind::Unsupported, "there is no page to redirect: the browser flow needs a window")
    })
}

impl Inner {
    async fn login(&self, options: Option<JsValue>) -> Result<JsValue, Error> {
        let options = read_options(options.as_ref())?;
        if self.surface == Surface::Browser {
            let href = location_href();
            if is_callback(&href) {
                return self.client.handle_callback(&href, true).await.map(|s| session_to_js(&s));
            }
        }
        if !options.force {
            if let Some(session) = self.client.session() {
                return Ok(session_to_js(&session));
            }
        }
        match self.surface {
            Surface::Browser => {
                assign(self.client.authorize_url(&options)?)?;
                // The page is unloading; settling now would let the app act on a half-done login.
                core::future::pending().await
            }
            host => self.client.login_with_host(host, &options).await.map(|s| session_to_js(&s)),
        }
    }
}
