/**
 * "Auto-generation of tasks": what the functional builder does with array and object literals.
 *
 * Prefect 1 makes Dict/List tasks for every collection it is given, even one made only of plain
 * values. flowsmith keeps a plain value whole, as one constant (no node, no introspection), and
 * only makes collection tasks when a literal contains a task: `Dict` for an object, `List` for an
 * array. `new Constant(value)` always stays one node, whatever the value holds.
 *
 *   node dist/samples/auto-generated-collections.js
 */
import assert from "node:assert/strict";
import { Constant, Dict, Flow, List, Task, task } from "../lib/index";

const show = (tasks: Iterable<Task<any, any>>) => `{${[...tasks].map(String).join(", ")}}`;

const doNothing = task(function do_nothing(_: { arg: unknown }) {});
const nine = task(function nine() {
  return 9;
});

// 1. Only plain values: one constant, no extra tasks.
{
  let d!: typeof doNothing;
  const flow = Flow.build("constants", () => {
    d = doNothing.call({ arg: { x: 1, y: [9, 10] } });
  });
  console.log("plain values:       ", show(flow.tasks));
  console.log("  constants of do_nothing:", JSON.stringify(flow.constants.get(d)));
  assert.equal(flow.tasks.size, 1);
}

// 2. A literal that contains a task: a Dict for the object, a List for the array inside it.
{
  let d!: typeof doNothing;
  const flow = Flow.build("collections", () => {
    d = doNothing.call({ arg: { x: 1, y: [nine.call(), 10] } });
  });
  console.log("literal with a task:", show(flow.sortedTasks()));
  for (const e of flow.edges) console.log(`  ${e.upstreamTask.name} -> ${e.downstreamTask.name} (${e.key})`);
  const dict = flow.getTasks({ taskType: Dict })[0]!;
  const list = flow.getTasks({ taskType: List })[0]!;
  console.log("  constants of Dict:", JSON.stringify(flow.constants.get(dict)), "  of List:", JSON.stringify(flow.constants.get(list)));
  // Run directly, the collection tasks rebuild the literal from their inputs.
  const rebuiltList = (list as List).run({ "0": 9, "1": 10 });
  const rebuiltDict = (dict as Dict).run({ x: 1, y: rebuiltList });
  console.log("  List.run ->", JSON.stringify(rebuiltList), "  Dict.run ->", JSON.stringify(rebuiltDict));
  assert.deepEqual(rebuiltDict, { x: 1, y: [9, 10] });
  assert.equal(flow.upstreamTasks(d).has(dict), true);
}

// 3. The Constant wrapper: one node for the whole value, however nested.
{
  const flow = Flow.build("constant-wrapper", () => {
    doNothing.call({ arg: new Constant({ x: 1, y: [9, 10] }) });
  });
  console.log("Constant wrapper:   ", show(flow.tasks));
  assert.equal(flow.tasks.size, 2);
}
