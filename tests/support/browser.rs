//! Stand-ins for the world around `feishu_login::web` in a wasm-bindgen-test page, shared by
//! tests/web.rs (the Rust API) and examples/leptos/tests/require_login.rs (the Leptos guard):
//! the backend is the page's `fetch`, replaced by a recording stub that can hold a request (a
//! slow server); doc-widget logins use a stub `DocMiniApp`; another tab is a same-origin iframe
//! writing the shared localStorage; the page's navigations (a browser login) are cancelled
//! through the Navigation API's `navigate` event, so the runner's page stays.
// Each test crate uses part of it.
#![allow(dead_code)]

use js_sys::{Function, Object, Promise, Reflect};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// What the stub backend answers a login.
pub const SESSION: &str = r#"{"token":"tok-1","expiresIn":3600,"user":{"name":"张三"}}"#;

pub fn set(o: &JsValue, key: &str, value: &JsValue) {
    Reflect::set(o, &key.into(), value).unwrap();
}

pub fn get(o: &JsValue, key: &str) -> JsValue {
    Reflect::get(o, &key.into()).unwrap()
}

/// The requests `fetch` saw: (url, body).
pub type Requests = Rc<RefCell<Vec<(String, String)>>>;

/// Replaces `fetch`: every request is recorded (url, body) and answered `status` with `body`.
pub fn backend(status: u16, body: &str) -> Requests {
    backend_holding(status, body, "/never-held").0
}

/// Requests [`backend_holding`] holds: unanswered until [`Held::release`].
pub struct Held(Rc<RefCell<Vec<Function>>>);

impl Held {
    pub fn len(&self) -> usize {
        self.0.borrow().len()
    }

    /// Answers every held request `204 No Content` (what a logout endpoint answers).
    pub fn release(&self) {
        for resolve in self.0.borrow_mut().drain(..) {
            let init = web_sys::ResponseInit::new();
            init.set_status(204);
            let response = web_sys::Response::new_with_opt_str_and_init(None, &init).unwrap();
            resolve.call1(&JsValue::NULL, &response).unwrap();
        }
    }
}

/// As [`backend`], except that requests to a URL ending with `held` get no answer until the
/// test releases them (a slow server).
pub fn backend_holding(status: u16, body: &str, held: &str) -> (Requests, Held) {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let waiting = Rc::new(RefCell::new(Vec::new()));
    let (record, hold) = (Rc::clone(&seen), Rc::clone(&waiting));
    let (body, held) = (body.to_owned(), held.to_owned());
    let fetch = Closure::<dyn FnMut(String, JsValue) -> Promise>::new(move |url: String, init: JsValue| {
        record.borrow_mut().push((url.clone(), get(&init, "body").as_string().unwrap_or_default()));
        if url.ends_with(&held) {
            return Promise::new(&mut |resolve, _| hold.borrow_mut().push(resolve));
        }
        let init = web_sys::ResponseInit::new();
        init.set_status(status);
        let response = web_sys::Response::new_with_opt_str_and_init(Some(&body), &init).unwrap();
        Promise::resolve(&JsValue::from(response))
    });
    set(&js_sys::global(), "fetch", fetch.as_ref());
    fetch.forget();
    (seen, Held(waiting))
}

/// A doc widget's `DocMiniApp` whose login resolves with `code`.
pub fn doc_mini_app(code: &str) -> JsValue {
    counting_doc_mini_app(code).0
}

/// As [`doc_mini_app`], with the number of logins asked of the host so far.
pub fn counting_doc_mini_app(code: &str) -> (JsValue, Rc<Cell<u32>>) {
    let code = JsValue::from_str(code);
    let asked = Rc::new(Cell::new(0));
    let count = Rc::clone(&asked);
    let login = Closure::<dyn FnMut() -> Promise>::new(move || {
        count.set(count.get() + 1);
        Promise::resolve(&code)
    });
    let user = Object::new();
    set(&user, "login", login.as_ref());
    login.forget();
    let service = Object::new();
    set(&service, "User", &user);
    let app = Object::new();
    set(&app, "Service", &service);
    (app.into(), asked)
}

