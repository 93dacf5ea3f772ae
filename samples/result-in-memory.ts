/**
 * `cacheResultInMemory: false` (seed 002): the task's value is persisted and dropped from its
 * state, so a big value is not kept in memory for the whole run. `state.getResult()` then throws
 * (pointing at `fetchResult`), `await state.fetchResult()` reads the value back from storage, and
 * a downstream task still receives it (read back when it runs).
 *
 * The value is written under a temporary FLOWSMITH_HOME, removed at the end.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { Flow, task, type AnyTask, type State } from "../lib/index";
import { configureLogging } from "../lib/engine/logging";

configureLogging({ level: "warn" });
const home = mkdtempSync(join(tmpdir(), "flowsmith-sample-"));
process.env.FLOWSMITH_HOME = home;

const bar = task({ name: "bar", cacheResultInMemory: false }, () => ({
  note: "pretend this is biiiig data",
  rows: Array.from({ length: 1000 }, (_, i) => i),
}));
const count = task({ name: "count" }, ({ data }: { data: { rows: number[] } }) => data.rows.length);

let big!: AnyTask, counted!: AnyTask;
const foo = Flow.build("foo", () => {
  big = bar.call();
  counted = count.call({ data: big });
});

async function main(): Promise<void> {
  const state = await foo.run();
  const states = state.result as Map<AnyTask, State>;
  const s = states.get(big)!;
  console.log(`bar: ${s.type}, resultDropped: ${s.resultDropped}, state.result: ${String(s.result)}`);
  console.log(`persisted at: <FLOWSMITH_HOME>/${relative(home, s.persisted!.location)}`);
  try {
    s.getResult();
  } catch (err) {
    console.log(`state.getResult() throws: ${(err as Error).message}`);
  }
  const value = (await s.fetchResult()) as { note: string; rows: number[] };
  console.log(`await state.fetchResult(): { note: ${JSON.stringify(value.note)}, rows: [${value.rows.length} items] }`);
  console.log(`count (downstream) received ${states.get(counted)!.result} rows`);
}

main()
  .finally(() => rmSync(home, { recursive: true, force: true }))
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
