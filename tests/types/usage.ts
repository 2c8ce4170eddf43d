// Compiled with `tsc --noEmit --strict` against the built package (tests/package.test.mjs): the
// public types must accept what the docs show and reject what they forbid.
import init, { FeishuLogin, FeishuLoginError, type AuthStatus, type Session, type FeishuLoginConfig, type Surface } from "feishu-login";

export async function usage(): Promise<string> {
  await init();
  const config: FeishuLoginConfig = {
    appId: "cli_x",
    backend: { url: "/api/feishu/login", credentials: "include", timeoutMs: 5000, retries: 1, codeIn: "query", headers: { "X-App": "1" } },
    scope: ["contact:user.base:readonly"],
    brand: "lark",
    storage: { getItem: (k) => localStorage.getItem(k), setItem: (k, v) => localStorage.setItem(k, v), removeItem: (k) => localStorage.removeItem(k) },
    surface: "auto",
    hostTimeoutMs: 1000,
  };
  const auth = new FeishuLogin(config);
  const surface: Surface = auth.surface;
  const stored: Session | null = auth.session;
  try {
    const session: Session = stored ?? (await auth.login({ force: true, returnTo: "/home" }));
    const expires: number | null = session.expiresAt;
    const token: string = session.token;
    const off: () => void = auth.onChange((s: Session | null) => void s?.token);
    off();
    const url: string = await auth.authorizeUrl({ scope: ["a"] });
    const headers = auth.authHeaders();
    await fetch(url, { headers });
    return surface + token + String(expires);
  } catch (e) {
    if (e instanceof FeishuLoginError) {
      const kind: "config" | "unsupported" | "denied" | "host" | "state" | "callback" | "network" | "timeout" | "backend" | "response" | "storage" | "crypto" | "cancelled" | "popup" = e.kind;
      const code: number | undefined = e.code;
      const retryable: boolean = e.retryable;
      const asError: Error = e;
      return kind + String(code) + String(retryable) + asError.message;
    }
    throw e;
  }
}

// @ts-expect-error appId is required
new FeishuLogin({ backend: "/x" });
// @ts-expect-error brand is "feishu" | "lark"
new FeishuLogin({ appId: "cli_x", backend: "/x", brand: "dingtalk" });
// @ts-expect-error scope entries are strings
new FeishuLogin({ appId: "cli_x", backend: "/x", scope: [1] });
// @ts-expect-error credentials has three values
new FeishuLogin({ appId: "cli_x", backend: { url: "/x", credentials: "all" } });
export function kinds(e: FeishuLoginError) {
  // @ts-expect-error kind is a closed union
  const k: "oops" = e.kind;
  return k;
}

// Popup and QR logins, the passport endpoint.
export async function otherWindows(auth: FeishuLogin<{ name: string }>): Promise<string> {
  const session = await auth.loginWithPopup({ scope: [] });
  const name: string | undefined = session.user?.name;
  const qr = auth.mountQrLogin("qr-box", { width: 260, height: "300", style: "border:0", sdkUrl: "/qr.js" });
  await qr.ready;
  qr.dispose();
  new FeishuLogin({ appId: "cli_x", backend: "/x", passport: true });
  // @ts-expect-error returnTo moves the address bar of a redirect; a popup leaves the page alone
  auth.loginWithPopup({ returnTo: "/" });
  // @ts-expect-error the target is an element or its id
  auth.mountQrLogin(42);
  const kind: FeishuLoginError["kind"] = "popup";
  return String(name) + kind;
}

// Where the app stands: a closed union, and its listener.
export function statuses(auth: FeishuLogin): string {
  const status: "signedIn" | "signedOut" | "redirecting" | "signingOut" = auth.status;
  const off: () => void = auth.onStatus((s: AuthStatus) => void s);
  off();
  // @ts-expect-error status is a closed union
  const wrong: "loading" = auth.status;
  return wrong + status;
}
