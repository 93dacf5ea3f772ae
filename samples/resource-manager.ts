/**
 * resourceManager: a temporary directory set up before a block of tasks and removed after it,
 * even when a task in the block fails. Run with
 * `npx tsc -p tsconfig.json --outDir /tmp/out && node /tmp/out/samples/resource-manager.js`.
 */
import { configureLogging } from "../lib/engine/logging";
configureLogging({ level: "warn" });

import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Flow, Parameter, task, AnyTask, State, resourceManager } from "../lib/index";

class TempDir {
  constructor(readonly opts: { prefix: string }) {}
  setup(): string {
    const dir = mkdtempSync(join(tmpdir(), this.opts.prefix));
    console.log(`  [resource] created ${dir}`);
    return dir;
  }
  cleanup(dir: string): void {
    const files = readdirSync(dir);
    rmSync(dir, { recursive: true, force: true });
    console.log(`  [resource] removed ${dir} (${files.length} file(s) inside: ${files.join(", ") || "none"})`);
  }
}
const withTempDir = resourceManager(TempDir);

const writePart = task(function writePart({ dir, name, fail }: { dir: string; name: string; fail: boolean }) {
  if (fail && name === "b") throw new Error(`could not write part ${name}`);
  writeFileSync(join(dir, `${name}.txt`), name);
  return `${name}.txt`;
});
const bundle = task(function bundle({ dir, parts }: { dir: string; parts: string[] }) {
  return `bundled ${parts.join(" + ")} (dir still there: ${existsSync(dir)})`;
});

function build() {
  const shown: Record<string, AnyTask> = {};
  const flow = Flow.build("temp-dir", () => {
    const fail = new Parameter<boolean>("fail", { default: false });
    withTempDir({ prefix: "flowsmith-sample-" }, (dir, { init, setup, cleanup }) => {
      const a = writePart.call({ dir, name: "a", fail });
      const b = writePart.call({ dir, name: "b", fail });
      const out = bundle.call({ dir, parts: [a, b] });
      Object.assign(shown, { init, setup, "part a": a, "part b": b, bundle: out, cleanup });
    });
  });
  return { flow, shown };
}

async function main(): Promise<void> {
  const { flow, shown } = build();
  for (const fail of [false, true]) {
    console.log(`\nrun with fail=${fail}`);
    const s = await flow.run({ parameters: { fail } });
    console.log(`flow ${s.type} (${s.message})`);
    const states = s.result as Map<AnyTask, State>;
    for (const [label, t] of Object.entries(shown)) {
      const st = states.get(t)!;
      const value = st.isFailed() ? (st.result as Error).message : typeof st.result === "string" ? st.result : "";
      console.log(`  ${label.padEnd(8)} ${st.type.padEnd(14)} ${value}`);
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
