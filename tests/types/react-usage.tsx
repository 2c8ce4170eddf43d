// Compiled with `tsc --strict` (no skipLibCheck) against the built package and @types/react
// (tests/bindings/node_modules): feishu-login/react's declarations accept the documented usage
// and reject what they must.
import { FeishuLogin, type Session } from "feishu-login";
import { FeishuLoginProvider, RequireLogin, useFeishuLogin, type FeishuLoginStatus } from "feishu-login/react";

interface User { name: string; openId: string }

export function Profile() {
  const { status, session, user, error, login, logout, getSession, authHeaders } = useFeishuLogin<User>();
  const s: FeishuLoginStatus = status;
  const name: string | undefined = user?.name;
  const token: string | undefined = session?.token;
  const kind: string | undefined = error?.kind;
  const headers = authHeaders();
  void login({ returnTo: "/profile" }).then((signedIn: Session<User>) => signedIn.user?.openId);
  void logout().then((nothing: void) => nothing);
  void getSession({ minValidityMs: 5000 }).then((valid: Session<User> | null) => valid?.token);
  // @ts-expect-error status is a closed union
  const wrong: "pending" = status;
  return <p data-status={s} data-kind={kind} title={String(wrong)}>{name ?? token ?? JSON.stringify(headers)}</p>;
}

export function App({ instance }: { instance: FeishuLogin<User> }) {
  return (
    <>
      <FeishuLoginProvider config={{ appId: "cli_x", backend: "/api/feishu/login" }} onRedirectCallback={(to: string) => history.replaceState(null, "", to)}>
        <RequireLogin fallback={({ status, error }) => <p>{status}{error?.message}</p>} loginOptions={{ scope: ["a"] }}>
          <Profile />
        </RequireLogin>
        <RequireLogin fallback={<p>wait</p>}><Profile /></RequireLogin>
      </FeishuLoginProvider>
      <FeishuLoginProvider instance={instance}><Profile /></FeishuLoginProvider>
      {/* @ts-expect-error config or instance is required */}
      <FeishuLoginProvider><Profile /></FeishuLoginProvider>
      {/* @ts-expect-error the config is checked */}
      <FeishuLoginProvider config={{ appId: "cli_x" }}><Profile /></FeishuLoginProvider>
    </>
  );
}
