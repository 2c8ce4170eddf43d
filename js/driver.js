// The browser driver: the `FeishuLogin` class users call, around the Rust engine in the wasm.
// It holds no policy. It turns each call and each browser happening into an event for
// `Engine.step` (JSON text, with the time read once), performs the effects that come back (fetch,
// timers, host calls, navigation, windows, history, listeners) and answers the engine's
// synchronous questions through the `port*` functions below, which the wasm imports. Every
// decision (what a call does, retries, which error, which message, window features, methods) is
// made in Rust: see src/engine/ and src/wire.rs for the protocol.

/** Every rejection and throw of the SDK: `err instanceof FeishuLoginError && err instanceof Error`. */
export class FeishuLoginError extends Error {
  constructor(kind, message, code, status, retryable) {
    super(message);
    this.name = "FeishuLoginError";
    this.kind = kind;
    if (code !== undefined) this.code = code;
    if (status !== undefined) this.status = status;
    this.retryable = !!retryable;
  }
}

// The flows of this entry, as its wasm's cargo features (src/engine/entry.rs). scripts/build-pkg.mjs
// replaces FEISHU_LOGIN_HOSTS, FEISHU_LOGIN_POPUP and FEISHU_LOGIN_QR with `true` or `false` per
// npm entry (esbuild's `define`) and the minifier leaves out the code of the flows an entry lacks
// (the engine answers their calls with the entry to import); FEISHU_LOGIN_WASM names its wasm file.
// Each is read where it is used, as `typeof X === "undefined" || X` (a constant in between would
// not be inlined): where the driver runs unbuilt (the Rust API's snippet), every flow is there.
/* global FEISHU_LOGIN_HOSTS, FEISHU_LOGIN_POPUP, FEISHU_LOGIN_QR, FEISHU_LOGIN_WASM */

const g = globalThis;

// ---- messages ------------------------------------------------------------------------------------

// The engine names a text by its id (`m`), its parameters (`a`) and what follows it (`t`, joined
// with ": "); the texts are the package's modules written from src/messages.rs: the few thrown
// synchronously come with the entry (`sync`), the others are loaded with `import()` the first
// time one is needed (`load`), then kept. Set by makeFeishuLogin.
let syncTexts = {};
let textsBuild = null; // the table's digest: messages.js must be of the same build
let loadTexts = () => Promise.reject(new Error("no messages module"));
let texts = null; // every text, once loaded
let loading = null; // the load in progress: resolves with null or why it failed

// The driver's own texts (Msg::… in src/messages.rs, by id; tests/messages.test.mjs holds them).
const NOT_LOADED = 0; // Msg::NotLoaded
const FREED = 1; // Msg::Freed
const REENTERED = 2; // Msg::Reentered
const TAKES_FUNCTION = 3; // Msg::TakesFunction
const FREED_IN_FLIGHT = 4; // Msg::FreedInFlight
const LISTENER_THREW = 5; // Msg::ListenerThrew
const WASM_CSP = 6; // Msg::WasmCsp
const WASM_NOT_LOADED = 7; // Msg::WasmNotLoaded
const USE_INIT_SYNC = 8; // Msg::UseInitSync
// How long the first error may wait for the texts before it settles with the fallback text.
const LOAD_MS = 5000;

/** The text of message `m` from `table`, or null when the table lacks one of its ids. */
export function fill(table, m) {
  const t = table[m.m];
  if (typeof t !== "string") return null;
  const s = t.replace(/\{(\d)\}/g, (_, i) => m.a?.[i] ?? "");
  const rest = m.t && fill(table, m.t);
  return rest === null ? null : rest ? s + ": " + rest : s;
}

// Without its text (the module did not load: offline, blocked): the ids and parameters, so the
// message can still be looked up (src/messages.rs), and why.
function fallback(m, why) {
  const ids = [];
  const args = [];
  for (let x = m; x; x = x.t) ids.push(x.m), args.push(...(x.a ?? []));
  return "feishu-login message " + ids.join("+") + (args.length ? " (" + args.join(", ") + ")" : "") +
    ": the text could not be loaded (" + (why ?? "unknown id") + "): serve messages.js beside the package's index.js," +
    " and allow it in the network and the Content-Security-Policy";
}

