// The requests a page makes, from Chromium's network events (CDP): each with its URL, the
// initiator's type and the monotonic times it was sent and finished loading. Order, not duration:
// tests compare which came first, never how long anything took.
export async function recordRequests(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  const byId = new Map();
  cdp.on("Network.requestWillBeSent", (e) => byId.set(e.requestId, { url: e.request.url, initiator: e.initiator.type, sent: e.timestamp, finished: null }));
  cdp.on("Network.loadingFinished", (e) => {
    const r = byId.get(e.requestId);
    if (r) r.finished = e.timestamp;
  });
  return { list: () => [...byId.values()], stop: () => cdp.detach() };
}
