//! The emulator's app identity tokens, as Feishu's official SDKs use them: a custom app's
//! `auth/v3/tenant_access_token/internal` and `auth/v3/app_access_token/internal` hand out one
//! `t-` token, reissued when less than 30 minutes are left, and `mina/v2/tokenLoginValidate`
//! takes it whichever endpoint gave it.

use serde_json::Value;

use super::lifecycle::{cluster, Cluster, APP, OTHER_APP, OTHER_SECRET, SECRET};
use super::*;
use crate::store::MemoryStore;

impl Cluster {
    async fn app_token(&self, endpoint: &str, body: Value) -> (u16, Value) {
        self.post(&self.feishu, &format!("/open-apis/auth/v3/{endpoint}/internal"), None, body).await
    }

    /// A doc widget's code for `app`, validated with `token` as the bearer.
    async fn validate(&self, app: &str, token: &str) -> (u16, Value) {
        let (_, code) =
            self.post(&self.feishu, "/emulator/host-code", None, json!({ "surface": "docWidget", "appId": app })).await;
        self.post(&self.feishu, "/open-apis/mina/v2/tokenLoginValidate", Some(token), json!({ "code": code["code"] }))
            .await
    }
}

/// Before, the emulator had no `tenant_access_token/internal` (an empty 404): the official Node
/// SDK's default client fetches that token before every request without a user token, so with
/// it nothing reached the emulator.
#[tokio::test]
async fn a_custom_apps_tenant_token_is_its_app_token_and_redeems_host_codes() {
    let c = cluster(Arc::new(MemoryStore::default()), 0).await;
    let credentials = json!({ "app_id": APP, "app_secret": SECRET });
    let (status, tenant) = c.app_token("tenant_access_token", credentials.clone()).await;
    assert_eq!(status, 200, "{tenant}");
    let token = tenant["tenant_access_token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("t-"), "{tenant}");
    assert_eq!(
        (tenant["code"].as_i64(), tenant["msg"].as_str(), tenant["expire"].as_u64()),
        (Some(0), Some("ok"), Some(7200))
    );

    // Feishu's app_access_token answer names the same token both ways.
    let (status, app) = c.app_token("app_access_token", credentials.clone()).await;
    assert_eq!(status, 200, "{app}");
    assert_eq!((app["app_access_token"].as_str(), app["tenant_access_token"].as_str()), (Some(&*token), Some(&*token)));

    // tokenLoginValidate takes it, for this app's codes only.
    let (status, validated) = c.validate(APP, &token).await;
    assert_eq!((status, validated["code"].as_i64()), (200, Some(0)), "{validated}");
    assert!(validated["data"]["open_id"].as_str().unwrap().starts_with("ou_"));
    let (status, refused) = c.validate(OTHER_APP, &token).await;
    assert_eq!((status, refused["code"].as_i64()), (400, Some(10213)), "another app's code: {refused}");
    let (_, other) =
        c.app_token("tenant_access_token", json!({ "app_id": OTHER_APP, "app_secret": OTHER_SECRET })).await;
    assert_ne!(other["tenant_access_token"], token.as_str(), "each app has its own");

    // The same token while 30 minutes or more are left; then a new one, the old one still valid
    // until it expires.
    c.clock.advance(Duration::from_secs(90 * 60));
    let (_, same) = c.app_token("tenant_access_token", credentials.clone()).await;
    assert_eq!((same["tenant_access_token"].as_str(), same["expire"].as_u64()), (Some(&*token), Some(1800)));
    c.clock.advance(Duration::from_secs(1));
    let (_, fresh) = c.app_token("app_access_token", credentials.clone()).await;
    let fresh = fresh["app_access_token"].as_str().unwrap().to_owned();
    assert_ne!(fresh, token, "less than 30 minutes left: a new token");
    assert_eq!(c.validate(APP, &token).await.0, 200, "the old one works until it expires");
    c.clock.advance(Duration::from_secs(1800));
    assert_eq!(c.validate(APP, &token).await.1["code"], 10202, "then it is refused");
    assert_eq!(c.validate(APP, &fresh).await.0, 200);
}

/// Feishu refuses bad credentials with HTTP 200 and a code (10003 for a missing or unknown
/// app, 10014 for a wrong secret), as its SDKs expect. Before, the emulator answered 400 with
/// 10014 for both.
#[tokio::test]
async fn bad_app_credentials_are_refused_with_feishus_codes() {
    let c = cluster(Arc::new(MemoryStore::default()), 0).await;
    for endpoint in ["tenant_access_token", "app_access_token"] {
        for (body, code, msg) in [
            (json!({ "app_id": APP, "app_secret": "wrong" }), 10014, "app secret invalid"),
            (json!({ "app_id": "cli_nobody", "app_secret": SECRET }), 10003, "invalid param"),
            (json!({ "app_id": APP }), 10003, "invalid param"),
            (json!({}), 10003, "invalid param"),
        ] {
            let (status, answer) = c.app_token(endpoint, body.clone()).await;
            assert_eq!(status, 200, "{endpoint} {body}: {answer}");
            assert_eq!((answer["code"].as_i64(), answer["msg"].as_str()), (Some(code), Some(msg)), "{endpoint} {body}");
            assert!(answer.get("tenant_access_token").is_none() && answer.get("app_access_token").is_none());
        }
    }
    let unused = c.validate(APP, "t-forged").await;
    assert_eq!((unused.0, unused.1["code"].as_i64()), (400, Some(10202)), "a forged token is refused");
}
