// Compiled with `tsc --strict` (no skipLibCheck) against the built package, Vue and vue-router
// (tests/bindings/node_modules): feishu-login/vue's declarations.
import { computed, createApp, defineComponent, h, type ComputedRef } from "vue";
import { createRouter, createWebHistory } from "vue-router";
import type { FeishuLogin, Session } from "feishu-login";
import {
  FeishuLoginPlugin, createLoginGuard, isSignedIn, useFeishuLogin,
  type FeishuLoginState, type FeishuLoginStatus, type SignedInState,
} from "feishu-login/vue";
// Each entry's binding has the same types.
import { FeishuLoginPlugin as HostPlugin, useFeishuLogin as useHostLogin } from "feishu-login/host/vue";
import { createLoginGuard as browserGuard } from "feishu-login/browser/vue";

interface User { name: string }

const Profile = defineComponent({
  setup() {
    const { state, status, user, session, error, login, logout, getSession, authHeaders } = useFeishuLogin<User>();
    const s: ComputedRef<FeishuLoginStatus> = status;
    const u: User | null = user.value;
    const token: string | undefined = session.value?.token;
    const kind: string | undefined = error.value?.kind;
    void login().then((signedIn: Session<User>) => signedIn.user?.name);
    void logout({ returnTo: "/" });
    void getSession().then((valid) => valid?.expiresAt);
    // @ts-expect-error refs are read-only
    status.value = "signedIn";
    // @ts-expect-error the separate refs do not narrow each other
    if (status.value === "signedIn") void user.value.name;
    // The `state` ref does.
    const whole: FeishuLoginState<User> = state.value;
    if (whole.status === "signedIn") void whole.user.name;
    if (isSignedIn(state.value)) {
      const signedIn: SignedInState<User> = state.value;
      void signedIn.session.token;
    }
    return () => h("p", [s.value, u?.name, token, kind, JSON.stringify(authHeaders())].join(" "));
  },
});

createApp(Profile).use(FeishuLoginPlugin, { appId: "cli_x", backend: "/api/feishu/login" }).mount("#app");
createApp(Profile).use(FeishuLoginPlugin, { config: { appId: "cli_x", backend: "/x" }, onRedirectCallback: (to: string) => void to });
export const withInstance = (auth: FeishuLogin<User>) => createApp(Profile).use(FeishuLoginPlugin, auth);
// @ts-expect-error appId is required
createApp(Profile).use(FeishuLoginPlugin, { backend: "/x" });

// The guard fits vue-router's beforeEach, with or without options.
const router = createRouter({ history: createWebHistory(), routes: [{ path: "/", component: Profile, meta: { requiresLogin: true } }] });
router.beforeEach(createLoginGuard());
router.beforeEach(createLoginGuard({ fallback: { name: "home" } }));
router.beforeEach(createLoginGuard({ fallback: "/", loginOptions: { scope: ["offline_access"] }, requiresLogin: (to) => to.fullPath.startsWith("/admin") }));
// @ts-expect-error requiresLogin reads a route
createLoginGuard({ requiresLogin: (to: number) => to > 0 });

export function hostApp(): ComputedRef<string | undefined> {
  createApp({}).use(HostPlugin, { appId: "cli_x", backend: "/api/feishu/login" });
  createRouter({ history: createWebHistory(), routes: [] }).beforeEach(browserGuard());
  const { state } = useHostLogin<User>();
  return computed(() => (state.value.status === "signedIn" ? state.value.user.name : undefined));
}
