// The demo page: plain ES modules importing the built package from /pkg/. Everything it shows
// comes from the SDK's public API; it never prints codes, verifiers or full tokens.
import init, { FeishuLogin, FeishuLoginError } from "/pkg/index.js";

const $ = (id) => document.getElementById(id);
// The steps log survives the redirect to Feishu and back (and reloads): kept in this tab's
// sessionStorage, the last 200 lines.
const STEPS_KEY = "feishu-login-demo/steps";
const kept = (() => {
  try {
    return JSON.parse(sessionStorage.getItem(STEPS_KEY)) || [];
  } catch {
    return [];
  }
})();
function show(line) {
  const li = document.createElement("li");
  li.textContent = line.text;
  if (line.bad) li.className = "bad";
  $("steps").append(li);
  li.scrollIntoView({ block: "nearest" });
}
function step(text, bad = false) {
  const line = { text: `${new Date().toLocaleTimeString()}  ${text}`, bad };
  kept.push(line);
  kept.splice(0, Math.max(0, kept.length - 200));
  try {
    sessionStorage.setItem(STEPS_KEY, JSON.stringify(kept));
  } catch {}
  show(line);
}
kept.forEach(show);
step(`page loaded: ${location.pathname}${location.search ? " (with a query)" : ""}`);

// Buttons that start an attempt are disabled while one runs.
function busy(on) {
  for (const b of document.querySelectorAll("button.attempt")) b.disabled = on;
}

// Log each request the page makes (method, path, status: no bodies, no query).
const realFetch = window.fetch.bind(window);
window.fetch = async (input, init = {}) => {
  const url = new URL(input instanceof Request ? input.url : String(input), location.href);
  const shown = `${init.method || "GET"} ${url.origin === location.origin ? url.pathname : url.origin + url.pathname}`;
  try {
    const response = await realFetch(input, init);
    step(`${shown} → ${response.status}`, !response.ok);
    return response;
  } catch (e) {
    step(`${shown} → ${e.name}`, true);
    throw e;
  }
};

await init();
const config = await (await realFetch("/config.json")).json();
$("mode").textContent = config.emulator ? "local Feishu emulator" : `real ${config.brand} app ${config.appId}`;
$("simulate").hidden = !config.emulator;

function makeAuth(extra = {}) {
  return new FeishuLogin({
    appId: config.appId,
    brand: config.brand,
    backend: "/api/feishu/login",
    // In emulator mode the authorize page is this server's; in real mode the brand's default.
    ...(config.emulator ? { authorizeUrl: location.origin + "/open-apis/authen/v1/authorize" } : {}),
    scope: ["contact:user.base:readonly"],
    ...extra,
  });
}

// The passport flow's callback comes back to this page: the demo remembers which flow it started.
const passportMode = sessionStorage.getItem("demo/passport") === "1";
function passportExtra() {
  // The passport endpoint takes no scope; in emulator mode it is this server's.
  return {
    passport: true,
    scope: [],
    ...(config.emulator ? { authorizeUrl: location.origin + "/suite/passport/oauth/authorize" } : {}),
  };
}
const auth = makeAuth(passportMode ? passportExtra() : {});
// The OAuth flows (redirect, popup) even on the page a passport login came back to.
const oauth = () => (passportMode ? makeAuth() : auth);
window.demo = { auth, FeishuLoginError };
$("surface").textContent = auth.surface;

function render(session) {
  $("status").textContent = session ? `signed in (${session.surface})` : "signed out";
  $("user").textContent = session?.user ? `${session.user.name} (${session.user.enName ?? ""})` : "–";
  $("expires").textContent = session?.expiresAt ? new Date(session.expiresAt).toLocaleString() : "–";
  document.body.dataset.session = session ? "yes" : "no";
}
function showError(e) {
  const text = e instanceof FeishuLoginError
    ? `${e.kind}${e.code !== undefined ? " · code " + e.code : ""}${e.status !== undefined ? " · HTTP " + e.status : ""}\n${e.message}`
    : String(e);
  $("error").hidden = false;
  $("error").textContent = text;
  $("error").dataset.kind = e?.kind ?? "unknown";
  step(`error: ${e?.kind ?? e}`, true);
}
function clearError() {
  $("error").hidden = true;
  delete $("error").dataset.kind;
}
auth.onChange((session) => {
  render(session);
  step(session ? "onChange: signed in" : "onChange: signed out");
});
render(auth.session);

if (auth.isCallback()) {
  step("callback: checking state, posting code + PKCE verifier to the backend");
  try {
    await auth.handleCallback();
    step("session stored; code and state removed from the address bar");
  } catch (e) {
    showError(e);
  }
  render(auth.session);
}
sessionStorage.removeItem("demo/passport");
document.body.dataset.ready = "yes";
if (config.emulator) addEventListener("focus", showFaults);

