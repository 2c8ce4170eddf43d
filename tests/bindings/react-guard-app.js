// RequireLogin and the provider around a scripted FeishuLogin (fake-sdk.js), in StrictMode and
// React's development build: the tests drive statuses and count the logins the guard starts.
import { StrictMode, createElement as h, useEffect, useLayoutEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import { FeishuLoginProvider, RequireLogin, useFeishuLogin } from "feishu-login/react";
import { FakeLogin } from "./fake-sdk.js";

const params = new URLSearchParams(sessionStorage.getItem("fake") ?? "");
const callback = params.get("callback");
const fake = (window.fake = new FakeLogin({ signedIn: params.has("signedIn"), callback: callback ? { returnTo: callback } : null }));
// Committed states ("status" once per change), the router callbacks with the state committed
// when each ran, and errors reported to the page.
window.commits = [];
window.redirects = [];
window.reported = [];
addEventListener("error", (e) => window.reported.push(e.error?.message ?? e.message));

function Status() {
  const api = useFeishuLogin();
  useEffect(() => {
    window.api = api;
  });
  useLayoutEffect(() => {
    const entry = api.error ? `${api.status}:${api.error.kind}` : api.status;
    if (window.commits.at(-1) !== entry) window.commits.push(entry);
  });
  return h("p", { id: "status" }, api.status);
}

function App() {
  // Each mount of the guard is a visit; the tests unmount and mount it again.
  const [guard, setGuard] = useState(!params.has("noGuard"));
  useEffect(() => {
    window.setGuard = setGuard;
  }, []);
  return h("div", null,
    h(Status),
    guard && h(RequireLogin, { fallback: ({ status }) => h("p", { id: "fallback" }, status) }, h("p", { id: "secret" }, "guarded content")));
}

// A router's navigation: a promise, settled by the test (`finishNavigation()`) with "slowRouter".
function onRedirectCallback(to) {
  window.redirects.push([to, window.commits.at(-1)]);
  if (params.has("throwRedirect")) throw new Error("the router broke");
  if (params.has("slowRouter")) return new Promise((resolve) => (window.finishNavigation = resolve));
}

createRoot(document.getElementById("app")).render(
  h(StrictMode, null, h(FeishuLoginProvider, { instance: fake, onRedirectCallback }, h(App))));
