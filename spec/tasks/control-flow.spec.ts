import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { configureLogging } from "../../lib/engine/logging";
import {
  Flow, Parameter, Constant, task, AnyTask, State, Success, Skipped, Failed, TriggerFailed, ConcurrentExecutor,
  Executor, caseOf, switchOn, ifElse, merge, not, isEqual, CompareValue, Merge, InvalidOptionError, BindError, SKIP,
} from "../../lib/index";

configureLogging({ level: "warn" });

const stateOf = (flowState: State, t: AnyTask): State => (flowState.result as Map<AnyTask, State>).get(t)!;

const identity = task(function identity({ x }: { x: unknown }) {
  return x;
});
const inc = task(function inc({ x }: { x: number }) {
  return x + 1;
});
const dec = task(function dec({ x }: { x: number }) {
  return x - 1;
});

/** cond = Parameter "branch"; case "a" → inc(1), case "b" → dec(10); merged. */
function caseMergeFlow() {
  let a!: AnyTask, b!: AnyTask, m!: AnyTask, after!: AnyTask;
  const flow = Flow.build("case-merge", () => {
    const cond = identity.call({ x: new Parameter<string>("branch", { default: "a" }) });
    a = caseOf(cond, "a", () => inc.call({ x: 1 }));
    b = caseOf(cond, "b", () => dec.call({ x: 10 }));
    m = merge(a, b);
    after = inc.call({ x: m });
  });
  return { flow, a, b, m, after };
}

const executors: Array<[string, () => Executor | undefined]> = [
  ["local", () => undefined],
  ["concurrent", () => new ConcurrentExecutor()],
];

describe("caseOf + merge", () => {
  for (const [name, makeExecutor] of executors) {
    it(`runs only the matching branch and merges its value (${name} executor)`, async () => {
      const { flow, a, b, m, after } = caseMergeFlow();
      const onA = await flow.run({ executor: makeExecutor() });
      assert.ok(onA instanceof Success, String(onA));
      assert.ok(stateOf(onA, a) instanceof Success && !(stateOf(onA, a) instanceof Skipped));
      assert.equal(stateOf(onA, a).result, 2);
      assert.ok(stateOf(onA, b) instanceof Skipped);
      assert.equal(stateOf(onA, m).result, 2);
      assert.equal(stateOf(onA, after).result, 3);

      const onB = await flow.run({ executor: makeExecutor(), parameters: { branch: "b" } });
      assert.ok(onB instanceof Success);
      assert.ok(stateOf(onB, a) instanceof Skipped);
      assert.equal(stateOf(onB, b).result, 9);
      assert.equal(stateOf(onB, m).result, 9);
      assert.equal(stateOf(onB, after).result, 10);
    });
  }

  it("adds one CompareValue named case(<value>) per block, bound to the condition and upstream of the block's entry tasks", () => {
    let cond!: AnyTask, first!: AnyTask, second!: AnyTask;
    const flow = Flow.build("structure", () => {
      cond = identity.call({ x: "a" });
      caseOf(cond, "a", () => {
        first = inc.call({ x: 1 });
        second = inc.call({ x: first });
      });
    });
    const [cmp] = flow.getTasks({ taskType: CompareValue });
    assert.ok(cmp instanceof CompareValue);
    assert.equal(cmp.name, "case(a)");
    assert.equal((cmp as CompareValue).value, "a");
    assert.deepEqual([...flow.upstreamTasks(cmp)], [cond]);
    assert.deepEqual([...flow.downstreamTasks(cmp)], [first]);
    assert.ok(!flow.upstreamTasks(second).has(cmp));
  });

  it("adds nothing when the block builds no task, and returns what the builder returns", () => {
    const flow = Flow.build("empty", () => {
      const cond = identity.call({ x: 1 });
      assert.equal(caseOf(cond, 1, () => 42), 42);
    });
    assert.equal(flow.getTasks({ taskType: CompareValue }).length, 0);
  });

  it("compares strictly: 1 does not match \"1\"", async () => {
    let t!: AnyTask;
    const flow = Flow.build("strict", () => {
      const cond = identity.call({ x: 1 });
      t = caseOf(cond, "1", () => inc.call({ x: 1 }));
    });
    const s = await flow.run();
    assert.ok(stateOf(s, t) instanceof Skipped);
    const [cmp] = flow.getTasks({ taskType: CompareValue });
    assert.equal(stateOf(s, cmp!).message, 'Provided value "1" did not match "1"');
  });

  it("skips a nested case when its outer case is skipped, and runs it when both match", async () => {
    let inner!: AnyTask, outerTask!: AnyTask;
    const flow = Flow.build("nested", () => {
      const c1 = identity.call({ x: new Parameter("outer", { default: "no" }) });
      const c2 = identity.call({ x: "yes" });
      caseOf(c1, "yes", () => {
        outerTask = inc.call({ x: 1 });
        inner = caseOf(c2, "yes", () => inc.call({ x: 100 }));
      });
    });
    const skipped = await flow.run();
    assert.ok(skipped instanceof Success);
    assert.ok(stateOf(skipped, outerTask) instanceof Skipped);
    assert.ok(stateOf(skipped, inner) instanceof Skipped);
    const cmps = flow.getTasks({ taskType: CompareValue });
    assert.equal(cmps.length, 2);
    for (const c of cmps) assert.ok(stateOf(skipped, c) instanceof Skipped);

    const ran = await flow.run({ parameters: { outer: "yes" } });
    assert.equal(stateOf(ran, outerTask).result, 2);
    assert.equal(stateOf(ran, inner).result, 101);
  });

  it("does not gate Parameters and Constants made inside a case", async () => {
    let p!: Parameter<number>, c!: Constant<number>, t!: AnyTask;
    const flow = Flow.build("not-gated", () => {
      const cond = identity.call({ x: "off" });
      caseOf(cond, "on", () => {
        p = new Parameter<number>("n", { default: 5 });
        c = new Constant(7);
        t = task(function add({ a, b }: { a: number; b: number }) {
          return a + b;
        }).call({ a: p, b: c });
      });
    });
    const [cmp] = flow.getTasks({ taskType: CompareValue });
    assert.ok(!flow.downstreamTasks(cmp!).has(p));
    assert.ok(!flow.downstreamTasks(cmp!).has(c));
    assert.ok(flow.downstreamTasks(cmp!).has(t));
    const s = await flow.run();
    assert.ok(stateOf(s, p) instanceof Success && !(stateOf(s, p) instanceof Skipped));
    assert.equal(stateOf(s, p).result, 5);
    assert.ok(stateOf(s, t) instanceof Skipped);
  });

  it("skips tasks outside the block that depend on it (skipOnUpstreamSkip), but not those that opt out", async () => {
    let outside!: AnyTask, optOut!: AnyTask;
    const flow = Flow.build("propagation", () => {
      const cond = identity.call({ x: false });
      const inBlock = caseOf(cond, true, () => inc.call({ x: 1 }));
      outside = inc.call({ x: inBlock });
      optOut = task({ skipOnUpstreamSkip: false }, function seen({ v }: { v: unknown }) {
        return v === undefined ? "no value" : "value";
      }).call({ v: inBlock });
    });
    const s = await flow.run();
    assert.ok(s instanceof Success);
    assert.ok(stateOf(s, outside) instanceof Skipped);
    assert.equal(stateOf(s, optOut).result, "no value");
  });

  it("refuses a task as the value, naming caseOf", () => {
    Flow.build("bad", () => {
      const cond = identity.call({ x: 1 });
      assert.throws(() => caseOf(cond, cond, () => undefined), (err: Error) => {
        assert.ok(err instanceof InvalidOptionError);
        assert.match(err.message, /^caseOf\(condition, value, builder\): value cannot be a task/);
        return true;
      });
    });
  });

  it("refuses a block whose tasks go to two flows", () => {
    const other = new Flow("other");
    Flow.build("one", () => {
      const cond = identity.call({ x: 1 });
      assert.throws(
        () => caseOf(cond, 1, () => {
          inc.call({ x: 1 });
          inc.call({ x: 2 }, { flow: other });
        }),
        (err: Error) => err instanceof BindError && err.message === "Multiple flows cannot be used with the same caseOf block: every task built inside it must belong to one flow",
      );
    });
  });
});

