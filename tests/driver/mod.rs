//! The scripted driver of the engine tests: ports (a settable clock, counter-based random bytes,
//! in-memory web stores shared between "tabs" the way the browser shares them, the `url` crate as
//! the WHATWG URL parser), tabs that feed events and collect effects, and fixtures. Shared by every
//! native engine test file (`mod driver;`).
// Each test file uses a different part of it.
#![allow(dead_code)]

use feishu_login::{
    Area, Call, CallId, Effect, Engine, Environment, Error, ErrorKind, Event, HostAnswer, HostCall, HostFailure,
    HostProbe, HttpRequest, HttpResponse, Json, Op, Random, Refused, Session, Status, Stores, Surface, TransportError,
    UrlParser, Value,
};
pub use serde_json::json;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

pub const APP: &str = "cli_enginetest";
pub const PAGE: &str = "https://app.example/login?tab=2";
pub const REDIRECT: &str = "https://app.example/cb";
pub const BACKEND: &str = "https://app.example/api/feishu/login";
pub const SESSION_KEY: &str = "feishu-login/v1/cli_enginetest/session";
pub const PENDING_KEY: &str = "feishu-login/v1/cli_enginetest/pending";
pub const START: i64 = 1_700_000_000_000;
pub const TOKEN_BODY: &str = r#"{"token":"tok-1","expiresIn":3600,"user":{"name":"Ada"}}"#;

// ---------------------------------------------------------------------------------------------
// The scripted driver
// ---------------------------------------------------------------------------------------------

/// One web store (`localStorage`, `sessionStorage`), which can be told to throw.
#[derive(Default)]
pub struct Store {
    pub items: BTreeMap<String, String>,
    pub refuse_get: bool,
    /// `setItem` throws (quota exceeded, blocked storage).
    pub refuse_set: bool,
    /// `removeItem` throws (blocked storage).
    pub refuse_remove: bool,
}

impl Store {
    pub fn refuse_all(&mut self) {
        (self.refuse_get, self.refuse_set, self.refuse_remove) = (true, true, true);
    }
}

pub type SharedStore = Rc<RefCell<Store>>;

/// What every tab of the origin shares: the clock, the random generator, and localStorage
/// (where the session lives with `storage: "local"`, and the record of consumed states).
#[derive(Clone)]
pub struct Browser {
    pub clock: Rc<Cell<i64>>,
    pub counter: Rc<Cell<u64>>,
    pub session: SharedStore,
    pub shared: SharedStore,
}

impl Browser {
    pub fn new() -> Browser {
        Browser {
            clock: Rc::new(Cell::new(START)),
            counter: Rc::default(),
            session: SharedStore::default(),
            shared: SharedStore::default(),
        }
    }

    pub fn advance(&self, ms: i64) {
        self.clock.set(self.clock.get() + ms);
    }

    pub fn stored_session(&self) -> Option<String> {
        self.session.borrow().items.get(SESSION_KEY).cloned()
    }
}

/// The ports of one tab: the browser's shared parts plus this tab's sessionStorage.
pub struct Ports {
    pub browser: Browser,
    pub pending: SharedStore,
    pub crypto: Cell<bool>,
}

impl Ports {
    pub fn area(&self, area: Area) -> &SharedStore {
        match area {
            Area::Session => &self.browser.session,
            Area::Pending => &self.pending,
            Area::Shared => &self.browser.shared,
        }
    }
}

impl Ports {
    /// The time, as the driver reads it once per step.
    pub fn now(&self) -> i64 {
        self.browser.clock.get()
    }
}

impl Random for Ports {
    fn fill(&self, buf: &mut [u8]) -> bool {
        if !self.crypto.get() {
            return false;
        }
        for byte in buf {
            // splitmix64 of a counter shared by all tabs: deterministic, never repeating a token.
            let n = self.browser.counter.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
            self.browser.counter.set(n);
            let mut z = n;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            *byte = (z ^ (z >> 31)) as u8;
        }
        true
    }
}

impl Stores for Ports {
    fn get(&self, area: Area, key: &str) -> Result<Option<String>, Refused> {
        let store = self.area(area).borrow();
        if store.refuse_get {
            return Err(Refused);
        }
        Ok(store.items.get(key).cloned())
    }

    fn put(&self, area: Area, key: &str, value: Option<&str>) -> Result<(), Refused> {
        let mut store = self.area(area).borrow_mut();
        match value {
            Some(_) if store.refuse_set => Err(Refused),
            None if store.refuse_remove => Err(Refused),
            Some(value) => {
                store.items.insert(key.to_owned(), value.to_owned());
                Ok(())
            }
            None => {
                store.items.remove(key);
                Ok(())
            }
        }
    }
}

