//! Every text the SDK shows (error messages, warnings, Feishu's per-code hints), each under a
//! stable id: one table for the wasm, the JS driver and the Rust API.
//!
//! An [`Error`](crate::Error) carries a [`Msg`] and its parameters, not its text. The shipped
//! wasm is built without the `messages` feature, so none of these texts is in it: the package
//! gets them as JS modules written from this table by `scripts/messages.rs` (run by
//! `scripts/build-pkg.mjs`): `messages.js` with every text, loaded with `import()` the first time
//! one is needed, and `messages-sync.js` with the few marked `sync`, which are thrown synchronously
//! (the constructor's config errors, `mountQrLogin()`, the driver's misuse errors) and so are in
//! the first load. With the feature (native builds, the Rust API), [`Message::text`] formats them
//! here, the same way as the driver.
//!
//! A text's parameters are `{0}`, `{1}`, … in order. A message may be followed by another (a
//! Feishu code's hint, the failure a warning reports), joined with `": "`.
//!
//! Ids are positions in this list: the wire carries them as numbers, and `js/driver.js` names
//! the first ones (its own texts) by number, so new texts go at the end.

use alloc::borrow::ToOwned;
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

macro_rules! messages {
    ($($name:ident $(: $sync:ident $(($when:ident))?)? = $text:literal,)*) => {
        /// The id of a text of the SDK; its doc is the text.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[repr(u8)]
        pub enum Msg {
            $(#[doc = $text] $name,)*
        }

        impl Msg {
            /// Every message, in id order.
            pub const ALL: &'static [Msg] = &[$(Msg::$name,)*];

            /// The text, with `{0}`, `{1}`, … for its parameters.
            #[cfg(feature = "messages")]
            pub fn template(self) -> &'static str {
                const TEXTS: &[&str] = &[$($text,)*];
                TEXTS[self as usize]
            }

            /// The message's name (its variant), for the generated JS and for tests.
            #[cfg(feature = "messages")]
            pub fn name(self) -> &'static str {
                const NAMES: &[&str] = &[$(stringify!($name),)*];
                NAMES[self as usize]
            }

            /// Whether some entry can throw it synchronously (the constructor, `mountQrLogin()`,
            /// the driver's misuse errors), so that its text must be in that entry's first load.
            pub fn is_sync(self) -> bool {
                match self {
                    $(Msg::$name => messages!(@any $($sync)?),)*
                }
            }

            /// Whether an entry with `flows` can throw it synchronously: `sync` texts in every
            /// entry, `sync(qr)` ones (only `mountQrLogin()` throws them at once) with the QR
            /// login, `sync(lacking)` ones in an entry without every flow. The entry's
            /// `messages-sync.js` has these texts and no other (scripts/build-pkg.mjs).
            pub fn is_sync_in(self, flows: Flows) -> bool {
                match self {
                    $(Msg::$name => messages!(@in flows $($sync $($when)?)?),)*
                }
            }
        }
    };
    (@any sync) => { true };
    (@any) => { false };
    (@in $flows:ident sync $when:ident) => { $flows.$when() };
    (@in $flows:ident sync) => { true };
    (@in $flows:ident) => { false };
}

/// The login flows of a build, its npm entry's (cargo features `hosts`, `redirect`, `popup`, `qr`:
/// src/engine/entry.rs): which texts the entry can throw synchronously ([`Msg::is_sync_in`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flows {
    /// The Feishu hosts.
    pub hosts: bool,
    /// The browser redirect with PKCE.
    pub redirect: bool,
    /// `loginWithPopup()`.
    pub popup: bool,
    /// `mountQrLogin()`.
    pub qr: bool,
}

impl Flows {
    /// This build's flows.
    pub const THIS: Flows = Flows {
        hosts: cfg!(feature = "hosts"),
        redirect: cfg!(feature = "redirect"),
        popup: cfg!(feature = "popup"),
        qr: cfg!(feature = "qr"),
    };

