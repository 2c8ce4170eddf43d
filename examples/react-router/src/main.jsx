import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { createBrowserRouter } from "react-router";
import { RouterProvider } from "react-router/dom"; // the DOM one: it can flushSync
// The binding of feishu-login/browser, the entry for web apps (the browser redirect; no Feishu
// hosts, popup or QR): the app loads that entry's wasm only.
import { FeishuLoginProvider } from "feishu-login/browser/react";
import { config } from "./config.js";
import { routes } from "./routes.jsx";

const router = createBrowserRouter(routes);

// After a login the SDK has put `returnTo` (e.g. "/profile") in the address bar with
// history.replaceState, which the router does not hear: tell it. `flushSync` renders the new
// route at once, so the callback's page ("/") never renders signed in on the way.
const toReturnTo = (returnTo) => router.navigate(returnTo, { replace: true, flushSync: true });

createRoot(document.getElementById("root")).render(
  <StrictMode>
    <FeishuLoginProvider config={config} onRedirectCallback={toReturnTo}>
      <RouterProvider router={router} />
    </FeishuLoginProvider>
  </StrictMode>,
);
