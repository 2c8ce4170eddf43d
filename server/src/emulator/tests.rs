//! The emulator's stores and bounds: codes, tokens and QR scans expire and are bounded, a
//! redeemed code still answers "already used", and nobody can lock an app out by minting.

use super::*;

fn emulator(code_ttl: Duration) -> Arc<Emulator> {
    emulator_on(code_ttl, Arc::new(UnixClock))
}

fn emulator_on(code_ttl: Duration, clock: Arc<dyn Clock>) -> Arc<Emulator> {
    Emulator::with_clock(
        EmulatorConfig {
            apps: vec![App {
                id: "cli_test".into(),
                secret: "secret".into(),
                brand: Brand::Feishu,
                redirect_urls: vec!["http://127.0.0.1/".into()],
            }],
            users: demo_users(),
            code_ttl,
            user_token_ttl: DEFAULT_USER_TOKEN_TTL,
            refresh_token_ttl: DEFAULT_REFRESH_TOKEN_TTL,
            control_key: None,
        },
        clock,
    )
}

// 100k minted codes stayed in memory for good.
#[test]
fn stores_are_bounded_and_purged_when_entries_expire() {
    let lasting = emulator(Duration::from_secs(60));
    let first_code = lasting.mint(CodeKind::Mina, "cli_test", 0, None, None, String::new());
    let first_token = lasting.issue_user_token(0);
    for _ in 0..MAX_ENTRIES {
        lasting.mint(CodeKind::Mina, "cli_test", 0, None, None, String::new());
        lasting.issue_user_token(0);
    }
    assert_eq!(lasting.stored()[..2], [MAX_ENTRIES, MAX_ENTRIES]);
    assert!(lasting.grants.lock().unwrap().get_mut(&first_code).is_none(), "the oldest code went");
    assert!(lasting.user_tokens.lock().unwrap().get_mut(&first_token).is_none(), "the oldest token went");
    for _ in 0..=MAX_ENTRIES {
        lasting.issue_tokens("cli_test", 0, OFFLINE_ACCESS);
    }
    assert_eq!(lasting.stored()[3], MAX_ENTRIES, "refresh tokens make room too");

    let clock = crate::clock::ManualClock::new();
    let brief = emulator_on(Duration::from_millis(1), clock.clone());
    for _ in 0..MAX_ENTRIES {
        brief.mint(CodeKind::Mina, "cli_test", 0, None, None, String::new());
    }
    clock.advance(Duration::from_millis(2));
    for _ in 0..1024 {
        brief.mint(CodeKind::Mina, "cli_test", 0, None, None, String::new());
    }
    assert!(brief.stored()[0] <= 1100, "expired codes are gone: {} kept", brief.stored()[0]);
}

// Found by scripts/load.mjs: redeemed codes stayed in the store of outstanding ones for 10
// minutes and user tokens for 2 hours, so after 10,000 logins every login was rate limited.
#[test]
fn sustained_logins_never_fill_the_stores() {
    let emulator = emulator(Duration::from_secs(60));
    for _ in 0..3 * MAX_ENTRIES {
        let code = emulator.mint(CodeKind::Mina, "cli_test", 0, None, None, String::new());
        let mut grants = emulator.grants.lock().unwrap();
        emulator.redeem(&mut grants, &code);
        drop(grants);
        emulator.issue_user_token(0);
    }
    let [outstanding, tokens, _, _] = emulator.stored();
    assert_eq!(outstanding, 0, "redeemed codes leave the outstanding store");
    assert!(tokens <= MAX_ENTRIES && emulator.used.lock().unwrap().len() <= MAX_ENTRIES);
}

/// Anyone can mint codes (the consent POST, host codes, QR scans) and never redeem them. With
/// MAX_ENTRIES of them outstanding, every login was refused for ten minutes (consent 400,
/// host codes 429); now the oldest unredeemed code loses and a new login never does.
#[tokio::test]
async fn nobody_can_lock_an_app_out_by_minting_codes() {
    let emulator = emulator(Duration::from_secs(300));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let router = routes(emulator.clone());
    tokio::spawn(async move { axum::serve(listener, router).await });
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let redirect = "http://127.0.0.1/";
    let goto =
        format!("{base}/open-apis/authen/v1/authorize?client_id=cli_test&redirect_uri={redirect}&response_type=code");
    // The flood, as the endpoints would mint it (HTTP would only make it slower).
    let victim = emulator.mint(CodeKind::OAuth, "cli_test", 0, Some(redirect.into()), None, String::new());
    for _ in 0..MAX_ENTRIES {
        emulator.mint(CodeKind::OAuth, "cli_test", 0, Some(redirect.into()), None, String::new());
        let scan = qr::Scan::new(0, "cli_test");
        emulator.scans.lock().unwrap().insert(random_id("tmp-"), scan, Duration::from_secs(300), "cli_test");
    }
    let form =
        [("client_id", "cli_test"), ("redirect_uri", redirect), ("response_type", "code"), ("decision", "allow")];
    let consent = http.post(base.clone() + "/open-apis/authen/v1/authorize").form(&form).send().await.unwrap();
    assert_eq!(consent.status(), 303, "the consent still gives a code");
    let location = reqwest::Url::parse(consent.headers()["location"].to_str().unwrap()).unwrap();
    let code = location.query_pairs().find(|(k, _)| k == "code").unwrap().1.into_owned();
    let token = http
        .post(base.clone() + "/open-apis/authen/v2/oauth/token")
        .json(&json!({ "grant_type": "authorization_code", "client_id": "cli_test", "client_secret": "secret",
                       "code": code, "redirect_uri": redirect }))
        .send()
        .await
        .unwrap();
    assert_eq!(token.status(), 200, "and the code redeems");
    let redeem_victim = http
        .post(base.clone() + "/open-apis/authen/v2/oauth/token")
        .json(&json!({ "grant_type": "authorization_code", "client_id": "cli_test", "client_secret": "secret",
                       "code": victim, "redirect_uri": redirect }))
        .send()
        .await
        .unwrap();
    let answer: Value = redeem_victim.json().await.unwrap();
    assert_eq!(answer["code"], 20003, "the oldest unredeemed code lost: {answer}");
    let host = http.post(base.clone() + "/emulator/host-code").json(&json!({ "surface": "docWidget" })).send();
    assert_eq!(host.await.unwrap().status(), 200, "host codes too");
    let scan = http.post(base.clone() + "/emulator/qr-scan").json(&json!({ "goto": goto, "user": 1 })).send();
    assert_eq!(scan.await.unwrap().status(), 200, "and QR scans");
    assert_eq!(emulator.stored()[0], MAX_ENTRIES, "still bounded");
}

#[test]
fn a_redeemed_code_still_answers_already_used() {
    let emulator = emulator(Duration::from_secs(60));
    let code = emulator.mint(CodeKind::OAuth, "cli_test", 0, None, None, String::new());
    assert!(!emulator.was_used(&code, CodeKind::OAuth));
    let mut grants = emulator.grants.lock().unwrap();
    emulator.redeem(&mut grants, &code);
    drop(grants);
    assert!(emulator.was_used(&code, CodeKind::OAuth));
    assert!(!emulator.was_used(&code, CodeKind::Mina), "a code is used as the kind it was");
}