const text = (m, why) => (texts && fill(texts, m)) ?? fill(syncTexts, m) ?? fallback(m, why);

/** Loads every text once (resolves when done or failed: never rejects, never hangs). */
function loadAll() {
  if (texts) return Promise.resolve(null);
  return (loading ??= new Promise((resolve) => {
    const done = (why) => {
      if (timer === null) return;
      clearTimeout(timer);
      timer = null;
      loading = null; // a failed load is tried again by the next message
      resolve(why);
    };
    let timer = setTimeout(done, LOAD_MS, "not within " + LOAD_MS + " ms");
    new Promise((ok) => ok(loadTexts())).then(
      (module) => {
        // From another build (a stale cache, a newer deploy): its ids name other texts.
        if (textsBuild && module.build !== textsBuild) return done("messages.js is from another build of feishu-login");
        texts = module.default;
        done(null);
      },
      (e) => done(String(e?.message ?? e)),
    );
  }));
}

/** Calls `then(text)` with the text of `m`: now when it is at hand, else once loaded. */
function withText(m, then) {
  if (texts || fill(syncTexts, m) !== null) return void then(text(m));
  loadAll().then((why) => then(text(m, why)));
}

const failure = (e, message) => new FeishuLoginError(e.kind, message, e.code, e.status, e.retryable);
/** A FeishuLoginError thrown synchronously (its text is in the first load). */
const syncError = (e) => failure(e, text(e, "not among the synchronous texts"));
const misuse = (m, ...a) => syncError({ kind: "config", m, a });

// ---- ports: what the engine asks synchronously while it decides -------------------------------

// The configured session store of the instance whose engine is stepping ("local", "session",
// or the app's object). Steps never overlap: they are synchronous, and effects run after.
let active = null;

export function portFill(buf) {
  try {
    g.crypto.getRandomValues(buf);
    return true;
  } catch {
    return false;
  }
}

// Area 0: the configured session store; 1: sessionStorage; 2: localStorage. Getting a web
// store itself may throw (sandboxed iframes), hence inside the try of each port.
function store(area) {
  const s = area ? null : active;
  return s && typeof s === "object" ? s : area === 1 || s === "session" ? g.sessionStorage : g.localStorage;
}

/** "+value", "-" (absent), or undefined (the store threw or answered a non-string). */
export function portGet(area, key) {
  try {
    const v = store(area).getItem(key);
    return v == null ? "-" : typeof v === "string" ? "+" + v : undefined;
  } catch {
    return undefined;
  }
}

/** Writes (or removes, for `value == null`); false when the store threw. */
export function portPut(area, key, value) {
  try {
    const s = store(area);
    value == null ? s.removeItem(key) : s.setItem(key, value);
    return true;
  } catch {
    return false;
  }
}

/** The WHATWG URL parser: the URL's fields joined by "\n", or undefined when it throws. */
export function portUrl(input, base) {
  try {
    const u = new URL(input, base ?? undefined);
    return [u.href, u.origin, u.protocol, u.username, u.password, u.host, u.pathname, u.search, u.hash].join("\n");
  } catch {
    return undefined;
  }
}

// ---- host APIs: callback APIs become promises that settle once and time out --------------------

// What `once` rejects with when the host never answered: an object no host can hand back.
const NO_ANSWER = {};

function once(ms, start) {
  return new Promise((resolve, reject) => {
    let done = false;
    const settle = (fn) => (v) => {
      if (!done) {
        done = true;
        clearTimeout(timer);
        fn(v);
      }
    };
    const timer = setTimeout(settle(reject), ms, NO_ANSWER);
    try {
      start(settle(resolve), settle(reject));
    } catch (thrown) {
      settle(reject)(thrown);
    }
  });
}

const fn = (o, name) => {
  try {
    return typeof o?.[name] === "function" ? o[name] : null;
  } catch {
    return null;
  }
};
const docLogin = (dm) => {
  try {
    const user = dm?.Service?.User;
    return fn(user, "login") && user;
  } catch {
    return null;
  }
};
const tt = (name) => fn(g.tt, name);

// The fields the engine reads of what a host answered (an Error's message is not enumerable).
function plain(v) {
  if (v == null || typeof v !== "object") return v === undefined ? null : v;
  const out = {};
  for (const k of ["code", "state", "errno", "errCode", "errMsg", "errString", "message"]) {
    try {
      const x = v[k];
      if (typeof x === "string" || typeof x === "number") out[k] = x;
    } catch {}
  }
  return out;
}

