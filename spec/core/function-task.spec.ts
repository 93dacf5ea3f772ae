import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Flow, FunctionTask, InvalidOptionError, Task, task } from "../../lib/index";

describe("task(fn)", () => {
  it("wraps a function as a FunctionTask named after it", () => {
    const add = task(function add_task({ x, y }: { x: number; y: number }) {
      return x + y;
    });
    assert.ok(add instanceof FunctionTask);
    assert.ok(add instanceof Task);
    assert.equal(add.name, "add_task");
    assert.equal(String(add), "<Task: add_task>");
  });

  it("takes the name of the variable an arrow function is assigned to, or 'anonymous'", () => {
    const double = ({ x }: { x: number }) => x * 2;
    assert.equal(task(double).name, "double");
    assert.equal(task(({ x }: { x: number }) => x).name, "anonymous");
  });

  it("takes options first; options.name wins over the function's name", () => {
    const add = task({ name: "Add", maxRetries: 2, retryDelay: 10, tags: ["math"] }, function add_task({ x, y }: { x: number; y: number }) {
      return x + y;
    });
    assert.equal(String(add), "<Task: Add>");
    assert.equal(add.maxRetries, 2);
    assert.deepEqual([...add.tags], ["math"]);
  });

  it("runs the function with the inputs object", () => {
    const add = task(({ x, y }: { x: number; y: number }) => x + y);
    assert.equal(add.run({ x: 1, y: 2 }), 3);
    assert.equal(add.run({ x: 5, y: -10 }), -5);
    const concat = task(({ x, y }: { x: number[]; y: number[] }) => [...x, ...y]);
    assert.deepEqual(concat.run({ x: [1, 2], y: [3, 4] }), [1, 2, 3, 4]);
  });

  it("keeps an async function's promise", async () => {
    const later = task(async ({ x }: { x: number }) => x * 10);
    assert.equal(await later.run({ x: 4 }), 40);
  });

  it("refuses something that is not a function", () => {
    assert.throws(
      () => task(3 as never),
      (err: unknown) => {
        assert.ok(err instanceof InvalidOptionError);
        assert.equal(err.message, "task(fn) needs a function (received number)");
        return true;
      },
    );
    assert.throws(() => task({ name: "x" }, 3 as never), {
      message: "task(options, fn) needs a function as its second argument (received number)",
    });
    assert.throws(() => new FunctionTask(null as never), { message: "task(fn) needs a function (received object)" });
  });

  it("validates the options, naming the function", () => {
    assert.throws(() => task({ maxRetries: -1 }, function load() {}), {
      name: "InvalidOptionError",
      message: `Task 'load': invalid option "maxRetries": must be >= 0`,
    });
  });

  it("copies share the function", () => {
    const t = task(function double({ x }: { x: number }) {
      return x * 2;
    });
    const c = t.copy({ name: "twice" });
    assert.equal(c.fn, t.fn);
    assert.equal(c.run({ x: 2 }), 4);
    assert.ok(c instanceof FunctionTask);
  });

  it("calling a function task in a flow binds a copy (seed: example-v2)", () => {
    const numberTask = task(function number_task() {
      return 42;
    });
    let result!: typeof numberTask;
    const f = Flow.build("example-v2", () => {
      result = numberTask.call();
    });
    assert.deepEqual([...f.tasks].map(String), ["<Task: number_task>"]);
    assert.equal(f.tasks.has(numberTask), false);
    assert.equal(f.tasks.has(result), true);
  });
});
