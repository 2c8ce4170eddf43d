// The browser redirect login with oauth4webapi: PKCE, state, authorize URL, callback validation,
// code exchange.
import * as oauth from "oauth4webapi";

export async function start(cfg, mark = () => {}) {
  const as = { issuer: cfg.issuer, authorization_endpoint: cfg.issuer + "/authorize", token_endpoint: cfg.issuer + "/token" };
  const client = { client_id: "bench" };
  mark("setup"); // no client object: plain data
  return {
    async authorizeUrl() {
      const verifier = oauth.generateRandomCodeVerifier();
      const challenge = await oauth.calculatePKCECodeChallenge(verifier);
      const state = oauth.generateRandomState();
      sessionStorage.setItem("bench-pending", JSON.stringify({ verifier, state }));
      const url = new URL(as.authorization_endpoint);
      url.searchParams.set("client_id", client.client_id);
      url.searchParams.set("response_type", "code");
      url.searchParams.set("redirect_uri", cfg.redirectUri);
      url.searchParams.set("state", state);
      url.searchParams.set("code_challenge", challenge);
      url.searchParams.set("code_challenge_method", "S256");
      return url.href;
    },
    async handleCallback(url) {
      const { verifier, state } = JSON.parse(sessionStorage.getItem("bench-pending"));
      sessionStorage.removeItem("bench-pending");
      const params = oauth.validateAuthResponse(as, client, new URL(url), state);
      const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, cfg.redirectUri, verifier, {
        [oauth.allowInsecureRequests]: true,
      });
      return oauth.processAuthorizationCodeResponse(as, client, response);
    },
  };
}
