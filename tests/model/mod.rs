//! A model of an origin with two or three tabs sharing localStorage, each running the engine, and
//! the world around them (a backend, a Feishu host, Feishu's authorize page, popups, the QR SDK,
//! Web Locks, timers, `storage` events that arrive late), driven by a stream of choices: random
//! interleavings of calls, answers that come late, never or wrong, navigations that do not happen,
//! pages hidden and shown.
//!
//! After every step it holds the engines to the rules (a small reference model keeps what they
//! need: which logout happened when, and where each token came from):
//! - never two host calls outstanding in a tab;
//! - never a session written from a login that started before a later logout (any tab);
//! - every call settles at most once, and, once everything is answered, every call of a page
//!   that is still there has settled;
//! - listeners hear each session and each status once (never the same twice in a row), and a
//!   logout's `signingOut` before its `null`;
//! - the SDK never starts a login on its own: an authorize navigation only for `login()`,
//!   `loginWithRedirect()` or an accepted QR scan, a popup only for `loginWithPopup()`, a host
//!   call only for `login()`, `getSession()`, a host answer in a chain, or the renewal of a
//!   session that exists;
//! - once everything is delivered, every tab shows the stored session.
//!
//! Shared by `tests/model.rs` (a seeded generator, a few thousand sequences in `cargo test`) and
//! the `interleavings` fuzz target (libFuzzer's bytes as the choices). Panics on a violation, with
//! the steps that led to it.

use feishu_login::*;
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

const APP: &str = "cli_model";
const PAGE: &str = "https://app.example/";
const REDIRECT: &str = "https://app.example/cb";
const BACKEND: &str = "https://app.example/api/login";
const REFRESH: &str = "https://app.example/api/refresh";
const LOGOUT: &str = "https://app.example/api/logout";
const AUTHORIZE: &str = "https://accounts.feishu.cn/open-apis/authen/v1/authorize";
const SESSION_KEY: &str = "feishu-login/v1/cli_model/session";
const START: i64 = 1_700_000_000_000;

/// Where the choices come from.
pub trait Choose {
    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize;
    /// No choices left: the sequence ends.
    fn exhausted(&self) -> bool;
}

/// A seeded xorshift64 generator (Marsaglia 2003) choosing `len` steps.
pub struct Seeded {
    state: u64,
    left: usize,
}

impl Seeded {
    pub fn new(seed: u64, len: usize) -> Seeded {
        Seeded { state: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1, left: len }
    }
}

impl Choose for Seeded {
    fn below(&mut self, n: usize) -> usize {
        self.left = self.left.saturating_sub(1);
        let mut x = self.state;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.state = x;
        (x % n as u64) as usize
    }

    fn exhausted(&self) -> bool {
        self.left == 0
    }
}

/// libFuzzer's bytes as the choices.
#[allow(dead_code)] // the fuzz target's
pub struct Bytes<'a>(pub &'a [u8]);

impl Choose for Bytes<'_> {
    fn below(&mut self, n: usize) -> usize {
        match self.0.split_first() {
            Some((first, rest)) => {
                self.0 = rest;
                *first as usize % n
            }
            None => 0,
        }
    }

    fn exhausted(&self) -> bool {
        self.0.is_empty()
    }
}

type Store = Rc<RefCell<BTreeMap<String, String>>>;

/// The ports of one page: localStorage shared by the origin, this tab's sessionStorage.
struct Ports {
    local: Store,
    session: Store,
    counter: Rc<Cell<u64>>,
}

impl Stores for Ports {
    fn get(&self, area: Area, key: &str) -> Result<Option<String>, Refused> {
        let store = if area == Area::Pending { &self.session } else { &self.local };
        Ok(store.borrow().get(key).cloned())
    }

    fn put(&self, area: Area, key: &str, value: Option<&str>) -> Result<(), Refused> {
        let store = if area == Area::Pending { &self.session } else { &self.local };
        match value {
            Some(value) => store.borrow_mut().insert(key.to_owned(), value.to_owned()),
            None => store.borrow_mut().remove(key),
        };
        Ok(())
    }
}

