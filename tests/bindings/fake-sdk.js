// A scripted stand-in for FeishuLogin, passed to the bindings as `instance`, so the tests decide
// exactly when statuses and sessions change (a logout that stays "signingOut", a logout heard
// from another tab, a navigation to Feishu that is cancelled) and count the logins the bindings
// start. It has the SDK's surface: `status`/`onStatus` as the SDK declares them, listeners
// called in the SDK's order (onChange first, then onStatus, once per change).
import { FeishuLoginError } from "feishu-login";

export class FakeLogin {
  surface = "browser";
  logins = [];
  #session = null;
  #status = "signedOut";
  #changes = new Set();
  #statuses = new Set();
  #callback = null;
  #logout = null;

  constructor({ signedIn = false, callback = null } = {}) {
    if (signedIn) this.#set(FakeLogin.session(), "signedIn", { quiet: true });
    // `{ returnTo }`: the page is a callback; handleCallback() waits for finishCallback().
    this.#callback = callback;
  }

  static session(name = "张三") {
    return Object.freeze({ token: "t-" + name, expiresAt: null, user: Object.freeze({ name }), surface: "browser", obtainedAt: 0 });
  }

  get session() {
    return this.#session;
  }
  get status() {
    return this.#status;
  }
  onChange(listener) {
    this.#changes.add(listener);
    return () => this.#changes.delete(listener);
  }
  onStatus(listener) {
    this.#statuses.add(listener);
    return () => this.#statuses.delete(listener);
  }
  authHeaders() {
    return this.#session ? { Authorization: "Bearer " + this.#session.token } : {};
  }
  free() {}

  isCallback() {
    return this.#callback !== null;
  }
  handleCallback() {
    return new Promise((resolve) => {
      this.finishCallback = () => {
        history.replaceState(history.state, "", this.#callback.returnTo);
        this.#callback = null;
        this.#set(FakeLogin.session(), "signedIn");
        resolve(this.#session);
      };
    });
  }

  // The bindings' login: recorded; "redirect" makes it navigate (status redirecting, pending),
  // "deny" rejects like a refused consent, "throw" rejects with a foreign error.
  next = "redirect";
  login(options) {
    this.logins.push(options ?? null);
    if (this.#status === "signingOut" || this.#status === "redirecting") {
      return Promise.reject(new FeishuLoginError("cancelled", "a logout or a navigation is under way"));
    }
    if (this.next === "deny") return Promise.reject(new FeishuLoginError("denied", "the user refused"));
    if (this.next === "throw") return Promise.reject(new TypeError("not a FeishuLoginError"));
    if (this.next === "host") {
      this.#set(FakeLogin.session(), "signedIn");
      return Promise.resolve(this.#session);
    }
    this.#set(this.#session, "redirecting");
    return new Promise((resolve, reject) => {
      this.cancelNavigation = () => {
        this.#set(this.#session, this.#session ? "signedIn" : "signedOut");
        reject(new FeishuLoginError("cancelled", "the page did not unload"));
      };
    });
  }

  // A logout in this tab: signingOut (session removed at once) until finishLogout().
  logout() {
    this.#set(null, "signingOut");
    return new Promise((resolve) => {
      this.finishLogout = () => {
        this.#set(null, "signedOut");
        resolve();
      };
    });
  }

  // What other tabs and the clock do.
  signIn() {
    this.#set(FakeLogin.session(), "signedIn");
  }
  logoutInAnotherTab() {
    // One step: the listeners hear the session, then signingOut and signedOut.
    this.#step(null, ["signingOut", "signedOut"]);
  }
  expire() {
    this.#set(null, "signedOut");
  }

  #set(session, status, { quiet = false } = {}) {
    if (quiet) {
      this.#session = session;
      this.#status = status;
      return;
    }
    this.#step(session, status === this.#status ? [] : [status]);
  }

  #step(session, statuses) {
    const changed = session !== this.#session;
    this.#session = session;
    if (statuses.length) this.#status = statuses.at(-1);
    if (changed) for (const l of [...this.#changes]) l(session);
    for (const s of statuses) for (const l of [...this.#statuses]) l(s);
  }
}