describe("switchOn", () => {
  function threeWay() {
    const branches: AnyTask[] = [];
    const flow = Flow.build("switch", () => {
      const cond = identity.call({ x: new Parameter("which", { default: "b" }) });
      for (const v of [1, 2, 3]) branches.push(inc.call({ x: v * 10 }));
      switchOn(cond, { a: branches[0]!, b: branches[1]!, c: branches[2]! });
    });
    return { flow, branches };
  }

  it("runs exactly the branch whose key matches, with CompareValues tagged switch", async () => {
    const { flow, branches } = threeWay();
    const cmps = flow.getTasks({ taskType: CompareValue });
    assert.equal(cmps.length, 3);
    for (const c of cmps) assert.ok(c.tags.has("switch"));
    for (const [which, live] of [["a", 0], ["b", 1], ["c", 2]] as const) {
      const s = await flow.run({ parameters: { which } });
      assert.ok(s instanceof Success);
      branches.forEach((b, i) => {
        if (i === live) assert.equal(stateOf(s, b).result, (i + 1) * 10 + 1);
        else assert.ok(stateOf(s, b) instanceof Skipped, `${which}: branch ${i}`);
      });
    }
  });

  it("takes a Map for non-string values", async () => {
    let one!: AnyTask, yes!: AnyTask;
    const flow = Flow.build("switch-map", () => {
      const cond = identity.call({ x: 1 });
      one = inc.call({ x: 0 });
      yes = inc.call({ x: 0 });
      switchOn(cond, new Map<unknown, AnyTask>([[1, one], [true, yes]]));
    });
    const s = await flow.run();
    assert.equal(stateOf(s, one).result, 1);
    assert.ok(stateOf(s, yes) instanceof Skipped);
  });

  it("refuses a branch that is not a task", () => {
    Flow.build("bad-switch", () => {
      const cond = identity.call({ x: 1 });
      assert.throws(() => switchOn(cond, { a: 5 as never }), /switchOn\(condition, cases\): the branch for "a" must be a task/);
    });
  });
});

