import { useEffect, useState } from "react";
import { RequireLogin, useFeishuLogin } from "feishu-login/react";

/** The smallest router: "#/profile" is a page that requires login, everything else is home. */
function useHashRoute() {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    addEventListener("hashchange", on);
    return () => removeEventListener("hashchange", on);
  }, []);
  return hash;
}

export function App() {
  const { status, user, error, login, logout } = useFeishuLogin();
  const route = useHashRoute();
  return (
    <main data-status={status}>
      <h1>feishu-login · Vite + React</h1>
      <nav><a href="#/">Home</a> · <a id="profile-link" href="#/profile">Profile (requires login)</a></nav>
      <p>
        Status: <b id="status">{status}</b>
        {user && <> · <span id="user">{user.name}</span></>}
      </p>
      {error && <p id="error" data-kind={error.kind}>{error.kind}: {error.message}</p>}
      {status === "signedOut" || status === "error"
        ? <button id="login" onClick={() => login().catch(() => {})}>Log in with Feishu</button>
        : <button id="logout" disabled={status !== "signedIn"} onClick={() => logout()}>Log out</button>}
      {route === "#/profile" && (
        // Signed out, this starts the login and comes back to #/profile afterwards.
        <RequireLogin fallback={({ status }) => <p id="guard">{status === "error" ? "Login failed." : "Signing you in…"}</p>}>
          <Profile />
        </RequireLogin>
      )}
    </main>
  );
}

/** Calls the app's backend with the session's bearer token. */
function Profile() {
  const { authHeaders } = useFeishuLogin();
  const [me, setMe] = useState(null);
  const load = async () => {
    const response = await fetch("/api/me", { headers: authHeaders() });
    setMe(response.ok ? (await response.json()).name : `HTTP ${response.status}`);
  };
  return (
    <section id="profile">
      <button id="me" onClick={load}>Ask the backend who I am</button> <span id="me-result">{me ?? ""}</span>
    </section>
  );
}
