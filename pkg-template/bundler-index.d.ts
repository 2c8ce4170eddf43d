export * from "./feishu_login.js";
export { FeishuLoginError } from "../index.js";
