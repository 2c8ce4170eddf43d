// The browser redirect login with keycloak-js: init with PKCE S256, login URL, callback, user.
import Keycloak from "keycloak-js";

export async function start(cfg, mark = () => {}) {
  const keycloak = new Keycloak({ url: cfg.issuer, realm: "bench", clientId: "bench" });
  await keycloak.init({ pkceMethod: "S256", checkLoginIframe: false, redirectUri: cfg.redirectUri, enableLogging: false });
  mark("setup"); // the constructor and init()
  return {
    async authorizeUrl() {
      return keycloak.createLoginUrl({ redirectUri: cfg.redirectUri });
    },
    async handleCallback() {
      return keycloak.loadUserProfile();
    },
  };
}