    /// The flows of cargo features `names` (`"hosts"`, `"redirect"`, `"popup"`, `"qr"`; popup and
    /// QR bring the redirect, as in Cargo.toml), or the name that is none of them.
    pub fn from_features<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<Flows, &'a str> {
        let mut flows = Flows { hosts: false, redirect: false, popup: false, qr: false };
        for name in names {
            match name {
                "hosts" => flows.hosts = true,
                "redirect" => flows.redirect = true,
                "popup" => (flows.popup, flows.redirect) = (true, true),
                "qr" => (flows.qr, flows.redirect) = (true, true),
                other => return Err(other),
            }
        }
        Ok(flows)
    }

    /// With the QR login: `mountQrLogin()` validates its target and options and starts the
    /// login at once.
    fn qr(self) -> bool {
        self.qr
    }

    /// Without some flow: its members say which entry has it (`Msg::NotInEntry`).
    fn lacking(self) -> bool {
        !(self.hosts && self.redirect && self.popup && self.qr)
    }
}

messages! {
    // ---- js/driver.js's own (it names them by number: keep these first, in this order) ----
    NotLoaded: sync = "the feishu-login wasm is not loaded: `await init()` (the package's default export) before `new FeishuLogin(...)`",
    Freed: sync = "this FeishuLogin was freed (free() was called): create a new one",
    Reentered: sync = "feishu-login was called from inside its own storage callback (getItem/setItem/removeItem of your storage object): defer the call, e.g. with queueMicrotask",
    TakesFunction: sync = "`{0}` takes a function",
    FreedInFlight = "this FeishuLogin was freed (free() was called) while the call was in flight",
    ListenerThrew = "feishu-login: an {0} listener threw",
    WasmCsp = "the page's Content-Security-Policy does not allow WebAssembly: add 'wasm-unsafe-eval' to its script-src directive ({0})",
    WasmNotLoaded = "the feishu-login wasm could not be loaded ({0}): check that {1} is served, with Content-Type application/wasm",
    UseInitSync = "in Node, init() cannot fetch the wasm ({0}): use initSync with its bytes (README: Node)",

    // ---- The config and the options of each member (kind `config`) ----
    ConfigNotObject: sync = "invalid config: `config` must be an object such as { appId: \"cli_…\", backend: \"/api/feishu/login\" }",
    Unreadable: sync = "invalid config: `{0}` could not be read (a getter or Proxy trap threw): pass a plain object",
    NotPlainData: sync = "invalid config: `{0}` is not plain data (nested more than 128 levels deep?): pass a plain object",
    UnknownKey: sync = "unknown key `{0}` in the config",
    UnknownNestedKey: sync = "unknown key `{0}` in the config's `{1}`",
    UnknownOption: sync(qr) = "unknown key `{0}` in the options of {1}()",
    // What follows an unknown key: the known key it is a few edits from, else every known key.
    DidYouMean: sync = "did you mean `{0}`?",
    KeysTaken: sync = "the keys it takes are {0}",
    AppIdRequired: sync = "invalid config: `appId` is required: pass the App ID (cli_…) from the Feishu developer console",
    MustBeString: sync = "invalid config: `{0}` must be a string",
    MustBeNumber: sync = "invalid config: `{0}` must be a number",
    MustBeBoolean: sync = "invalid config: `{0}` must be a boolean",
    MustBeStrings: sync = "invalid config: `{0}` must be an array of strings",
    Brand: sync = "invalid config: `brand` must be \"feishu\" or \"lark\"",
    Storage: sync = "invalid config: `storage` must be \"local\", \"session\", \"memory\" or an object with getItem, setItem and removeItem",
    Surface: sync = "invalid config: `surface` must be \"auto\", \"docWidget\", \"client\", \"miniProgram\" or \"browser\"",
    DocMiniApp: sync = "invalid config: `docMiniApp` must be the object from new BlockitClient().initAPI()",
    PassportScope: sync = "invalid config: `{0}` cannot be used with passport: true (the passport endpoint takes no scope)",
    PositiveMs: sync = "invalid config: `{0}` must be a positive number of milliseconds",
    RenewBeforeMs: sync = "invalid config: `renewBeforeMs` must be 0 (no automatic renewal) or a positive number of milliseconds",
    Retries: sync = "invalid config: `{0}` must be a whole number from 0 to 10",
    Credentials: sync = "invalid config: `{0}` must be \"omit\", \"same-origin\" or \"include\"",
    CodeIn: sync = "invalid config: `{0}` must be \"body\" or \"query\"",
    Headers: sync = "invalid config: `{0}` must map header names to single-line ASCII string values",
    EndpointShape: sync = "invalid config: `{0}` must be a URL string or an object { url, headers?, credentials?, timeoutMs?, retries?, codeIn? }",
    EndpointRequired: sync = "invalid config: `{0}` is required: the URL (absolute or relative) of this endpoint of your server",
    HiddenCharacters: sync = "invalid config: `{0}` must not contain tabs, newlines or surrounding spaces",
    HttpOrRelative: sync = "invalid config: `{0}` must be an http(s) URL or a relative path",
    Credentialed: sync = "invalid config: `{0}` must not contain credentials (user:password@)",
    AbsoluteHttp: sync = "invalid config: `{0}` must be an absolute http(s) URL",
    HttpUrl: sync(qr) = "invalid config: `{0}` must be an http(s) URL",
    ScopeTooLong: sync = "invalid config: `{0}` has more than 50 entries, Feishu's limit",
    ScopeEntry: sync = "invalid config: `{0}` entries must be non-empty scope names without spaces",
    ScopeDuplicate: sync = "invalid config: `{0}` has a duplicate entry (Feishu rejects it with 20067)",
    RedirectUriRequired: sync(qr) = "invalid config: `redirectUri` is required when the page is not served over http(s)",
    ReturnToNeedsPage: sync(qr) = "invalid config: `returnTo` needs a page served over http(s)",
    ReturnTo: sync(qr) = "invalid config: `returnTo` must be a path (\"/after-login\") or a URL on this page's origin",
    LoginOptions: sync(qr) = "invalid config: `options` must be an object { scope?, force?, returnTo? }",
    QrOptions: sync(qr) = "invalid config: `options` must be an object { width?, height?, style?, sdkUrl?, scope?, returnTo? }",
    LogoutOptions = "invalid config: `options` must be an object { returnTo? }",
    MinValidityMs = "invalid config: `options.minValidityMs` must be a number of milliseconds, 0 or more",
    QrTarget: sync(qr) = "invalid config: `target` must be an element of the page or the id of one",
    NotConstructed = "this FeishuLogin could not be constructed: create a new one with a valid config",

    // ---- Where a member cannot run (kind `unsupported`) ----
    BrowserSurfaceOnly: sync(qr) = "{0}() is for the browser surface; inside Feishu call login(), which asks the host",
    NeedsPage: sync(qr) = "{0}() needs a browser page (there is no `document` here, e.g. Node): run it in a browser; in Node, authorizeUrl() gives the URL to open in one",
    HostUnavailable = "{0} is not available on this page: run it inside Feishu, pass `docMiniApp` for a doc widget, or set `surface`",
    // A flow this npm entry lacks (src/engine/entry.rs): {0} names the entry.
    NotInEntry: sync(lacking) = "{0} is not in {1}: import it from {2}",
    NoRedirectInEntry = "login() found no Feishu host on this page (DocMiniApp, h5sdk, tt.login), and the browser redirect is not in {0}: run the page inside Feishu (a doc widget, the Feishu client, a mini program), or import feishu-login/browser or feishu-login",
    NoHostsInEntry = "login() runs inside Feishu here (a doc widget, the Feishu client or a mini program: see auth.surface), and the Feishu hosts are not in {0}: import feishu-login/host or feishu-login, or set surface: \"browser\" for the browser redirect",
    NavigationRefused = "the browser refused to navigate (a sandboxed iframe without allow-top-navigation?): open the app in its own tab, or use a host surface",

    // ---- Starting a login ----
    Crypto: sync(qr) = "crypto.getRandomValues is not available, so no secure login can be started: use a current browser",
    PendingRefused: sync(qr) = "sessionStorage refused to keep the pending login (blocked storage, a sandboxed iframe or private mode), so the redirect could not be completed: allow storage for this site, or log in on a Feishu host surface",
    SigningOut = "logout() is signing the user out: no login starts until it is done",
    NavigatingAway = "the page is navigating away (to Feishu's login page or to returnTo): no login starts meanwhile",
    LoggedOutMeanwhile = "logout() was called (in this or another tab) while this login was in flight: log in again",
    NotNavigated = "the page did not navigate (a beforeunload handler kept it, or the URL did not answer with a page): call login() again",
    CameBack = "the user came back from Feishu's login page without logging in: call login() again",

    // ---- Popup and QR logins ----
    AnotherPopup = "a new loginWithPopup() opened another popup",
    PopupBlocked = "the browser blocked the login popup: call loginWithPopup() directly in a click handler (before any await), or use loginWithRedirect()",
    PopupClosed = "the login popup was closed before the login completed: call loginWithPopup() again",
    PopupSevered = "the login popup lost its link to this page (this page's Cross-Origin-Opener-Policy is same-origin) and did not hand the login back within 10 minutes: serve the page with Cross-Origin-Opener-Policy: same-origin-allow-popups, or use loginWithRedirect()",
    PopupTimeout = "the login popup did not complete within 10 minutes: call loginWithPopup() again",
    HandedOver = "this page is a login popup: it handed the login to the window that opened it and closes (close it if it stays open)",
    QrReplaced = "another mountQrLogin() replaced this QR login",
    QrDisposed = "the QR login was disposed",
    QrSdkNotLoaded = "the Feishu QR SDK could not be loaded from {0} (or not within hostTimeoutMs): check options.sdkUrl, the network and the page's Content-Security-Policy (script-src)",
    QrSdkUnusable = "the script at {0} defines no usable window.QRLogin: point options.sdkUrl at Feishu's QR SDK",

    // ---- The callback (kinds `state`, `callback`, `denied`) ----
    DuplicateParam = "the callback URL has more than one `{0}` parameter: start the login again",
    NotACallback = "the URL carries no `code` or `error`: it is not a Feishu login callback",
    NoPending = "no login is pending in this tab: the callback was already used, or the login was started in another tab or more than 10 minutes ago; start the login again",
    NoState = "the callback has no `state`: start the login again",
    LoginExpired = "the login took more than 10 minutes: start it again",
    StateMismatch = "the callback's `state` does not match the login started in this tab (a forged or stale callback): start the login again",
    CallbackUsed = "this login callback was already used (in this or another tab): start the login again",
    Declined = "the user declined the authorization on Feishu's page",
    FeishuError = "Feishu returned the error `{0}`: start the login again",
    EmptyCode = "the callback's `code` is empty: start the login again",

    // ---- Feishu hosts (kinds `host`, `denied`, `timeout`) ----
    HostTimeout = "{0} did not answer in time: check that the page runs inside Feishu, then try again",
    HostFailed = "{0} failed",
    HostFailedCode = "{0} failed with code {1}",
    HostFailedText = "{0} failed (\"{1}\")",
    HostFailedCodeText = "{0} failed with code {1} (\"{2}\")",
    HostNoCode = "{0} answered without a login code: try again",
    HostEmptyCode = "the Feishu host returned an empty login code: try again",
    HostStateMismatch = "tt.requestAccess answered with another state than the one sent: try again",

    // ---- The app's backend (kinds `backend`, `response`, `network`, `timeout`) ----
    BackendStatus = "the login backend at {0} answered HTTP {1}",
    BackendStatusText = "the login backend at {0} answered HTTP {1} (\"{2}\")",
    BackendCode = "the login backend at {0} answered HTTP {1} with Feishu code {2}",
    BackendCodeText = "the login backend at {0} answered HTTP {1} with Feishu code {2} (\"{3}\")",
    BackendRefused = "the backend refused the request; check its headers/credentials configuration",
    BackendNotFound = "check `backend`, it must accept POST with the login code",
    BackendGateway = "a proxy in between (e.g. Vite's `server.proxy`) could not reach the backend behind it: check that the backend is running and the proxy's target",
    ResponseNotJson = "the login backend at {0} answered {1} but its body is not JSON: it must return JSON {\"token\": string, \"expiresIn\"?: seconds, \"user\"?: object}",
    ResponseToken = "the login backend at {0} answered {1} but `token` is missing or not a non-empty string: it must return JSON {\"token\": string, \"expiresIn\"?: seconds, \"user\"?: object}",
    ResponseExpiresIn = "the login backend at {0} answered {1} but `expiresIn` is not a number of seconds: it must return JSON {\"token\": string, \"expiresIn\"?: seconds, \"user\"?: object}",
    ResponseUser = "the login backend at {0} answered {1} but `user` is not an object: it must return JSON {\"token\": string, \"expiresIn\"?: seconds, \"user\"?: object}",
    Unreachable = "could not reach the login backend at {0}: check that it is running, and that it allows this page's origin (CORS) if it is on another one",
    BackendTimeout = "the login backend at {0} did not answer within {1} ms: try again, or raise backend.timeoutMs",

    // ---- Warnings (console.warn) ----
    WarnStorage = "feishu-login: {0} is not available here (sandboxed iframe or blocked storage); the session is kept in memory for this page only",
    WarnStorageObject = "feishu-login: the storage object is not available here (it threw); the session is kept in memory for this page only",
    WarnUnreadable = "feishu-login: the stored session was unreadable and has been cleared; log in again",
    WarnPendingInMemory = "feishu-login: sessionStorage refused the pending login; it is kept in memory for this page only, so a redirect to this authorize URL cannot complete here",
    WarnTmpCode = "feishu-login: ignored a QR login message without a usable tmp_code (a string of at most 256 URL-safe characters)",
    WarnRenewal = "feishu-login: the session could not be renewed, it stays valid until it expires",
    WarnPopupSevered = "feishu-login: this page lost its link to the login popup (its Cross-Origin-Opener-Policy is same-origin?): the login can still come back on the app's BroadcastChannel, but if the user closed the popup, loginWithPopup() settles only after 10 minutes; serve the page with Cross-Origin-Opener-Policy: same-origin-allow-popups, or use loginWithRedirect()",
    WarnRenewalRefused = "feishu-login: the renewal backend refused the session (HTTP 401/403), so this browser is signed out; if that is unexpected, check what it answered",
    WarnLogout = "feishu-login: logout() removed the session from this browser, but the server may accept its token until it expires",

    // ---- The Rust API (src/web) ----
    // A text written elsewhere: the driver's (a FeishuLoginError the Rust API received), or a
    // binding's own (feishu-login-leptos): `Message::new(Msg::Said).arg(text)`.
    Said = "{0}",
    WebNativeBuild = "feishu-login's Rust API runs in a web page (wasm32-unknown-unknown): this is a native build (a server-side render?); create FeishuLogin in the browser only, e.g. in an effect",
    WebNoDocument = "feishu-login's Rust API runs in a web page's main thread: there is no `document` here (a Web Worker?); create FeishuLogin in the page and send what the worker needs (the token) to it",
    WebNoSession = "the login resolved without a session",
    WebUserType = "the backend's session does not fit this FeishuLogin's User type ({0}): make the type match the `user` your backend returns, or use serde_json::Value",

    // ---- Feishu's codes: what each means and what to do (src/error.rs reads them per API) ----
    OAuth20001 = "a required parameter is missing from the token request: the backend must send grant_type, client_id, client_secret and code",
    OAuth20002 = "the app secret is wrong: check the backend's FEISHU_APP_SECRET",
    OAuth20003 = "the authorization code was not found: log in again",
    OAuth20004 = "the authorization code expired (it lives 5 minutes): log in again",
    OAuth20008 = "the user does not exist",
    OAuth20009 = "the app is not installed in the user's tenant",
    OAuth20010 = "the user may not use this app: grant access in the Feishu admin console",
    OAuth20024 = "the code was issued to another app: check that appId and the backend use the same App ID",
    OAuth20029 = "redirect_uri is not valid: add it to the app's redirect URL list in the developer console",
    OAuth20036 = "grant_type must be authorization_code",
    OAuth20046 = "a Feishu app must use the feishu domains and a Lark app the larksuite ones: check `brand`",
    OAuth20048 = "the app does not exist: check appId",
    OAuth20049 = "PKCE verification failed: the backend must send codeVerifier unchanged as code_verifier",
    OAuth20050 = "Feishu had a server error: try again",
    OAuth20063 = "the token request is malformed",
    OAuth20065 = "the authorization code was already used: log in again",
    OAuth20066 = "the user's status is invalid",
    OAuth20067 = "the scope list has duplicates",
    OAuth20068 = "a requested scope was not granted to the app: enable it in the developer console",
    OAuth20069 = "the app is disabled",
    OAuth20070 = "the token request used two client authentication methods",
    OAuth20071 = "redirect_uri differs from the one used to authorize: the backend must send redirectUri unchanged",
    OAuth20072 = "Feishu is temporarily unavailable: try again",
    Validate10202 = "the app_access_token is invalid: the backend must fetch a fresh one",
    Validate10213 = "the code belongs to another app or was already used: log in again",
    Validate10226 = "the code is invalid: log in again",
    NotVisible10228 = "the user cannot see this app: make it available to them in the admin console",
    Errno103 = "this Feishu client does not support the API",
    Errno104 = "an invalid parameter was passed to the Feishu API",
    Errno107 = "the user refused permission",
    Errno111 = "too many calls: wait a moment and try again",
    Errno301 = "the Feishu client has network trouble: try again",
    Access2700002 = "the user refused the authorization",
    AuthCode10200 = "the App ID is invalid: check appId",
    AuthCode10210 = "the Feishu session is invalid: log in to Feishu again",
    AuthCode10232 = "Feishu asks to try again",
    AuthCode10235 = "the app has no redirect URL configured: add this page's URL in the developer console",
    AuthCode10236 = "add this page's URL (without query and fragment) to the app's redirect URLs in the developer console",
    Widget10110002 = "the doc widget login timed out: try again",
    Widget10110006 = "the doc widget may not log in: check the widget's permissions",
    Widget10110007 = "too many doc widget login requests: wait a moment and try again",
    Widget10110008 = "the doc widget login request was rejected as malformed",
}

