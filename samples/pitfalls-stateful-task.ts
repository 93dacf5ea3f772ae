/**
 * Common pitfalls: statefulness. State kept on a task instance (or in a global) is not a safe way
 * to count or to collect: each copy made by `call` has its own field, a second run in the same
 * process sees the first run's leftovers (a new process or a worker would not), and a global's
 * contents depend on the executor's scheduling. Pass data between tasks instead, or read
 * `context` (run count, map index).
 *
 * Last, serialization: `isSerializable(flow)` / `checkSerializable(flow)` say whether a flow can
 * leave the process (exported by a module, inputs cloneable, no live client held by a task).
 */
import {
  ConcurrentExecutor, Flow, LocalExecutor, State, Task, checkSerializable, context, isSerializable, task,
} from "../lib/index";
import { configureLogging } from "../lib/engine/logging";
import { formatValue, printRunReport } from "./report";

configureLogging({ level: "warn" });

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const statesOf = (s: State) => s.result as Map<Task<any, any>, State>;

/** DON'T: the counter lives on the instance. */
class BadCounterTask extends Task<{}, number> {
  counter = 0;
  run(): number {
    this.counter += 1; // this won't have the intended effect
    return this.counter;
  }
}

/** DO: the run count comes from the context; totals come from passing results downstream. */
const countRun = task({ name: "count_run" }, () => context.taskRunCount ?? 1);
const total = task({ name: "total" }, ({ counts }: { counts: number[] }) => counts.reduce((a, b) => a + b, 0));

/** DON'T: tasks that append to a global. */
const globalState: { info: number[] } = { info: [] };
const taskOne = task({ name: "task_one" }, async () => {
  await sleep(20);
  globalState.info.push(1);
});
const taskTwo = task({ name: "task_two" }, async () => {
  await sleep(5);
  globalState.info.push(2);
});

/** DON'T: a client built in the constructor (a stand-in for `bigquery.Client()`). */
class FakeWarehouseClient {
  readonly connection = { send: (sql: string) => sql.length };
}
class WarehouseQuery extends Task<{ sql: string }, number> {
  client = new FakeWarehouseClient(); // <-- a live object: cannot leave the process
  run({ sql }: { sql: string }): number {
    return this.client.connection.send(sql);
  }
}

const bad = new BadCounterTask({ name: "bad_counter" });
const copies: Task<any, any>[] = [];
/** Exported, so another thread or process could load it by module path. */
export const statefulCounter = Flow.build("stateful-counter", () => {
  copies.push(bad.call(), bad.call());
});

export const globalStateFlow = Flow.build("global-state", () => {
  taskOne.call();
  taskTwo.call();
});

let totalTask!: typeof total;
export const statelessCounter = Flow.build("stateless-counter", () => {
  const a = countRun.call();
  const b = countRun.call();
  totalTask = total.call({ counts: [a, b] });
});

export const warehouseFlow = Flow.build("warehouse-query", () => {
  new WarehouseQuery({ name: "warehouse_query" }).call({ sql: "select 1" });
});

/** Not exported: a worker could not load it. */
const unexportedFlow = Flow.build("not-exported", () => {
  countRun.call();
});

async function main(): Promise<void> {
  // 1. Two calls of one stateful task: each copy has its own counter, so neither counts the runs.
  const first = await statefulCounter.run();
  printRunReport(statefulCounter, first, { title: "== 1. a counter on the task instance (two calls, one run) ==" });
  const firstValues = copies.map((c) => statesOf(first).get(c)?.result);
  console.log(`two runs happened, the copies say ${JSON.stringify(firstValues)}; the original's counter is still ${bad.counter}`);

  // 2. The same flow again in the same process: the counters carry over from the last run.
  const second = await statefulCounter.run();
  const secondValues = copies.map((c) => statesOf(second).get(c)?.result);
  console.log(`run it again in this process: ${JSON.stringify(secondValues)} (a fresh process or worker would say [1,1])`);

  // 3. A global's contents depend on scheduling: the same flow, two executors, two answers.
  for (const executor of [new LocalExecutor(), new ConcurrentExecutor({ maxConcurrency: 2 })]) {
    globalState.info = [];
    await globalStateFlow.run({ executor });
    console.log(`global_state.info after a run on ${executor.name}: ${JSON.stringify(globalState.info)}`);
  }

  // 4. Instead: results flow downstream, and the run count comes from the context.
  const goodState = await statelessCounter.run();
  console.log(`instead, pass results downstream: total = ${formatValue(statesOf(goodState).get(totalTask)?.result)} (every run, every process)`);

  // 5. Serialization: can the flow leave this process? (A helper, not a guarantee: the stateful
  //    counter passes, its counter being a plain number.)
  console.log("\n== 5. isSerializable / checkSerializable ==");
  for (const flow of [statelessCounter, statefulCounter, warehouseFlow, unexportedFlow]) {
    console.log(`isSerializable(${flow}) = ${isSerializable(flow)}`);
  }
  for (const flow of [warehouseFlow, unexportedFlow]) {
    for (const p of checkSerializable(flow).problems) {
      console.log(`  ${flow.name}: ${p.task ? `task '${p.task}'${p.key ? `, "${p.key}"` : ""}: ` : ""}${p.reason}`);
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
