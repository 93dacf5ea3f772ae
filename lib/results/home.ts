/**
 * Where flowsmith keeps what outlives a process (results, the cross-run cache, run journals), and
 * which flowsmith version wrote a persisted document.
 * @module
 */
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * The flowsmith home directory: `FLOWSMITH_HOME` if set, else `.flowsmith` in the working
 * directory. Read at every call (never cached at import time) so a test or a CLI flag can move it
 * after flowsmith was loaded. Always absolute.
 */
export function flowsmithHome(): string {
  const env = process.env.FLOWSMITH_HOME;
  return path.resolve(env && env.length > 0 ? env : ".flowsmith");
}

let cachedVersion: string | undefined;

/**
 * The version of the flowsmith package, written into every persisted document so a reader can
 * tell which version produced it. Found once by walking up from this file to the `package.json`
 * named "flowsmith" (this works from `lib/` under ts-node and from `dist/lib/` alike); when the
 * compiled code lives elsewhere (a build into a temp dir), the working directory is tried next;
 * `"unknown"` if neither has it.
 */
export function flowsmithVersion(): string {
  if (cachedVersion === undefined) cachedVersion = findVersion(__dirname) ?? findVersion(process.cwd()) ?? "unknown";
  return cachedVersion;
}

function findVersion(start: string): string | undefined {
  for (let dir = start; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { name?: unknown; version?: unknown };
      if (pkg.name === "flowsmith" && typeof pkg.version === "string") return pkg.version;
    } catch {
      // no (readable) package.json here: keep walking up
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}
