import { FeishuLogin, FeishuLoginError } from "feishu-login/bundler";
import { run } from "./app.js";

run({ FeishuLogin, FeishuLoginError }, "feishu-login/bundler (asyncWebAssembly)");
