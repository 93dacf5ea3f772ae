import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { DateTimeParameter, FAIL, Flow, InvalidOptionError, NoOpTask, Parameter, Task } from "../../lib/index";
import { runWithContext } from "../../lib/engine/context";

class AddTask extends Task<{ x: number; y: number }, number> {
  run({ x, y }: { x: number; y: number }) {
    return x + y;
  }
}

describe("Parameter", () => {
  it("is named, slugged by its name, and prints as <Parameter: name>", () => {
    const p = new Parameter("x");
    assert.equal(p.name, "x");
    assert.equal(p.slug, "x");
    assert.equal(String(p), "<Parameter: x>");
  });

  it("is required when it has no default", () => {
    const x = new Parameter("x");
    assert.equal(x.required, true);
    assert.equal(x.default, undefined);
    const y = new Parameter("y", { default: 2 });
    assert.equal(y.required, false);
    assert.equal(y.default, 2);
    assert.equal(new Parameter("z", { required: false }).required, false);
    assert.equal(new Parameter("w", { default: 1, required: true }).required, true);
  });

  it("takes tags and a description", () => {
    const p = new Parameter("x", { tags: ["input"], description: "the x" });
    assert.deepEqual([...p.tags], ["input"]);
    assert.equal(p.description, "the x");
  });

  it("needs a non-empty name", () => {
    assert.throws(
      () => new Parameter(""),
      (err: unknown) => {
        assert.ok(err instanceof InvalidOptionError);
        assert.equal(err.message, `Parameter: invalid option "name": a task name must be a non-empty string`);
        return true;
      },
    );
  });

  it("is added to the flow as it is (no copy) when used as an input", () => {
    const x = new Parameter("x", { default: 1 });
    const y = new Parameter("y", { default: 2 });
    const f = Flow.build("add-example-v3", () => {
      new AddTask().call({ x, y });
    });
    assert.ok(f.tasks.has(x));
    assert.ok(f.tasks.has(y));
    assert.deepEqual(f.parameters(), new Set([x, y]));
  });

  it("call() adds it, not a copy, and returns it", () => {
    const x = new Parameter("x");
    let r!: Parameter;
    const f = Flow.build("call", () => {
      r = x.call();
    });
    assert.equal(r, x);
    assert.deepEqual([...f.tasks], [x]);
  });

  it("takes no inputs and cannot be mapped", () => {
    const x = new Parameter("x");
    assert.throws(() => Flow.build("inputs", () => void x.call({ a: 1 })), {
      name: "BindError",
      message: "Parameters must be root tasks: <Parameter: x> cannot have upstream tasks",
    });
    assert.throws(() => Flow.build("map", () => void x.map()), {
      name: "BindError",
      message: "<Parameter: x> cannot be mapped: parameters take no inputs",
    });
  });

  it("can never be a downstream task", () => {
    const f = new Flow("downstream");
    assert.throws(() => f.addEdge(new NoOpTask(), new Parameter("x")), {
      name: "FlowValidationError",
      message: "Parameters must be root tasks: <Parameter: x> cannot have upstream tasks",
    });
    assert.throws(() => f.setDependencies(new Parameter("y"), { upstreamTasks: [new NoOpTask()] }), {
      message: "Parameters must be root tasks: <Parameter: y> cannot have upstream tasks",
    });
  });

  it("two parameters with one name cannot be in one flow", () => {
    const f = new Flow("clash");
    assert.throws(
      () =>
        f.define(() => {
          new AddTask().call({ x: new Parameter("x"), y: new Parameter("x") });
        }),
      { name: "FlowValidationError", message: `A parameter named "x" already exists in this flow` },
    );
  });

  it("copy needs a new name, which is also the copy's slug", () => {
    const p = new Parameter("x", { default: 1 });
    assert.throws(() => p.copy(), {
      name: "InvalidOptionError",
      message: `<Parameter: x>.copy() needs a new name: copy({ name: "other" })`,
    });
    const c = p.copy({ name: "y" });
    assert.equal(c.name, "y");
    assert.equal(c.slug, "y");
    assert.equal(c.default, 1);
    const f = new Flow("copies");
    f.addTask(p);
    f.addTask(c);
    assert.deepEqual([...f.slugs.values()], ["x", "y"]);
  });

  describe("run (called directly)", () => {
    it("gives the default outside a run", () => {
      assert.equal(new Parameter("x", { default: 3 }).run(), 3);
    });

    it("FAILs when required and not given", () => {
      assert.throws(
        () => new Parameter("x").run(),
        (err: unknown) => {
          assert.ok(err instanceof FAIL);
          assert.equal(err.message, `Parameter "x" was required but not provided.`);
          return true;
        },
      );
    });

    it("reads the run's parameters, which beat the default", () => {
      assert.equal(runWithContext({ parameters: { x: 5 } }, () => new Parameter("x", { default: 3 }).run()), 5);
    });
  });
});

describe("DateTimeParameter", () => {
  it("parses an ISO string or a Date, and keeps null", () => {
    const d = new DateTimeParameter("d");
    const parsed = runWithContext({ parameters: { d: "2024-01-02T03:04:05Z" } }, () => d.run());
    assert.ok(parsed instanceof Date);
    assert.equal(parsed.toISOString(), "2024-01-02T03:04:05.000Z");
    const date = new Date("2020-05-06T00:00:00Z");
    assert.equal(runWithContext({ parameters: { d: date } }, () => d.run())!.getTime(), date.getTime());
    assert.equal(runWithContext({ parameters: { d: null } }, () => d.run()), null);
  });

  it("parses its default, and gives null when optional and absent", () => {
    assert.equal(new DateTimeParameter("d", { default: "2024-01-02" as never }).run()!.toISOString(), "2024-01-02T00:00:00.000Z");
    assert.equal(new DateTimeParameter("d", { required: false }).run(), null);
  });

  it("FAILs on a value that is not a date", () => {
    assert.throws(() => runWithContext({ parameters: { d: "nope" } }, () => new DateTimeParameter("d").run()), {
      name: "FAIL",
      message: `Parameter "d" expects a date (an ISO 8601 string or a Date), received "nope"`,
    });
  });
});
