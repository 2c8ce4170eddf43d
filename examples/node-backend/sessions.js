// The app's sessions: HMAC-signed tokens `{ sid, jti, sub, name, surface, exp }` handed to the browser,
// and per session id (`sid`) the Feishu grant, which never leaves the server. One process keeps
// them in memory; with several replicas, keep the grants and the logged-out sids in a shared store
// (Redis, a database) so that a logout holds on every replica.
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";

const b64 = (buffer) => Buffer.from(buffer).toString("base64url");

export function sessionStore({ secret, ttlSeconds = 7200 }) {
  const grants = new Map(); // sid → { accessToken, expiresAt (s), refreshToken?, surface }
  const loggedOut = new Map(); // sid → until (s)
  const now = () => Math.floor(Date.now() / 1000);
  const mac = (text) => createHmac("sha256", secret).update(text).digest();

  function sign(claims) {
    const body = b64(JSON.stringify(claims));
    return `${body}.${b64(mac(body))}`;
  }

  /** The claims of a token this backend signed (`allowExpired` for logout), else null. */
  function verify(token, { allowExpired = false } = {}) {
    const [body, signature, extra] = String(token ?? "").split(".");
    if (!body || !signature || extra !== undefined) return null;
    const expected = mac(body);
    const given = Buffer.from(signature, "base64url");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    const claims = JSON.parse(Buffer.from(body, "base64url").toString());
    return allowExpired || claims.exp > now() ? claims : null;
  }

  return {
    /** A session for `user` standing on `grant`; `sid` is kept across renewals. The login answer's shape. */
    issue(user, grant, sid = randomUUID()) {
      grants.set(sid, grant);
      const exp = Math.min(now() + ttlSeconds, grant.expiresAt);
      const token = sign({ sid, jti: randomUUID(), sub: user.open_id, name: user.name, surface: grant.surface, exp });
      return { token, expiresIn: exp - now(), user: { name: user.name, enName: user.en_name, openId: user.open_id, email: user.email, avatarUrl: user.avatar_url } };
    },
    /** The request's valid, not logged-out session: `{ claims, grant }`, or null. */
    current(authorization) {
      const claims = verify(/^Bearer (.+)$/.exec(authorization ?? "")?.[1]);
      if (!claims || loggedOut.has(claims.sid)) return null;
      return { claims, grant: grants.get(claims.sid) ?? null };
    },
    /** Ends a session this backend signed (also an expired one); false when it did not sign it. */
    logout(authorization) {
      const claims = verify(/^Bearer (.+)$/.exec(authorization ?? "")?.[1], { allowExpired: true });
      if (!claims) return false;
      grants.delete(claims.sid);
      // Longer than any token of this session can live (a renewal may have issued a later one).
      loggedOut.set(claims.sid, now() + ttlSeconds + 60);
      for (const [sid, until] of loggedOut) if (until < now()) loggedOut.delete(sid);
      return true;
    },
  };
}
