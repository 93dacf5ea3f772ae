/**
 * "Running Tasks" (the anatomy of a task): test a task's logic by calling `run` directly, then as
 * the engine sees it with a `TaskRunner`: a Success state holding 42, and a TriggerFailed state
 * (whose result is the Error) when an upstream edge failed.
 */
import assert from "node:assert/strict";
import { Edge, Failed, NoOpTask, Task, TaskRunner, TriggerFailed, task } from "../lib/index";
import { configureLogging } from "../lib/engine/logging";
import { formatValue } from "./report";

configureLogging({ level: "warn" });

/** A subclassed task: `run` is plain code, callable directly. */
class AddTask extends Task<{ x: number; y: number }, number> {
  run({ x, y }: { x: number; y: number }): number {
    return x + y;
  }
}

/** A function task that needs no inputs. */
const numberTask = task({ name: "number_task" }, () => 42);

async function main(): Promise<void> {
  // 1. Calling the task's run method: no engine at all.
  const addTask = new AddTask({ name: "Add" });
  console.log(`${addTask}.run({ x: 1, y: 2 })    → ${addTask.run({ x: 1, y: 2 })}`);
  console.log(`${addTask}.run({ x: 5, y: -10 })  → ${addTask.run({ x: 5, y: -10 })}`);

  // 2. A TaskRunner: the task as the engine sees it. The runner returns a state, not the value.
  const runner = new TaskRunner(numberTask);
  const state = await runner.run();
  assert.ok(state.isSuccessful());
  assert.equal(state.result, 42);
  console.log(`TaskRunner(${numberTask}).run()   → ${state.type}, result ${formatValue(state.result)}`);

  // 3. Upstream states test the trigger: a failed upstream edge fails the default trigger
  //    (allSuccessful), the task never runs, and the state's result is the exception caught.
  const upstreamEdge = new Edge(new NoOpTask(), numberTask); // NoOpTask: a stand-in upstream task
  const upstreamState = new Failed({ message: "Failed for some reason" });
  const failed = await runner.run({ upstreamStates: new Map([[upstreamEdge, upstreamState]]) });
  assert.ok(failed.isFailed());
  assert.ok(failed instanceof TriggerFailed);
  assert.ok(failed.result instanceof Error);
  console.log(`with a Failed upstream edge          → ${failed.type}, message ${JSON.stringify(failed.message)}`);
  console.log(`                                       result is an Error: ${formatValue(failed.result)}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
