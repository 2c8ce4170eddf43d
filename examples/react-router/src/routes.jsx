import { useState } from "react";
import { Link, Outlet, useNavigate } from "react-router";
import { RequireLogin, useFeishuLogin } from "feishu-login/browser/react";

export const routes = [
  {
    element: <Layout />,
    children: [
      // Public: the redirect URL points here, and logging out lands here.
      { path: "/", element: <Home /> },
      // Every route below needs a login: RequireLogin starts one (coming back to that route).
      { element: <Guarded />, children: [{ path: "/profile", element: <Profile /> }] },
    ],
  },
];

function Layout() {
  const { status, user } = useFeishuLogin();
  return (
    <main>
      <h1>feishu-login · React Router</h1>
      <nav><Link to="/">Home</Link> · <Link id="profile-link" to="/profile">Profile (requires login)</Link></nav>
      <p>
        Status: <b id="status">{status}</b>
        {status === "signedIn" && <> · <span id="user">{user.name}</span></>}
      </p>
      <Outlet />
    </main>
  );
}

function Home() {
  const { status, user, error, login } = useFeishuLogin();
  if (status === "signedIn") return <p id="welcome">Welcome, {user.name}.</p>;
  return (
    <section id="home">
      {error && <p id="error" data-kind={error.kind}>{error.kind}: {error.message}</p>}
      {(status === "signedOut" || status === "error") && <button id="login" onClick={() => login().catch(() => {})}>Log in with Feishu</button>}
    </section>
  );
}

const waiting = { loading: "…", redirecting: "Taking you to Feishu…", signingOut: "Signing you out…", signedOut: "Signing you in…" };

function Guarded() {
  return (
    <RequireLogin fallback={({ status, error }) => <p id="guard">{status === "error" ? `Login failed: ${error.message}` : waiting[status]}</p>}>
      <Outlet />
    </RequireLogin>
  );
}

function Profile() {
  const { user, authHeaders, logout } = useFeishuLogin();
  const navigate = useNavigate();
  const [me, setMe] = useState(null);
  const askBackend = async () => {
    const response = await fetch("/api/me", { headers: authHeaders() });
    setMe(response.ok ? (await response.json()).name : `HTTP ${response.status}`);
  };
  // To a public route once the server ended the session. While the logout runs the status is
  // "signingOut": RequireLogin shows its fallback and starts no login.
  const logOut = async () => {
    await logout();
    navigate("/", { replace: true });
  };
  return (
    <section id="profile">
      <p>{user.name}'s profile</p>
      <button id="me" onClick={askBackend}>Ask the backend who I am</button> <span id="me-result">{me ?? ""}</span>
      <p>
        <button id="logout" onClick={logOut}>Log out</button>{" "}
        <button id="logout-reload" onClick={() => logout({ returnTo: "/" })}>Log out and reload at /</button>
      </p>
    </section>
  );
}
