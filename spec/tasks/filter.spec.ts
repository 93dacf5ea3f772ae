import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { configureLogging } from "../../lib/engine/logging";
import {
  Flow, task, AnyTask, State, Success, Mapped, TriggerFailed, FilterTask, keepSuccessfulResults,
  allFinished, allSuccessful, InvalidOptionError, SKIP, ConcurrentExecutor,
} from "../../lib/index";

configureLogging({ level: "warn" });

const stateOf = (flowState: State, t: AnyTask): State => (flowState.result as Map<AnyTask, State>).get(t)!;

const numbers = task(function numbers() {
  return [1, 2, 0, 4, -1, 5];
});
/** 0 → fails; negative → SKIP; else 10 / x. */
const invert = task(function invert({ x }: { x: number }) {
  if (x < 0) throw new SKIP("negative");
  if (x === 0) throw new RangeError("division by zero");
  return 10 / x;
});
const plusOne = task(function plusOne({ x }: { x: number }) {
  return x + 1;
});
const sum = task(function sum({ xs }: { xs: number[] }) {
  return xs.reduce((a, b) => a + b, 0);
});

describe("FilterTask", () => {
  it("defaults: trigger allFinished, skipOnUpstreamSkip false, and the default filter", () => {
    const f = new FilterTask();
    assert.equal(f.trigger, allFinished);
    assert.equal(f.skipOnUpstreamSkip, false);
    assert.equal(f.filterFn, keepSuccessfulResults);
    const g = new FilterTask({ trigger: allSuccessful, skipOnUpstreamSkip: true, name: "keep" });
    assert.equal(g.trigger, allSuccessful);
    assert.equal(g.skipOnUpstreamSkip, true);
    assert.equal(g.name, "keep");
  });

  it("drops failed and skipped children of a partly failed map, so a reduce can go on", async () => {
    let mapped!: AnyTask, downstream!: AnyTask, filtered!: AnyTask, total!: AnyTask;
    const flow = Flow.build("partial-map", () => {
      mapped = invert.map({ x: numbers.call() });
      downstream = plusOne.map({ x: mapped }); // child 2 TriggerFailed, child 4 Skipped
      filtered = new FilterTask<number>().call({ taskResults: downstream });
      total = sum.call({ xs: filtered });
    });
    for (const executor of [undefined, new ConcurrentExecutor()]) {
      const s = await flow.run({ executor });
      assert.ok(s instanceof Success, "the reduce after the filter is the only reference task, and it succeeded");
      const children = (stateOf(s, downstream) as Mapped).mapStates;
      assert.deepEqual(children.map((c) => c.type), ["Success", "Success", "TriggerFailed", "Success", "Skipped", "Success"]);
      assert.ok(children[2] instanceof TriggerFailed);
      assert.deepEqual(stateOf(s, filtered).result, [11, 6, 3.5, 3]);
      assert.equal(stateOf(s, total).result, 23.5);
    }
  });

  it("keeps what filterFn accepts, and logs through logFn", async () => {
    let filtered!: AnyTask;
    const logged: number[][] = [];
    const flow = Flow.build("predicate", () => {
      const mapped = invert.map({ x: numbers.call() });
      filtered = new FilterTask<number>({
        filterFn: (v) => typeof v === "number" && v > 4,
        logFn: (kept) => {
          logged.push(kept);
          return `kept ${kept.length}`;
        },
      }).call({ taskResults: mapped });
    });
    const s = await flow.run();
    assert.deepEqual(stateOf(s, filtered).result, [10, 5]);
    assert.deepEqual(logged, [[10, 5]]);
  });

  it("with filterFn it sees failed children's Errors and skipped children's signals", async () => {
    let filtered!: AnyTask;
    const flow = Flow.build("errors-only", () => {
      const mapped = invert.map({ x: numbers.call() });
      filtered = new FilterTask({ filterFn: (v) => v instanceof Error }).call({ taskResults: mapped });
    });
    const s = await flow.run();
    const kept = stateOf(s, filtered).result as Error[];
    assert.equal(kept.length, 2);
    assert.ok(kept[0] instanceof RangeError);
    assert.ok(kept[1] instanceof SKIP);
  });

  it("filters a plain list too", async () => {
    const f = new FilterTask();
    assert.deepEqual(f.run({ taskResults: [1, null, undefined, new Error("x"), 0, "", false] }), [1, 0, "", false]);
    assert.throws(() => f.run({ taskResults: 5 as never }), /FilterTask: taskResults must be an array/);
  });

  it("refuses a filterFn that is not a function", () => {
    assert.throws(
      () => new FilterTask({ filterFn: 3 as never }),
      (err: Error) => err instanceof InvalidOptionError && err.message === 'FilterTask: invalid option "filterFn": must be a function',
    );
  });

  it("still validates ordinary task options", () => {
    assert.throws(() => new FilterTask({ maxRetries: -1 }), InvalidOptionError);
  });

  it("succeeds downstream of a fully successful map", async () => {
    let filtered!: AnyTask;
    const flow = Flow.build("all-good", () => {
      filtered = new FilterTask().call({ taskResults: plusOne.map({ x: [1, 2, 3] }) });
    });
    const s = await flow.run();
    assert.ok(s instanceof Success);
    assert.deepEqual(stateOf(s, filtered).result, [2, 3, 4]);
  });
});
