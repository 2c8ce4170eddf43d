// Compiled with `tsc --strict` (no skipLibCheck) against the built package and @types/react
// (tests/bindings/node_modules): feishu-login/react's declarations accept the documented usage
// and reject what they must.
import { FeishuLogin, type Session } from "feishu-login";
import {
  FeishuLoginProvider, RequireLogin, isSignedIn, useFeishuLogin,
  type FeishuLoginState, type FeishuLoginStatus, type SignedInState, type UseFeishuLogin,
} from "feishu-login/react";
// Each entry's binding has the same types.
import { FeishuLoginProvider as HostProvider, useFeishuLogin as useHostLogin } from "feishu-login/host/react";
import { RequireLogin as BrowserRequireLogin } from "feishu-login/browser/react";

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
  void logout({ returnTo: "/" });
  void getSession({ minValidityMs: 5000 }).then((valid: Session<User> | null) => valid?.token);
  // @ts-expect-error status is a closed union
  const wrong: "pending" = status;
  return <p data-status={s} data-kind={kind} title={String(wrong)}>{name ?? token ?? JSON.stringify(headers)}</p>;
}

// The state is a union on status: signed in, session and user are set.
export function Narrowed() {
  const state = useFeishuLogin<User>();
  // @ts-expect-error user may be null before narrowing
  void state.user.name;
  if (state.status === "error") {
    const why: string = state.error.message;
    void why;
  }
  if (state.status !== "signedIn") return <p>{state.status}</p>;
  const openId: string = state.user.openId;
  const alsoOnSession: string = state.session.user.name;
  const expires: number | null = state.session.expiresAt;
  return <p title={String(expires)}>{openId}{alsoOnSession}</p>;
}

// Destructured, as the README writes it.
export function Destructured() {
  const { status, user, logout } = useFeishuLogin<User>();
  if (status === "loading") return null;
  if (status !== "signedIn") return <p>{status}</p>;
  return <button onClick={() => logout()}>Log out {user.name}</button>;
}

// Apps narrow in their own components with the exported helpers.
function Greeting({ state }: { state: SignedInState<User> }) {
  return <p>{state.user.name}</p>;
}
export function WithHelpers() {
  const state = useFeishuLogin<User>();
  const whole: FeishuLoginState<User> = state;
  const again: UseFeishuLogin<User> = state;
  void again;
  if (isSignedIn(state)) {
    void state.logout; // the actions stay after narrowing
    return <Greeting state={state} />;
  }
  // @ts-expect-error not narrowed here
  return <Greeting state={whole} />;
}

// Statuses that are not signed in have no session in the types.
export function NoSession() {
  const state = useFeishuLogin<User>();
  if (state.status === "signedOut" || state.status === "loading") {
    const none: null = state.session;
    return <p>{String(none)}</p>;
  }
  return null;
}

export function App({ instance }: { instance: FeishuLogin<User> }) {
  return (
    <>
      <FeishuLoginProvider config={{ appId: "cli_x", backend: "/api/feishu/login" }} onRedirectCallback={(to: string) => history.replaceState(null, "", to)}>
        <RequireLogin fallback={({ status, error }) => <p>{status}{error?.message}</p>} loginOptions={{ scope: ["a"] }}>
          <Profile />
        </RequireLogin>
        <RequireLogin fallback={<p>wait</p>}><Profile /></RequireLogin>
        {/* @ts-expect-error the fallback never sees signedIn */}
        <RequireLogin fallback={({ status }) => (status === "signedIn" ? null : <p />)}><Profile /></RequireLogin>
      </FeishuLoginProvider>
      <FeishuLoginProvider instance={instance}><Profile /></FeishuLoginProvider>
      {/* @ts-expect-error config or instance is required */}
      <FeishuLoginProvider><Profile /></FeishuLoginProvider>
      {/* @ts-expect-error the config is checked */}
      <FeishuLoginProvider config={{ appId: "cli_x" }}><Profile /></FeishuLoginProvider>
    </>
  );
}

// An entry's instance fits any entry's binding.

export function HostWidget({ instance }: { instance: FeishuLogin<User> }) {
  const { status, user } = useHostLogin<User>();
  const name: string | undefined = status === "signedIn" ? user.name : undefined;
  return (
    <HostProvider instance={instance}>
      <BrowserRequireLogin fallback={<p>{name}</p>}><Profile /></BrowserRequireLogin>
    </HostProvider>
  );
}