describe("ifElse", () => {
  it("runs the true branch for a truthy condition and the false branch otherwise", async () => {
    let yes!: AnyTask, no!: AnyTask, joined!: AnyTask;
    const flow = Flow.build("ifelse", () => {
      const cond = identity.call({ x: new Parameter("flag", { default: 1 }) });
      yes = identity.call({ x: "yes" });
      no = identity.call({ x: "no" });
      ifElse(cond, yes, no);
      joined = merge(yes, no);
    });
    const t = await flow.run();
    assert.equal(stateOf(t, yes).result, "yes");
    assert.ok(stateOf(t, no) instanceof Skipped);
    assert.equal(stateOf(t, joined).result, "yes");
    const f = await flow.run({ parameters: { flag: 0 } });
    assert.ok(stateOf(f, yes) instanceof Skipped);
    assert.equal(stateOf(f, joined).result, "no");
  });

  it("leaves out an undefined branch", async () => {
    let yes!: AnyTask;
    const flow = Flow.build("if-only", () => {
      yes = identity.call({ x: "yes" });
      ifElse(identity.call({ x: "" }), yes, undefined);
    });
    assert.equal(flow.getTasks({ taskType: CompareValue }).length, 1);
    const s = await flow.run();
    assert.ok(stateOf(s, yes) instanceof Skipped);
  });

  it("works with not() and isEqual() conditions", async () => {
    let a!: AnyTask, b!: AnyTask;
    const flow = Flow.build("ops", () => {
      const eq = isEqual(identity.call({ x: 3 }), 3);
      a = identity.call({ x: "equal" });
      ifElse(eq, a, undefined);
      b = identity.call({ x: "not equal" });
      ifElse(not(eq), b, undefined);
    });
    const s = await flow.run();
    assert.equal(stateOf(s, a).result, "equal");
    assert.ok(stateOf(s, b) instanceof Skipped);
  });
});

describe("merge", () => {
  it("returns the first value in argument order (task_2 before task_10) among 11 inputs", async () => {
    const inputs: AnyTask[] = [];
    let m!: AnyTask, m2!: AnyTask;
    const flow = Flow.build("merge-order", () => {
      for (let i = 1; i <= 11; i++) inputs.push(identity.call({ x: i === 2 ? "two" : i === 10 ? "ten" : null }));
      m = merge(...inputs);
      // The same with task_2 skipped: task_10 is next.
      const skipTwo = task(function skipper(): string {
        throw new SKIP("not this one");
      }).call();
      const rest = inputs.map((t, i) => (i === 1 ? skipTwo : t));
      m2 = merge(...rest);
    });
    assert.equal(flow.edgesTo(m).size, 11);
    assert.deepEqual([...flow.edgesTo(m)].map((e) => e.key).sort(), Array.from({ length: 11 }, (_, i) => `task_${i + 1}`).sort());
    const s = await flow.run();
    assert.equal(stateOf(s, m).result, "two");
    assert.equal(stateOf(s, m2).result, "ten");
  });

  it("is Skipped when every input is skipped", async () => {
    let m!: AnyTask, downstream!: AnyTask;
    const flow = Flow.build("all-skipped", () => {
      const cond = identity.call({ x: "c" });
      const a = caseOf(cond, "a", () => inc.call({ x: 1 }));
      const b = caseOf(cond, "b", () => inc.call({ x: 2 }));
      m = merge(a, b);
      downstream = inc.call({ x: m });
    });
    const s = await flow.run();
    assert.ok(s instanceof Success);
    assert.ok(stateOf(s, m) instanceof Skipped);
    assert.ok(stateOf(s, downstream) instanceof Skipped);
  });

  it("is TriggerFailed when an input failed", async () => {
    let m!: AnyTask;
    const flow = Flow.build("merge-failed", () => {
      const bad = task(function boom(): number {
        throw new Error("boom");
      }).call();
      m = merge(bad, identity.call({ x: 1 }));
    });
    const s = await flow.run();
    assert.ok(s instanceof Failed);
    assert.ok(stateOf(s, m) instanceof TriggerFailed);
  });

  it("forces skipOnUpstreamSkip false and refuses true", () => {
    assert.equal(new Merge().skipOnUpstreamSkip, false);
    assert.equal(new Merge({ skipOnUpstreamSkip: false }).skipOnUpstreamSkip, false);
    assert.throws(
      () => new Merge({ skipOnUpstreamSkip: true }),
      (err: Error) => err instanceof InvalidOptionError && err.message === 'Merge: invalid option "skipOnUpstreamSkip": a Merge must see skipped inputs, so it cannot be true',
    );
  });

  it("takes { flow } as a last argument and refuses non-tasks", () => {
    const flow = new Flow("explicit");
    const a = inc.copy();
    const m = merge(a, { flow });
    assert.ok(flow.tasks.has(m) && flow.tasks.has(a));
    assert.throws(() => merge(a, 3 as never, { flow }), /merge\(\.\.\.tasks\): argument 2 must be a task/);
  });
});
