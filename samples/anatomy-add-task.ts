/**
 * "The anatomy of a task: the basics". Two ways to write the same task (a subclass of `Task`, or
 * `task()` around a function), what they print as, and how to test one by calling `run` directly.
 *
 *   node dist/samples/anatomy-add-task.js
 */
import assert from "node:assert/strict";
import { Task, task } from "../lib/index";

// 1. Subclassing Task: the reusable, configurable form. All of the run-time logic is in `run`,
//    which receives ONE object of named inputs (never positional arguments), so every input is a
//    key TypeScript checks, and `upstreamTasks` / `taskArgs` / `flow` can never clash with an input
//    name: they live in the separate options argument of `call` / `map` / `bind`.
class AddTask extends Task<{ x: number; y: number }, number> {
  run({ x, y }: { x: number; y: number }): number {
    return x + y;
  }
}

const addTask = new AddTask({ name: "Add" });
console.log("subclass:   ", String(addTask)); // <Task: Add>

// 2. The task() wrapper: the function becomes `run`; every task option can be given first.
//    Without a `name`, the function's name is used.
const addFn = task({ name: "Add" }, function add_task({ x, y }: { x: number; y: number }) {
  return x + y;
});
const unnamed = task(function add_task({ x, y }: { x: number; y: number }) {
  return x + y;
});
console.log("task(fn):   ", String(addFn)); // <Task: Add>
console.log("no name:    ", String(unnamed)); // <Task: add_task>

// 3. Running tasks: call `run` directly. No flow, no engine, no state: just the method.
console.log();
console.log("addTask.run({ x: 1, y: 2 })   =", addTask.run({ x: 1, y: 2 }));
console.log("addTask.run({ x: 5, y: -10 }) =", addTask.run({ x: 5, y: -10 }));
console.log("addFn.run({ x: 5, y: -10 })   =", addFn.run({ x: 5, y: -10 }));
assert.equal(addTask.run({ x: 1, y: 2 }), 3);
assert.equal(addFn.run({ x: 5, y: -10 }), -5);

// Python's `+` joins lists; TypeScript's does not, so a task that joins arrays says so in its types.
const concat = task(function concat({ x, y }: { x: number[]; y: number[] }) {
  return [...x, ...y];
});
console.log("concat.run({ x: [1, 2], y: [3, 4] }) =", JSON.stringify(concat.run({ x: [1, 2], y: [3, 4] })));

// 4. Options are checked when the task is built, and the error names the task and the option.
try {
  new AddTask({ name: "Add", maxRetries: -1 });
} catch (err) {
  console.log();
  console.log("bad option: ", (err as Error).message);
}
