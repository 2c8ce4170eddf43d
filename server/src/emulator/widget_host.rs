//! A local Feishu Docs for developing a doc widget (云文档小组件) without Feishu:
//! `GET /emulator/doc-widget-host?url=<your widget's page>` shows that page in an iframe and
//! answers the block bridge of `@lark-opdev/block-docs-addon-api` the way Docs does, so that
//! `new BlockitClient()` and `DocMiniApp.Service.User.login()` work unchanged, with one-time
//! codes of this emulator (redeemed at `mina/v2/tokenLoginValidate` like Feishu's).
//!
//! The bridge, as read from the published package (MIT, `dist/es/index.js` of 0.0.10): the
//! widget's `window.name` is JSON `{blockTypeId, channel}`; the widget posts `{signature:
//! "iframe-block", type: "request", channel, payload: JSON {id, name, data}}` to its parent and
//! the host answers `{signature, type: "response", channel, payload: JSON {id, success, data:
//! {status: "ok" | "fail", errMsg, data}}}`; `name` is the API path joined by `_`. Answered:
//! `handshake` (what `initAPI()` sends on start-up) and `Service_User_login`; any other API
//! fails with Docs' "not implemented" (10110001).

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::{error_page, html_escape, Emulator};

#[derive(Deserialize)]
pub(crate) struct HostParams {
    /// The widget's page (http or https), e.g. a Vite dev server's `http://localhost:5173/`.
    url: Option<String>,
    /// The app the widget belongs to; the first configured app when absent.
    app: Option<String>,
}

/// The host page, or an error page saying which parameter to fix.
pub(crate) async fn page(State(emulator): State<Arc<Emulator>>, Query(params): Query<HostParams>) -> Response {
    let Some(raw) = params.url.filter(|u| !u.is_empty()) else {
        return usage("add ?url= with your widget's page, e.g. ?url=http://localhost:5173/");
    };
    // Only http(s) goes into the iframe: a javascript: or data: URL would run in this origin.
    let widget = match reqwest::Url::parse(&raw) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host_str().is_some() => url,
        _ => return usage("url must be an absolute http(s) URL"),
    };
    let app = match params.app {
        Some(id) => match emulator.config.app(&id) {
            Some(app) => app,
            None => return error_page(20029, "app is not registered with this emulator"),
        },
        None => &emulator.config.apps[0],
    };
    let users: Vec<_> = emulator.config.users.iter().map(|u| json!({ "name": u.name, "enName": u.en_name })).collect();
    let settings = json!({ "widget": widget.as_str(), "app": app.id, "users": users });
    // Inside <script>: `<` escaped so no value can close the element.
    let settings = settings.to_string().replace('<', "\\u003c");
    let body = format!(
        r#"<!doctype html><html lang=zh><meta charset=utf-8><meta name=viewport content="width=device-width,initial-scale=1"><link rel=icon href="data:,">
<title>飞书文档 · local doc-widget host (emulator)</title>
<style>body{{font:15px/1.5 system-ui,"PingFang SC",sans-serif;margin:0;background:#f5f6f7}} header{{background:#fff;padding:.75rem 1.25rem;box-shadow:0 1px 3px #0001}}
main{{max-width:860px;margin:1.25rem auto;padding:0 1rem}} iframe{{width:100%;height:420px;border:1px solid #dee0e3;border-radius:8px;background:#fff}}
#log{{font:12px ui-monospace,monospace;color:#646a73;white-space:pre-wrap}} code{{overflow-wrap:anywhere}}</style>
<header><b>飞书文档</b> · local doc-widget host (Feishu emulator) · app <code>{app}</code> · signed in to Docs as
<select id=user></select></header>
<main><p>Widget: <code>{widget}</code></p><div id=block></div><p id=log></p></main>
<script type=application/json id=settings>{settings}</script>
<script>{script}</script></html>"#,
        app = html_escape(&app.id),
        widget = html_escape(widget.as_str()),
        script = HOST_SCRIPT,
    );
    Html(body).into_response()
}

fn usage(message: &str) -> Response {
    let body = format!(
        "<!doctype html><meta charset=utf-8><title>local doc-widget host</title><body style=\"font:16px system-ui;margin:3rem\">\
         <h1>Local doc-widget host</h1><p id=error>{}</p><p>Open <code>/emulator/doc-widget-host?url=http://localhost:5173/</code> \
         (and <code>&amp;app=cli_…</code> when the emulator has several apps).</p></body>",
        html_escape(message)
    );
    (StatusCode::BAD_REQUEST, Html(body)).into_response()
}

/// The host side of the block bridge (see the module docs). Answers only its own frame, on its
/// own channel; replies go to the origin the request came from (the widget's).
const HOST_SCRIPT: &str = r#"
const settings = JSON.parse(document.getElementById("settings").textContent);
const key = new URLSearchParams(location.hash.slice(1)).get("key");
const select = document.getElementById("user");
settings.users.forEach((u, i) => select.add(new Option(u.name + " (" + u.enName + ")", String(i))));
const log = (text) => (document.getElementById("log").textContent += new Date().toLocaleTimeString() + "  " + text + "\n");
const channel = "widget-" + crypto.randomUUID();
const frame = document.createElement("iframe");
frame.id = "widget";
frame.title = "doc widget";
// Named before it loads: the widget reads window.name when the package starts.
frame.name = JSON.stringify({ blockTypeId: "local-" + settings.app, channel });
frame.src = settings.widget;
document.getElementById("block").append(frame);
window.hostCalls = [];

const apis = {
  handshake: async () => ({ syn: 0 }),
  // Docs asks Feishu for a one-time code of the signed-in user for this widget's app.
  Service_User_login: async () => {
    const headers = { "content-type": "application/json" };
    if (key) headers["x-emulator-key"] = key;
    const response = await fetch("/emulator/host-code", {
      method: "POST", headers,
      body: JSON.stringify({ surface: "docWidget", appId: settings.app, user: Number(select.value) }),
    });
    if (!response.ok) throw Object.assign(new Error("the emulator answered " + response.status), { code: 10110005 });
    log("Service.User.login: a one-time code for " + select.selectedOptions[0].text);
    return (await response.json()).code;
  },
};

addEventListener("message", async (event) => {
  const message = event.data;
  if (event.source !== frame.contentWindow || message?.signature !== "iframe-block" || message.channel !== channel) return;
  if (message.type !== "request" || typeof message.payload !== "string") return;
  let request;
  try {
    request = JSON.parse(message.payload);
  } catch {
    return;
  }
  const { id, name } = request;
  window.hostCalls.push(name);
  log("widget called " + String(name).replaceAll("_", "."));
  let data;
  try {
    const api = Object.hasOwn(apis, name) ? apis[name] : null;
    data = api
      ? { status: "ok", errMsg: "", data: await api() }
      : { status: "fail", errMsg: name + " is not implemented by the local host", data: { code: 10110001 } };
  } catch (e) {
    data = { status: "fail", errMsg: e.message, data: { code: e.code ?? 10110005 } };
  }
  const payload = JSON.stringify({ id, success: true, data });
  event.source.postMessage({ signature: "iframe-block", type: "response", channel, payload, timestamp: Date.now(), dehydrates: [] }, event.origin);
});
"#;
