import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { FeishuLoginProvider } from "feishu-login/react";
import { config } from "./config.js";
import { App } from "./App.jsx";

// After a login the SDK puts `returnTo` (e.g. "/#/profile") in the address bar with
// history.replaceState, which routers do not hear: onRedirectCallback tells them. With
// react-router: see examples/react-router.
const toRouter = () => dispatchEvent(new HashChangeEvent("hashchange"));

createRoot(document.getElementById("root")).render(
  <StrictMode>
    <FeishuLoginProvider config={config} onRedirectCallback={toRouter}>
      <App />
    </FeishuLoginProvider>
  </StrictMode>,
);
