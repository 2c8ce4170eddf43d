// A local stand-in for Feishu Docs, for developing and testing the widget without Feishu. It
// speaks the block bridge of @lark-opdev/block-docs-addon-api as read from its source
// (dist/es/index.js): the widget's window.name is JSON {blockTypeId, channel}; the widget posts
// {signature: "iframe-block", type: "request", channel, payload: JSON {id, name, data}} to its
// parent, and the host answers {signature, type: "response", channel, payload: JSON {id,
// success, data: {status: "ok" | "fail", errMsg, data}}}. `name` is the API path joined by "_".
// Answered here: "handshake" and "Service_User_login" (a one-time code from the emulator);
// anything else fails with NOT_IMPLEMENT (10110001) as Docs does for an unknown API.
const channel = "widget-" + crypto.randomUUID();
// The frame is created here, named before it loads: the widget reads window.name at start.
const frame = document.createElement("iframe");
frame.id = "widget";
frame.title = "doc widget";
frame.name = JSON.stringify({ blockTypeId: "local-widget", channel });
frame.src = new URL("widget.html", location.href).href;
document.getElementById("block").append(frame);
const log = (text) => (document.getElementById("log").textContent += ` ${text};`);
window.hostCalls = [];

const apis = {
  handshake: async () => ({ syn: 0 }),
  // Docs asks Feishu for a code bound to the signed-in user and this widget's app.
  Service_User_login: async () => {
    const response = await fetch("/emulator/host-code", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ surface: "docWidget" }),
    });
    if (!response.ok) throw Object.assign(new Error(`emulator answered ${response.status}`), { code: 10110005 });
    return (await response.json()).code;
  },
};

addEventListener("message", async (event) => {
  const message = event.data;
  // Only the widget's frame, on this page's channel, speaking the bridge's protocol.
  if (event.source !== frame.contentWindow || message?.signature !== "iframe-block" || message.channel !== channel) return;
  if (message.type !== "request") return;
  const { id, name } = JSON.parse(message.payload);
  window.hostCalls.push(name);
  log(name);
  let data;
  try {
    const api = apis[name];
    data = api ? { status: "ok", errMsg: "", data: await api() } : { status: "fail", errMsg: `${name} is not implemented by the local host`, data: { code: 10110001 } };
  } catch (e) {
    data = { status: "fail", errMsg: e.message, data: { code: e.code ?? 10110005 } };
  }
  const payload = JSON.stringify({ id, success: true, data });
  event.source.postMessage({ signature: "iframe-block", type: "response", channel, payload, timestamp: Date.now(), dehydrates: [] }, event.origin);
});
