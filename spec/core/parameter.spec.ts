import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  context, convertParameterValue, DateTimeParameter, FAIL, Failed, Flow, FlowRunner, InvalidOptionError, NoOpTask, Parameter,
  ParameterError, Task, task, TriggerFailed, type AnyTask, type State,
} from "../../lib/index";
import { runWithContext } from "../../lib/engine/context";
import { configureLogging } from "../../lib/engine/logging";

configureLogging({ level: "silent" });

/** The whole message of a ParameterError for `name` refusing a value. */
const refused = (name: string, why: string) => `Parameter "${name}" cannot take the value ${why}`;
const expectNumber = 'expected a number, or a string holding one such as "42"';
const expectBoolean = 'expected a boolean, or the string "true" or "false"';
const expectDate = 'expected a date: a Date, milliseconds since the epoch, or an ISO 8601 string such as "2024-01-31" or "2024-01-31T12:00:00Z"';

function stateOf(flowState: State, t: AnyTask): State {
  const s = (flowState.result as Map<AnyTask, State>).get(t);
  assert.ok(s, `no state for ${t}`);
  return s;
}

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

  it("throws a ParameterError on a value that is not a date, and refuses such a default", () => {
    assert.throws(() => runWithContext({ parameters: { d: "nope" } }, () => new DateTimeParameter("d").run()), (err: unknown) => {
      assert.ok(err instanceof ParameterError);
      assert.equal(err.message, refused("d", `"nope": ${expectDate}`));
      return true;
    });
    assert.throws(() => new DateTimeParameter("d", { default: "31/01/2024" as never }), {
      name: "InvalidOptionError",
      message: `Parameter "d": invalid option "default": cannot take the value "31/01/2024": ${expectDate}`,
    });
  });

  it("converts like a Parameter of type Date, and takes a check", () => {
    const d = new DateTimeParameter("d", {
      check: (v) => {
        if (v && v.getUTCFullYear() < 2000) throw new Error("must be in this century");
      },
    });
    assert.equal(d.type, Date);
    assert.equal(convertParameterValue(d, 1_700_000_000_000)!.toISOString(), "2023-11-14T22:13:20.000Z");
    assert.equal(convertParameterValue(d, "2024-01-31")!.toISOString(), "2024-01-31T00:00:00.000Z");
    assert.equal(convertParameterValue(d, null), null);
    assert.throws(() => convertParameterValue(d, "1999-12-31"), {
      message: refused("d", `"1999-12-31": its check refused it: must be in this century`),
    });
  });
});