impl Random for Ports {
    fn fill(&self, buf: &mut [u8]) -> bool {
        for byte in buf {
            let n = self.counter.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
            self.counter.set(n);
            let mut z = n;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            *byte = (z ^ (z >> 31)) as u8;
        }
        true
    }
}

impl UrlParser for Ports {
    fn parse_url(&self, input: &str, base: Option<&str>) -> Option<Url> {
        feishu_login::whatwg::Whatwg.parse_url(input, base)
    }
}

/// What a page waits for from the world.
enum Waiting {
    Fetch { op: Op, request: HttpRequest, deadline: i64 },
    Host { op: Op, call: HostCall, deadline: i64 },
    Sleep { op: Op, due: i64 },
}

/// One page of a tab.
struct Page {
    engine: Engine,
    href: String,
    /// Unsettled calls: id → what it was.
    calls: BTreeMap<CallId, &'static str>,
    waiting: Vec<Waiting>,
    expiry: Option<i64>,
    announced: Option<Option<String>>,
    status: Option<Status>,
    /// The navigation in flight and whether `pagehide` fired.
    navigation: Option<(Op, String)>,
    hidden: bool,
    /// A `location.assign` to report (the driver does in the same task).
    assigned: Option<Op>,
    /// The popup login's state while its window is open.
    popup: Option<String>,
    /// The QR login: its mount and goto.
    qr: Option<(u32, String)>,
    next_id: CallId,
}

struct Tab {
    session: Store,
    page: Page,
    /// `storage` events not delivered yet.
    storage_events: Vec<Option<String>>,
}

/// The origin and the world around its tabs, with the reference model.
struct Model {
    local: Store,
    counter: Rc<Cell<u64>>,
    config: serde_json::Value,
    surface_host: bool,
    now: i64,
    step: u64,
    /// Web Locks: the holder (tab, op) and the requests waiting.
    lock_holder: Option<(usize, Op)>,
    lock_queue: Vec<(usize, Op)>,
    /// The steps at which `logout()` was called (any tab).
    logouts: Vec<u64>,
    /// Where each state, code and token came from: the step its login started.
    states: HashMap<String, u64>,
    codes: HashMap<String, u64>,
    tokens: HashMap<String, u64>,
    host_calls: HashMap<(usize, Op), u64>,
    stored: Option<String>,
    next: u64,
    log: Vec<String>,
    /// Hand-overs posted on the app's channel in the current step.
    handovers: Vec<String>,
}

/// The tabs of one origin, and the world around them.
pub struct World {
    m: Model,
    tabs: Vec<Tab>,
    /// The tab of the last step: the next one is often the same tab (flows go deeper).
    last: usize,
}

fn query(url: &str, name: &str) -> Option<String> {
    let url = url::Url::parse(url).ok()?;
    let value = url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
    value
}

fn stored_token(local: &Store) -> Option<String> {
    let text = local.borrow().get(SESSION_KEY).cloned()?;
    Session::decode(&text).map(|s| s.token)
}

/// What kind of step an event is, for the rules about who may start a login.
fn kind_of(event: &Event) -> &'static str {
    match event {
        Event::Call { call: Call::Login(_), .. } => "login",
        Event::Call { call: Call::GetSession(_), .. } => "getSession",
        Event::Call { call: Call::LoginWithRedirect(_), .. } => "redirect",
        Event::Call { call: Call::Logout(_), .. } => "logout",
        Event::Window(WindowEvent::QrMessage { .. }) => "scan",
        Event::Window(WindowEvent::LoginWithPopup { .. }) => "popup",
        Event::Host { .. } => "host",
        _ => "",
    }
}

impl Model {
    fn fresh(&mut self, prefix: &str) -> String {
        self.next += 1;
        format!("{prefix}-{}", self.next)
    }

    fn ports(&self, session: &Store) -> Ports {
        Ports { local: self.local.clone(), session: session.clone(), counter: self.counter.clone() }
    }

    fn fail(&self, why: &str) -> ! {
        let steps = self.log[self.log.len().saturating_sub(60)..].join("\n  ");
        panic!("{why}\n(the last steps, `tab: event`):\n  {steps}");
    }