impl UrlParser for Ports {
    fn parse_url(&self, input: &str, base: Option<&str>) -> Option<feishu_login::Url> {
        feishu_login::whatwg::Whatwg.parse_url(input, base)
    }
}

/// JSON between serde_json (test fixtures) and the SDK's `Json`.
pub mod codec {
    use super::Json;
    use serde_json::Value;

    pub fn to_json(value: &Value) -> Json {
        Json::parse(&value.to_string()).expect("serde_json writes JSON the SDK reads")
    }

    pub fn text(text: &str) -> Value {
        serde_json::from_str(text).expect("JSON text")
    }
}

/// One tab: its ports, the page's engine, the address bar, and every effect of this page load.
pub struct Tab {
    pub ports: Ports,
    pub config: serde_json::Value,
    pub probe: HostProbe,
    pub engine: Engine,
    pub href: String,
    pub log: Vec<Effect>,
    pub answered: Vec<Op>,
    pub next_id: CallId,
}

impl Tab {
    /// A new tab showing `href`, with a fresh sessionStorage.
    pub fn open(browser: &Browser, config: serde_json::Value, href: &str, probe: HostProbe) -> Tab {
        let pending = SharedStore::default();
        Tab::with_pending(browser, pending, config, href, probe)
    }

    /// A browser-surface tab on [`PAGE`] with the default config.
    pub fn browser(browser: &Browser) -> Tab {
        Tab::open(browser, config(json!({})), PAGE, HostProbe::default())
    }

    pub fn with_pending(
        browser: &Browser,
        pending: SharedStore,
        config: serde_json::Value,
        href: &str,
        probe: HostProbe,
    ) -> Tab {
        let ports = Ports { browser: browser.clone(), pending, crypto: Cell::new(true) };
        let mut log = Vec::new();
        let engine = new_engine(&config, href, probe, &ports, &mut log).expect("a valid config");
        Tab { ports, config, probe, engine, href: href.to_owned(), log, answered: Vec::new(), next_id: 0 }
    }

    /// A tab opened by this one (`window.open` with an opener): sessionStorage is copied.
    pub fn open_child(&self, href: &str) -> Tab {
        let copy = Store { items: self.ports.pending.borrow().items.clone(), ..Store::default() };
        let pending = Rc::new(RefCell::new(copy));
        Tab::with_pending(&self.ports.browser, pending, self.config.clone(), href, self.probe)
    }

    /// This tab loads `href` (a reload, or the redirect back from Feishu): a new page, the same
    /// sessionStorage.
    pub fn load(&mut self, href: &str) {
        self.log.clear();
        self.answered.clear();
        self.href = href.to_owned();
        self.engine = new_engine(&self.config, href, self.probe, &self.ports, &mut self.log).expect("a valid config");
    }

    /// Feeds one event; performs what the browser does synchronously (the address bar); returns
    /// the log position before the event, for [`Tab::since`].
    pub fn feed(&mut self, event: Event) -> usize {
        let start = self.log.len();
        let mut out = Vec::new();
        self.engine.handle(self.ports.now(), event, &self.ports, &mut out);
        for effect in &out {
            if let Effect::ReplaceUrl(url) = effect {
                // `history.replaceState` resolves the URL against the document's and
                // `location.href` is its serialization.
                self.href = self.ports.parse_url(url, Some(&self.href)).expect("a valid URL").href;
            }
        }
        self.log.extend(out);
        start
    }

    pub fn mark(&self) -> usize {
        self.log.len()
    }

    pub fn since(&self, mark: usize) -> &[Effect] {
        &self.log[mark..]
    }

    pub fn all(&self) -> &[Effect] {
        &self.log
    }

    pub fn call(&mut self, call: Call) -> CallId {
        self.next_id += 1;
        let id = self.next_id;
        let href = self.href.clone();
        self.feed(Event::Call { id, call, href });
        id
    }

    pub fn login(&mut self, options: serde_json::Value) -> CallId {
        self.call(Call::Login(codec::to_json(&options)))
    }

    pub fn authorize_url(&mut self, options: serde_json::Value) -> CallId {
        self.call(Call::AuthorizeUrl(codec::to_json(&options)))
    }

    pub fn handle_callback(&mut self, url: Option<&str>) -> CallId {
        self.call(Call::HandleCallback(url.map(str::to_owned)))
    }

    /// Every settlement of call `id`.
    pub fn settlements(&self, id: CallId) -> Vec<&Result<Value, Error>> {
        self.log
            .iter()
            .filter_map(|e| match e {
                Effect::Settle { id: settled, result } if *settled == id => Some(result),
                _ => None,
            })
            .collect()
    }

    /// How call `id` settled; it must have settled exactly once.
    pub fn result(&self, id: CallId) -> &Result<Value, Error> {
        let all = self.settlements(id);
        assert_eq!(all.len(), 1, "call {id} settles exactly once: {:?}", self.log);
        all[0]
    }

