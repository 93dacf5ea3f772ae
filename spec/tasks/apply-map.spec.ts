import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { configureLogging } from "../../lib/engine/logging";
import {
  Flow, Parameter, task, AnyTask, State, Success, Skipped, Mapped, ConcurrentExecutor, Constant,
  applyMap, caseOf, merge, unmapped, flatten, BindError, InvalidOptionError, resourceManager,
} from "../../lib/index";

configureLogging({ level: "warn" });

const stateOf = (flowState: State, t: AnyTask): State => (flowState.result as Map<AnyTask, State>).get(t)!;
const childResults = (flowState: State, t: AnyTask): unknown[] => (stateOf(flowState, t) as Mapped).mapStates.map((c) => c.result);

const add = task(function add({ x, y }: { x: number; y: number }) {
  return x + y;
});
const inc = task(function inc({ x }: { x: number }) {
  return x + 1;
});
const isEven = task(function isEven({ x }: { x: number }) {
  return x % 2 === 0;
});
const sum = task(function sum({ xs }: { xs: number[] }) {
  return xs.reduce((a, b) => a + b, 0);
});
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

describe("applyMap", () => {
  it("maps every task fn builds, zipped to the shortest input: 3 children per task", async () => {
    let made: AnyTask[] = [];
    let total!: AnyTask;
    const flow = Flow.build("zip", () => {
      const out = applyMap(({ x, y }) => {
        const a = add.call({ x, y });
        const b = inc.call({ x: a });
        const c = task(function free() {
          return "no inputs";
        }).call();
        made = [a, b, c];
        return b;
      }, { x: range(0, 3), y: range(3, 300) });
      total = sum.call({ xs: out });
    });
    // Every task built by fn is mapped.
    for (const t of flow.getTasks()) {
      if (t instanceof Constant || t === total) continue;
      assert.ok([...flow.edgesTo(t)].some((e) => e.mapped), `${t.name} is mapped`);
    }
    for (const executor of [undefined, new ConcurrentExecutor()]) {
      const s = await flow.run({ executor });
      assert.ok(s instanceof Success, String(s));
      for (const t of flow.getTasks()) {
        if (t instanceof Constant || t === total) continue;
        assert.equal((stateOf(s, t) as Mapped).mapStates.length, 3, t.name);
      }
      assert.deepEqual(childResults(s, made[0]!), [3, 5, 7]);
      assert.deepEqual(childResults(s, made[1]!), [4, 6, 8]);
      assert.deepEqual(childResults(s, made[2]!), ["no inputs", "no inputs", "no inputs"]);
      assert.equal(stateOf(s, total).result, 18);
    }
  });

  it("gives a task with no inputs from the block state-only mapped edges from every input", () => {
    let free!: AnyTask;
    const flow = Flow.build("roots", () => {
      applyMap(() => {
        free = task(function constant() {
          return 1;
        }).call();
      }, { x: [1, 2], y: unmapped(5) });
    });
    const edges = [...flow.edgesTo(free)];
    assert.equal(edges.length, 1, "the unmapped plain value gets no edge");
    assert.ok(edges[0]!.mapped && edges[0]!.key === undefined);
  });

  it("refuses .map inside fn: 'running from inside a mapped context'", () => {
    Flow.build("no-map", () => {
      assert.throws(
        () => applyMap(({ x }) => inc.map({ x: x as never }), { x: [1, 2, 3] }),
        (err: Error) => err instanceof BindError && /running from inside a mapped context/.test(err.message),
      );
    });
  });

  it("keeps unmapped inputs whole and maps tasks given as inputs", async () => {
    let out!: AnyTask;
    const flow = Flow.build("unmapped", () => {
      const xs = task(function xs() {
        return [10, 20, 30];
      }).call();
      out = applyMap(({ x, y }) => add.call({ x, y }), { x: xs, y: unmapped(5) });
    });
    const s = await flow.run();
    assert.deepEqual(childResults(s, out), [15, 25, 35]);
  });

  it("maps over a mapped task's children and keeps flatten(...)", async () => {
    let overChildren!: AnyTask, overFlat!: AnyTask;
    const flow = Flow.build("mapped-input", () => {
      const first = inc.map({ x: [1, 2, 3] });
      overChildren = applyMap(({ x }) => inc.call({ x }), { x: first });
      overFlat = applyMap(({ x }) => inc.call({ x: x as never }), { x: flatten([[1], [2, 3]]) });
    });
    const s = await flow.run();
    assert.ok(s instanceof Success);
    assert.deepEqual(childResults(s, overChildren), [3, 4, 5]);
    assert.deepEqual(childResults(s, overFlat), [2, 3, 4]);
  });

  it("keeps tasks fn closes over whole (a Parameter is not mapped over)", async () => {
    let out!: AnyTask;
    const flow = Flow.build("closure", () => {
      const offset = new Parameter<number>("offset", { default: 100 });
      out = applyMap(({ x }) => add.call({ x, y: offset }), { x: [1, 2] });
    });
    const s = await flow.run();
    assert.deepEqual(childResults(s, out), [101, 102]);
  });

  it("maps control flow: a case inside fn runs per element (Prefect's inc_if_even)", async () => {
    let out!: AnyTask;
    const flow = Flow.build("inc-if-even", () => {
      out = applyMap(({ x }) => {
        const x2 = caseOf(isEven.call({ x }), true, () => inc.call({ x }));
        return merge(x2, x);
      }, { x: range(0, 6) });
    });
    for (const executor of [undefined, new ConcurrentExecutor()]) {
      const s = await flow.run({ executor });
      assert.ok(s instanceof Success);
      assert.deepEqual(childResults(s, out), [1, 1, 3, 3, 5, 5]);
    }
  });

  it("works inside a case: the copied tasks are gated by it", async () => {
    let out!: AnyTask;
    const flow = Flow.build("in-case", () => {
      const cond = new Parameter<string>("go", { default: "no" });
      out = caseOf(task(function id({ v }: { v: string }) {
        return v;
      }).call({ v: cond }), "yes", () => applyMap(({ x }) => inc.call({ x }), { x: [1, 2, 3] }));
    });
    const skipped = await flow.run();
    assert.ok(skipped instanceof Success);
    assert.ok(stateOf(skipped, out) instanceof Skipped);
    const ran = await flow.run({ parameters: { go: "yes" } });
    assert.deepEqual(childResults(ran, out), [2, 3, 4]);
  });

  it("works inside a resource block", async () => {
    const events: string[] = [];
    class Counter {
      constructor(readonly args: {}) {}
      setup() {
        events.push("setup");
        return 1000;
      }
      cleanup() {
        events.push("cleanup");
      }
    }
    let out!: AnyTask;
    const flow = Flow.build("in-resource", () => {
      resourceManager(Counter)({}, (base) => {
        out = applyMap(({ x }) => add.call({ x, y: base }), { x: [1, 2] });
      });
    });
    const s = await flow.run();
    assert.ok(s instanceof Success);
    assert.deepEqual(childResults(s, out), [1001, 1002]);
    assert.deepEqual(events, ["setup", "cleanup"]);
  });

  it("refuses to map over a non-array and nested applyMap", () => {
    Flow.build("bad", () => {
      assert.throws(() => applyMap(() => undefined, { x: 5 }), (err: Error) => err instanceof InvalidOptionError && /cannot map over input "x": number is not an array/.test(err.message));
      assert.throws(
        () => applyMap(() => applyMap(({ y }) => inc.call({ x: y }), { y: [1] }), { x: [1] }),
        (err: Error) => err instanceof BindError && /running from inside a mapped context/.test(err.message),
      );
    });
  });

  it("needs a flow", () => {
    assert.throws(() => applyMap(() => undefined, { x: [1] }), (err: Error) => err instanceof BindError && /^applyMap\(fn, inputs\) needs a flow/.test(err.message));
  });
});
