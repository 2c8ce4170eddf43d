import init, { FeishuLogin, FeishuLoginError } from "feishu-login";
import { run } from "./app.js";

await init();
run({ FeishuLogin, FeishuLoginError }, "feishu-login (web: init())");
