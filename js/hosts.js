// Promise wrappers for the Feishu host APIs, which report through callbacks. Each settles once:
// a host that calls back twice is ignored the second time, and one that never calls back is
// rejected with { timeout: true } after `timeoutMs`. Rejections carry the host's own error
// object (errno / errCode / code), which src/web/host.rs maps to a FeishuLoginError.

function once(timeoutMs, start) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (fn) => (value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn(value);
    };
    const timer = setTimeout(settle(reject), timeoutMs, { timeout: true });
    try {
      start(settle(resolve), settle(reject));
    } catch (thrown) {
      settle(reject)({ thrown });
    }
  });
}

/** `api.call(self, { ...params, success, fail })` as a Promise. */
export function callTt(api, self, params, timeoutMs) {
  return once(timeoutMs, (success, fail) =>
    api.call(self, Object.assign({}, params, { success, fail: (err) => fail(err == null ? {} : err) })),
  );
}

/** `h5sdk.ready(cb)` as a Promise. */
export function h5sdkReady(h5sdk, timeoutMs) {
  return once(timeoutMs, (ready) => h5sdk.ready(() => ready()));
}

/** `promise`, or a rejection with { timeout: true } after `timeoutMs`. */
export function withTimeout(promise, timeoutMs) {
  return once(timeoutMs, (resolve, reject) => Promise.resolve(promise).then(resolve, (e) => reject(e == null ? {} : e)));
}
