// Compiled with `tsc --strict` (no skipLibCheck) against the built package and Vue
// (tests/bindings/node_modules): feishu-login/vue's declarations.
import { createApp, defineComponent, h, type ComputedRef } from "vue";
import type { FeishuLogin, Session } from "feishu-login";
import { FeishuLoginPlugin, useFeishuLogin, type FeishuLoginStatus } from "feishu-login/vue";

interface User { name: string }

const Profile = defineComponent({
  setup() {
    const { status, user, session, error, login, logout, getSession, authHeaders } = useFeishuLogin<User>();
    const s: ComputedRef<FeishuLoginStatus> = status;
    const u: User | null = user.value;
    const token: string | undefined = session.value?.token;
    const kind: string | undefined = error.value?.kind;
    void login().then((signedIn: Session<User>) => signedIn.user?.name);
    void logout({ returnTo: "/" });
    void getSession().then((valid) => valid?.expiresAt);
    // @ts-expect-error refs are read-only
    status.value = "signedIn";
    return () => h("p", [s.value, u?.name, token, kind, JSON.stringify(authHeaders())].join(" "));
  },
});

createApp(Profile).use(FeishuLoginPlugin, { appId: "cli_x", backend: "/api/feishu/login" }).mount("#app");
createApp(Profile).use(FeishuLoginPlugin, { config: { appId: "cli_x", backend: "/x" }, onRedirectCallback: (to: string) => void to });
export const withInstance = (auth: FeishuLogin<User>) => createApp(Profile).use(FeishuLoginPlugin, auth);
// @ts-expect-error appId is required
createApp(Profile).use(FeishuLoginPlugin, { backend: "/x" });