std::thread_local! {
    static NAVIGATIONS: Rc<RefCell<Vec<String>>> = {
        // The Navigation API's `navigate` event of a navigation to another document, cancelled:
        // the page stays (as after a `beforeunload` "stay" or a 204), so the test runner's page
        // survives a login. `history.replaceState` (same document) goes through.
        let seen = Rc::new(RefCell::new(Vec::new()));
        let record = Rc::clone(&seen);
        let listener = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
            let destination = get(&event, "destination");
            if get(&destination, "sameDocument").is_truthy() {
                return;
            }
            record.borrow_mut().push(get(&destination, "url").as_string().unwrap_or_default());
            get(&event, "preventDefault").unchecked_into::<Function>().call0(&event).unwrap();
        });
        let navigation = get(&js_sys::global(), "navigation");
        let add: Function = get(&navigation, "addEventListener").unchecked_into();
        add.call2(&navigation, &"navigate".into(), listener.as_ref()).unwrap();
        listener.forget();
        seen
    };
}

/// The URLs of other documents the page was asked to navigate to from now on; none of them
/// happens.
pub fn navigations() -> Rc<RefCell<Vec<String>>> {
    NAVIGATIONS.with(|seen| {
        seen.borrow_mut().clear();
        Rc::clone(seen)
    })
}

/// The values a listener pushes, and a way to wait for them.
pub struct Heard<T>(Rc<RefCell<Inner<T>>>);

struct Inner<T> {
    values: Vec<T>,
    wake: Option<Function>,
    /// How far [`Heard::until`] has read.
    read: usize,
}

impl<T: Clone + 'static> Heard<T> {
    pub fn new() -> Self {
        Heard(Rc::new(RefCell::new(Inner { values: Vec::new(), wake: None, read: 0 })))
    }

    /// The listener.
    pub fn push(&self) -> impl FnMut(T) + 'static {
        let inner = Rc::clone(&self.0);
        move |value| {
            inner.borrow_mut().values.push(value);
            let wake = inner.borrow_mut().wake.take();
            if let Some(wake) = wake {
                wake.call0(&JsValue::NULL).unwrap();
            }
        }
    }

    /// Everything heard so far.
    pub fn all(&self) -> Vec<T> {
        self.0.borrow().values.clone()
    }

    async fn next_push(&self) {
        let inner = Rc::clone(&self.0);
        JsFuture::from(Promise::new(&mut |resolve, _| inner.borrow_mut().wake = Some(resolve))).await.unwrap();
    }

    /// Everything heard, once there are at least `n` values.
    pub async fn at_least(&self, n: usize) -> Vec<T> {
        while self.0.borrow().values.len() < n {
            self.next_push().await;
        }
        self.all()
    }

    /// The first value from where the last `until` stopped that satisfies `wanted`.
    pub async fn until(&self, wanted: impl Fn(&T) -> bool) -> T {
        loop {
            let found = {
                let mut inner = self.0.borrow_mut();
                let start = inner.read;
                let found = inner.values[start..].iter().position(&wanted).map(|i| start + i);
                inner.read = found.map_or(inner.values.len(), |i| i + 1);
                found.map(|i| inner.values[i].clone())
            };
            if let Some(value) = found {
                return value;
            }
            self.next_push().await;
        }
    }
}

/// Another document of this origin (as another tab would), to write the shared localStorage.
pub struct OtherTab(web_sys::HtmlIFrameElement);

impl OtherTab {
    pub fn open() -> Self {
        let document = web_sys::window().unwrap().document().unwrap();
        let frame: web_sys::HtmlIFrameElement = document.create_element("iframe").unwrap().unchecked_into();
        document.body().unwrap().append_child(&frame).unwrap();
        OtherTab(frame)
    }

    pub fn storage(&self) -> web_sys::Storage {
        self.0.content_window().unwrap().local_storage().unwrap().unwrap()
    }

    /// What `logout()` writes there: the logout epoch moves, then the session goes.
    pub fn log_out(&self, app_id: &str) {
        let storage = self.storage();
        let key = format!("feishu-login/v1/{app_id}/logout");
        let epoch: i64 = storage.get_item(&key).unwrap().and_then(|t| t.parse().ok()).unwrap_or(0);
        storage.set_item(&key, &(epoch + 1).to_string()).unwrap();
        storage.remove_item(&format!("feishu-login/v1/{app_id}/session")).unwrap();
    }
}

impl Drop for OtherTab {
    fn drop(&mut self) {
        self.0.remove();
    }
}
