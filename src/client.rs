//! The login flows, assembled from the parts and run against an injected [`Platform`]: the
//! browser adapter in production, a scripted one in the unit tests below.

use crate::authorize::{build_authorize_request, LoginOptions, PendingLogin};
use crate::backend::{exchange_code, ExchangeRequest, Transport};
use crate::callback::{strip_callback_params, validate_callback, CallbackParams};
use crate::config::validate_scope;
use crate::config::Config;
use crate::error::Error;
use crate::error::ErrorKind;
use crate::host::{host_error, HostApi, Surface, ERRNO_UNSUPPORTED};
use crate::pkce::{random_token, CodeVerifier, RandomSource};
use crate::prelude::*;
use crate::session::{Session, StoredSession};
use crate::storage::{storage_key, FallbackStore};
use subtle::ConstantTimeEq;

/// Everything the flows need from the environment.
pub trait Platform: Transport + RandomSource + HostApi {
    /// The current time in whole ms since the epoch (`Date.now()`).
    fn now_ms(&self) -> i64;
    /// Reports a problem that did not stop the SDK (storage fallback, cleared corrupt session).
    /// Never called with a secret.
    fn warn(&self, message: &str);
    /// The stored session changed (login, logout, expiry, corruption cleared).
    fn session_changed(&self, session: Option<&Session>);
    /// Replaces the address bar's URL without navigating (`history.replaceState`).
    fn replace_url(&self, url: &str);
}

/// The SDK's state: the checked config, the stores and the platform.
pub struct Client<P: Platform> {
    config: Config,
    platform: P,
    sessions: FallbackStore,
    pending: FallbackStore,
    session_key: String,
    pending_key: String,
}

impl<P: Platform> Client<P> {
    /// A client persisting sessions in `sessions` and pending browser logins in `pending`.
    pub fn new(config: Config, platform: P, sessions: FallbackStore, pending: FallbackStore) -> Self {
        let session_key = storage_key(&config.app_id, "session");
        let pending_key = storage_key(&config.app_id, "pending");
        Client { config, platform, sessions, pending, session_key, pending_key }
    }

    /// The validated configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The platform.
    pub fn platform(&self) -> &P {
        &self.platform
    }

    /// The key the session is stored under (`feishu-login/v1/<appId>/session`).
    pub fn session_key(&self) -> &str {
        &self.session_key
    }

    /// Whether the session store had to fall back to memory.
    pub fn session_store_is_memory(&self) -> bool {
        self.sessions.is_memory()
    }

