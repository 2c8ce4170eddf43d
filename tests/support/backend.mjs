// A small app backend for the browser tests, on 127.0.0.1 only. It implements the README's backend
// contract at /login (echoing what it received, so tests can check the request) and scripted
// misbehaviour elsewhere. Every endpoint takes ?key=… so tests do not see each other's calls.
//
//   POST /login?expiresIn=S&pkce=1   200 {token, expiresIn, user: {name, received}}; pkce=1 checks S256
//   POST /status?status=N&code=C     N {code: C, message}
//   POST /flaky?fail=N&status=S&code=C   the first N calls answer S {code: C}, then /login
//   POST /hang                       never answers (until the client aborts)
//   POST /garbage                    200 text/html
//   GET  /calls?key=K                {count, last: {url, headers, body}}
//   GET  /authorize?redirect_uri&state&code_challenge   302 back with code and state (fake Feishu)
import { createServer } from "node:http";
import { createHash, randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";

const calls = new Map();
const challenges = new Map();
let tokens = 0;

function cors(req, res) {
  const origin = req.headers.origin;
  if (origin) {
    res.setHeader("Access-Control-Allow-Origin", origin);
    res.setHeader("Access-Control-Allow-Credentials", "true");
    res.setHeader("Vary", "Origin");
  }
  res.setHeader("Access-Control-Allow-Headers", req.headers["access-control-request-headers"] || "content-type");
  res.setHeader("Access-Control-Allow-Methods", "POST, GET, OPTIONS");
}

function json(res, status, body) {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}

/** The backend's request handler, for embedding in another test server. */
export function handleBackend(req, res) {
  cors(req, res);
  if (req.method === "OPTIONS") return res.writeHead(204).end();
  const url = new URL(req.url, `http://${req.headers.host}`);
  const q = Object.fromEntries(url.searchParams);
  const key = q.key || "default";
  if (url.pathname === "/calls") {
    const c = calls.get(key) || { count: 0, last: null };
    return json(res, 200, c);
  }
  if (url.pathname === "/authorize") {
    // Issues a code bound to the S256 challenge, like Feishu; /login?pkce=1 checks it.
    const code = "code-" + randomBytes(8).toString("hex");
    challenges.set(code, q.code_challenge);
    const back = new URL(q.redirect_uri);
    back.searchParams.set("code", code);
    back.searchParams.set("state", q.state);
    res.writeHead(302, { Location: back.href });
    return res.end();
  }
  let raw = "";
  req.on("data", (d) => (raw += d));
  req.on("end", () => {
    let body = null;
    try { body = JSON.parse(raw); } catch {}
    const c = calls.get(key) || { count: 0, last: null };
    c.count += 1;
    c.last = { url: req.url, headers: req.headers, body };
    calls.set(key, c);
    const login = () => {
      if (q.pkce) {
        const expected = challenges.get(body?.code);
        challenges.delete(body?.code);
        const actual = createHash("sha256").update(body?.codeVerifier || "").digest("base64url");
        if (!expected || expected !== actual) return json(res, 400, { code: 20049, message: "PKCE verification failed" });
      }
      tokens += 1;
      // Tests read back what the backend received; the demo (?demo=1) must not show the verifier.
      const user = q.demo ? { name: "Zhang San", open_id: "ou_demo" } : { name: "张三", received: body };
      json(res, 200, { token: `tok-${tokens}`, expiresIn: q.expiresIn ? Number(q.expiresIn) : 3600, user });
    };
    switch (url.pathname) {
      case "/login": return login();
      case "/status": return json(res, Number(q.status), { code: q.code ? Number(q.code) : undefined, message: q.message || "scripted failure" });
      case "/flaky": return c.count <= Number(q.fail) ? json(res, Number(q.status), { code: q.code ? Number(q.code) : undefined }) : login();
      case "/hang": return setTimeout(() => res.destroy(), 30000);
      case "/garbage": res.writeHead(200, { "Content-Type": "text/html" }); return res.end("<html>not json</html>");
      default: return json(res, 404, { message: "no such endpoint" });
    }
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.PORT || 8787);
  createServer(handleBackend).listen(port, "127.0.0.1", () => console.log(`test backend on http://127.0.0.1:${port}`));
}
