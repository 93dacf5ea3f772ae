/**
 * Flows the property suite (./engine.spec.ts) found where flowsmith and Prefect 1.4.1 disagreed,
 * shrunk and written out as plain tests. Each asserts Prefect's outcome and names the Prefect code
 * that decides it (paths under src/prefect/ at tag 1.4.1).
 *
 * Several flows are ill-typed on purpose (mapping over a value that is not a list, or over a task
 * that fails): `as never` lets them compile, since the point is what the engine does with them.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  Flow, task, flatten, merge, triggers, context, SKIP, LocalExecutor, ConcurrentExecutor, configureLogging,
  State, Mapped, type AnyTask, type Executor,
} from "../../lib/index";
import { guardedRun } from "../support/guarded-run";

configureLogging({ level: "silent" });

const id = task({ name: "id" }, ({ x }: { x: unknown }) => x);
const pair = task({ name: "pair" }, ({ x, y }: { x: unknown; y: unknown }) => [x, y]);
const count = task({ name: "count" }, ({ xs }: { xs: unknown[] }) => xs.length);
const one = task({ name: "one" }, () => 1);
const empty = task({ name: "empty" }, (): number[] => []);
const boom = task({ name: "boom" }, (): number => {
  throw new Error("boom");
});
const skipper = task({ name: "skipper" }, (): number => {
  throw new SKIP("skipped by its own run");
});
const nest = task({ name: "nest" }, ({ x }: { x: number }) => [[x, x + 1]]);
/** Fails its first attempt, then returns 5 (with one retry, no delay). */
const flaky = task({ name: "flaky", maxRetries: 1, retryDelay: 0 }, () => {
  if (context.get<number>("taskRunCount") === 1) throw new Error("first attempt");
  return 5;
});

const executors: Array<[string, () => Executor]> = [
  ["LocalExecutor", () => new LocalExecutor()],
  ["ConcurrentExecutor", () => new ConcurrentExecutor()],
];

/** A compact picture of a state: its class, its result for a success, its children for a Mapped. */
function picture(s: State | undefined): unknown {
  if (!s) return "no state";
  if (s instanceof Mapped) return { Mapped: s.mapStates.map(picture) };
  if (s.type === "Success") return { Success: s.result };
  return s.type;
}

