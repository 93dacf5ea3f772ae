/**
 * Seed 003's retries: `failure` always raises, and with `maxRetries: 2` it runs three times
 * ("running" is printed three times) before the flow ends Failed. Its result would be persisted
 * (`persistResult: true`), but failures are never written: the result directory stays empty.
 *
 * Seed 003 waits 5 s between attempts; this sample waits 100 ms. Everything is under a temporary
 * FLOWSMITH_HOME, removed at the end.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Flow, LocalResult, task, type AnyTask, type State } from "../lib/index";
import { configureLogging } from "../lib/engine/logging";

configureLogging({ level: "warn" });
const home = mkdtempSync(join(tmpdir(), "flowsmith-sample-"));
process.env.FLOWSMITH_HOME = home;
const resultDir = join(home, "results");

const failure = task(
  { name: "failure", maxRetries: 2, retryDelay: 100, persistResult: true, result: new LocalResult({ dir: resultDir, location: "{taskName}.json" }) },
  () => {
    console.log("running");
    throw new Error("bad code");
  },
);

let failed!: AnyTask;
const testRetries = Flow.build("test-retries", () => {
  failed = failure.call();
});

async function main(): Promise<void> {
  const state = await testRetries.run();
  const s = (state.result as Map<AnyTask, State>).get(failed)!;
  console.log(`failure: ${s.type} (${s.message})`);
  console.log(`flow: ${state.type} (${state.message})`);
  console.log(`files written: ${existsSync(resultDir) ? readdirSync(resultDir).length : 0}`);
}

main()
  .finally(() => rmSync(home, { recursive: true, force: true }))
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
