// The entries per kind of app have the top entry's API and types: an instance of any entry is a
// `FeishuLogin`, each entry's forms (web, bundler, preload URL) are typed like the top one's.
import { FeishuLogin, type Session } from "feishu-login";
import initHost, { FeishuLogin as HostLogin, FeishuLoginError as HostError, initSync as hostInitSync } from "feishu-login/host";
import initBrowser, { FeishuLogin as BrowserLogin, type FeishuLoginConfig } from "feishu-login/browser";
import { FeishuLogin as HostBundlerLogin } from "feishu-login/host/bundler";
import { FeishuLogin as BrowserBundlerLogin } from "feishu-login/browser/bundler";
import { wasmUrl as hostWasm } from "feishu-login/host/wasm-url";
import { wasmUrl as browserWasm } from "feishu-login/browser/wasm-url";

export async function entries(config: FeishuLoginConfig): Promise<string[]> {
  await initHost();
  await initBrowser({ module_or_path: browserWasm });
  hostInitSync(new Uint8Array(0));
  const all: FeishuLogin[] = [new HostLogin(config), new BrowserLogin(config), new HostBundlerLogin(config), new BrowserBundlerLogin(config)];
  const host = new HostLogin<{ name: string }>({ ...config, docMiniApp: { Service: { User: { login: () => Promise.resolve("code") } } } });
  const session: Session<{ name: string }> | null = await host.getSession();
  try {
    await host.login();
  } catch (e) {
    if (e instanceof HostError && e.kind === "config") return [e.message];
  }
  // @ts-expect-error the same config type: appId is required
  new BrowserLogin({ backend: "/api/feishu/login" });
  return [hostWasm, ...all.map((auth) => auth.surface), session?.user?.name ?? ""];
}
