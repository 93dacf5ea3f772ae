import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Socket } from "node:net";
import { Constant, Flow, NotSerializableError, Parameter, Task, task, assertSerializable, checkSerializable, isSerializable } from "../../lib/index";

class Query extends Task<{ sql: string }, number> {
  /** The seed's anti-pattern: a live client built in the constructor. */
  client = new Socket();
  run({ sql }: { sql: string }) {
    return sql.length;
  }
}

const double = task({ name: "double" }, ({ x }: { x: number }) => x * 2);

/** Exported, so workers could load it from this module. */
export const portable = Flow.build("portable", () => {
  double.call({ x: double.call({ x: new Parameter("x", { default: 2 }) }) });
});

export const withClient = Flow.build("with-client", () => {
  new Query().call({ sql: "select 1" });
});

export const withFunctionConstant = Flow.build("with-function-constant", () => {
  const f = task({ name: "apply" }, ({ fn }: { fn: () => number }) => fn());
  f.call({ fn: new Constant(() => 1, { name: "fn" }) as never });
});

describe("isSerializable / checkSerializable", () => {
  it("an exported flow of plain tasks and values can leave the process", () => {
    const report = checkSerializable(portable);
    assert.deepEqual(report.problems, []);
    assert.equal(report.serializable, true);
    assert.equal(report.module?.exportName, "portable");
    assert.match(report.module!.filename, /serializable\.spec\.js$/);
    assert.equal(isSerializable(portable), true);
    assert.doesNotThrow(() => assertSerializable(portable));
  });

  it("a flow no module exports cannot be found by a worker", () => {
    const local = Flow.build("local", () => void double.call({ x: 1 }));
    const report = checkSerializable(local);
    assert.equal(report.serializable, false);
    assert.equal(report.module, undefined);
    assert.deepEqual(report.problems.map((p) => p.reason), [
      '<Flow: name="local"> is not exported by any loaded module: export it (module.exports / export const) so workers can load it by module path',
    ]);
  });

  it("a task holding a live client is reported by task, slug and attribute", () => {
    const report = checkSerializable(withClient);
    assert.equal(report.serializable, false);
    assert.equal(report.problems.length, 1);
    const [p] = report.problems;
    assert.equal(p!.task, "Query");
    assert.equal(p!.slug, "Query-1");
    assert.equal(p!.key, "client");
    assert.match(p!.reason, /^attribute "client" holds a live object: a Socket cannot be cloned \(.+\)\. Build it inside run, or declare it with @Resource/);
    assert.throws(() => assertSerializable(withClient), (err: Error) => {
      assert.ok(err instanceof NotSerializableError);
      assert.match(err.message, /^<Flow: name="with-client"> cannot leave this process:\n- task 'Query' \(Query-1\): attribute "client"/);
      return true;
    });
  });

  it("values that travel as inputs must be cloneable: functions, bound constants, parameter defaults", () => {
    const report = checkSerializable(withFunctionConstant);
    assert.deepEqual(report.problems.map((p) => [p.task, p.key]), [["fn", "value"]]);
    assert.match(report.problems[0]!.reason, /^its value travels as an input, but a function \(anonymous\) cannot be cloned$/);

    const bound = new Flow("bound");
    bound.setDependencies(double, { keywordTasks: { x: Symbol("nope") as never } });
    bound.addTask(new Parameter("p", { default: new Socket() }));
    const problems = checkSerializable(bound).problems.filter((p) => p.task);
    assert.deepEqual(problems.map((p) => [p.task, p.key]).sort(), [["double", "x"], ["p", "default"]]);
  });
});
