// The browser redirect login with oidc-client-ts: UserManager (callback, user) and its OidcClient
// for the authorize URL without navigating.
import { OidcClient, UserManager } from "oidc-client-ts";

export async function start(cfg, mark = () => {}) {
  const settings = {
    authority: cfg.issuer,
    client_id: "bench",
    redirect_uri: cfg.redirectUri,
    response_type: "code",
    scope: "profile",
    metadata: { issuer: cfg.issuer, authorization_endpoint: cfg.issuer + "/authorize", token_endpoint: cfg.issuer + "/token" },
  };
  const manager = new UserManager(settings);
  const client = new OidcClient(settings);
  mark("setup");
  return {
    async authorizeUrl() {
      return (await client.createSigninRequest({})).url;
    },
    async handleCallback(url) {
      await manager.signinCallback(url);
      return manager.getUser();
    },
  };
}