    /// A new page of tab `t` (`session`: its sessionStorage) showing `href`.
    fn load(&mut self, t: usize, session: &Store, href: &str) -> Page {
        let probe = HostProbe { doc_mini_app: self.surface_host, ..HostProbe::default() };
        let env = Environment { href: href.to_owned(), probe };
        let config = Json::parse(&self.config.to_string()).unwrap();
        let mut out = Vec::new();
        let engine = Engine::new(self.now, &config, &env, &self.ports(session), &mut out).expect("a valid config");
        let mut page = Page {
            engine,
            href: href.to_owned(),
            calls: BTreeMap::new(),
            waiting: Vec::new(),
            expiry: None,
            announced: None,
            status: None,
            navigation: None,
            hidden: false,
            assigned: None,
            popup: None,
            qr: None,
            next_id: 0,
        };
        self.log.push(format!("{t}: load {href}"));
        self.effects(t, &mut page, out, "load", false);
        page
    }

    /// Records what the engine asked for, and holds it to the rules.
    fn effects(&mut self, t: usize, page: &mut Page, out: Vec<Effect>, kind: &'static str, signed_in: bool) {
        for effect in out {
            match effect {
                Effect::Ready { .. } | Effect::Warn(_) => {}
                Effect::Settle { id: 0, .. } => {}
                Effect::Settle { id, result } => {
                    if page.calls.remove(&id).is_none() {
                        self.fail(&format!("call {id} settled twice, or was never made ({result:?})"));
                    }
                    if let Ok(Value::Text(url)) = &result {
                        self.started(url);
                    }
                }
                Effect::Session { session, headers } => {
                    let token = session.as_ref().map(|s| s.token.clone());
                    if page.announced.as_ref() == Some(&token) {
                        self.fail("listeners heard the same session twice in a row");
                    }
                    if token.is_some() == headers.is_empty() {
                        self.fail("authHeaders() disagree with the session");
                    }
                    if token.is_none() && kind == "logout" && page.status != Some(Status::SigningOut) {
                        self.fail("a logout's null was heard before its signingOut");
                    }
                    page.announced = Some(token);
                }
                Effect::Status(status) => {
                    if page.status == Some(status) {
                        self.fail("listeners heard the same status twice in a row");
                    }
                    page.status = Some(status);
                }
                Effect::Timer(ms) => page.expiry = ms.map(|ms| self.now + i64::from(ms)),
                Effect::Fetch { op, request } => {
                    let deadline = self.now + i64::from(request.timeout_ms);
                    page.waiting.push(Waiting::Fetch { op, request, deadline });
                }
                Effect::Sleep { op, ms } => page.waiting.push(Waiting::Sleep { op, due: self.now + i64::from(ms) }),
                Effect::Host { op, call, timeout_ms } => {
                    if page.waiting.iter().any(|w| matches!(w, Waiting::Host { .. })) {
                        self.fail("two host calls outstanding in one tab");
                    }
                    if !matches!(kind, "login" | "getSession" | "host") && !signed_in {
                        self.fail("a host login that nobody asked for");
                    }
                    self.host_calls.insert((t, op), self.step);
                    page.waiting.push(Waiting::Host { op, call, deadline: self.now + i64::from(timeout_ms) });
                }
                Effect::Navigate { op, url } => {
                    if url.starts_with(AUTHORIZE) {
                        if !matches!(kind, "login" | "redirect" | "scan") {
                            self.fail("an authorize navigation that nobody asked for");
                        }
                        self.started(&url);
                    }
                    page.navigation = Some((op, url));
                    page.hidden = false;
                    page.assigned = Some(op);
                }
                Effect::ReplaceUrl(url) => {
                    page.href = url::Url::parse(&page.href).unwrap().join(&url).unwrap().to_string();
                }
                Effect::Lock { op, .. } => self.lock_queue.push((t, op)),
                Effect::Unlock { op } => {
                    if self.lock_holder == Some((t, op)) {
                        self.lock_holder = None;
                    }
                }
                Effect::Window(WindowEffect::Popup { url, .. }) => {
                    if kind != "popup" {
                        self.fail("a popup that nobody asked for");
                    }
                    self.started(&url);
                    page.popup = query(&url, "state");
                }
                Effect::Window(WindowEffect::HandOver { params, .. }) => {
                    let data =
                        serde_json::json!({ "type": POPUP_MESSAGE_TYPE, "code": params.code, "state": params.state });
                    self.handovers.push(data.to_string());
                }
                Effect::Window(WindowEffect::MountQr { mount, goto, .. }) => {
                    self.started(&goto);
                    page.qr = Some((mount, goto));
                }
                Effect::Window(WindowEffect::UnmountQr { mount, .. })
                | Effect::Window(WindowEffect::QrReady { mount, result: Err(_) }) => {
                    if page.qr.as_ref().is_some_and(|(m, _)| *m == mount) {
                        page.qr = None;
                    }
                }
                Effect::Window(WindowEffect::QrReady { .. }) => {}
            }
        }
        self.check_session_write();
    }

