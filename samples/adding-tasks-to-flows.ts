/**
 * "Adding tasks to flows": the imperative API (`flow.addTask`, `flow.setDependencies`) and the
 * functional one (`Flow.build` with `task.call`), and what ends up in `flow.tasks` with each:
 * calling a task adds a copy, plain values become constants, Parameters are added as they are,
 * and `upstreamTasks` adds dependencies that carry no data. Nothing is run here.
 *
 *   node dist/samples/adding-tasks-to-flows.js
 */
import assert from "node:assert/strict";
import { Edge, Flow, Parameter, Task, task } from "../lib/index";

/** `{<Task: a>, <Task: b>}`, like Prefect prints a set of tasks. */
const show = (tasks: Iterable<Task<any, any>>) => `{${[...tasks].map(String).join(", ")}}`;
const showEdges = (edges: Iterable<Edge>) =>
  [...edges].map((e) => `${e.upstreamTask.name} -> ${e.downstreamTask.name}${e.key ? ` (${e.key})` : " (state only)"}${e.mapped ? " [mapped]" : ""}`);

const numberTask = task(function number_task() {
  return 42;
});

class AddTask extends Task<{ x: number; y: number }, number> {
  run({ x, y }: { x: number; y: number }): number {
    return x + y;
  }
}
const addTask = new AddTask({ name: "add_task" });

// Imperative: add the task itself.
{
  const f = new Flow("example");
  f.addTask(numberTask);
  console.log(`${f}: ${show(f.tasks)}`);
}

// Functional: calling a task inside the builder adds a COPY of it, and returns the copy.
{
  let result!: typeof numberTask;
  const f = Flow.build("example-v2", () => {
    result = numberTask.call();
  });
  console.log(`${f}: ${show(f.tasks)}`);
  console.log(`  numberTask in f.tasks: ${f.tasks.has(numberTask)}   result in f.tasks: ${f.tasks.has(result)}`);
  assert.equal(f.tasks.has(numberTask), false);
  assert.equal(f.tasks.has(result), true);
}

// taskArgs override options on the copy (a name, a trigger, retries, tags...).
{
  const f = Flow.build("example-v3", () => {
    numberTask.call({}, { taskArgs: { name: "new-name" } });
  });
  console.log(`${f}: ${show(f.tasks)}`);
}

// setDependencies with plain values: they are kept as constants of the task, not as tasks.
{
  const f = new Flow("add-example");
  f.setDependencies(addTask, { keywordTasks: { x: 1, y: 2 } });
  console.log(`${f}: ${show(f.tasks)}   constants: ${JSON.stringify(f.constants.get(addTask))}`);
  assert.deepEqual([...f.tasks], [addTask]);
}

// The same with the functional API: a copy of add_task, bound to the constants.
{
  let result!: AddTask;
  const f = Flow.build("add-example-v2", () => {
    result = addTask.call({ x: 1, y: 2 });
  });
  console.log(`${f}: ${show(f.tasks)}   add_task in f.tasks: ${f.tasks.has(addTask)}   result in f.tasks: ${f.tasks.has(result)}`);
}

// Parameters are added as they are (no copy), when a task that uses them is called.
{
  let x!: Parameter<number>, y!: Parameter<number>, result!: AddTask;
  const f = Flow.build("add-example-v3", () => {
    // Creating the Parameters does not add them to the flow yet...
    x = new Parameter("x", { default: 1 });
    y = new Parameter("y", { default: 2 });
    result = addTask.call({ x, y }); // <-- ...this does.
  });
  console.log(`${f}: ${show(f.tasks)}`);
  console.log(`  add_task: ${f.tasks.has(addTask)}   result: ${f.tasks.has(result)}   x: ${f.tasks.has(x)}   y: ${f.tasks.has(y)}`);
  for (const line of showEdges(f.edges)) console.log(`  ${line}`);
  assert.ok(f.tasks.has(x) && f.tasks.has(y));
}

// Dependencies without data: B runs after A, but receives nothing from it.
{
  const taskA = task({ name: "A" }, () => null);
  const taskB = task({ name: "B" }, () => null);
  const f = Flow.build("functional-example", () => {
    taskB.call({}, { upstreamTasks: [taskA] });
  });
  console.log(`${f}: ${show(f.tasks)}`);
  for (const line of showEdges(f.edges)) console.log(`  ${line}`);
}

// Map / reduce, both ways: the same graph.
{
  const addOne = task(function add_one({ x }: { x: number }) {
    return x + 1;
  });
  const sumNumbers = task({ name: "sum" }, function sum_numbers({ y }: { y: number[] }) {
    return y.reduce((a, b) => a + b, 0);
  });

  const imperative = new Flow("Map Reduce");
  imperative.setDependencies(addOne, { keywordTasks: { x: [1, 2, 3, 4] }, mapped: true });
  imperative.setDependencies(sumNumbers, { keywordTasks: { y: addOne } });

  const functional = Flow.build("Map Reduce", () => {
    const mappedResult = addOne.map({ x: [1, 2, 3, 4] });
    sumNumbers.call({ y: mappedResult });
  });

  for (const f of [imperative, functional]) {
    console.log(`${f} (${f === imperative ? "imperative" : "functional"}): ${show(f.sortedTasks())}`);
    for (const line of showEdges(f.edges)) console.log(`  ${line}`);
  }
}
