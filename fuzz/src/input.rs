//! Structured inputs (`arbitrary`) for the `config` target: URLs assembled from the pieces that
//! make browsers and hand-written splitters disagree, configurations given field by field or as
//! the JSON the browser adapter reads, and login options.

use arbitrary::Arbitrary;
use feishu_login::{BackendInput, ConfigInput, Json, LoginOptions, Number};

use crate::invariants;

const SCHEMES: &[&str] = &[
    "https:",
    "http:",
    "HTTPS:",
    "hTtP:",
    "javascript:",
    "data:",
    "file:",
    "blob:https://app.example/",
    "ftp:",
    "ws:",
    "about:",
    "",
    " https:",
    "https\t:",
    "ht\ntps:",
    "https%3A",
    "web+app:",
];
const SLASHES: &[&str] = &["//", "", "/", "\\\\", "/\\", "\\/", "///", "\t//", "/\t/", "%2F%2F", "\\", "/\n/"];
const USERINFO: &[&str] =
    &["user@", "user:pw@", ":@", "@", "app.example@", "app.example:443@", "u%3Ap@", "\t@", ":pw@", "a@b@", "%40@"];
const HOSTS: &[&str] = &[
    "app.example",
    "evil.example",
    "APP.EXAMPLE",
    "app.example.",
    "[::1]",
    "[::ffff:127.0.0.1]",
    "[0:0::1]",
    "[::1",
    "127.0.0.1",
    "0x7f.1",
    "2130706433",
    "127.1",
    "xn--bcher-kva.example",
    "bücher.example",
    "app%2Eexample",
    "app.example%00",
    "app.exam\tple",
    "",
    "a..b",
    "app.example\\evil.example",
    "ａｐｐ.example",
    "app.example#",
];
const PORTS: &[&str] = &[":", ":443", ":80", ":8443", ":0", ":65535", ":65536", ":-1", ":0443", ": 1"];
const SEGMENTS: &[&str] = &[
    "",
    "cb",
    "..",
    ".",
    "%2e%2E",
    ".%2e",
    "%2e",
    "\\",
    "//evil.example",
    "/",
    "%2F",
    "%5C",
    "a b",
    "é",
    "\t",
    ";x",
    "login",
    "after",
    "\\evil.example",
    "%00",
    "C:",
    "..\\..",
];
const QUERIES: &[&str] =
    &["", "x=1", "code=c&state=s", "a=1%202&b", "=&&", "returnTo=//evil.example", "?", "%", "é=1", "q=#"];
const NAMES: &[&str] = &[
    "feishu",
    "lark",
    "local",
    "session",
    "memory",
    "custom",
    "auto",
    "docWidget",
    "client",
    "miniProgram",
    "browser",
    "omit",
    "same-origin",
    "include",
    "body",
    "query",
    "",
    " feishu",
    "FEISHU",
];
const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "1",
    "2.0",
    "10",
    "11",
    "-1",
    "0.5",
    "1e3",
    "1E-2",
    "2147483647",
    "2147483647.5",
    "2147483648",
    "1e400",
    "-1e-400",
    "123456789012345678901234567890",
    "9223372036854775808",
    "10.000000000000000000001",
];
const KEYS: &[&str] = &[
    "appId",
    "backend",
    "redirectUri",
    "scope",
    "brand",
    "authorizeUrl",
    "storage",
    "surface",
    "hostTimeoutMs",
    "url",
    "headers",
    "credentials",
    "timeoutMs",
    "retries",
    "codeIn",
    "returnTo",
    "force",
];

/// A pick from a table.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub struct Pick(u8);