for (const [label, makeExecutor] of executors) {
  /** Runs the flow, guarded: an error that escapes the run's promise or a hang is an outcome. */
  const guarded = (flow: Flow) => {
    const runId = `${flow.name} on ${label}`;
    return guardedRun(() => flow.run({ executor: makeExecutor(), context: { guardedRun: runId } }), {
      owns: () => context.get("guardedRun") === runId,
    });
  };
  /** Runs the flow; a run that crashes, hangs or lets an error escape fails here, naming what happened. */
  const run = async (flow: Flow) => {
    const out = await guarded(flow);
    assert.equal(out.kind, "settled", out.kind === "settled" ? "" : out.message);
    const final = (out as { value: State }).value;
    assert.ok(final.result instanceof Map, `the flow run ended ${final} without task states`);
    const states = final.result as Map<AnyTask, State>;
    return { final, of: (t: AnyTask) => picture(states.get(t)) };
  };

  describe(`flowsmith agrees with Prefect 1.4.1 on ${label}`, () => {
    // flow_runner.py:525-535 hands every constant to the TaskRunner as an edge with a Success state,
    // so triggers count it; triggers.py:156-171 (any_failed) then finds no failed upstream.
    it("a constant input counts as a successful upstream state: anyFailed with only constant inputs is TriggerFailed", async () => {
      let t!: AnyTask;
      const flow = Flow.build("constant-any-failed", () => {
        t = id.call({ x: 1 }, { taskArgs: { trigger: triggers.anyFailed } });
      });
      const { final, of } = await run(flow);
      assert.equal(of(t), "TriggerFailed");
      assert.equal(final.message, "Some reference tasks failed.");
    });

    // Same rule, triggers.py:138-153 (any_successful): the constant's Success satisfies it.
    it("anySuccessful passes on a constant input even when the only upstream task failed", async () => {
      let t!: AnyTask;
      const flow = Flow.build("constant-any-successful", () => {
        const failed = boom.call();
        t = id.call({ x: 1 }, { taskArgs: { trigger: triggers.anySuccessful }, upstreamTasks: [failed] });
      });
      const { of } = await run(flow);
      assert.deepEqual(of(t), { Success: 1 });
    });

    // task_runner.py:452-485 maps over the successful upstream only (2 children); then
    // utilities/executors.py:667-690 gives each child a copy of the failed state for the other
    // edge, and all_successful (triggers.py:96-108) fails each child.
    it("mapping over a whole value that failed gives every child a copy of the failure, so each child is TriggerFailed", async () => {
      let m!: AnyTask;
      const flow = Flow.build("map-over-failed", () => {
        m = pair.map({ x: [1, 2], y: boom.call() } as never);
      });
      const { final, of } = await run(flow);
      assert.deepEqual(of(m), { Mapped: ["TriggerFailed", "TriggerFailed"] });
      assert.equal(final.message, "Some reference tasks failed.");
    });

    // flow_runner.py:505-511 flattens a non-Mapped upstream with flatten_upstream_state
    // (utilities/executors.py:728-741), which returns a failed state unchanged; then as above.
    it("mapping over a flattened value that failed also gives each child the failure (the run does not crash)", async () => {
      let m!: AnyTask;
      const flow = Flow.build("map-over-flattened-failed", () => {
        m = pair.map({ x: [1, 2], y: flatten(boom.call()) } as never);
      });
      const { of } = await run(flow);
      assert.deepEqual(of(m), { Mapped: ["TriggerFailed", "TriggerFailed"] });
    });

    // `a` cannot map (task_runner.py:465-470: Failed with no result). For `b`, utilities/executors.py:674-690
    // finds the upstream's result is NoResult and the parent is Mapped with no map_states: IndexError at
    // index 0, so `b` is Mapped with no children, and the flow's only terminal task has nothing failed.
    it("mapping over a mapped task that could not map makes no children", async () => {
      let a!: AnyTask, b!: AnyTask;
      const flow = Flow.build("map-over-unmappable", () => {
        a = id.map({ x: 5 } as never);
        b = pair.map({ x: [1], y: a } as never);
      });
      const { final, of } = await run(flow);
      assert.equal(of(a), "Failed");
      assert.deepEqual(of(b), { Mapped: [] });
      assert.equal(final.message, "All reference tasks succeeded.");
    });

    // The same flow after a retried task: the engine's failure then happens inside the retry's timer.
    // Prefect's outcome is unchanged (flow.run re-runs the FlowRunner after the retry, core/flow.py:1079).
    it("mapping over a mapped task that could not map, after a retry, settles the run with no children", async () => {
      let b!: AnyTask;
      const flow = Flow.build("map-over-unmappable-after-retry", () => {
        const a = id.map({ x: flaky.call() } as never);
        b = pair.map({ x: [1], y: a } as never);
      });
      const { of } = await run(flow);
      assert.deepEqual(of(b), { Mapped: [] });
    });

    // triggers.py:147 and 165 (`if upstream_states and not any(...)`) and 264-285 (`if not
    // upstream_states: return True`) test the dict of edges, which holds the reduce edge, not the
    // expanded states, of which there are none.
    it("a reduce over a mapped task with no children fails anySuccessful, anyFailed and someSuccessful({ atLeast: 1 })", async () => {
      let any!: AnyTask, anyFailed!: AnyTask, some!: AnyTask, all!: AnyTask;
      const flow = Flow.build("reduce-over-empty", () => {
        const m = id.map({ x: [] } as never);
        any = count.call({ xs: m } as never, { taskArgs: { trigger: triggers.anySuccessful } });
        anyFailed = count.call({ xs: m } as never, { taskArgs: { trigger: triggers.anyFailed } });
        some = count.call({ xs: m } as never, { taskArgs: { trigger: triggers.someSuccessful({ atLeast: 1 }) } });
        all = count.call({ xs: m } as never);
      });
      const { of } = await run(flow);
      assert.equal(of(any), "TriggerFailed");
      assert.equal(of(anyFailed), "TriggerFailed");
      assert.equal(of(some), "TriggerFailed");
      assert.deepEqual(of(all), { Success: 0 });
    });

    // utilities/executors.py:728-741 (flatten_upstream_state): `[y for x in result for y in x]`
    // raises TypeError on the item 0, and the state is passed on unchanged.
    it("flatten passes a value on unchanged when one of its items is not a list", async () => {
      let whole!: AnyTask, each!: AnyTask;
      const flow = Flow.build("flatten-mixed", () => {
        whole = id.call({ x: flatten([0, [1]]) } as never);
        each = id.map({ x: flatten([0, [1, 2]]) } as never);
      });
      const { of } = await run(flow);
      assert.deepEqual(of(whole), { Success: [0, [1]] });
      assert.deepEqual(of(each), { Mapped: [{ Success: 0 }, { Success: [1, 2] }] });
    });

    // tasks/control_flow/conditional.py:17-18 (Merge.run) returns the first input that is not None,
    // which is a SKIP signal for a branch that raised SKIP itself. flowsmith passes over skipped
    // branches on purpose (README, "Differences from Prefect 1").
    it("merge passes over a branch that raised SKIP (a documented difference from Prefect)", async () => {
      let m!: AnyTask;
      const flow = Flow.build("merge-skip-signal", () => {
        m = merge(skipper.call(), one.call());
      });
      const out = await guarded(flow);
      assert.equal(out.kind, "settled");
      const state = ((out as { value: State }).value.result as Map<AnyTask, State>).get(m)!;
      assert.equal(state.type, "Success");
      assert.equal(state.result, 1);
    });

    // utilities/executors.py:744-762 (flatten_mapped_children): a child whose result is a list
    // contributes one state per item, whatever the item is; executors.py:661 maps over those.
    it("a flattened mapped edge over a mapped task makes one child per item, even when the items are lists", async () => {
      let b!: AnyTask;
      const flow = Flow.build("flatten-mapped-lists", () => {
        const a = nest.map({ x: [10] });
        b = id.map({ x: flatten(a) } as never);
      });
      const { of } = await run(flow);
      assert.deepEqual(of(b), { Mapped: [{ Success: [10, 11] }] });
    });

    // flow_runner.py:513-523 flattens a reduce edge's children and run_task (flow_runner.py:765-770)
    // hands them to the TaskRunner as the Mapped state's map_states: an empty list contributes no
    // state, so not_all_skipped (triggers.py:290-305) sees none and SKIPs.
    it("a flattened reduce shows triggers the flattened states: a child with an empty list contributes none", async () => {
      let r!: AnyTask;
      const flow = Flow.build("flatten-reduce-trigger", () => {
        const m = empty.map({ x: [0] } as never);
        r = one.call({}, { taskArgs: { trigger: triggers.notAllSkipped, skipOnUpstreamSkip: false }, upstreamTasks: [flatten(m)] as never });
      });
      const { of } = await run(flow);
      assert.equal(of(r), "Skipped");
    });

    // utilities/executors.py:735-741: flattening makes a copy of the state, and triggers collect
    // upstream states in a set of objects (triggers.py:56-69): the copy and the original count twice.
    it("a flattened copy of a task's value counts as an upstream state of its own", async () => {
      let t!: AnyTask;
      const flow = Flow.build("flatten-copy-counts", () => {
        const e = empty.call();
        t = one.call({}, { taskArgs: { trigger: triggers.someSuccessful({ atLeast: 2 }) }, upstreamTasks: [flatten(e), e] as never });
      });
      const { of } = await run(flow);
      assert.deepEqual(of(t), { Success: 1 });
    });
  });
}