    pub fn is_pending(&self, id: CallId) -> bool {
        self.settlements(id).is_empty()
    }

    pub fn error(&self, id: CallId) -> &Error {
        match self.result(id) {
            Err(error) => error,
            Ok(value) => panic!("call {id} succeeded with {value:?}"),
        }
    }

    pub fn kind(&self, id: CallId) -> ErrorKind {
        self.error(id).kind()
    }

    /// The newest effect of a kind whose op has not been answered yet.
    pub fn outstanding<'a, T>(&'a self, pick: impl Fn(&'a Effect) -> Option<(Op, T)>) -> Option<(Op, T)> {
        self.log.iter().rev().filter_map(pick).find(|(op, _)| !self.answered.contains(op))
    }

    pub fn pending_fetch(&self) -> (Op, &HttpRequest) {
        self.outstanding(|e| match e {
            Effect::Fetch { op, request } => Some((*op, request)),
            _ => None,
        })
        .unwrap_or_else(|| panic!("a fetch is outstanding: {:?}", self.log))
    }

    pub fn pending_sleep(&self) -> (Op, u32) {
        self.outstanding(|e| match e {
            Effect::Sleep { op, ms } => Some((*op, *ms)),
            _ => None,
        })
        .unwrap_or_else(|| panic!("a sleep is outstanding: {:?}", self.log))
    }

    pub fn pending_host(&self) -> (Op, HostCall) {
        self.outstanding(|e| match e {
            Effect::Host { op, call, .. } => Some((*op, call.clone())),
            _ => None,
        })
        .unwrap_or_else(|| panic!("a host call is outstanding: {:?}", self.log))
    }

    pub fn fetch_result(&mut self, result: Result<HttpResponse, TransportError>) -> usize {
        let (op, _) = self.pending_fetch();
        self.answered.push(op);
        self.feed(Event::Fetched { op, result })
    }

    /// Answers the outstanding fetch with `status` and `body`.
    pub fn answer_fetch(&mut self, status: u16, body: &str) -> usize {
        self.fetch_result(Ok(HttpResponse { status, body: body.to_owned() }))
    }

    pub fn fail_fetch(&mut self, error: TransportError) -> usize {
        self.fetch_result(Err(error))
    }

    /// Ends the outstanding sleep; returns its length.
    pub fn end_sleep(&mut self) -> u32 {
        let (op, ms) = self.pending_sleep();
        self.answered.push(op);
        self.feed(Event::Slept { op });
        ms
    }

    pub fn answer_host(&mut self, result: Result<HostAnswer, HostFailure>) -> usize {
        let (op, _) = self.pending_host();
        self.answered.push(op);
        self.feed(Event::Host { op, result })
    }

    pub fn host_code(&mut self, code: &str, state: Option<&str>) -> usize {
        self.answer_host(Ok(HostAnswer::Code { code: Some(code.into()), state: state.map(str::to_owned) }))
    }

    pub fn host_failure(&mut self, failure: HostFailure) -> usize {
        self.answer_host(Err(failure))
    }

    /// This tab's pending browser logins (sessionStorage), oldest first.
    pub fn pending_logins(&self) -> Vec<serde_json::Value> {
        match self.ports.pending.borrow().items.get(PENDING_KEY) {
            Some(text) => match codec::text(text) {
                serde_json::Value::Array(items) => items,
                other => vec![other],
            },
            None => Vec::new(),
        }
    }

    /// Writes `session` to the session store as another tab (or an earlier page) would.
    pub fn store_session(&self, session: &Session) {
        let text = session.encode();
        self.ports.browser.session.borrow_mut().items.insert(SESSION_KEY.into(), text);
    }

    pub fn decode(&self, text: &str) -> Option<Session> {
        Session::decode(text)
    }
}

pub fn new_engine(
    config: &serde_json::Value,
    href: &str,
    probe: HostProbe,
    ports: &Ports,
    out: &mut Vec<Effect>,
) -> Result<Engine, Error> {
    let env = Environment { href: href.to_owned(), probe };
    Engine::new(ports.now(), &codec::to_json(config), &env, ports, out)
}

/// The test app's config, with `extra` members added.
pub fn config(extra: serde_json::Value) -> serde_json::Value {
    let mut config = json!({ "appId": APP, "backend": BACKEND, "redirectUri": REDIRECT });
    for (k, v) in extra.as_object().expect("an object") {
        config[k] = v.clone();
    }
    config
}

// Effect filters.

pub fn navigations(fx: &[Effect]) -> Vec<&str> {
    fx.iter().filter_map(|e| if let Effect::Navigate { url, .. } = e { Some(url.as_str()) } else { None }).collect()
}