/// A text of the SDK as data: its id, its parameters, and the message that follows it (a hint,
/// a cause), if any.
///
/// # Security
/// Parameters never hold codes, verifiers, states or tokens: they are field names, URLs of the
/// app's own endpoints, Feishu codes, and what a host or the backend said about a failure.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    id: Msg,
    args: Vec<String>,
    then: Option<Box<Message>>,
}

impl Message {
    /// The text `id`, without parameters yet.
    pub fn new(id: Msg) -> Message {
        Message { id, args: Vec::new(), then: None }
    }

    /// Appends the next parameter.
    pub fn arg(mut self, value: &str) -> Message {
        self.args.push(value.to_owned());
        self
    }

    /// Appends `next` after this message (and after what already follows it).
    pub fn then(mut self, next: Message) -> Message {
        self.then = Some(Box::new(match self.then.take() {
            Some(after) => after.then(next),
            None => next,
        }));
        self
    }

    /// Which text.
    pub fn id(&self) -> Msg {
        self.id
    }

    /// Its parameters, in order.
    pub fn args(&self) -> &[String] {
        &self.args
    }

    /// The message that follows, joined with `": "`.
    pub fn next(&self) -> Option<&Message> {
        self.then.as_deref()
    }

    /// The text, its parameters filled in, then what follows.
    #[cfg(feature = "messages")]
    pub fn text(&self) -> String {
        debug_assert_eq!(arity(self.id.template()), self.args.len(), "{:?} takes as many parameters", self.id);
        let mut out = fill(self.id.template(), &self.args);
        if let Some(next) = &self.then {
            out = out + ": " + &next.text();
        }
        out
    }
}

