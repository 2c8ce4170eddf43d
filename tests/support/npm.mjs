// The packed package and the registry dependencies of the example apps and the binding tests.
// Each directory's dependencies are installed once (`npm ci` from its package-lock.json) and kept
// in its node_modules; a changed package.json or lockfile installs again. The package itself is
// always the tarball `npm pack` makes of the freshly built pkg/, installed without touching the
// directory's package.json: what a user gets from `npm install feishu-login`.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const npm = (args, cwd) => execFileSync("npm", [...args, "--no-audit", "--no-fund", "--loglevel=error"], { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

/** `npm pack` of pkg/ into a temporary directory; returns the tarball's path. */
export function packPkg(root) {
  const out = mkdtempSync(join(tmpdir(), "feishu-login-pack-"));
  const [packed] = JSON.parse(execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", out], { cwd: join(root, "pkg"), encoding: "utf8" }));
  return join(out, packed.filename);
}

/** Installs `dir`'s registry dependencies (`npm ci`) when missing or stale. */
export function installDeps(dir) {
  const stampFile = join(dir, "node_modules", ".feishu-login-deps");
  const stamp = createHash("sha256").update(readFileSync(join(dir, "package.json"))).update(readFileSync(join(dir, "package-lock.json"))).digest("hex");
  if (!existsSync(stampFile) || readFileSync(stampFile, "utf8") !== stamp) {
    npm(["ci"], dir);
    writeFileSync(stampFile, stamp);
  }
}

/** Installs `dir`'s registry dependencies when missing or stale, then the tarball. */
export function installWith(dir, tarball) {
  installDeps(dir);
  npm(["install", "--no-save", tarball], dir);
}