    /// A login started: the state of its authorize URL was made now.
    fn started(&mut self, url: &str) {
        if let Some(state) = query(url, "state") {
            self.states.entry(state).or_insert(self.step);
        }
    }

    /// The stored session changed: the login (or the renewal of a login) it came from must have
    /// started after the last logout.
    fn check_session_write(&mut self) {
        let token = stored_token(&self.local);
        if token == self.stored {
            return;
        }
        if let Some(token) = &token {
            let from = self.tokens.get(token).copied().unwrap_or(0);
            if self.logouts.iter().any(|&logout| logout > from) {
                self.fail(&format!("a session of a login started at step {from} was written after a later logout"));
            }
        }
        self.stored = token;
    }

    /// The backend's answer to `request`: `how` 0–2 succeed.
    fn backend(&mut self, request: &HttpRequest, how: usize) -> Result<HttpResponse, TransportError> {
        let ok = |status: u16, body: String| Ok(HttpResponse { status, body });
        if request.url == LOGOUT {
            return ok(204, String::new());
        }
        match how {
            3 => return ok(503, "{}".into()),
            4 => return Err(TransportError::Unreachable),
            5 if request.url == REFRESH => return ok(401, "{}".into()),
            5 => return ok(400, r#"{"code":20003}"#.into()),
            _ => {}
        }
        let from = if request.url == REFRESH {
            let bearer = request.headers.iter().find(|(n, _)| n == "Authorization").map(|(_, v)| v.clone());
            let old = bearer.and_then(|b| b.strip_prefix("Bearer ").map(str::to_owned)).unwrap_or_default();
            self.tokens.get(&old).copied().unwrap_or(0)
        } else {
            let body: serde_json::Value = serde_json::from_str(&request.body).unwrap();
            self.codes.get(body["code"].as_str().unwrap_or_default()).copied().unwrap_or(0)
        };
        let token = self.fresh("tok");
        self.tokens.insert(token.clone(), from);
        let expires = [5, 3600][how % 2];
        ok(200, format!(r#"{{"token":"{token}","expiresIn":{expires}}}"#))
    }
}

impl World {
    /// An origin with two or three tabs, running on a browser or in a doc widget.
    pub fn new(choose: &mut dyn Choose) -> World {
        let surface_host = choose.below(2) == 0;
        let mut config = serde_json::json!({
            "appId": APP, "backend": BACKEND, "redirectUri": REDIRECT, "authorizeUrl": AUTHORIZE,
            "logoutUrl": LOGOUT, "renewBeforeMs": 2000, "hostTimeoutMs": 5000,
        });
        if !surface_host {
            config["refreshUrl"] = REFRESH.into();
        }
        let m = Model {
            local: Store::default(),
            counter: Rc::default(),
            config,
            surface_host,
            now: START,
            step: 0,
            lock_holder: None,
            lock_queue: Vec::new(),
            logouts: Vec::new(),
            states: HashMap::new(),
            codes: HashMap::new(),
            tokens: HashMap::new(),
            host_calls: HashMap::new(),
            stored: None,
            next: 0,
            log: Vec::new(),
            handovers: Vec::new(),
        };
        let mut world = World { m, tabs: Vec::new(), last: 0 };
        for t in 0..2 + choose.below(2) {
            let session = Store::default();
            let page = world.m.load(t, &session, PAGE);
            world.tabs.push(Tab { session, page, storage_events: Vec::new() });
        }
        world
    }

    /// Feeds `event` to tab `t`'s page, checks what comes out, and passes on what the other
    /// tabs will hear (`storage` events, channel messages), later.
    fn feed(&mut self, t: usize, event: Event) {
        let m = &mut self.m;
        m.step += 1;
        m.log.push(format!("{t}: {event:?}"));
        let kind = kind_of(&event);
        let tab = &mut self.tabs[t];
        let signed_in = matches!(tab.page.announced, Some(Some(_)));
        let before = m.local.borrow().clone();
        let mut out = Vec::new();
        tab.page.engine.handle(m.now, event, &m.ports(&tab.session), &mut out);
        m.effects(t, &mut tab.page, out, kind, signed_in);
        self.storage_changed(t, &before);
        for data in std::mem::take(&mut self.m.handovers) {
            for tab in &mut self.tabs {
                tab.storage_events.push(Some(format!("channel:{data}")));
            }
        }
        // `location.assign` returns at once: the driver reports it in the same task.
        if let Some(op) = self.tabs[t].page.assigned.take() {
            self.feed(t, Event::Navigated { op });
        }
    }

    /// Queues `storage` events for the other tabs for every key that changed.
    fn storage_changed(&mut self, t: usize, before: &BTreeMap<String, String>) {
        let after = self.m.local.borrow().clone();
        let mut keys: Vec<&String> = before.keys().chain(after.keys()).collect();
        keys.sort();
        keys.dedup();
        for key in keys {
            if before.get(key) != after.get(key) {
                for (i, tab) in self.tabs.iter_mut().enumerate() {
                    if i != t {
                        tab.storage_events.push(Some(key.clone()));
                    }
                }
            }
        }
    }

    fn call(&mut self, t: usize, call: Call, what: &'static str) {
        let page = &mut self.tabs[t].page;
        page.next_id += 1;
        let id = page.next_id;
        page.calls.insert(id, what);
        let href = page.href.clone();
        if what == "logout" {
            self.m.logouts.push(self.m.step + 1);
        }
        match call {
            Call::Login(options) if what == "popup" => {
                self.feed(t, Event::Window(WindowEvent::LoginWithPopup { id, options }));
            }
            call => self.feed(t, Event::Call { id, call, href }),
        }
    }

    /// One step chosen by `choose`.
    pub fn act(&mut self, choose: &mut dyn Choose) {
        let t = if choose.below(2) == 0 { self.last } else { choose.below(self.tabs.len()) };
        self.last = t;
        // A hidden page runs nothing (it unloads, or waits in the back/forward cache) until it
        // is shown again; the world around it goes on.
        if self.tabs[t].page.hidden {
            return match choose.below(3) {
                0 => self.page_moves(t, choose),
                1 => self.pass_time(choose),
                _ => self.grant_lock(choose),
            };
        }
        let options = |s: &str| Json::parse(s).unwrap();
        let browser = !self.m.surface_host;
        match choose.below(24) {
            0 | 1 | 8 => self.call(t, Call::Login(options(["{}", r#"{"force":true}"#][choose.below(2)])), "login"),
            2 | 9 => self.call(t, Call::GetSession(options(r#"{"minValidityMs":3600000}"#)), "getSession"),
            3 => {
                let to = if choose.below(2) == 0 { r#"{"returnTo":"/bye"}"# } else { "{}" };
                self.call(t, Call::Logout(options(to)), "logout");
            }
            4 if browser => self.call(t, Call::LoginWithRedirect(Json::Null), "redirect"),
            5 if browser => self.call(t, Call::Login(Json::Null), "popup"),
            6 if browser => {
                let href = self.tabs[t].page.href.clone();
                let event = WindowEvent::MountQr { id: 0, target: true, options: Json::Null, href };
                self.feed(t, Event::Window(event));
            }
            7 => self.call(t, Call::ReadSession, "read"),
            12 | 13 => self.deliver_storage(t, choose),
            14 | 15 => self.pass_time(choose),
            16 => self.page_moves(t, choose),
            17 => self.popup_moves(t, choose),
            18 => self.qr_moves(t, choose),
            19 => self.feed(t, Event::Visibility { visible: choose.below(2) == 0 }),
            20 => self.feed(t, Event::Online),
            21 | 22 => self.grant_lock(choose),
            _ => self.answer(t, choose),
        }
    }

    /// Answers something tab `t` waits for: a fetch (well, badly, with a 401, unreachable), a
    /// host call (a code, a failure). What is never answered times out as time passes.
    fn answer(&mut self, t: usize, choose: &mut dyn Choose) {
        let page = &mut self.tabs[t].page;
        let candidates: Vec<usize> = (0..page.waiting.len())
            .filter(|&i| matches!(page.waiting[i], Waiting::Fetch { .. } | Waiting::Host { .. }))
            .collect();
        if candidates.is_empty() {
            return;
        }
        let i = candidates[choose.below(candidates.len())];
        match page.waiting.remove(i) {
            Waiting::Fetch { op, request, .. } => {
                let result = self.m.backend(&request, choose.below(6));
                self.feed(t, Event::Fetched { op, result });
            }
            Waiting::Host { op, call, .. } => {
                let result = match (call, choose.below(4)) {
                    (HostCall::H5sdkReady, _) => Ok(HostAnswer::Ready),
                    (_, 0) => Err(HostFailure { code: Some(10110006), ..HostFailure::default() }),
                    _ => {
                        let code = self.m.fresh("hc");
                        let from = self.m.host_calls.get(&(t, op)).copied().unwrap_or(0);
                        self.m.codes.insert(code.clone(), from);
                        Ok(HostAnswer::Code { code: Some(code), state: None })
                    }
                };
                self.feed(t, Event::Host { op, result });
            }
            _ => unreachable!(),
        }
    }

    /// Delivers some of the `storage` events (and channel messages) that reached tab `t`, in
    /// order.
    fn deliver_storage(&mut self, t: usize, choose: &mut dyn Choose) {
        let n = self.tabs[t].storage_events.len();
        if n == 0 {
            return;
        }
        for key in self.tabs[t].storage_events.drain(..1 + choose.below(n)).collect::<Vec<_>>() {
            match key {
                Some(channel) if channel.starts_with("channel:") => {
                    let data = Json::parse(&channel["channel:".len()..]).unwrap();
                    let event =
                        WindowEvent::PopupMessage { from_popup: false, channel: true, origin: String::new(), data };
                    self.feed(t, Event::Window(event));
                }
                key => self.feed(t, Event::StorageChanged { key }),
            }
        }
    }

    /// Time passes: timers, timeouts and expiry fire, in order.
    fn pass_time(&mut self, choose: &mut dyn Choose) {
        self.pass([10, 300, 1_000, 4_000, 12_000, 600_000][choose.below(6)]);
    }

    fn pass(&mut self, ms: i64) {
        self.m.now += ms;
        loop {
            let mut due: Option<(i64, usize, usize)> = None;
            let earlier = |due: &Option<(i64, usize, usize)>, at: i64| due.is_none_or(|(d, _, _)| at < d);
            for (t, tab) in self.tabs.iter().enumerate().filter(|(_, tab)| !tab.page.hidden) {
                for (i, w) in tab.page.waiting.iter().enumerate() {
                    let at = match w {
                        Waiting::Sleep { due, .. } => *due,
                        Waiting::Fetch { deadline, .. } | Waiting::Host { deadline, .. } => *deadline,
                    };
                    if at <= self.m.now && earlier(&due, at) {
                        due = Some((at, t, i));
                    }
                }
                if let Some(at) = tab.page.expiry.filter(|&at| at <= self.m.now && earlier(&due, at)) {
                    due = Some((at, t, usize::MAX));
                }
            }
            let Some((_, t, i)) = due else { return };
            if i == usize::MAX {
                self.tabs[t].page.expiry = None;
                self.feed(t, Event::Tick);
                continue;
            }
            let event = match self.tabs[t].page.waiting.remove(i) {
                Waiting::Sleep { op, .. } => Event::Slept { op },
                Waiting::Fetch { op, .. } => Event::Fetched { op, result: Err(TransportError::TimedOut) },
                Waiting::Host { op, .. } => Event::Host { op, result: Err(HostFailure::timeout()) },
            };
            self.feed(t, event);
        }
    }

    /// Tab `t`'s page and its navigation: it unloads (and the tab loads where it went: Feishu
    /// sends it back to the callback, or `returnTo`), or it comes back from the back/forward
    /// cache.
    fn page_moves(&mut self, t: usize, choose: &mut dyn Choose) {
        let Some((_, url)) = self.tabs[t].page.navigation.clone() else {
            return self.feed(t, Event::PageShown { persisted: false });
        };
        match (choose.below(3), self.tabs[t].page.hidden) {
            (0, false) => {
                self.tabs[t].page.hidden = true;
                self.feed(t, Event::PageHidden);
            }
            (1, true) => {
                self.tabs[t].page.hidden = false;
                self.tabs[t].page.navigation = None;
                self.feed(t, Event::PageShown { persisted: true });
            }
            (2, true) => {
                let next = match query(&url, "state") {
                    Some(state) if url.starts_with(AUTHORIZE) => {
                        let code = self.m.fresh("cb");
                        let from = self.m.states.get(&state).copied().unwrap_or(0);
                        self.m.codes.insert(code.clone(), from);
                        if choose.below(5) == 0 {
                            format!("{REDIRECT}?error=access_denied&state={state}")
                        } else {
                            format!("{REDIRECT}?code={code}&state={state}")
                        }
                    }
                    _ => url,
                };
                self.release_locks(t);
                let session = self.tabs[t].session.clone();
                let page = self.m.load(t, &session, &next);
                let before = BTreeMap::new();
                self.tabs[t].page = page;
                self.storage_changed_since_load(t, &before);
                if next.starts_with(REDIRECT) {
                    let (call, what) = match choose.below(2) {
                        0 => (Call::Login(Json::Null), "login"),
                        _ => (Call::HandleCallback(None), "callback"),
                    };
                    self.call(t, call, what);
                }
            }
            _ => {}
        }
    }

    /// A page load reads (and may clean) the store: nothing the other tabs need to hear about
    /// beyond what `storage_changed` sees; kept as a hook for loads that write.
    fn storage_changed_since_load(&mut self, _t: usize, _before: &BTreeMap<String, String>) {}

    /// Tab `t`'s popup: the user closes it, an opener policy severs it, the browser blocked it,
    /// or it hands the login back (from the popup window, or on the channel).
    fn popup_moves(&mut self, t: usize, choose: &mut dyn Choose) {
        let Some(state) = self.tabs[t].page.popup.clone() else { return };
        let window = |event| Event::Window(event);
        match choose.below(5) {
            0 => {
                self.tabs[t].page.popup = None;
                self.feed(t, window(WindowEvent::PopupClosed { cross_origin: true }));
            }
            1 => self.feed(t, window(WindowEvent::PopupClosed { cross_origin: false })),
            2 => {
                self.tabs[t].page.popup = None;
                self.feed(t, window(WindowEvent::PopupBlocked));
            }
            _ => {
                let code = self.m.fresh("cb");
                let from = self.m.states.get(&state).copied().unwrap_or(0);
                self.m.codes.insert(code.clone(), from);
                let data = serde_json::json!({ "type": POPUP_MESSAGE_TYPE, "code": code, "state": state });
                let data = Json::parse(&data.to_string()).unwrap();
                let channel = choose.below(2) == 0;
                let origin = if channel { String::new() } else { "https://app.example".into() };
                self.feed(t, window(WindowEvent::PopupMessage { from_popup: !channel, channel, origin, data }));
            }
        }
    }

    /// Tab `t`'s QR login: its script loads, or a scan arrives.
    fn qr_moves(&mut self, t: usize, choose: &mut dyn Choose) {
        let Some((mount, _)) = self.tabs[t].page.qr.clone() else { return };
        if choose.below(3) == 0 {
            return self.feed(t, Event::Window(WindowEvent::QrLoaded { mount, loaded: true, api: true }));
        }
        let code = self.m.fresh("tmp");
        let event = WindowEvent::QrMessage {
            mount,
            origin: "https://accounts.feishu.cn".into(),
            match_origin: true,
            match_data: true,
            from_frame: true,
            data: Json::string(&code),
        };
        self.feed(t, Event::Window(event));
    }

    /// Web Locks: the next request is granted once the lock is free (or refused, as where the
    /// browser has no Web Locks).
    fn grant_lock(&mut self, choose: &mut dyn Choose) {
        if self.m.lock_queue.is_empty() {
            return;
        }
        let refuse = choose.below(4) == 0;
        if self.m.lock_holder.is_some() && !refuse {
            return;
        }
        let (t, op) = self.m.lock_queue.remove(0);
        if !refuse {
            self.m.lock_holder = Some((t, op));
        }
        self.feed(t, Event::Locked { op, held: !refuse });
    }

    /// A page that unloads releases its lock and its requests.
    fn release_locks(&mut self, t: usize) {
        if self.m.lock_holder.is_some_and(|(holder, _)| holder == t) {
            self.m.lock_holder = None;
        }
        self.m.lock_queue.retain(|(holder, _)| *holder != t);
    }

    /// Answers, delivers and fires everything until nothing is left; then every call of a page
    /// that is still there has settled, and every tab shows the stored session.
    pub fn drain(&mut self) {
        let mut choose = Seeded::new(self.m.step, usize::MAX);
        for _ in 0..100 {
            let mut busy = false;
            for t in 0..self.tabs.len() {
                if self.tabs[t].page.hidden {
                    continue;
                }
                while !self.tabs[t].storage_events.is_empty() {
                    busy = true;
                    self.deliver_storage(t, &mut choose);
                }
                while self.tabs[t].page.waiting.iter().any(|w| !matches!(w, Waiting::Sleep { .. })) {
                    busy = true;
                    self.answer(t, &mut choose);
                }
                if self.tabs[t].page.popup.take().is_some() {
                    busy = true;
                    self.feed(t, Event::Window(WindowEvent::PopupClosed { cross_origin: true }));
                }
            }
            while !self.m.lock_queue.is_empty() {
                busy = true;
                match self.m.lock_holder {
                    Some(_) => {
                        let (t, op) = self.m.lock_queue.remove(0);
                        self.feed(t, Event::Locked { op, held: false });
                    }
                    None => self.grant_lock(&mut choose),
                }
            }
            let sleeping = self
                .tabs
                .iter()
                .any(|tab| !tab.page.hidden && tab.page.waiting.iter().any(|w| matches!(w, Waiting::Sleep { .. })));
            if sleeping {
                busy = true;
                self.pass(30_000);
            }
            if !busy {
                break;
            }
        }
        for t in 0..self.tabs.len() {
            // A page that left (its navigation taken, `pagehide` fired) answers nothing more.
            if self.tabs[t].page.hidden {
                continue;
            }
            if let Some((id, what)) = self.tabs[t].page.calls.iter().next() {
                self.m.fail(&format!("tab {t}: call {id} ({what}) never settled"));
            }
            self.call(t, Call::ReadSession, "read");
            let stored = stored_token(&self.m.local);
            if self.tabs[t].page.announced != Some(stored.clone()) {
                self.m.fail(&format!("tab {t} shows {:?}, the store has {stored:?}", self.tabs[t].page.announced));
            }
        }
    }
}

/// One sequence: a world, `choose`'s steps, then everything drained and checked.
pub fn run(choose: &mut dyn Choose) {
    let mut world = World::new(choose);
    while !choose.exhausted() {
        world.act(choose);
    }
    world.drain();
}
