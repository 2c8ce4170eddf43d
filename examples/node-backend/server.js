// feishu-login's backend contract in plain node:http with Feishu's official Node SDK (README:
// "Backend contract"): POST /api/feishu/login redeems each surface's code, POST
// /api/feishu/refresh renews a browser session (refreshUrl), POST /api/logout ends it (logoutUrl),
// GET /api/me answers who the bearer is. Environment: FEISHU_APP_ID, FEISHU_APP_SECRET,
// FEISHU_DOMAIN (default Feishu's; feishu-emulator's base URL in development), SESSION_SECRET,
// PORT (default 3000; 0 picks a free one).
import { createServer } from "node:http";
import { randomBytes } from "node:crypto";
import * as lark from "@larksuiteoapi/node-sdk";
import { FeishuError, feishuApi } from "./feishu.js";
import { sessionStore } from "./sessions.js";

const env = process.env;
const appId = env.FEISHU_APP_ID;
if (!appId || !env.FEISHU_APP_SECRET) throw new Error("set FEISHU_APP_ID and FEISHU_APP_SECRET (the app's credentials in the developer console)");
if (!env.SESSION_SECRET) console.warn("SESSION_SECRET is not set: sessions end when this process does");
const feishu = feishuApi({ appId, appSecret: env.FEISHU_APP_SECRET, domain: env.FEISHU_DOMAIN || lark.Domain.Feishu });
const sessions = sessionStore({ secret: env.SESSION_SECRET || randomBytes(32) });

/** A failure answered as `{ code?, message }`, the shape the SDK reads. */
class Refusal extends Error {
  constructor(status, message, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** `code` of `surface` → the Feishu grant `{ accessToken, expiresAt, refreshToken? }`. */
async function redeem({ code, surface, codeVerifier, redirectUri, passport }) {
  if (passport) throw new Refusal(400, "passport logins are not implemented here: see the reference backend (server/src/backend/passport.rs)");
  const seconds = () => Math.floor(Date.now() / 1000);
  switch (surface) {
    case "browser":
    case "client": {
      if (surface === "browser" && !(codeVerifier && redirectUri)) throw new Refusal(400, "the browser surface needs codeVerifier and redirectUri");
      // Browser: redirect_uri and code_verifier exactly as the SDK sent them.
      const pkce = surface === "browser" ? { redirect_uri: redirectUri, code_verifier: codeVerifier } : {};
      const token = await feishu.redeemOAuthCode(code, pkce);
      return { accessToken: token.access_token, expiresAt: seconds() + token.expires_in, refreshToken: token.refresh_token, surface };
    }
    case "docWidget":
    case "miniProgram": {
      const data = await feishu.redeemHostCode(code);
      // expires_in is an expiry timestamp on this endpoint. No refresh: these surfaces renew by
      // asking the host for a new code.
      const expiresAt = data.expires_in > 1e9 ? data.expires_in : seconds() + data.expires_in;
      return { accessToken: data.access_token, expiresAt, surface };
    }
    default:
      throw new Refusal(400, "surface must be browser, client, docWidget or miniProgram");
  }
}

async function login(request) {
  const body = await request.json();
  if (body?.appId !== appId || typeof body.code !== "string") throw new Refusal(400, "expected { code, surface, appId } for this app");
  const grant = await redeem(body);
  return [200, sessions.issue(await feishu.user(grant.accessToken), grant)];
}

/** A new session for the same sid; Feishu's user token refreshed first when it is about to end. */
async function refresh(request) {
  const session = sessions.current(request.headers.authorization);
  if (!session?.grant) throw new Refusal(401, "no valid session: log in again");
  let { grant } = session;
  if (grant.expiresAt - Date.now() / 1000 < 300) {
    if (!grant.refreshToken) throw new Refusal(401, "the Feishu sign-in ended (no offline_access): log in again");
    try {
      const token = await feishu.refresh(grant.refreshToken);
      grant = { ...grant, accessToken: token.access_token, expiresAt: Math.floor(Date.now() / 1000) + token.expires_in, refreshToken: token.refresh_token };
    } catch (e) {
      // Refresh token invalid, expired, revoked or already used: the user signs in again.
      if (e instanceof FeishuError && e.status === 400) throw new Refusal(401, e.message, e.code);
      throw e;
    }
  }
  // The user may have left the app or withdrawn consent: ask Feishu again.
  const user = await feishu.user(grant.accessToken).catch((e) => {
    throw e instanceof FeishuError && e.status === 400 ? new Refusal(401, e.message, e.code) : e;
  });
  return [200, sessions.issue(user, grant, session.claims.sid)];
}

const routes = {
  "POST /api/feishu/login": login,
  "POST /api/feishu/refresh": refresh,
  "POST /api/logout": async (request) => {
    if (!sessions.logout(request.headers.authorization)) throw new Refusal(401, "no session of this backend");
    return [204];
  },
  "GET /api/me": async (request) => {
    const session = sessions.current(request.headers.authorization);
    if (!session) throw new Refusal(401, "no valid session: log in again");
    const { sub, name, surface, exp } = session.claims;
    return [200, { openId: sub, name, surface, exp }];
  },
};

const server = createServer(async (req, res) => {
  const route = routes[`${req.method} ${new URL(req.url, "http://x").pathname}`];
  let status = 404;
  let answer = { message: "not found" };
  if (route) {
    try {
      req.json = async () => {
        let text = "";
        for await (const chunk of req) text += chunk;
        try {
          return JSON.parse(text);
        } catch {
          throw new Refusal(400, "the body is not JSON");
        }
      };
      [status, answer] = await route(req);
    } catch (e) {
      if (!(e instanceof Refusal || e instanceof FeishuError)) console.error(e.stack ?? String(e));
      status = e.status ?? 500;
      answer = { code: e.code, message: e.status ? e.message : "internal error" };
    }
  }
  res.writeHead(status, answer === undefined ? {} : { "content-type": "application/json" }).end(answer === undefined ? undefined : JSON.stringify(answer));
});
server.listen(Number(env.PORT ?? 3000), "127.0.0.1", () => console.log(`feishu-login backend on http://127.0.0.1:${server.address().port}`));