/// Checks, in debug builds (the tests), that an entry with `flows` has the text of every message
/// of `error`, thrown synchronously: its `messages-sync.js` has only the texts marked for them.
#[inline]
pub(crate) fn check_thrown(error: &crate::Error, flows: Flows) {
    if cfg!(debug_assertions) {
        let mut next = Some(error.content());
        while let Some(message) = next {
            debug_assert!(
                message.id().is_sync_in(flows),
                "{:?} is thrown synchronously with {:?}: mark it `sync` (or sync(…) for these flows) in src/messages.rs",
                message.id(),
                flows
            );
            next = message.next();
        }
    }
}

impl From<Msg> for Message {
    fn from(id: Msg) -> Message {
        Message::new(id)
    }
}

/// `template` with `{n}` replaced by `args[n]` (as `js/driver.js` does).
#[cfg(feature = "messages")]
pub(crate) fn fill(template: &str, args: &[String]) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let index = rest[start + 1..].find('}').and_then(|end| {
            let digits = &rest[start + 1..start + 1 + end];
            (digits.len() == 1).then(|| digits.parse::<usize>().ok()).flatten().map(|i| (i, end))
        });
        match index {
            Some((i, end)) => {
                out += &rest[..start];
                out += args.get(i).map_or("", String::as_str);
                rest = &rest[start + end + 2..];
            }
            None => {
                out += &rest[..=start];
                rest = &rest[start + 1..];
            }
        }
    }
    out + rest
}