impl Pick {
    fn of(self, table: &[&'static str]) -> &'static str {
        table[usize::from(self.0) % table.len()]
    }
}

/// A URL (or not): assembled from tricky pieces, a path, or any text.
#[derive(Arbitrary, Debug)]
pub enum UrlText {
    /// scheme slashes userinfo host port path ?query #fragment
    Built {
        /// the scheme
        scheme: Pick,
        /// what stands for `//`
        slashes: Pick,
        /// `user:pw@`
        userinfo: Option<Pick>,
        /// the host
        host: Pick,
        /// `:port`
        port: Option<Pick>,
        /// path segments
        path: Vec<Pick>,
        /// the query
        query: Option<Pick>,
        /// the fragment
        fragment: Option<String>,
    },
    /// A path (relative to the page), its segments joined by `/` after a chosen start.
    Path {
        /// what the path starts with
        start: Pick,
        /// path segments
        path: Vec<Pick>,
    },
    /// Any text.
    Raw(String),
}

impl UrlText {
    /// The text.
    pub fn text(&self) -> String {
        match self {
            UrlText::Built { scheme, slashes, userinfo, host, port, path, query, fragment } => {
                let mut s = scheme.of(SCHEMES).to_owned() + slashes.of(SLASHES);
                s += userinfo.map_or("", |p| p.of(USERINFO));
                s += host.of(HOSTS);
                s += port.map_or("", |p| p.of(PORTS));
                for segment in path {
                    s.push('/');
                    s += segment.of(SEGMENTS);
                }
                if let Some(query) = query {
                    s.push('?');
                    s += query.of(QUERIES);
                }
                if let Some(fragment) = fragment {
                    s.push('#');
                    s += fragment;
                }
                s
            }
            UrlText::Path { start, path } => {
                let mut s = start.of(SLASHES).to_owned();
                s += &path.iter().map(|p| p.of(SEGMENTS)).collect::<Vec<_>>().join("/");
                s
            }
            UrlText::Raw(s) => s.clone(),
        }
    }
}

/// A JSON number literal: an edge case, an integer, or any text that happens to be one.
#[derive(Arbitrary, Debug)]
pub enum Num {
    /// A literal from the edge cases.
    Known(Pick),
    /// An integer.
    Int(i64),
    /// Text, when it is a number literal (else `0`).
    Raw(String),
}

impl Num {
    /// The number.
    pub fn number(&self) -> Number {
        match self {
            Num::Known(p) => Number::parse(p.of(NUMBERS)).expect("valid literals"),
            Num::Int(n) => Number::from_i64(*n),
            Num::Raw(s) => Number::parse(s).unwrap_or_else(|| Number::from_i64(0)),
        }
    }
}

/// A string option: a known name, or any text.
#[derive(Arbitrary, Debug)]
pub enum Name {
    /// A name from the config's vocabulary.
    Known(Pick),
    /// Any text.
    Raw(String),
}

impl Name {
    fn text(&self) -> String {
        match self {
            Name::Known(p) => p.of(NAMES).to_owned(),
            Name::Raw(s) => s.clone(),
        }
    }
}

/// The config's fields, as the adapter would read them.
#[derive(Arbitrary, Debug)]
pub struct Fields {
    app_id: Option<String>,
    backend_url: Option<UrlText>,
    headers: Vec<(String, String)>,
    credentials: Option<Name>,
    timeout_ms: Option<Num>,
    retries: Option<Num>,
    code_in: Option<Name>,
    redirect_uri: Option<UrlText>,
    scope: Vec<String>,
    brand: Option<Name>,
    authorize_url: Option<UrlText>,
    storage: Option<Name>,
    surface: Option<Name>,
    host_timeout_ms: Option<Num>,
}

impl Fields {
    fn input(&self) -> ConfigInput {
        let text = |n: &Option<Name>| n.as_ref().map(Name::text);
        ConfigInput {
            app_id: self.app_id.clone(),
            backend: BackendInput {
                url: self.backend_url.as_ref().map(UrlText::text),
                headers: self.headers.clone(),
                credentials: text(&self.credentials),
                timeout_ms: self.timeout_ms.as_ref().map(Num::number),
                retries: self.retries.as_ref().map(Num::number),
                code_in: text(&self.code_in),
            },
            redirect_uri: self.redirect_uri.as_ref().map(UrlText::text),
            scope: self.scope.clone(),
            brand: text(&self.brand),
            authorize_url: self.authorize_url.as_ref().map(UrlText::text),
            storage: text(&self.storage),
            surface: text(&self.surface),
            host_timeout_ms: self.host_timeout_ms.as_ref().map(Num::number),
            ..ConfigInput::default()
        }
    }
}

/// A member name: one the SDK reads, or any text.
#[derive(Arbitrary, Debug)]
pub enum Key {
    /// A name the config or options use.
    Known(Pick),
    /// Any text.
    Raw(String),
}

impl Key {
    fn text(&self) -> String {
        match self {
            Key::Known(p) => p.of(KEYS).to_owned(),
            Key::Raw(s) => s.clone(),
        }
    }
}

/// A JSON value whose strings are often URLs or config names.
#[derive(Arbitrary, Debug)]
pub enum Value {
    /// `null`
    Null,
    /// a boolean
    Bool(bool),
    /// a number
    Number(Num),
    /// a URL-ish string
    Url(UrlText),
    /// a name-ish string
    Name(Name),
    /// an array
    Array(Vec<Value>),
    /// an object
    Object(Vec<(Key, Value)>),
}

impl Value {
    /// The JSON value.
    pub fn json(&self) -> Json {
        match self {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Number(n) => Json::Number(n.number()),
            Value::Url(u) => Json::String(u.text()),
            Value::Name(n) => Json::String(n.text()),
            Value::Array(items) => Json::Array(items.iter().map(Value::json).collect()),
            Value::Object(members) => Json::Object(members.iter().map(|(k, v)| (k.text(), v.json())).collect()),
        }
    }
}

/// Where the configuration comes from.
#[derive(Arbitrary, Debug)]
pub enum Source {
    /// `ConfigInput` directly.
    Fields(Box<Fields>),
    /// `ConfigInput::from_json`.
    Json(Value),
}

/// One fuzz case of the `config` target.
#[derive(Arbitrary, Debug)]
pub struct ConfigCase {
    page: UrlText,
    source: Source,
    /// `LoginOptions` given directly, or as JSON for `LoginOptions::from_json`.
    options: Result<(Option<Vec<String>>, Option<UrlText>), Value>,
    return_to: Vec<UrlText>,
}

impl ConfigCase {
    /// Validates the configuration on the page, resolves every `returnTo` and builds the
    /// authorize request, checking the invariants of each step.
    pub fn run(&self) {
        let page = self.page.text();
        let config = match &self.source {
            Source::Fields(fields) => invariants::check_config(fields.input(), &page),
            Source::Json(value) => invariants::check_config_json(&value.json(), &page),
        };
        let Some(config) = config else { return };
        for return_to in &self.return_to {
            invariants::check_return_to(&config, &page, &return_to.text());
        }
        let options = match &self.options {
            Ok((scope, return_to)) => {
                LoginOptions { scope: scope.clone(), force: false, return_to: return_to.as_ref().map(UrlText::text) }
            }
            Err(value) => match LoginOptions::from_json(&value.json(), "login") {
                Ok(options) => options,
                Err(_) => return,
            },
        };
        invariants::check_login(&config, &options, &page);
    }
}
