// The browser redirect login with @auth0/auth0-spa-js: client, authorize URL (PKCE), callback, user.
import { Auth0Client } from "@auth0/auth0-spa-js";

export async function start(cfg, mark = () => {}) {
  const client = new Auth0Client({
    domain: cfg.host,
    clientId: "bench",
    authorizationParams: { redirect_uri: cfg.redirectUri },
    cacheLocation: "memory",
  });
  mark("setup");
  return {
    async authorizeUrl() {
      let url;
      await client.loginWithRedirect({ openUrl: (u) => { url = u; } });
      return url;
    },
    async handleCallback(url) {
      await client.handleRedirectCallback(url);
      return client.getUser();
    },
  };
}
