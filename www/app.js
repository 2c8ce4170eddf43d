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

// Log each request the page makes (method, path, status: no bodies, no query). The status of
// the last renewal request tells a refused renewal (401: the session ended) from other sign-outs.
const realFetch = window.fetch.bind(window);
let lastRenewal = null;
window.fetch = async (input, init = {}) => {
  const url = new URL(input instanceof Request ? input.url : String(input), location.href);
  const shown = `${init.method || "GET"} ${url.origin === location.origin ? url.pathname : url.origin + url.pathname}`;
  try {
    const response = await realFetch(input, init);
    step(`${shown} → ${response.status}`, !response.ok);
    if (url.pathname === "/api/feishu/refresh") lastRenewal = response.status;
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

// How long Feishu's user tokens live: the emulator's setting (the buttons below change it), or
// Feishu's own 2 hours.
const tokenTtlSecs = config.emulator ? (await (await realFetch("/emulator/settings")).json()).userTokenTtlSecs : 7200;
// When the SDK renews: a third of the token lifetime before expiry, at most the SDK's default
// minute. Why: the reference backend spends Feishu's refresh token only once the user token has
// less than half its lifetime left (at most 5 minutes), and a session never outlives that token,
// so a renewal asked earlier hands back the same expiry (and the SDK, which never renews in the
// first half of a session, would ask again at half of what is left). And renewBeforeMs must stay
// below the session's lifetime: 60 s before a 30 s session would be "now" for ever, were it not
// for that half-life floor. A third lands inside the backend's window with time left for the
// request (and for expiresIn being whole seconds). 30 s tokens: 10 s; 2 h: 60 s.
const renewBeforeMs = Math.min(60_000, Math.floor((tokenTtlSecs * 1000) / 3));

function makeAuth(extra = {}) {
  return new FeishuLogin({
    appId: config.appId,
    brand: config.brand,
    backend: "/api/feishu/login",
    // Renewal before expiry and a logout the server honours (the reference backend's endpoints).
    refreshUrl: "/api/feishu/refresh",
    logoutUrl: "/api/logout",
    renewBeforeMs,
    // In emulator mode the authorize page is this server's; in real mode the brand's default.
    ...(config.emulator ? { authorizeUrl: location.origin + "/open-apis/authen/v1/authorize" } : {}),
    // offline_access: Feishu hands the backend a refresh token, so the session can be renewed
    // past the user token's lifetime (without it the backend's renewal answers 401).
    scope: ["contact:user.base:readonly", "offline_access"],
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

let shown = null;
function render(session) {
  shown = session;
  $("status").textContent = session ? `signed in (${session.surface})` : "signed out";
  $("user").textContent = session?.user ? `${session.user.name} (${session.user.enName ?? ""})` : "–";
  $("expires").textContent = session?.expiresAt ? new Date(session.expiresAt).toLocaleString() : "–";
  document.body.dataset.session = session ? "yes" : "no";
  countdown();
}
// "session expires in N s", live. The SDK itself ends the session at expiresAt (onChange(null))
// and renews it renewBeforeMs before.
function countdown() {
  const at = shown?.expiresAt;
  $("expires-in").textContent = !shown
    ? "–"
    : at
      ? `session expires in ${Math.max(0, Math.ceil((at - Date.now()) / 1000))} s`
      : "session does not expire";
}
setInterval(countdown, 500);
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
const until = (session) => (session.expiresAt ? new Date(session.expiresAt).toLocaleTimeString() : "no expiry");
auth.onChange((session) => {
  const before = shown;
  render(session);
  if (
    before && session && before.token !== session.token &&
    before.user?.openId === session.user?.openId && before.surface === session.surface
  ) {
    // The same user on the same surface with a new token: a renewal (in this tab, or another
    // tab's it picked up); a host simulation signing in again is a new login, not a renewal.
    step(`renewed: new session until ${until(session)}`);
  } else if (before && !session && lastRenewal === 401) {
    step("onChange: signed out (the backend refused the renewal: the session has ended)", true);
    lastRenewal = null;
  } else {
    lastRenewal = null;
    step(session ? "onChange: signed in" : "onChange: signed out");
  }
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
$("logout").onclick = async () => {
  clearError();
  step("logout: POST /api/logout revokes the session on the server; every tab forgets it now");
  try {
    // Signed out locally at once; settles once the backend answered (a failure is only a
    // console warning: the session is gone all the same).
    await auth.logout();
    step("logged out: the backend refuses the old token from now on");
  } catch (e) {
    showError(e);
  }
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
// --- Renewal and revocation ---------------------------------------------------------
$("lifetimes").textContent = `User tokens live ${tokenTtlSecs >= 3600 ? tokenTtlSecs / 3600 + " h" : tokenTtlSecs + " s"}; the SDK renews ${renewBeforeMs / 1000} s before a session expires.`;
for (const button of [$("ttl-short"), $("ttl-long")]) {
  button.onclick = async () => {
    const ttl = Number(button.dataset.ttl);
    await realFetch("/emulator/settings", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ userTokenTtlSecs: ttl }),
    });
    // renewBeforeMs is fixed when the SDK is constructed: the page reloads to fit the new
    // lifetime. The current session keeps its own; tokens issued from now on get the new one.
    step(`emulator: user tokens issued from now on live ${button.textContent.replace("Tokens live ", "")}: sign in again to get one`);
    location.reload();
  };
}
$("renew-now").onclick = async () => {
  clearError();
  const session = auth.session;
  if (!session) return step("renew now: not signed in", true);
  step("renew now: getSession() with a minValidityMs longer than the session has left");
  try {
    const renewed = await auth.getSession({ minValidityMs: Math.max(0, (session.expiresAt ?? Date.now()) - Date.now()) + 1000 });
    // The backend checks the user with Feishu each time; it answers the same token when nothing
    // changed (same second, same expiry), else a new one (onChange logged "renewed").
    step(
      renewed
        ? `renew now: done, ${renewed.token === session.token ? "the same session" : "a new session"} until ${until(renewed)}`
        : "renew now: the session has ended",
      !renewed,
    );
  } catch (e) {
    showError(e);
  }
};
$("revoke").onclick = async () => {
  clearError();
  const openId = auth.session?.user?.openId;
  if (!openId) return step("revoke: sign in first (the emulator revokes the signed-in user)", true);
  const response = await realFetch("/emulator/revoke", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ openId }),
  });
  if (!response.ok) return step(`revoke: the emulator answered ${response.status}`, true);
  const { revoked } = await response.json();
  step(`emulator: ${auth.session?.user?.name ?? "the user"} withdrew consent (${revoked} refresh token(s) revoked): the next renewal is refused (401) and ends the session`);
};

$("fault-once").onclick = () => fault(1);
$("fault-many").onclick = () => fault(5);
$("fault-clear").onclick = () => fault(0);
await showFaults();

// --- Scan to log in, popup, passport ---------------------------------------------
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