// A host failure as the engine reads it: no answer in time, or what the host rejected with.
const failed = (err) => (err === NO_ANSWER ? { timeout: true } : { error: plain(err) });

function callHost(e, docMiniApp) {
  const ms = e.timeoutMs;
  const tell = (p) => p.then((value) => ({ value: plain(value) }), failed);
  const callTt = (api, params) => {
    const f = tt(api);
    return f ? tell(once(ms, (ok, fail) => f.call(g.tt, { ...params, success: ok, fail: (err) => fail(err ?? {}) }))) : { missing: true };
  };
  switch (e.api) {
    case "docWidget": {
      const user = docLogin(docMiniApp ?? g.DocMiniApp);
      return user ? tell(once(ms, (ok, fail) => Promise.resolve(user.login()).then(ok, (err) => fail(err ?? {})))) : { missing: true };
    }
    case "h5sdkReady": {
      const h5 = g.h5sdk;
      if (!fn(h5, "ready")) return { missing: true };
      return once(ms, (ok) => h5.ready(() => ok())).then(() => ({ ready: true }), failed);
    }
    case "requestAccess":
      // Note the capital D: requestAccess takes `appID`, requestAuthCode `appId`.
      return callTt("requestAccess", { appID: e.appId, scopeList: e.scope, state: e.state });
    case "requestAuthCode":
      return callTt("requestAuthCode", { appId: e.appId });
    default:
      return callTt("login", {});
  }
}

// ---- reading the app's arguments ------------------------------------------------------------------

// The app's argument as JSON text inside the event, so the engine reads it on its own and
// answers the call whatever it holds; `threw` when a getter, a Proxy trap or toJSON threw. A
// function is sent as `{}`, not dropped: its key stays for the engine to check (an unknown
// `onRedirectCallback` is named, not silently ignored). Symbols and undefined drop out, as absent.
const asData = (_, v) => (typeof v === "function" ? {} : v);
function read(value, event, key = "arg") {
  try {
    event[key] = JSON.stringify(value, asData) ?? "null";
  } catch {
    event.threw = true;
  }
  return event;
}

// ---- the class ----------------------------------------------------------------------------------

/**
 * The FeishuLogin class over the wasm's `Engine`; `messages`: `{ sync, build, load }`, the
 * synchronous texts, the table's digest and a function importing the module of all texts (see
 * "messages" above).
 */
