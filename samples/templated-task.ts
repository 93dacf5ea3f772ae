/**
 * "Use a Task class for templating tasks": a task whose default `y` is set when it is built and can
 * be overridden per call. `@DefaultsFromAttrs("y")` fills a missing `y` input from `this.y`
 * (Prefect's `defaults_from_attrs`); an explicit input always wins.
 *
 *   node dist/samples/templated-task.js
 */
import assert from "node:assert/strict";
import { DefaultsFromAttrs, Flow, Task, TaskOptions } from "../lib/index";

class AddTask extends Task<{ x: number; y?: number }, number> {
  declare readonly y: number;

  constructor(y = 0, options: TaskOptions = {}) {
    super(options); // always pass the options on, so names, tags, retries... still work
    (this as { y: number }).y = y;
  }

  @DefaultsFromAttrs("y")
  run({ x, y }: { x: number; y?: number }): number {
    return x + y!;
  }
}

const addTask = new AddTask(0);

let resultOne!: AddTask, resultTwo!: AddTask;
const flow = Flow.build("add-with-default", () => {
  resultOne = addTask.call({ x: 1 });
  resultTwo = addTask.call({ x: 0, y: 10 });
});

console.log(`${flow}: ${[...flow.tasks].map((t) => `${flow.slugOf(t)} ${JSON.stringify(flow.constants.get(t))}`).join(", ")}`);
console.log(`result_one: y is not bound, so it will default to this.y = ${resultOne.y}`);
console.log("result_one's run({ x: 1 })        =", resultOne.run({ x: 1 }));
console.log("result_two's run({ x: 0, y: 10 }) =", resultTwo.run({ x: 0, y: 10 }));
assert.equal(resultOne.run({ x: 1 }), 1);
assert.equal(resultTwo.run({ x: 0, y: 10 }), 10);

// Another template instance with a different default, and options passed through.
const addHundred = new AddTask(100, { name: "add_hundred", tags: ["math"] });
console.log(`${addHundred} tags=${JSON.stringify([...addHundred.tags])}: run({ x: 1 }) =`, addHundred.run({ x: 1 }));
assert.equal(addHundred.run({ x: 1 }), 101);
