/**
 * Seed 003's custom cache key: the key is the sum of the inputs, so [2,2] and [1,3] share the key
 * "4" (the second is Cached with 4 and the expensive operation does not run), while [2,3] has the
 * key "5" and runs.
 *
 * The cache lives under a temporary FLOWSMITH_HOME, removed at the end.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Flow, Parameter, task, type AnyTask, type State } from "../lib/index";
import { configureLogging } from "../lib/engine/logging";

configureLogging({ level: "warn" });
const home = mkdtempSync(join(tmpdir(), "flowsmith-sample-"));
process.env.FLOWSMITH_HOME = home;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function cacheKeyFromSum(_ctx: unknown, inputs: Record<string, unknown>): number {
  console.log(JSON.stringify(inputs));
  return (inputs.nums as number[]).reduce((a, b) => a + b, 0);
}

const cachedTask = task(
  { name: "cached_task", cacheKeyFn: cacheKeyFromSum, cacheExpiration: 60_000 },
  async ({ nums }: { nums: number[] }) => {
    console.log("running an expensive operation");
    await sleep(300);
    return nums.reduce((a, b) => a + b, 0);
  },
);

let cached!: AnyTask;
const testCaching = Flow.build("test-caching", () => {
  cached = cachedTask.call({ nums: new Parameter<number[]>("nums") });
});

async function main(): Promise<void> {
  for (const nums of [[2, 2], [1, 3], [2, 3]]) {
    const state = await testCaching.run({ parameters: { nums } });
    const s = (state.result as Map<AnyTask, State>).get(cached)!;
    console.log(`test_caching(${JSON.stringify(nums)}): ${s.type}, result ${JSON.stringify(s.result)}\n`);
  }
}

main()
  .finally(() => rmSync(home, { recursive: true, force: true }))
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
