// What the README's snippets take from the reader's app without showing it: the app's own
// functions (how it shows a user, a message or an error), `auth` for snippets that continue the
// quickstart, and what tools declare for it (Vite's import.meta.env, Nuxt's auto-imported
// defineNuxtPlugin, `*.vue` modules). Anything else a snippet uses, it imports or defines itself.
// A script, not a module: its declarations are global. Compiled with every snippet by
// tests/readme-snippets.test.mjs.
/// <reference types="vite/client" />

/** The instance a page made as in the quickstart, for snippets that continue from there. */
declare const auth: import("feishu-login").FeishuLogin;
/** A "Log in" button of the page. */
declare const button: HTMLButtonElement;
declare function showMessage(text: string): void;
declare function showError(error: import("feishu-login").FeishuLoginError): void;
declare function renderUser(user: unknown): void;
declare function render(session: import("feishu-login").Session): void;
/** Nuxt's, auto-imported in plugins/. */
declare function defineNuxtPlugin(plugin: (nuxtApp: { vueApp: import("vue").App }) => void): unknown;

declare module "*.vue" {
  const component: import("vue").Component;
  export default component;
}