    fn warn(&self) -> impl Fn(&str) + '_ {
        |message: &str| self.platform.warn(message)
    }

    /// Reads the stored session, removing it when it has expired or cannot be read.
    pub fn read_session(&self) -> StoredSession {
        let Some(text) = self.sessions.get(&self.session_key, &self.warn()) else {
            return StoredSession::Missing;
        };
        match Session::decode(&text) {
            Some(session) if session.is_expired(self.platform.now_ms()) => {
                self.sessions.remove(&self.session_key, &self.warn());
                StoredSession::Expired
            }
            Some(session) => StoredSession::Valid(session),
            None => {
                self.sessions.remove(&self.session_key, &self.warn());
                StoredSession::Corrupt
            }
        }
    }

    /// The valid stored session. An expired one is removed (listeners hear `null`); a corrupt
    /// one is removed with a warning.
    pub fn session(&self) -> Option<Session> {
        match self.read_session() {
            StoredSession::Valid(session) => Some(session),
            StoredSession::Missing => None,
            StoredSession::Expired => {
                self.platform.session_changed(None);
                None
            }
            StoredSession::Corrupt => {
                self.platform
                    .warn("feishu-login: the stored session was unreadable and has been cleared; log in again");
                self.platform.session_changed(None);
                None
            }
        }
    }

    /// Removes the session; listeners hear `null`.
    pub fn logout(&self) {
        self.sessions.remove(&self.session_key, &self.warn());
        self.platform.session_changed(None);
    }

    /// A fresh authorize URL; the pending login is recorded (replacing an older one of this tab).
    ///
    /// # Errors
    /// `config` for bad options, `crypto` without a secure random source.
    pub fn authorize_url(&self, options: &LoginOptions) -> Result<String, Error> {
        let request = build_authorize_request(&self.config, options, &self.platform, self.platform.now_ms())?;
        self.pending.set(&self.pending_key, &request.pending.encode(), &self.warn());
        Ok(request.url)
    }

    /// Completes a redirect callback: validates it against this tab's pending login (which is
    /// consumed first, so a replayed callback URL fails), removes `code`, `state` and `error`
    /// from the address bar when `url` is the address bar's, exchanges the code with its
    /// verifier, persists the session and moves the address bar to `returnTo`.
    ///
    /// # Errors
    /// `callback`, `state`, `denied`, then whatever the exchange fails with. A failure never
    /// touches a stored session.
    pub async fn handle_callback(&self, url: &str, in_address_bar: bool) -> Result<Session, Error> {
        if in_address_bar {
            let stripped = strip_callback_params(url);
            if stripped != url {
                self.platform.replace_url(&stripped);
            }
        }
        let params = CallbackParams::parse(url);
        let pending = self.take_pending();
        let validated = validate_callback(params?, pending, self.platform.now_ms())?;
        let session = self
            .exchange(validated.code(), Surface::Browser, Some((validated.verifier(), validated.redirect_uri())))
            .await?;
        if let (true, Some(return_to)) = (in_address_bar, validated.return_to()) {
            self.platform.replace_url(return_to);
        }
        Ok(session)
    }

    /// Removes and returns this tab's pending login; an unreadable one counts as none.
    fn take_pending(&self) -> Option<PendingLogin> {
        let text = self.pending.get(&self.pending_key, &self.warn())?;
        self.pending.remove(&self.pending_key, &self.warn());
        PendingLogin::decode(&text)
    }

    /// Logs in on a Feishu host surface: gets a one-time code from the host API and exchanges it.
    ///
    /// # Errors
    /// `unsupported` (no such API here, or the browser surface), `denied`, `host`, `timeout`,
    /// `state` (requestAccess echoed another state), then whatever the exchange fails with.
    pub async fn login_with_host(&self, surface: Surface, options: &LoginOptions) -> Result<Session, Error> {
        let code = match surface {
            Surface::DocWidget => {
                self.platform.doc_widget_login().await.map_err(|f| host_error("DocMiniApp.Service.User.login", &f))?
            }
            Surface::Client => self.client_code(options).await?,
            Surface::MiniProgram => self.platform.mini_program_login().await.map_err(|f| host_error("tt.login", &f))?,
            Surface::Browser => {
                return Err(Error::new(ErrorKind::Unsupported, "the browser surface logs in by redirect: use login()"))
            }
        };
        if code.is_empty() {
            return Err(Error::new(ErrorKind::Host, "the Feishu host returned an empty login code: try again"));
        }
        self.exchange(&code, surface, None).await
    }

    /// The web app inside the Feishu client: `tt.requestAccess` after `h5sdk.ready`, or
    /// `tt.requestAuthCode` on clients without it (missing, or errno 103).
    async fn client_code(&self, options: &LoginOptions) -> Result<String, Error> {
        let scope = match &options.scope {
            Some(scope) => validate_scope("options.scope", scope.clone())?,
            None => self.config.scope.clone(),
        };
        self.platform.client_ready().await.map_err(|f| host_error("h5sdk.ready", &f))?;
        if self.platform.has_request_access() {
            let state = random_token(&self.platform)?;
            match self.platform.request_access(&self.config.app_id, &scope, &state).await {
                Ok((code, echoed)) => {
                    // Clients that echo no state are accepted; one that echoes another is not.
                    if echoed.is_some_and(|echoed| !bool::from(echoed.as_bytes().ct_eq(state.as_bytes()))) {
                        return Err(Error::new(
                            ErrorKind::State,
                            "tt.requestAccess answered with another state than the one sent: try again",
                        ));
                    }
                    return Ok(code);
                }
                Err(failure) if failure.code == Some(ERRNO_UNSUPPORTED) => {}
                Err(failure) => return Err(host_error("tt.requestAccess", &failure)),
            }
        }
        self.platform.request_auth_code(&self.config.app_id).await.map_err(|f| host_error("tt.requestAuthCode", &f))
    }

    /// Posts `code` to the backend and persists the session it returns.
    ///
    /// # Errors
    /// `network`, `timeout`, `backend`, `response`; the stored session is left as it was.
    pub async fn exchange(
        &self,
        code: &str,
        surface: Surface,
        pkce: Option<(&CodeVerifier, &str)>,
    ) -> Result<Session, Error> {
        let request = ExchangeRequest { code, surface, app_id: &self.config.app_id, pkce };
        let reply = exchange_code(&self.platform, &self.config.backend, &request).await?;
        let obtained_at = self.platform.now_ms();
        let session = Session {
            token: reply.token,
            expires_at: reply.expires_in_ms.map(|ms| obtained_at.saturating_add(ms)),
            user: reply.user,
            surface,
            obtained_at,
        };
        self.sessions.set(&self.session_key, &session.encode(), &self.warn());
        self.platform.session_changed(Some(&session));
        Ok(session)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::tests::{answer, ScriptedTransport};
    use crate::backend::{HttpRequest, HttpResponse, TransportError};
    use crate::config::{BackendInput, ConfigInput};
    use crate::host::HostFailure;
    use crate::json::Json;
    use crate::pkce::tests::CountingRandom;
    use crate::storage::tests::FlakyStore;
    use crate::storage::{KeyValueStore, MemoryStore};
    use crate::url::{query_values, UrlParts};
    use crate::ErrorKind;
    use alloc::rc::Rc;
    use core::cell::{Cell, RefCell};

    /// What the fake Feishu host does.
    #[derive(Default)]
    struct FakeHost {
        has_request_access: bool,
        request_access: Option<Result<(String, Option<String>), HostFailure>>,
        request_auth_code: Option<Result<String, HostFailure>>,
        doc_widget: Option<Result<String, HostFailure>>,
        calls: RefCell<Vec<String>>,
        sent_state: RefCell<String>,
    }

    #[derive(Default)]
    struct TestPlatform {
        host: FakeHost,
        transport: ScriptedTransport,
        random: CountingRandom,
        now: Cell<i64>,
        warnings: RefCell<Vec<String>>,
        changes: RefCell<Vec<Option<String>>>,
        address_bar: RefCell<Vec<String>>,
    }

    impl Default for CountingRandom {
        fn default() -> Self {
            CountingRandom(Cell::new(0))
        }
    }

    impl Transport for TestPlatform {
        async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError> {
            self.transport.send(request).await
        }
        async fn sleep(&self, ms: u32) {
            self.transport.sleep(ms).await
        }
    }
    impl RandomSource for TestPlatform {
        fn fill_random(&self, buf: &mut [u8]) -> Result<(), Error> {
            self.random.fill_random(buf)
        }
    }
    impl HostApi for TestPlatform {
        async fn doc_widget_login(&self) -> Result<String, HostFailure> {
            self.host.calls.borrow_mut().push("doc".into());
            self.host.doc_widget.clone().unwrap_or(Err(HostFailure::unavailable()))
        }
        async fn client_ready(&self) -> Result<(), HostFailure> {
            Ok(())
        }
        fn has_request_access(&self) -> bool {
            self.host.has_request_access
        }
        async fn request_access(
            &self,
            app_id: &str,
            _: &[String],
            state: &str,
        ) -> Result<(String, Option<String>), HostFailure> {
            self.host.calls.borrow_mut().push(String::from("requestAccess ") + app_id);
            self.host.sent_state.replace(state.to_owned());
            let answer = self.host.request_access.clone().unwrap();
            // "ECHO" stands for the state that was sent.
            answer.map(|(code, echoed)| (code, echoed.map(|e| if e == "ECHO" { state.to_owned() } else { e })))
        }
        async fn request_auth_code(&self, app_id: &str) -> Result<String, HostFailure> {
            self.host.calls.borrow_mut().push(String::from("requestAuthCode ") + app_id);
            self.host.request_auth_code.clone().unwrap()
        }
        async fn mini_program_login(&self) -> Result<String, HostFailure> {
            Err(HostFailure::unavailable())
        }
    }

    impl Platform for TestPlatform {
        fn now_ms(&self) -> i64 {
            self.now.get()
        }
        fn warn(&self, message: &str) {
            self.warnings.borrow_mut().push(message.to_owned());
        }
        fn session_changed(&self, session: Option<&Session>) {
            self.changes.borrow_mut().push(session.map(|s| s.token.clone()));
        }
        fn replace_url(&self, url: &str) {
            self.address_bar.borrow_mut().push(url.to_owned());
        }
    }

    struct Shared(Rc<MemoryStore>);
    impl KeyValueStore for Shared {
        fn get(&self, key: &str) -> Result<Option<String>, crate::storage::StoreRefused> {
            self.0.get(key)
        }
        fn set(&self, key: &str, value: &str) -> Result<(), crate::storage::StoreRefused> {
            self.0.set(key, value)
        }
        fn remove(&self, key: &str) -> Result<(), crate::storage::StoreRefused> {
            self.0.remove(key)
        }
    }

    struct Fixture {
        client: Client<TestPlatform>,
        local: Rc<MemoryStore>,
    }

    fn fixture(answers: Vec<Result<HttpResponse, TransportError>>) -> Fixture {
        let config = ConfigInput {
            app_id: Some("cli_x".into()),
            backend: BackendInput { url: Some("/api/login".into()), ..Default::default() },
            ..Default::default()
        }
        .validate("https://app.example/cb")
        .unwrap();
        let platform = TestPlatform { transport: ScriptedTransport::new(answers), ..Default::default() };
        platform.now.set(1_000_000);
        let local = Rc::new(MemoryStore::default());
        let sessions = FallbackStore::new(Some(Box::new(Shared(local.clone()))), "localStorage");
        let pending = FallbackStore::new(Some(Box::new(MemoryStore::default())), "sessionStorage");
        Fixture { client: Client::new(config, platform, sessions, pending), local }
    }

    fn callback_url(client: &Client<TestPlatform>, extra: &str) -> String {
        let url = client.authorize_url(&LoginOptions::default()).unwrap();
        let state = query_values(UrlParts::split(&url).unwrap().query.unwrap(), "state").remove(0);
        String::from("https://app.example/cb?tab=1&code=THE-CODE&state=") + &state + extra + "#/home"
    }

    const OK: &str = r#"{"token":"t1","expiresIn":60,"user":{"name":"张三"}}"#;

    #[test]
    fn full_redirect_flow_stores_session_and_cleans_address_bar() {
        let f = fixture(vec![answer(200, OK)]);
        let authorize = f.client.authorize_url(&LoginOptions::default()).unwrap();
        let query = UrlParts::split(&authorize).unwrap().query.unwrap().to_owned();
        let state = query_values(&query, "state").remove(0);
        let challenge = query_values(&query, "code_challenge").remove(0);
        let url = String::from("https://app.example/cb?tab=1&code=THE-CODE&state=") + &state + "#/home";

        let session = pollster::block_on(f.client.handle_callback(&url, true)).unwrap();
        assert_eq!(session.token, "t1");
        assert_eq!(session.expires_at, Some(1_000_000 + 60_000));
        assert_eq!(session.surface, Surface::Browser);
        assert_eq!(f.client.session(), Some(session));
        assert_eq!(*f.client.platform.address_bar.borrow(), vec!["https://app.example/cb?tab=1#/home"]);
        assert_eq!(*f.client.platform.changes.borrow(), vec![Some("t1".to_owned())]);

        // The backend got the verifier whose S256 challenge went to Feishu.
        let sent = f.client.platform.transport.sent.borrow();
        let body = Json::parse(&sent[0].body).unwrap();
        let verifier = CodeVerifier::from_stored(body.get("codeVerifier").and_then(Json::as_str).unwrap().into());
        assert_eq!(verifier.challenge_s256(), challenge);
        assert_eq!(body.get("code").and_then(Json::as_str), Some("THE-CODE"));
        assert_eq!(body.get("redirectUri").and_then(Json::as_str), Some("https://app.example/cb"));
    }

    #[test]
    fn replayed_callback_fails_and_keeps_the_session() {
        let f = fixture(vec![answer(200, OK)]);
        let url = callback_url(&f.client, "");
        pollster::block_on(f.client.handle_callback(&url, true)).unwrap();
        let err = pollster::block_on(f.client.handle_callback(&url, true)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::State);
        assert_eq!(f.client.session().map(|s| s.token), Some("t1".into()));
        assert_eq!(f.client.platform.transport.sent.borrow().len(), 1, "the replay never reached the backend");
    }

    #[test]
    fn tampered_state_consumes_the_pending_login() {
        let f = fixture(vec![answer(200, OK)]);
        let url = callback_url(&f.client, "");
        let tampered = url.replace("state=", "state=X");
        let err = pollster::block_on(f.client.handle_callback(&tampered, true)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::State);
        // The genuine callback now fails too: one pending login, checked once.
        assert_eq!(pollster::block_on(f.client.handle_callback(&url, true)).unwrap_err().kind(), ErrorKind::State);
        assert!(f.client.platform.transport.sent.borrow().is_empty());
    }

    #[test]
    fn failed_login_never_destroys_a_valid_session() {
        let f = fixture(vec![answer(200, OK), answer(400, r#"{"code":20049}"#)]);
        let first = callback_url(&f.client, "");
        pollster::block_on(f.client.handle_callback(&first, true)).unwrap();
        let second = callback_url(&f.client, "");
        let err = pollster::block_on(f.client.handle_callback(&second, true)).unwrap_err();
        assert_eq!((err.kind(), err.code()), (ErrorKind::Backend, Some(20049)));
        assert_eq!(f.client.session().map(|s| s.token), Some("t1".into()));
        // Denied, too.
        let denied = callback_url(&f.client, "").replace("code=THE-CODE", "error=access_denied");
        assert_eq!(pollster::block_on(f.client.handle_callback(&denied, true)).unwrap_err().kind(), ErrorKind::Denied);
        assert_eq!(f.client.session().map(|s| s.token), Some("t1".into()));
    }

    #[test]
    fn callback_url_is_stripped_even_when_the_login_fails() {
        let f = fixture(vec![]);
        let url = callback_url(&f.client, "").replace("code=THE-CODE", "error=access_denied");
        let _ = pollster::block_on(f.client.handle_callback(&url, true));
        assert_eq!(*f.client.platform.address_bar.borrow(), vec!["https://app.example/cb?tab=1#/home"]);
        // An explicit URL that is not the address bar's leaves the address bar alone.
        let g = fixture(vec![]);
        let url = callback_url(&g.client, "").replace("code=THE-CODE", "error=access_denied");
        let _ = pollster::block_on(g.client.handle_callback(&url, false));
        assert!(g.client.platform.address_bar.borrow().is_empty());
    }

    #[test]
    fn return_to_moves_the_address_bar_after_success() {
        let f = fixture(vec![answer(200, OK)]);
        let options = LoginOptions { return_to: Some("/dashboard?x=1".into()), ..Default::default() };
        let authorize = f.client.authorize_url(&options).unwrap();
        let state = query_values(UrlParts::split(&authorize).unwrap().query.unwrap(), "state").remove(0);
        let url = String::from("https://app.example/cb?code=c&state=") + &state;
        pollster::block_on(f.client.handle_callback(&url, true)).unwrap();
        assert_eq!(
            *f.client.platform.address_bar.borrow(),
            vec!["https://app.example/cb".to_owned(), "https://app.example:443/dashboard?x=1".to_owned()]
        );
    }

    #[test]
    fn expired_session_is_removed_and_reported() {
        let f = fixture(vec![answer(200, OK)]);
        let url = callback_url(&f.client, "");
        pollster::block_on(f.client.handle_callback(&url, true)).unwrap();
        f.client.platform.now.set(1_000_000 + 60_000);
        assert_eq!(f.client.session(), None);
        assert_eq!(f.local.get("feishu-login/v1/cli_x/session").unwrap(), None);
        assert_eq!(f.client.platform.changes.borrow().last(), Some(&None));
    }

    #[test]
    fn corrupt_session_is_cleared_with_a_warning_without_secrets() {
        let f = fixture(vec![]);
        f.local.set("feishu-login/v1/cli_x/session", r#"{"v":1,"token":"LEAKED-TOKEN","#).unwrap();
        assert_eq!(f.client.session(), None);
        assert_eq!(f.local.get("feishu-login/v1/cli_x/session").unwrap(), None);
        let warnings = f.client.platform.warnings.borrow();
        assert_eq!(warnings.len(), 1);
        assert!(!warnings[0].contains("LEAKED"));
    }

    #[test]
    fn logout_removes_and_notifies() {
        let f = fixture(vec![answer(200, OK)]);
        let url = callback_url(&f.client, "");
        pollster::block_on(f.client.handle_callback(&url, true)).unwrap();
        f.client.logout();
        assert_eq!(f.client.session(), None);
        assert_eq!(*f.client.platform.changes.borrow(), vec![Some("t1".to_owned()), None]);
    }

    #[test]
    fn refused_storage_still_logs_in_from_memory() {
        let mut f = fixture(vec![answer(200, OK)]);
        let flaky = FlakyStore { inner: Rc::new(MemoryStore::default()), fail_after: Cell::new(0) };
        f.client.sessions = FallbackStore::new(Some(Box::new(flaky)), "localStorage");
        let url = callback_url(&f.client, "");
        pollster::block_on(f.client.handle_callback(&url, true)).unwrap();
        assert!(f.client.session_store_is_memory());
        assert_eq!(f.client.session().map(|s| s.token), Some("t1".into()));
        assert_eq!(f.client.platform.warnings.borrow().len(), 1);
    }

    fn host_login(f: &Fixture, surface: Surface) -> Result<Session, Error> {
        pollster::block_on(f.client.login_with_host(surface, &LoginOptions::default()))
    }

    fn backend_body(f: &Fixture) -> Json {
        Json::parse(&f.client.platform.transport.sent.borrow().last().unwrap().body).unwrap()
    }

    #[test]
    fn client_request_access_with_echoed_state() {
        let mut f = fixture(vec![answer(200, OK)]);
        f.client.platform.host.has_request_access = true;
        f.client.platform.host.request_access = Some(Ok(("C1".into(), Some("ECHO".into()))));
        let session = host_login(&f, Surface::Client).unwrap();
        assert_eq!(session.surface, Surface::Client);
        assert_eq!(*f.client.platform.host.calls.borrow(), vec!["requestAccess cli_x"]);
        assert!(f.client.platform.host.sent_state.borrow().len() >= 22);
        let body = backend_body(&f);
        assert_eq!(body.get("code").and_then(Json::as_str), Some("C1"));
        assert_eq!(body.get("surface").and_then(Json::as_str), Some("client"));
        assert_eq!(body.get("codeVerifier"), None);
    }

    #[test]
    fn client_falls_back_on_errno_103_and_when_request_access_is_missing() {
        let mut f = fixture(vec![answer(200, OK)]);
        f.client.platform.host.has_request_access = true;
        f.client.platform.host.request_access = Some(Err(HostFailure { code: Some(103), ..Default::default() }));
        f.client.platform.host.request_auth_code = Some(Ok("OLD".into()));
        host_login(&f, Surface::Client).unwrap();
        assert_eq!(*f.client.platform.host.calls.borrow(), vec!["requestAccess cli_x", "requestAuthCode cli_x"]);
        assert_eq!(backend_body(&f).get("code").and_then(Json::as_str), Some("OLD"));

        let mut g = fixture(vec![answer(200, OK)]);
        g.client.platform.host.request_auth_code = Some(Ok("OLD".into()));
        host_login(&g, Surface::Client).unwrap();
        assert_eq!(*g.client.platform.host.calls.borrow(), vec!["requestAuthCode cli_x"]);
    }

    #[test]
    fn client_failures_are_typed_and_keep_the_session() {
        let mut f = fixture(vec![answer(200, OK)]);
        let url = callback_url(&f.client, "");
        pollster::block_on(f.client.handle_callback(&url, true)).unwrap();
        f.client.platform.host.has_request_access = true;
        let cases = [
            (Err(HostFailure { code: Some(2_700_002), ..Default::default() }), ErrorKind::Denied),
            (Err(HostFailure { code: Some(10236), ..Default::default() }), ErrorKind::Host),
            (Err(HostFailure::timeout()), ErrorKind::Timeout),
            (Ok(("C".into(), Some("forged".into()))), ErrorKind::State),
        ];
        for (answer, kind) in cases {
            f.client.platform.host.request_access = Some(answer);
            assert_eq!(host_login(&f, Surface::Client).unwrap_err().kind(), kind);
            assert_eq!(f.client.session().map(|s| s.token), Some("t1".into()));
        }
        assert_eq!(f.client.platform.transport.sent.borrow().len(), 1, "no failed attempt reached the backend");
    }

    #[test]
    fn doc_widget_code_is_exchanged_without_pkce() {
        let mut f = fixture(vec![answer(200, OK)]);
        f.client.platform.host.doc_widget = Some(Ok("W".into()));
        assert_eq!(host_login(&f, Surface::DocWidget).unwrap().surface, Surface::DocWidget);
        assert_eq!(backend_body(&f).get("surface").and_then(Json::as_str), Some("docWidget"));
        let g = fixture(vec![]);
        assert_eq!(host_login(&g, Surface::DocWidget).unwrap_err().kind(), ErrorKind::Unsupported);
        assert_eq!(host_login(&g, Surface::Browser).unwrap_err().kind(), ErrorKind::Unsupported);
    }
}