$("login").onclick = () => {
  clearError();
  busy(true);
  sessionStorage.removeItem("demo/passport");
  step("redirecting to the authorize page (PKCE S256 + state)");
  // Settles once the browser took the navigation (the buttons stay off while the page leaves),
  // or rejects when it refused: then they come back.
  oauth().loginWithRedirect().catch((e) => {
    showError(e);
    busy(false);
  });
};
// Back from the back/forward cache: the page is live again.
addEventListener("pageshow", (e) => e.persisted && busy(false));
$("logout").onclick = () => {
  auth.logout();
  clearError();
};
$("me").onclick = async () => {
  const response = await fetch("/api/me", { headers: auth.authHeaders() });
  const body = await response.json();
  $("me").dataset.result = response.ok ? body.name : "401";
  step(response.ok ? `/api/me accepted the session: ${body.name}` : "/api/me refused: no valid session", !response.ok);
};

// --- Host simulations (emulator mode) -------------------------------------------------------
async function hostCode(surface) {
  const response = await realFetch("/emulator/host-code", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ surface }),
  });
  step(`host: the Feishu ${surface} handed out a one-time code`);
  return (await response.json()).code;
}

const hosts = {
  docWidget: () => ({ docMiniApp: { Service: { User: { login: () => hostCode("docWidget") } } } }),
  client: () => {
    window.h5sdk = { ready: (cb) => setTimeout(cb, 30) };
    window.tt = {
      requestAccess: ({ state, success, fail }) => hostCode("client").then((code) => success({ code, state }), fail),
      requestAuthCode: ({ success, fail }) => hostCode("client").then((code) => success({ code }), fail),
    };
    return {};
  },
  clientOld: () => {
    window.h5sdk = { ready: (cb) => setTimeout(cb, 30) };
    window.tt = { requestAuthCode: ({ success, fail }) => hostCode("client").then((code) => success({ code }), fail) };
    return {};
  },
  miniProgram: () => {
    window.tt = { login: ({ success, fail }) => hostCode("miniProgram").then((code) => success({ code }), fail) };
    return {};
  },
};

for (const button of document.querySelectorAll("[data-surface]")) {
  button.onclick = async () => {
    clearError();
    busy(true);
    const extra = hosts[button.dataset.surface]();
    const hosted = makeAuth(extra);
    step(`simulating ${button.textContent}: detected surface "${hosted.surface}"`);
    try {
      await hosted.login({ force: true });
      step(`${hosted.surface}: session stored`);
    } catch (e) {
      showError(e);
    } finally {
      delete window.h5sdk;
      delete window.tt;
      hosted.free();
      render(auth.session);
      busy(false);
      showFaults();
    }
  };
}

// Armed faults are the emulator's, not the page's: shown from the emulator, also after a reload,
// until they are used up or cleared.
async function showFaults() {
  if (!config.emulator) return;
  const armed = await (await realFetch("/emulator/faults")).json();
  $("faults-armed").hidden = armed.count === 0;
  $("faults-armed").textContent = `armed: the next ${armed.count} token call(s) fail with ${armed.kind}`;
  $("fault-clear").hidden = armed.count === 0;
}
async function fault(count) {
  await realFetch("/emulator/faults", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ count, kind: "20050" }) });
  step(count ? `emulator: the next ${count} token call(s) fail with 20050` : "emulator: faults cleared");
  await showFaults();
}
$("fault-once").onclick = () => fault(1);
$("fault-many").onclick = () => fault(5);
$("fault-clear").onclick = () => fault(0);
await showFaults();

// --- Scan to log in, popup, passport (issue #10) ---------------------------------------------
let qr = null;
$("qr-show").onclick = () => {
  clearError();
  step("QR: mounting Feishu's QR code (goto = a fresh authorize URL with PKCE + state)");
  try {
    // In emulator mode the QR SDK is this server's stand-in (goto: the emulator's OAuth endpoint,
    // with PKCE); in real mode Feishu's CDN build, whose goto must be the passport endpoint.
    if (!config.emulator) sessionStorage.setItem("demo/passport", "1");
    const qrAuth = config.emulator ? oauth() : makeAuth(passportExtra());
    qr = qrAuth.mountQrLogin("qr-box", { width: 280, height: 340, ...(config.emulator ? { sdkUrl: "/emulator/qr-sdk.js" } : {}) });
  } catch (e) {
    return showError(e);
  }
  qr.ready.then(
    () => step("QR: the QR SDK is ready; scan it (emulator: pick a user): the tmp_code is checked (origin, charset, length), then the page goes to goto&tmp_code=…"),
    (e) => (e.kind === "cancelled" ? step("QR: " + e.message) : showError(e)),
  );
};
$("qr-hide").onclick = () => {
  sessionStorage.removeItem("demo/passport");
  qr?.dispose();
  qr = null;
  step("QR: disposed (listener and iframe removed)");
};
$("popup-login").onclick = () => {
  clearError();
  step("popup: opening the authorize page in a popup (PKCE + state; this page stays)");
  // Called in the click's task: the popup opens before anything is awaited.
  sessionStorage.removeItem("demo/passport");
  oauth().loginWithPopup().then(
    () => step("popup: the popup handed code + state back; state checked, code exchanged, session stored"),
    showError,
  );
};
$("passport-login").onclick = () => {
  clearError();
  sessionStorage.setItem("demo/passport", "1");
  step("passport: redirecting to the passport endpoint (no scope, no PKCE, state enforced)");
  makeAuth(passportExtra()).loginWithRedirect().catch((e) => {
    sessionStorage.removeItem("demo/passport");
    showError(e);
  });
};
