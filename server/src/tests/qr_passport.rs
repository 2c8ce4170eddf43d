//! Scan to log in and the passport endpoints, over real HTTP: the QR SDK stand-in, `tmp_code`
//! on both authorize endpoints, and the backend's redemption of passport codes.

use std::time::Duration;

use serde_json::json;

use super::{start as start_demo, Server};

async fn start() -> Server {
    start_demo(Duration::from_secs(60)).await
}

impl Server {
    fn goto(&self, path: &str, extra: &str) -> String {
        let redirect = self.base.clone() + "/";
        let mut url = reqwest::Url::parse(&(self.base.clone() + path)).unwrap();
        url.query_pairs_mut()
            .append_pair("client_id", "cli_emulator_demo")
            .append_pair("redirect_uri", &redirect)
            .append_pair("response_type", "code")
            .append_pair("state", "st");
        url.to_string() + extra
    }

    async fn scan(&self, goto: &str) -> String {
        let response = self
            .http
            .post(self.base.clone() + "/emulator/qr-scan")
            .json(&json!({ "goto": goto, "user": 2 }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.json::<serde_json::Value>().await.unwrap()["tmp_code"].as_str().unwrap().to_owned()
    }

    /// GET `url`; the redirect's `code`, or the status of a page that is not a redirect.
    async fn code(&self, url: &str) -> Result<String, u16> {
        let response = self.http.get(url).send().await.unwrap();
        if response.status() != 303 {
            return Err(response.status().as_u16());
        }
        let location = reqwest::Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
        assert_eq!(location.query_pairs().find(|(k, _)| k == "state").unwrap().1, "st");
        Ok(location.query_pairs().find(|(k, _)| k == "code").unwrap().1.into_owned())
    }

    async fn backend(&self, body: serde_json::Value) -> (u16, serde_json::Value) {
        let response = self.http.post(self.base.clone() + "/api/feishu/login").json(&body).send().await.unwrap();
        (response.status().as_u16(), response.json().await.unwrap_or_default())
    }
}

#[tokio::test]
async fn qr_scan_tmp_code_signs_in_once_with_pkce() {
    let server = start().await;
    let sdk = server.http.get(server.base.clone() + "/emulator/qr-sdk.js").send().await.unwrap();
    assert!(sdk.text().await.unwrap().contains("window.QRLogin"));
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let goto = server.goto(
        "/open-apis/authen/v1/authorize",
        "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256",
    );
    let frame = server.http.get(server.base.clone() + "/emulator/qr").query(&[("goto", &goto)]).send().await.unwrap();
    assert!(frame.text().await.unwrap().contains("scan as 王五"));
    let foreign = server.http.get(server.base.clone() + "/emulator/qr?goto=https%3A%2F%2Fevil.example%2F").send();
    assert_eq!(foreign.await.unwrap().status(), 400);

    let tmp = server.scan(&goto).await;
    let code = server.code(&format!("{goto}&tmp_code={tmp}")).await.expect("a redirect with a code");
    assert_eq!(server.code(&format!("{goto}&tmp_code={tmp}")).await, Err(400), "a tmp_code works once");
    assert_eq!(server.code(&format!("{goto}&tmp_code=tmp-forged")).await, Err(400));
    let body = json!({ "code": code, "surface": "browser", "appId": "cli_emulator_demo", "codeVerifier": verifier, "redirectUri": server.base.clone() + "/" });
    let (status, session) = server.backend(body).await;
    assert_eq!((status, session["user"]["enName"].as_str()), (200, Some("Wang Wu")), "{session}");
}

#[tokio::test]
async fn passport_endpoints_take_no_scope_or_pkce_and_redeem_form_encoded() {
    let server = start().await;
    let with_scope = server.goto("/suite/passport/oauth/authorize", "&scope=a");
    assert_eq!(server.http.get(with_scope).send().await.unwrap().status(), 400);
    let with_pkce = server.goto("/suite/passport/oauth/authorize", "&code_challenge=x&code_challenge_method=S256");
    assert_eq!(server.http.get(with_pkce).send().await.unwrap().status(), 400);
    let goto = server.goto("/suite/passport/oauth/authorize", "");
    let page = server.http.get(&goto).send().await.unwrap();
    assert_eq!(page.status(), 200, "the consent page");

    // The backend redeems a passport code at the passport endpoints.
    let code = server.code(&format!("{goto}&tmp_code={}", server.scan(&goto).await)).await.unwrap();
    let redirect = server.base.clone() + "/";
    let plain = json!({ "code": code, "surface": "browser", "appId": "cli_emulator_demo", "codeVerifier": "v", "redirectUri": redirect });
    let mut passport = plain.clone();
    passport["passport"] = json!(true);
    let (status, session) = server.backend(passport.clone()).await;
    assert_eq!((status, session["user"]["name"].as_str()), (200, Some("王五")), "{session}");
    let (status, again) = server.backend(passport).await;
    assert_eq!((status, again["code"].as_i64()), (400, Some(20065)), "single use");

    // The token endpoint is form-encoded only; a PKCE code is not a passport code.
    let token = server.base.clone() + "/suite/passport/oauth/token";
    let json_body = json!({ "grant_type": "authorization_code", "client_id": "cli_emulator_demo", "client_secret": "x", "code": "c", "redirect_uri": redirect });
    let response = server.http.post(&token).json(&json_body).send().await.unwrap();
    assert_eq!(response.status(), 400);
    let pkce_goto = server.goto("/open-apis/authen/v1/authorize", "&code_challenge=abc&code_challenge_method=plain");
    let pkce_code = server.code(&format!("{pkce_goto}&tmp_code={}", server.scan(&pkce_goto).await)).await.unwrap();
    let mut pkce = plain;
    pkce["code"] = json!(pkce_code);
    pkce["passport"] = json!(true);
    let (status, refused) = server.backend(pkce).await;
    assert_eq!((status, refused["code"].as_i64()), (400, Some(20049)), "{refused}");
}
