// The app's FeishuLogin config. VITE_FEISHU_APP_ID / VITE_FEISHU_AUTHORIZE_URL come from .env
// files; without them the app talks to the demo server's local Feishu emulator.
export const config = {
  appId: import.meta.env.VITE_FEISHU_APP_ID ?? "cli_emulator_demo",
  backend: "/api/feishu/login",
  // Real Feishu: leave VITE_FEISHU_AUTHORIZE_URL unset in production builds with a real App ID.
  authorizeUrl: import.meta.env.VITE_FEISHU_AUTHORIZE_URL ?? new URL("/open-apis/authen/v1/authorize", location.origin).href,
  scope: ["contact:user.base:readonly"],
};
