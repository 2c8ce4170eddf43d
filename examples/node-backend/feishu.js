// Every Feishu call the backend makes, through Feishu's official Node SDK. `domain` is
// lark.Domain.Feishu / lark.Domain.Lark, or feishu-emulator's base URL in development and tests.
import * as lark from "@larksuiteoapi/node-sdk";

/** A refusal by Feishu (its `code` and HTTP status kept for the SDK in the browser) or no answer. */
export class FeishuError extends Error {
  constructor(message, { code, status = 502 } = {}) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

// The SDK logs a failed request's whole axios error: its config holds the request's body and
// headers (the login code, code_verifier, client_secret, tokens). Print messages only, and only
// warnings and errors (the failures reach the caller as FeishuErrors anyway).
const text = (parts) => parts.flat().map((p) => (typeof p === "string" ? p : p?.message ?? typeof p)).join(" ");
const messagesOnly = {
  error: (...parts) => console.error(`[feishu] ${text(parts)}`),
  warn: (...parts) => console.warn(`[feishu] ${text(parts)}`),
  info() {},
  debug() {},
  trace() {},
};

export function feishuApi({ appId, appSecret, domain }) {
  // disableTokenCache: a login never uses the tenant_access_token the SDK otherwise fetches and
  // attaches to every request. The OAuth token endpoint takes client_secret in its body,
  // user_info the user's token, and tokenLoginValidate the app_access_token (cached below).
  const client = new lark.Client({ appId, appSecret, domain, disableTokenCache: true, logger: messagesOnly });

  // The answer's body; a FeishuError for a non-zero `code`, an HTTP error or no answer.
  async function call(request) {
    let body;
    try {
      body = await request();
    } catch (e) {
      body = e.response?.data;
      if (!body || typeof body !== "object") throw new FeishuError(`Feishu could not be reached (${e.message})`);
      body.status = e.response.status;
    }
    if (body?.code !== 0) {
      const message = body?.error_description ?? body?.msg ?? "Feishu refused the request";
      throw new FeishuError(message, { code: body?.code, status: body?.status >= 500 ? 502 : 400 });
    }
    return body;
  }

  // OAuth token v2 (browser with redirect_uri and code_verifier; Feishu client pages without).
  const oauthToken = (data) => call(() => client.request({
    method: "POST", url: "/open-apis/authen/v2/oauth/token",
    data: { client_id: appId, client_secret: appSecret, ...data },
  }));

  // app_access_token for tokenLoginValidate: valid 2 hours, reused until 5 minutes before.
  let appToken = null;
  async function appAccessToken() {
    if (appToken && appToken.until > Date.now()) return appToken.value;
    const answer = await call(() => client.auth.appAccessToken.internal({ data: { app_id: appId, app_secret: appSecret } }));
    appToken = { value: answer.app_access_token, until: Date.now() + (answer.expire - 300) * 1000 };
    return appToken.value;
  }

  return {
    /** `authorization_code`: `{ access_token, expires_in, refresh_token? }`. */
    redeemOAuthCode: (code, pkce = {}) => oauthToken({ grant_type: "authorization_code", code, ...pkce }),
    /** `refresh_token` (single use: store the rotated one). */
    refresh: (refreshToken) => oauthToken({ grant_type: "refresh_token", refresh_token: refreshToken }),
    /** Doc widget and mini program codes: `{ access_token, expires_in (a timestamp), open_id, … }`. */
    async redeemHostCode(code) {
      const validate = async () => (await call(async () => client.request({
        method: "POST", url: "/open-apis/mina/v2/tokenLoginValidate", data: { code },
        headers: { Authorization: `Bearer ${await appAccessToken()}` },
      }))).data;
      try {
        return await validate();
      } catch (e) {
        if (e.code !== 10202) throw e;
        appToken = null; // revoked or rotated early: fetch a fresh one, once
        return validate();
      }
    },
    /** The user behind a user access token. */
    user: async (userAccessToken) => (await call(() => client.authen.userInfo.get({}, lark.withUserAccessToken(userAccessToken)))).data,
  };
}