pub fn fetches(fx: &[Effect]) -> Vec<&HttpRequest> {
    fx.iter().filter_map(|e| if let Effect::Fetch { request, .. } = e { Some(request) } else { None }).collect()
}

pub fn sleeps(fx: &[Effect]) -> Vec<u32> {
    fx.iter().filter_map(|e| if let Effect::Sleep { ms, .. } = e { Some(*ms) } else { None }).collect()
}

pub fn host_calls(fx: &[Effect]) -> Vec<&HostCall> {
    fx.iter().filter_map(|e| if let Effect::Host { call, .. } = e { Some(call) } else { None }).collect()
}

pub fn announced(fx: &[Effect]) -> Vec<Option<&Session>> {
    fx.iter()
        .filter_map(|e| if let Effect::Session { session, .. } = e { Some(session.as_ref()) } else { None })
        .collect()
}

pub fn statuses(fx: &[Effect]) -> Vec<Status> {
    fx.iter().filter_map(|e| if let Effect::Status(s) = e { Some(*s) } else { None }).collect()
}

/// The newest navigation of `fx` that the driver has not reported on: its op.
pub fn navigation_op(fx: &[Effect]) -> Option<Op> {
    fx.iter().rev().find_map(|e| if let Effect::Navigate { op, .. } = e { Some(*op) } else { None })
}

pub fn warnings(fx: &[Effect]) -> Vec<&str> {
    fx.iter().filter_map(|e| if let Effect::Warn(w) = e { Some(w.as_str()) } else { None }).collect()
}

pub fn replaced(fx: &[Effect]) -> Vec<&str> {
    fx.iter().filter_map(|e| if let Effect::ReplaceUrl(url) = e { Some(url.as_str()) } else { None }).collect()
}

pub fn timers(fx: &[Effect]) -> Vec<Option<u32>> {
    fx.iter().filter_map(|e| if let Effect::Timer(t) = e { Some(*t) } else { None }).collect()
}

pub fn settled_count(fx: &[Effect]) -> usize {
    fx.iter().filter(|e| matches!(e, Effect::Settle { .. })).count()
}

/// The single value of query parameter `name` of `url`.
pub fn query(url: &str, name: &str) -> String {
    let parsed = url::Url::parse(url).expect("an absolute URL");
    let values: Vec<String> = parsed.query_pairs().filter(|(k, _)| k == name).map(|(_, v)| v.into_owned()).collect();
    assert_eq!(values.len(), 1, "`{name}` once in {url}");
    values.into_iter().next().unwrap()
}

pub fn body(request: &HttpRequest) -> serde_json::Value {
    codec::text(&request.body)
}

/// The callback Feishu sends the browser to for `state`.
pub fn callback(state: &str) -> String {
    format!("{REDIRECT}?code=THE_CODE&state={state}")
}

/// Starts a browser login in `tab` (which navigates away) and returns the pending state.
pub fn start_login(tab: &mut Tab, options: serde_json::Value) -> String {
    let mark = tab.mark();
    tab.login(options);
    let urls = navigations(tab.since(mark));
    assert_eq!(urls.len(), 1, "one navigation: {:?}", tab.since(mark));
    query(urls[0], "state")
}

/// A browser tab signed in through the whole redirect flow, and the callback URL it used; the
/// tab ends on the callback page.
pub fn signed_in_browser_tab(browser: &Browser) -> (Tab, String) {
    let mut tab = Tab::browser(browser);
    let state = start_login(&mut tab, json!({}));
    tab.feed(Event::PageHidden);
    let url = callback(&state);
    tab.load(&url);
    let id = tab.handle_callback(None);
    tab.answer_fetch(200, TOKEN_BODY);
    assert_eq!(tab.result(id), &Ok(Value::Session));
    (tab, url)
}

pub fn doc_widget_probe() -> HostProbe {
    HostProbe { doc_mini_app: true, ..HostProbe::default() }
}

pub fn client_probe() -> HostProbe {
    HostProbe { h5sdk: true, ..HostProbe::default() }
}

/// A doc-widget tab; `login()` asks the host, then the backend.
pub fn widget_tab(browser: &Browser) -> Tab {
    Tab::open(browser, config(json!({})), "https://widget.example/index.html", doc_widget_probe())
}

/// Signs `tab` (a host surface) in with `body`.
pub fn host_login(tab: &mut Tab, body: &str) -> CallId {
    let id = tab.login(json!({ "force": true }));
    tab.host_code("host-code", None);
    tab.answer_fetch(200, body);
    id
}

pub fn session(token: &str, expires_at: Option<i64>) -> Session {
    Session { token: token.into(), expires_at, user: None, surface: Surface::Browser, obtained_at: START }
}