/// How many parameters `template` takes: `{0}` to `{n-1}`.
#[cfg(feature = "messages")]
pub fn arity(template: &str) -> usize {
    (b'0'..=b'9').take_while(|digit| template.as_bytes().windows(3).any(|w| w == [b'{', *digit, b'}'])).count()
}

#[cfg(all(test, feature = "messages"))]
mod tests {
    use super::*;
    use crate::prelude::format;

    #[test]
    fn ids_are_positions_and_names_are_unique() {
        for (i, id) in Msg::ALL.iter().enumerate() {
            assert_eq!(*id as usize, i);
            assert_eq!(Msg::ALL.iter().filter(|m| m.name() == id.name()).count(), 1);
        }
    }

    #[test]
    fn parameters_are_numbered_from_zero_without_gaps() {
        for id in Msg::ALL {
            let text = id.template();
            let n = arity(text);
            for i in n..10 {
                assert!(!text.contains(&format!("{{{i}}}")), "{id:?}: {{{i}}} after a gap");
            }
        }
    }

    #[test]
    fn texts_fill_their_parameters_and_join_what_follows() {
        let message = Message::new(Msg::HostFailedCode).arg("tt.login").arg("111").then(Msg::Errno111.into());
        assert_eq!(message.text(), "tt.login failed with code 111: too many calls: wait a moment and try again");
        // Braces that are not a parameter stay.
        assert_eq!(fill("{ a } {0} {x} {", &["b".into()]), "{ a } b {x} {");
        assert!(Message::new(Msg::ConfigNotObject).text().contains("{ appId: \"cli_…\""));
        let chained = Message::new(Msg::WarnRenewal).then(Message::new(Msg::Unreachable).arg("/r"));
        assert!(chained.text().starts_with("feishu-login: the session could not be renewed, it stays valid until it expires: could not reach the login backend at /r: "));
    }

    #[test]
    fn the_driver_names_its_own_texts_by_these_ids() {
        let driver = [Msg::NotLoaded, Msg::Freed, Msg::Reentered, Msg::TakesFunction, Msg::FreedInFlight];
        for (i, id) in driver.into_iter().enumerate() {
            assert_eq!(id as usize, i);
        }
    }
}