export function makeFeishuLogin(Engine, messages) {
  syncTexts = messages?.sync ?? syncTexts;
  textsBuild = messages?.build ?? textsBuild;
  loadTexts = messages?.load ?? loadTexts;
  class FeishuLogin {
    #engine;
    #store;
    #docMiniApp;
    #session = null;
    #headers = Object.freeze({});
    #status;
    #statusVersion = 0;
    #surface;
    #listeners = new Set();
    #statusListeners = new Set();
    #calls = new Map();
    #next = 1;
    #timers = new Map(); // op (or "expiry") → setTimeout handle
    #fetches = new Set(); // AbortControllers of requests in flight
    #locks = new Map(); // op → release function of a held Web Lock
    #qr = null; // the mounted QR login: { mount, el, ready, pending, stop, obj? }
    #qrTarget = null;
    #stepping = false;
    #off = [];
    #queue = null; // settlements waiting for the first text to load (see #deliver)

    constructor(config) {
      try {
        this.#engine = new Engine();
      } catch {
        throw misuse(NOT_LOADED);
      }
      // Whether there is a page to navigate, open a popup from or draw into (not in Node).
      const env = { href: String(g.location?.href ?? ""), page: typeof g.document === "object" && !!g.document };
      const event = { t: "init", env };
      try {
        const { storage, docMiniApp } = config ?? {};
        const ok = storage && typeof storage === "object";
        this.#store = storage;
        this.#docMiniApp = docMiniApp;
        const described = {
          ...config,
          storage: ok ? (["getItem", "setItem", "removeItem"].every((m) => fn(storage, m)) ? {} : false) : storage,
          docMiniApp: docMiniApp == null ? null : typeof docMiniApp === "object" ? {} : docMiniApp,
        };
        read(config == null || typeof config !== "object" ? config : described, event, "config");
      } catch {
        event.threw = true;
      }
      env.docMiniApp = !!docLogin(this.#docMiniApp ?? g.DocMiniApp);
      env.h5sdk = !!g.h5sdk && typeof g.h5sdk === "object";
      env.ttLogin = !!tt("login");
      const failed = this.#run(event, 0);
      if (failed instanceof Error) {
        this.#engine.free();
        this.#engine = null;
        throw failed;
      }
    }

    // Steps the engine and performs what it returns. Listener calls wait until the batch is done,
    // so a listener that calls back into the SDK sees a settled state: first the onChange
    // listeners, then the onStatus ones. A status that comes before the step's first session
    // change is already the status while the onChange listeners run (a logout: "signingOut").
    #step(event) {
      this.#live();
      // A custom storage object's method that calls back into the SDK while the engine is
      // deciding would hit the engine mid-step: refuse it plainly.
      if (this.#stepping) throw misuse(REENTERED);
      const previous = active;
      active = this.#store;
      this.#stepping = true;
      let text;
      try {
        text = this.#engine.step(JSON.stringify(event), Date.now());
      } finally {
        active = previous;
        this.#stepping = false;
      }
      const notify = [];
      const statuses = [];
      let settled;
      for (const e of JSON.parse(text)) {
        switch (e.e) {
          // Popup and QR login effects (src/engine/popup.rs); the other cases below.
          default:
            if (typeof FEISHU_LOGIN_POPUP === "undefined" || FEISHU_LOGIN_POPUP || FEISHU_LOGIN_QR) this.#window(e);
            break;
          case "ready":
            this.#surface = e.surface;
            if (g.addEventListener) {
              const on = (type, f) => {
                g.addEventListener(type, f);
                this.#off.push(() => g.removeEventListener(type, f));
              };
              on("pagehide", () => this.#feed({ t: "pagehide" }));
              on("pageshow", (ev) => this.#feed({ t: "pageshow", persisted: !!ev.persisted }));
              if (e.watch) on("storage", (ev) => this.#feed({ t: "storage", key: ev.key }));
              // A hidden tab's timers are throttled or frozen: the engine re-checks renewal.
              on("visibilitychange", () => this.#feed({ t: "visibility", visible: g.document?.visibilityState === "visible" }));
              on("online", () => this.#feed({ t: "online" }));
            }
            break;
          case "settle": {
            const call = this.#calls.get(e.id);
            this.#calls.delete(e.id);
            const value = e.session ? this.#session : e.value;
            const x = e.error;
            if (call) this.#deliver(x, (message) => (x ? call.reject(failure(x, message)) : call.resolve(value)));
            else settled = x ? syncError(x) : { value };
            break;
          }
          case "session":
            this.#session = deepFreeze(e.session);
            this.#headers = Object.freeze(e.headers);
            notify.push(this.#session);
            break;
          case "status":
            statuses.push(e.status);
            if (!notify.length) this.#setStatus(e.status);
            break;
          case "timer":
            this.#timer("expiry", e.ms, { t: "tick" });
            break;
          case "sleep":
            this.#timer(e.op, e.ms, { t: "slept", op: e.op });
            break;
          case "fetch":
            this.#fetch(e);
            break;
          case "host":
            // Inside `if`, so that an entry without the hosts leaves callHost out.
            if (typeof FEISHU_LOGIN_HOSTS === "undefined" || FEISHU_LOGIN_HOSTS) Promise.resolve(callHost(e, this.#docMiniApp)).then((a) => this.#feed({ t: "host", op: e.op, ...a }));
            break;
          case "navigate": {
            let taken = true;
            try {
              g.location.assign(e.url);
            } catch {
              taken = false;
            }
            this.#feed({ t: taken ? "navigated" : "navfail", op: e.op });
            break;
          }
          case "replace":
            try {
              g.history.replaceState(g.history.state, "", e.url);
            } catch {}
            break;
          case "warn":
            withText(e, (message) => console.warn(message));
            break;
          case "lock":
            this.#lock(e);
            break;
          case "unlock":
            this.#locks.get(e.op)?.();
            this.#locks.delete(e.op);
            break;
        }
      }
      for (const session of notify) {
        for (const listener of [...this.#listeners]) {
          // A listener may change the session again (logout() on a banned user): the others
          // then hear the newer one from that change, never this stale one after it.
          if (session !== this.#session) break;
          try {
            listener(session);
          } catch (thrown) {
            // One broken listener must not keep the others from hearing the change.
            withText({ m: LISTENER_THREW, a: ["onChange"] }, (message) => console.error(message, thrown));
          }
        }
      }
      let version = this.#statusVersion;
      tell: for (const status of statuses) {
        this.#setStatus(status);
        version = this.#statusVersion;
        for (const listener of [...this.#statusListeners]) {
          // A listener that called the SDK may have moved the status on: the others hear that.
          if (version !== this.#statusVersion) break tell;
          try {
            listener(status);
          } catch (thrown) {
            withText({ m: LISTENER_THREW, a: ["onStatus"] }, (message) => console.error(message, thrown));
          }
        }
      }
      return settled;
    }

    // Settles one of this instance's promises; `m`: the message its rejection needs (null for a
    // resolution). Once the texts are loaded, or for a synchronous one, at once; while the first
    // text loads, every settlement waits behind it, so that the app hears them in the engine's
    // order (a login cancelled by logout() rejects before that logout() resolves).
    #deliver(m, settle) {
      if (!this.#queue && (!m || texts || fill(syncTexts, m) !== null)) return void settle(m && text(m));
      const queued = (this.#queue ?? loadAll()).then((why) => {
        try {
          settle(m && text(m, why));
        } catch {}
        return why;
      });
      this.#queue = queued;
      queued.then(() => this.#queue === queued && (this.#queue = null));
    }

    #setStatus(status) {
      this.#status = status;
      this.#statusVersion++;
    }

    #feed(event) {
      if (this.#engine) this.#step(event);
    }

    #timer(key, ms, event) {
      clearTimeout(this.#timers.get(key));
      this.#timers.delete(key);
      if (ms != null) {
        this.#timers.set(key, setTimeout(() => {
          this.#timers.delete(key);
          this.#feed(event);
        }, ms));
      }
    }

    #fetch(e) {
      let timedOut = false;
      const ctl = new AbortController();
      this.#fetches.add(ctl);
      const timer = setTimeout(() => {
        timedOut = true;
        ctl.abort();
      }, e.timeoutMs);
      fetch(e.url, { method: e.method, headers: e.headers, body: e.body, credentials: e.credentials, signal: ctl.signal })
        .then(async (r) => ({ status: r.status, body: await r.text() }))
        .catch(() => ({ fail: timedOut ? "timeout" : "network" }))
        .then((answer) => {
          clearTimeout(timer);
          this.#fetches.delete(ctl);
          this.#feed({ t: "fetched", op: e.op, ...answer });
        });
    }

    // A Web Lock held until the engine's "unlock" (or free()); "held: false" without Web Locks.
    #lock(e) {
      const tell = (held) => this.#feed({ t: "locked", op: e.op, held });
      let locks;
      try {
        locks = g.navigator?.locks;
      } catch {}
      if (typeof locks?.request !== "function") return void queueMicrotask(() => tell(false));
      locks
        .request(e.name, () => {
          if (!this.#engine) return;
          return new Promise((release) => {
            this.#locks.set(e.op, release);
            tell(true);
          });
        })
        .catch(() => tell(false));
    }

    // A synchronous member: its settle comes back in the same step.
    #run(event, id) {
      event.id = id;
      return this.#step(event);
    }

    #sync(m, arg) {
      const settled = this.#run(read(arg, { t: "call", m, href: href() }), 0);
      if (settled instanceof Error) throw settled;
      return settled?.value;
    }

    #async(m, arg, t = "call") {
      const id = this.#next++;
      const promise = new Promise((resolve, reject) => this.#calls.set(id, { resolve, reject }));
      try {
        this.#run(read(arg, { t, m, href: href() }), id);
      } catch (thrown) {
        // Freed, or called from inside a storage callback: a promise member rejects, never throws.
        this.#calls.delete(id);
        return Promise.reject(thrown);
      }
      return promise;
    }

    #live() {
      if (!this.#engine) throw misuse(FREED);
    }

    /** The detected (or forced) login surface. */
    get surface() {
      this.#live();
      return this.#surface;
    }

    /** The persisted, unexpired session (the same frozen object until it changes), or null. */
    get session() {
      this.#sync("read");
      return this.#session;
    }

    /** "signedIn", "signedOut", "redirecting" (leaving for Feishu) or "signingOut" (a logout runs). */
    get status() {
      this.#sync("read");
      return this.#status;
    }

    login(options) {
      return this.#async("login", options);
    }

    authorizeUrl(options) {
      return this.#async("authorizeUrl", options);
    }

    loginWithRedirect(options) {
      return this.#async("loginWithRedirect", options);
    }

    /** Opens the authorize page in a popup; call it in a click handler, before any await. */
    loginWithPopup(options) {
      // The engine's popup effect opens the window in this same task (the click's: popup
      // blockers allow only that).
      return this.#async("popup", options, "window");
    }

    /** Renders Feishu's QR code into `target` (an element or its id); returns `{ ready, dispose() }`. */
    mountQrLogin(target, options) {
      // Without the QR login, the engine throws the entry to import.
      if (!(typeof FEISHU_LOGIN_QR === "undefined" || FEISHU_LOGIN_QR)) throw this.#run(read(options, { t: "window", m: "qr", href: href() }), 0);
      this.#live();
      let el = null;
      try {
        el = typeof target === "string" ? g.document.getElementById(target) : target instanceof g.Element ? target : null;
      } catch {}
      this.#qrTarget = el;
      const settled = this.#run(read(options, { t: "window", m: "qr", target: !!el, href: href() }), 0);
      if (settled instanceof Error) throw settled;
      const q = this.#qr;
      return {
        ready: q.ready,
        dispose: () => {
          if (this.#qr === q) this.#feed({ t: "window", m: "qrdispose", mount: q.mount });
        },
      };
    }

    // Performs a popup or QR login effect.
    #window(e) {
      const q = this.#qr?.mount === e.mount ? this.#qr : null;
      switch (e.e) {
        case "popup": {
          if (!(typeof FEISHU_LOGIN_POPUP === "undefined" || FEISHU_LOGIN_POPUP)) break;
          let win = null;
          try {
            // Blank first (same origin), then Feishu's page: a window this page can still read
            // was not severed by an opener policy, one that throws is on another origin.
            win = g.open("", "_blank", e.features) ?? null;
            win.location.href = e.url;
          } catch {}
          if (!win) {
            this.#feed({ t: "window", m: "popupblocked" });
            break;
          }
          const message = (ev, extra) => this.#feed(read(ev.data, { t: "window", m: "popupmsg", origin: ev.origin ?? "", ...extra }, "data"));
          const onMessage = (ev) => message(ev, { fromPopup: ev.source === win });
          g.addEventListener("message", onMessage);
          let channel = null;
          try {
            channel = new BroadcastChannel(e.channel);
            channel.onmessage = (ev) => message(ev, { channel: true });
          } catch {}
          let crossOrigin = false;
          const timer = setInterval(() => {
            let closed = true;
            try {
              closed = win.closed;
              if (!closed) void win.location.href;
            } catch {
              crossOrigin = true;
            }
            if (closed) {
              clearInterval(timer);
              this.#feed({ t: "window", m: "popupclosed", crossOrigin });
            }
          }, e.pollMs);
          const stop = () => {
            clearInterval(timer);
            g.removeEventListener("message", onMessage);
            channel?.close();
            try {
              if (!win.closed) win.close();
            } catch {}
          };
          this.#off.push(stop);
          // The window closes when the call that opened it settles.
          const call = this.#calls.get(e.id);
          if (call) {
            const { resolve, reject } = call;
            call.resolve = (v) => (stop(), resolve(v));
            call.reject = (x) => (stop(), reject(x));
          }
          break;
        }
        case "handover":
          if (!(typeof FEISHU_LOGIN_POPUP === "undefined" || FEISHU_LOGIN_POPUP)) break;
          // To this page's origin exactly (a cross-origin opener never receives the code), and on
          // the app's channel of this origin (an opener policy may have severed the opener link).
          try {
            g.opener?.postMessage(e.data, e.origin);
          } catch {}
          try {
            new BroadcastChannel(e.channel).postMessage(e.data);
          } catch {}
          try {
            g.close();
          } catch {}
          break;
        case "qrmount": {
          if (!(typeof FEISHU_LOGIN_QR === "undefined" || FEISHU_LOGIN_QR)) break;
          const el = this.#qrTarget;
          if (!el.id) el.id = "feishu-login-qr-" + e.mount;
          const before = new Set(el.children);
          const n = { mount: e.mount, el, pending: true };
          n.ready = new Promise((resolve, reject) => Object.assign(n, { resolve, reject }));
          n.ready.catch(() => {}); // an app that never awaits `ready` gets no unhandled rejection
          const onMessage = (ev) => {
            let matchOrigin = false;
            let matchData = true;
            try {
              matchOrigin = !!n.obj?.matchOrigin?.(ev.origin);
            } catch {}
            try {
              if (typeof n.obj?.matchData === "function") matchData = !!n.obj.matchData(ev.data);
            } catch {
              matchData = false;
            }
            // Whether it comes from the QR iframe in this QR's element, or a frame inside it
            // (another instance's QR posts to the same window).
            const frames = [...el.querySelectorAll("iframe")].map((f) => f.contentWindow);
            let fromFrame = false;
            for (let w = ev.source; w && w !== g && !fromFrame; w = w.parent === w ? null : w.parent) fromFrame = frames.includes(w);
            this.#feed(read(ev.data, { t: "window", m: "qrmsg", mount: n.mount, origin: ev.origin, matchOrigin, matchData, fromFrame }, "data"));
          };
          g.addEventListener("message", onMessage);
          n.stop = () => {
            g.removeEventListener("message", onMessage);
            for (const child of [...el.children]) if (!before.has(child)) child.remove();
          };
          this.#off.push(n.stop);
          this.#qr = n;
          const loaded = (ok) => {
            clearTimeout(n.timer);
            if (this.#qr !== n || n.loaded) return;
            n.loaded = true;
            let api = false;
            try {
              // QRLogin takes strings (`width: "300"`); numbers are written as such.
              const o = e.options ?? {};
              const str = (v) => (typeof v === "number" ? String(v) : v);
              const obj = ok && g.QRLogin({ id: el.id, goto: e.goto, width: str(o.width), height: str(o.height), style: o.style });
              if (obj && typeof obj === "object") {
                n.obj = obj;
                api = true;
              }
            } catch {}
            this.#feed({ t: "window", m: "qrloaded", mount: n.mount, loaded: ok, api });
          };
          if (typeof g.QRLogin === "function") queueMicrotask(() => loaded(true));
          else {
            // A script that neither loads nor fails must not leave `ready` pending for ever.
            n.timer = setTimeout(() => loaded(false), e.timeoutMs);
            const script = g.document.createElement("script");
            script.src = e.sdkUrl;
            script.onload = () => loaded(true);
            script.onerror = () => loaded(false);
            g.document.head.append(script);
          }
          break;
        }
        case "qrready":
          if (!(typeof FEISHU_LOGIN_QR === "undefined" || FEISHU_LOGIN_QR)) break;
          if (q?.pending) {
            q.pending = false;
            const x = e.error;
            this.#deliver(x, (message) => (x ? q.reject(failure(x, message)) : q.resolve()));
          }
          if (q && e.error) {
            q.stop();
            this.#qr = null;
          }
          break;
        case "qrunmount":
          if (!(typeof FEISHU_LOGIN_QR === "undefined" || FEISHU_LOGIN_QR)) break;
          if (q) {
            this.#qr = null;
            q.stop();
            if (q.pending) {
              q.pending = false;
              this.#deliver(e.error, (message) => q.reject(failure(e.error, message)));
            }
          }
          break;
      }
    }

    isCallback(url) {
      return this.#sync("isCallback", url);
    }

    handleCallback(url) {
      return this.#async("handleCallback", url);
    }

    /** Removes the session at once (every tab hears null); with `logoutUrl`, settles after the server's answer. */
    logout(options) {
      return this.#async("logout", options);
    }

    /** A session valid for at least `options.minValidityMs` (default 60000), renewed when needed and possible; null when signed out. */
    getSession(options) {
      return this.#async("getSession", options);
    }

    onChange(listener) {
      return this.#listen(this.#listeners, listener, "onChange");
    }

    /** Calls `listener(status)` once per change of `status`, after the step's onChange listeners. */
    onStatus(listener) {
      return this.#listen(this.#statusListeners, listener, "onStatus");
    }

    #listen(set, listener, name) {
      this.#live();
      if (typeof listener !== "function") throw misuse(TAKES_FUNCTION, name);
      const entry = (s) => listener(s);
      set.add(entry);
      return () => set.delete(entry);
    }

    /** `{ Authorization: "Bearer …" }` while signed in, else `{}`: the same frozen object until the session changes. */
    authHeaders() {
      this.#sync("read");
      return this.#headers;
    }

    /** Releases the wasm engine, timers and listeners; the instance is unusable afterwards. */
    free() {
      if (!this.#engine) return;
      this.#engine.free();
      this.#engine = null;
      this.#off.forEach((off) => off());
      this.#timers.forEach((t) => clearTimeout(t));
      this.#fetches.forEach((ctl) => ctl.abort());
      this.#locks.forEach((release) => release());
      this.#listeners.clear();
      this.#statusListeners.clear();
      // Nothing the SDK started may hang: calls still waiting settle with the freed error.
      const freed = { kind: "config", m: FREED_IN_FLIGHT };
      const reject = (settle) => this.#deliver(freed, (message) => settle(failure(freed, message)));
      this.#calls.forEach((call) => reject(call.reject));
      this.#calls.clear();
      // A QR script still loading would never report back to a freed engine: `ready` ends here.
      if (!(typeof FEISHU_LOGIN_QR === "undefined" || FEISHU_LOGIN_QR)) return;
      const q = this.#qr;
      this.#qr = null;
      if (q?.pending) {
        q.pending = false;
        reject(q.reject);
      }
    }
  }
  // Minifiers rename classes; devtools and error reports should say FeishuLogin.
  Object.defineProperty(FeishuLogin, "name", { value: "FeishuLogin" });
  return FeishuLogin;
}

const href = () => String(g.location?.href ?? "");

function deepFreeze(value) {
  if (value && typeof value === "object") {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

/**
 * Wraps the glue's `init`: a failure is a FeishuLoginError that says what to do (the driver's own
 * texts: when the wasm cannot load there is no engine to ask). It also takes two first-time costs
 * out of the app's first `new FeishuLogin()` (~9 ms, against ~0.5 ms for the second one):
 * - the page's first access to localStorage and sessionStorage loads them synchronously (~3 ms):
 *   done here while the wasm is on its way, when the page has nothing else to do;
 * - Chromium compiles each wasm function on its first call (~170 in the constructor, ~4 ms):
 *   once instantiated, a throwaway instance runs the constructor's path.
 */
export function wrapInit(init, FeishuLogin) {
  return async (...args) => {
    let exports, storage;
    try {
      const wasm = init(...args);
      storage = openStorage();
      exports = await wasm;
    } catch (e) {
      const why = String(e?.message ?? e);
      const csp = /Content.Security.Policy|unsafe-eval|CSP/i.test(why);
      const file = typeof FEISHU_LOGIN_WASM === "undefined" ? "its wasm" : FEISHU_LOGIN_WASM;
      let m = csp ? { m: WASM_CSP, a: [why] } : { m: WASM_NOT_LOADED, a: [why, file] };
      // Without an argument init() fetches the wasm next to this module, which Node's fetch
      // cannot (a file: URL): there the answer is initSync.
      if (args[0] == null && g.process?.versions?.node) m = { m: USE_INIT_SYNC, a: [why] };
      throw await new Promise((resolve) => withText(m, (message) => resolve(new FeishuLoginError("unsupported", message))));
    }
    // An App ID no one uses, freed at once: it reads its own absent session (from memory where
    // localStorage refused, which would warn) and writes nothing. Best effort.
    if (storage && FeishuLogin && !warmed) {
      warmed = true;
      try {
        new FeishuLogin({ appId: "cli_warm", backend: "/", storage }).free();
      } catch {}
    }
    return exports;
  };
}

let warmed = false;

// In a page: reads a key no one writes from both stores, so that Chromium holds them for the
// SDK's reads; "local" when localStorage answered, else "memory".
function openStorage() {
  if (!g.document) return null;
  let local = "local";
  for (const name of ["localStorage", "sessionStorage"]) {
    try {
      g[name].getItem("");
    } catch {
      if (name === "localStorage") local = "memory";
    }
  }
  return local;
}
