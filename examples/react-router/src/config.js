// The app's FeishuLogin config. VITE_FEISHU_APP_ID / VITE_FEISHU_AUTHORIZE_URL come from .env
// files; without them the app talks to the demo server's local Feishu emulator.
export const config = {
  appId: import.meta.env.VITE_FEISHU_APP_ID ?? "cli_emulator_demo",
  backend: "/api/feishu/login",
  // Ends the session on the server too (the demo server's reference backend).
  logoutUrl: "/api/logout",
  // One redirect URL for every route, registered in the developer console: the app's root (a
  // public route). `returnTo` brings the user back to the page that asked for the login.
  redirectUri: new URL("/", location.origin).href,
  // Real Feishu: leave VITE_FEISHU_AUTHORIZE_URL unset in production builds with a real App ID.
  authorizeUrl: import.meta.env.VITE_FEISHU_AUTHORIZE_URL ?? new URL("/open-apis/authen/v1/authorize", location.origin).href,
  scope: ["contact:user.base:readonly"],
};