describe("Parameter: type and check", () => {
  describe("convertParameterValue", () => {
    it("Number: numbers as they are, numeric strings converted, anything else refused", () => {
      const n = new Parameter("n", { type: Number });
      assert.equal(convertParameterValue(n, 42), 42);
      assert.equal(convertParameterValue(n, "42"), 42);
      assert.equal(convertParameterValue(n, " -1.5e3 "), -1500);
      assert.equal(convertParameterValue(n, "0x10"), 16);
      for (const [bad, shown] of [["abc", '"abc"'], ["", '""'], ["  ", '"  "'], [Number.NaN, "NaN"], [true, "true"], [[1], "[1]"], [1n, "1n"]] as const) {
        assert.throws(() => convertParameterValue(n, bad), (err: unknown) => {
          assert.ok(err instanceof ParameterError);
          assert.equal(err.message, refused("n", `${shown}: ${expectNumber}`));
          return true;
        }, shown);
      }
    });

    it("String: strings only", () => {
      const s = new Parameter("s", { type: String });
      assert.equal(convertParameterValue(s, "x"), "x");
      assert.equal(convertParameterValue(s, ""), "");
      assert.throws(() => convertParameterValue(s, 42), { name: "ParameterError", message: refused("s", "42: expected a string") });
    });

    it("Boolean: booleans, and the strings true and false in any case", () => {
      const b = new Parameter("b", { type: Boolean });
      assert.equal(convertParameterValue(b, false), false);
      assert.equal(convertParameterValue(b, "true"), true);
      assert.equal(convertParameterValue(b, "FALSE"), false);
      assert.equal(convertParameterValue(b, " True "), true);
      assert.throws(() => convertParameterValue(b, "yes"), { message: refused("b", `"yes": ${expectBoolean}`) });
      assert.throws(() => convertParameterValue(b, 1), { message: refused("b", `1: ${expectBoolean}`) });
    });

    it("Date: Dates (copied), epoch milliseconds and ISO 8601 strings", () => {
      const d = new Parameter<Date>("d", { type: Date });
      const given = new Date("2024-01-31T12:00:00Z");
      const copy = convertParameterValue(d, given);
      assert.equal(copy.getTime(), given.getTime());
      assert.notEqual(copy, given, "a copy, so a task cannot change the caller's Date");
      assert.equal(convertParameterValue(d, "2024-01-31T12:00:00Z").getTime(), given.getTime());
      assert.equal(convertParameterValue(d, "2024-01-31T13:00:00+01:00").getTime(), given.getTime());
      assert.equal(convertParameterValue(d, "2024-01-31T12:00:00.000Z").getTime(), given.getTime());
      assert.equal(convertParameterValue(d, "2024-01-31").toISOString(), "2024-01-31T00:00:00.000Z");
      assert.equal(convertParameterValue(d, "2024-02-29").toISOString(), "2024-02-29T00:00:00.000Z");
      assert.equal(convertParameterValue(d, 0).toISOString(), "1970-01-01T00:00:00.000Z");
      for (const [bad, shown] of [
        ["tomorrow", '"tomorrow"'], ["January 31, 2024", '"January 31, 2024"'], ["2024-13-45", '"2024-13-45"'], ["2024-02-30", '"2024-02-30"'],
        ["2023-02-29", '"2023-02-29"'], ["2024-01-31T24:00", '"2024-01-31T24:00"'], [new Date("x"), "an invalid Date"], [true, "true"],
      ] as const) {
        assert.throws(() => convertParameterValue(d, bad), { message: refused("d", `${shown}: ${expectDate}`) }, shown);
      }
    });

    it("Array and Object: as they are, or parsed from JSON text (the JSON error is the cause)", () => {
      const a = new Parameter("a", { type: Array });
      const o = new Parameter<Record<string, number>>("o", { type: Object });
      assert.deepEqual(convertParameterValue(a, [1, 2]), [1, 2]);
      assert.deepEqual(convertParameterValue(a, "[1, \"two\"]"), [1, "two"]);
      assert.deepEqual(convertParameterValue(o, { x: 1 }), { x: 1 });
      assert.deepEqual(convertParameterValue(o, '{"x": 1}'), { x: 1 });
      assert.throws(() => convertParameterValue(a, '{"x": 1}'), { message: refused("a", `"{\\"x\\": 1}": expected an array, or JSON text of one`) });
      assert.throws(() => convertParameterValue(o, [1]), { message: refused("o", "[1]: expected an object (not an array), or JSON text of one") });
      assert.throws(() => convertParameterValue(o, "{x: 1}"), (err: unknown) => {
        assert.ok(err instanceof ParameterError);
        assert.equal(err.message, refused("o", `"{x: 1}": expected an object (not an array), or JSON text of one`));
        assert.ok(err.cause instanceof SyntaxError);
        return true;
      });
      assert.throws(() => convertParameterValue(o, "x".repeat(200)), {
        message: refused("o", `"${"x".repeat(79)}... (202 chars): expected an object (not an array), or JSON text of one`),
      });
    });

    it("check: returns the value to use (or nothing to keep it), throws to refuse it; its error is the cause", () => {
      const doubled = new Parameter("n", { type: Number, check: (n) => n * 2 });
      assert.equal(convertParameterValue(doubled, "21"), 42);
      const positive = new Parameter("p", {
        type: Number,
        check: (n) => {
          if (n <= 0) throw new RangeError("must be > 0");
        },
      });
      assert.equal(convertParameterValue(positive, "3"), 3);
      const boom = (() => {
        try {
          convertParameterValue(positive, -1);
        } catch (err) {
          return err;
        }
      })();
      assert.ok(boom instanceof ParameterError);
      assert.equal(boom.message, refused("p", "-1: its check refused it: must be > 0"));
      assert.ok(boom.cause instanceof RangeError);
      const untyped = new Parameter<unknown>("u", { check: (v) => String(v).toUpperCase() });
      assert.equal(convertParameterValue(untyped, "abc"), "ABC", "a check without a type sees the value as given");
      const asyncCheck = new Parameter("a", { check: (async (v: unknown) => v) as never });
      assert.throws(() => convertParameterValue(asyncCheck, 1), { message: refused("a", "1: its check returned a Promise (a check must be synchronous)") });
    });

    it("null and undefined: taken by an optional parameter, refused by a required one; an untyped parameter takes anything", () => {
      const optional = new Parameter("o", { type: Number, default: 1 });
      assert.equal(convertParameterValue(optional, null), null);
      assert.equal(convertParameterValue(optional, undefined), undefined);
      const required = new Parameter("r", { type: Number });
      assert.throws(() => convertParameterValue(required, null), { message: refused("r", "null: the parameter is required") });
      const free = new Parameter("f");
      const value = { any: "thing" };
      assert.equal(convertParameterValue(free, value), value);
      assert.equal(convertParameterValue(free, "42"), "42", "no type: no conversion");
    });
  });

  describe("construction", () => {
    it("converts and checks the default", () => {
      assert.equal(new Parameter("n", { type: Number, default: "42" as never }).default, 42);
      assert.equal(new Parameter("n", { type: Number, default: 5, check: (n) => n + 1 }).default, 6);
      assert.equal(new Parameter("n", { type: Number, default: null as never }).default, null);
    });

    it("a default of the wrong type, or one the check refuses, is an InvalidOptionError naming the parameter", () => {
      assert.throws(() => new Parameter("n", { type: Number, default: "abc" as never }), (err: unknown) => {
        assert.ok(err instanceof InvalidOptionError);
        assert.equal(err.message, `Parameter "n": invalid option "default": cannot take the value "abc": ${expectNumber}`);
        return true;
      });
      const cause = new Error("too big");
      assert.throws(() => new Parameter("n", { type: Number, default: 100, check: () => { throw cause; } }), (err: unknown) => {
        assert.ok(err instanceof InvalidOptionError);
        assert.equal(err.message, `Parameter "n": invalid option "default": cannot take the value 100: its check refused it: too big`);
        assert.equal(err.cause, cause);
        return true;
      });
    });

    it("refuses a type that is not one of the six, and a check that is not a function", () => {
      assert.throws(() => new Parameter("n", { type: parseInt as never }), {
        name: "InvalidOptionError",
        message: `Parameter "n": invalid option "type": must be one of Number, String, Boolean, Date, Array, Object (got a function parseInt)`,
      });
      assert.throws(() => new Parameter("n", { type: "number" as never }), {
        message: `Parameter "n": invalid option "type": must be one of Number, String, Boolean, Date, Array, Object (got "number")`,
      });
      assert.throws(() => new Parameter("n", { check: 5 as never }), {
        name: "InvalidOptionError",
        message: `Parameter "n": invalid option "check": must be a function (got 5)`,
      });
    });

    it("infers the value type from Number, String, Boolean and Array, and checks the default against it", () => {
      const n = new Parameter("n", { type: Number });
      const s = new Parameter("s", { type: String, check: (v) => v.trim() });
      const b = new Parameter("b", { type: Boolean, default: false });
      const a = new Parameter("a", { type: Array });
      const typed: [Parameter<number>, Parameter<string>, Parameter<boolean>, Parameter<unknown[]>] = [n, s, b, a];
      assert.equal(typed.length, 4);
      // @ts-expect-error: a string parameter is not a number parameter
      const wrong: Parameter<number> = s;
      assert.ok(wrong);
      // @ts-expect-error: the default must be of the declared type
      assert.throws(() => new Parameter("x", { type: Number, default: "x" }));
      // @ts-expect-error: Date does not fit a number parameter
      assert.ok(new Parameter<number>("y", { type: Date }));
      const d: Parameter<Date> = new Parameter<Date>("d", { type: Date });
      const all: Set<Parameter> = new Set([n, s, d]);
      assert.equal(all.size, 3, "typed parameters are still Parameters");
      const add = task({ name: "add" }, ({ x }: { x: number }) => x + 1);
      Flow.build("typed-edge", () => {
        add.call({ x: n });
        // @ts-expect-error: a string parameter cannot feed a number input
        add.call({ x: s });
      });
    });
  });

  describe("in a flow run", () => {
    it("flow.run converts given values: tasks and context.parameters see the converted value, and the check runs once", async () => {
      let checks = 0;
      const seen: unknown[] = [];
      let reader!: AnyTask;
      const flow = Flow.build("typed", () => {
        const n = new Parameter("n", { type: Number, check: (v) => (checks++, v) });
        const when = new DateTimeParameter("when");
        const flags = new Parameter("flags", { type: Object, default: { verbose: false } });
        reader = task({ name: "reader" }, ({ n, when, flags }: { n: number; when: Date | null; flags: object }) => {
          seen.push(n, when, flags, context.parameters!.n, context.parameters!.when);
          return n + 1;
        }).call({ n, when, flags });
      });
      const state = await flow.run({ parameters: { n: "41", when: "2024-01-31", flags: '{"verbose":true}' } });
      assert.equal(state.isSuccessful(), true, state.message);
      assert.equal(stateOf(state, reader).result, 42);
      assert.deepEqual(seen.slice(0, 3), [41, new Date("2024-01-31T00:00:00Z"), { verbose: true }]);
      assert.equal(seen[3], 41, "context.parameters holds the converted value");
      assert.ok(seen[4] instanceof Date);
      assert.equal(checks, 1, "flow.run checked it; the Parameter task did not check again");
    });

    it("values given in the run's context are converted too", async () => {
      let got: unknown;
      const flow = Flow.build("ctx-params", () => {
        const n = new Parameter("n", { type: Number, default: 0 });
        task({ name: "t" }, ({ n }: { n: number }) => (got = [n, context.parameters!.n])).call({ n });
      });
      await flow.run({ context: { parameters: { n: "7" } } });
      assert.deepEqual(got, [7, 7]);
      await assert.rejects(flow.run({ context: { parameters: { n: "seven" } } }), { name: "ParameterError", message: refused("n", `"seven": ${expectNumber}`) });
    });

    it("flow.run rejects a bad value with a ParameterError before any task runs", async () => {
      let ran = 0;
      const flow = Flow.build("bad-value", () => {
        const n = new Parameter("n", {
          type: Number,
          check: (v) => {
            if (!Number.isInteger(v)) throw new Error("must be a whole number");
          },
        });
        task({ name: "t" }, ({ n }: { n: number }) => (ran++, n)).call({ n });
      });
      await assert.rejects(flow.run({ parameters: { n: "forty-two" } }), (err: unknown) => {
        assert.ok(err instanceof ParameterError);
        assert.equal(err.message, refused("n", `"forty-two": ${expectNumber}`));
        return true;
      });
      await assert.rejects(flow.run({ parameters: { n: "4.5" } }), (err: unknown) => {
        assert.ok(err instanceof ParameterError);
        assert.equal(err.message, refused("n", `"4.5": its check refused it: must be a whole number`));
        assert.equal((err.cause as Error).message, "must be a whole number");
        return true;
      });
      assert.equal(ran, 0);
      assert.equal((await flow.run({ parameters: { n: "4" } })).isSuccessful(), true);
      assert.equal(ran, 1);
    });

    it("a bare FlowRunner does not pre-validate: the Parameter task fails with the ParameterError as its result", async () => {
      let p!: Parameter<number>;
      let t!: AnyTask;
      const flow = Flow.build("bare", () => {
        p = new Parameter("n", { type: Number });
        t = task({ name: "t" }, ({ n }: { n: number }) => n).call({ n: p });
      });
      const state = await new FlowRunner(flow).run({ parameters: { n: "nope" } });
      assert.equal(state.isFailed(), true);
      const ps = stateOf(state, p);
      assert.ok(ps instanceof Failed);
      assert.ok(ps.result instanceof ParameterError);
      assert.equal((ps.result as Error).message, refused("n", `"nope": ${expectNumber}`));
      assert.ok(stateOf(state, t) instanceof TriggerFailed);
      const ok = await new FlowRunner(flow).run({ parameters: { n: "5" } });
      assert.equal(stateOf(ok, t).result, 5, "the Parameter task converts the value itself");
    });
  });
});
