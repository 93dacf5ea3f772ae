/**
 * Run control: cancellation through `flow.run({ signal })`, concurrency limits by tag, and flow
 * retries, on the in-process executors and (where it applies) in worker threads.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import {
  Cancelled, ConcurrentExecutor, context, unmapped, Failed, Flow, InvalidOptionError, Mapped, Success, task, WorkerThreadsExecutor,
  type AnyTask, type RunEvent, type State,
} from "../../lib/index";
import { configureLogging } from "../../lib/engine/logging";
import { withHome } from "./fixtures/home";
import { retried, spinning } from "./fixtures/run-control-flows";

configureLogging({ level: "silent" });
const byName = (s: State, name: string): State => [...(s.result as Map<AnyTask, State>)].find(([t]) => t.name === name)![1];

/** A latch: `wait()` resolves once `open()` was called. */
function latch() {
  let open!: () => void;
  const p = new Promise<void>((r) => (open = r));
  return { open: () => open(), wait: () => p };
}

/**
 * A quick root task, and mapped children that wait until aborted (or 2 s) while `seen.block` is
 * set; `seen.running` opens once `openAt` children have started.
 */
function waitingFlow(name: string, n: number, openAt = 3) {
  const seen = { started: 0, aborted: 0, quick: 0, block: true, running: latch() };
  const flow = Flow.build(name, () => {
    const quick = task({ name: "quick" }, () => ++seen.quick).call();
    task({ name: "waiter" }, ({ i }: { i: number }) => new Promise<number>((resolve, reject) => {
      if (++seen.started === openAt) seen.running.open();
      if (!seen.block) return resolve(i);
      const signal = context.signal!;
      const timer = setTimeout(() => resolve(i), 2_000);
      signal.addEventListener("abort", () => {
        seen.aborted++;
        clearTimeout(timer);
        reject(new Error("aborted"));
      });
    })).map({ i: Array.from({ length: n }, (_, i) => i) }, { upstreamTasks: [unmapped(quick)] });
  });
  return { flow, seen };
}

describe("cancellation: flow.run({ signal })", () => {
  it("stops starting tasks, aborts the running ones' signals, and ends every unfinished task and the flow Cancelled", async () => {
    const { flow, seen } = waitingFlow("cancel-inprocess", 6);
    const controller = new AbortController();
    const flowStates: string[] = [];
    const started = Date.now();
    const run = flow.run({
      executor: new ConcurrentExecutor({ maxConcurrency: 3 }),
      signal: controller.signal,
      observers: [(e: RunEvent) => e.kind === "flow" && flowStates.push(`${e.oldState.type}->${e.newState.type}`)],
    });
    await seen.running.wait();
    controller.abort();
    const s = await run;
    assert.ok(Date.now() - started < 1_500, "cancelled at once, not after the tasks' 2 s");
    assert.ok(s instanceof Cancelled, String(s));
    assert.equal(s.message, "Flow run cancelled.");
    assert.equal(byName(s, "quick").type, "Success");
    const children = (byName(s, "waiter") as Mapped).mapStates.map((c) => c.type);
    assert.deepEqual(children, ["Cancelled", "Cancelled", "Cancelled", "Cancelled", "Cancelled", "Cancelled"]);
    await new Promise((r) => setImmediate(r));
    assert.equal(seen.started, 3, "no child started after the cancel");
    assert.equal(seen.aborted, 3, "the three running children saw their signal abort");
    assert.deepEqual(flowStates, ["Scheduled->Running", "Running->Cancelled"]);
  });

  it("a signal aborted before the run starts runs nothing", async () => {
    const { flow, seen } = waitingFlow("cancel-before", 3);
    const s = await flow.run({ signal: AbortSignal.abort() });
    assert.ok(s instanceof Cancelled);
    assert.equal(seen.started, 0);
    assert.equal(byName(s, "waiter").type, "Cancelled");
  });

  it("a cancelled checkpointing run can be resumed: what finished is not run again", () =>
    withHome("cancel-resume", async () => {
      const { flow, seen } = waitingFlow("cancel-then-resume", 4, 4);
      const controller = new AbortController();
      const runId = `cancel-${randomUUID()}`;
      const run = flow.run({ runId, signal: controller.signal, context: { checkpointing: true }, executor: new ConcurrentExecutor() });
      await seen.running.wait();
      controller.abort();
      assert.ok((await run) instanceof Cancelled);
      seen.block = false;
      const resumed = await flow.run({ resumeFrom: runId, executor: new ConcurrentExecutor() });
      assert.ok(resumed instanceof Success, String(resumed));
      assert.deepEqual((byName(resumed, "waiter") as Mapped).result, [0, 1, 2, 3]);
      assert.equal(seen.quick, 1, "quick finished before the cancel and was not run again");
    }));

  it("in worker threads, a cancel ends the thread running a CPU-bound task", async () => {
    const executor = new WorkerThreadsExecutor({ maxWorkers: 1 });
    try {
      const controller = new AbortController();
      const run = spinning.run({ executor, signal: controller.signal, observers: [(e) => e.kind === "task" && e.newState.type === "Running" && setTimeout(() => controller.abort(), 50)] });
      const s = await run;
      assert.ok(s instanceof Cancelled, String(s));
      assert.equal(byName(s, "spin").type, "Cancelled");
      // The pool replaced the ended thread: another run works.
      const again = await retried.run({ executor });
      assert.ok(again instanceof Success);
    } finally {
      await executor.shutdown();
    }
  });
});

describe("tag limits: flow.run({ tagLimits })", () => {
  it("keeps at most n runs of a tag in flight (mapped children included); waiting runs stay Pending", async () => {
    let now = 0, max = 0;
    const flow = Flow.build("tag-limits", () => {
      task({ name: "query", tags: ["db"] }, async ({ i }: { i: number }) => {
        max = Math.max(max, ++now);
        await new Promise((r) => setTimeout(r, 5));
        now--;
        return i;
      }).map({ i: [0, 1, 2, 3, 4, 5, 6, 7] });
      task({ name: "free" }, async () => "untagged").call();
    });
    const running = new Set<string>();
    let maxRunning = 0;
    const s = await flow.run({
      executor: new ConcurrentExecutor(),
      tagLimits: { db: 2 },
      observers: [(e) => {
        if (e.kind !== "task" || e.task.name !== "query" || e.mapIndex === undefined) return;
        if (e.newState.type === "Running") running.add(e.fullName);
        else running.delete(e.fullName);
        maxRunning = Math.max(maxRunning, running.size);
      }],
    });
    assert.ok(s instanceof Success);
    assert.deepEqual((byName(s, "query") as Mapped).result, [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.equal(max, 2);
    assert.equal(maxRunning, 2, "never more than two children Running");
    assert.equal(byName(s, "free").result, "untagged");
  });

  it("several limited tags: a task takes a slot of each of its tags", async () => {
    const inFlight = { db: 0, api: 0, maxDb: 0, maxApi: 0 };
    const body = (tags: Array<"db" | "api">) => async () => {
      for (const t of tags) inFlight[t]++;
      inFlight.maxDb = Math.max(inFlight.maxDb, inFlight.db);
      inFlight.maxApi = Math.max(inFlight.maxApi, inFlight.api);
      await new Promise((r) => setTimeout(r, 3));
      for (const t of tags) inFlight[t]--;
    };
    const flow = Flow.build("tag-limits-2", () => {
      for (let i = 0; i < 4; i++) task({ name: `both${i}`, tags: ["db", "api"] }, body(["db", "api"])).call();
      for (let i = 0; i < 4; i++) task({ name: `api${i}`, tags: ["api"] }, body(["api"])).call();
    });
    const s = await flow.run({ executor: new ConcurrentExecutor(), tagLimits: { db: 1, api: 2 } });
    assert.ok(s instanceof Success);
    assert.equal(inFlight.maxDb, 1);
    assert.equal(inFlight.maxApi, 2);
  });
});

describe("flow retries: FlowOptions.retries / retryDelay", () => {
  it("refuses a negative or fractional value, naming the option", () => {
    assert.throws(() => new Flow("bad", { retries: -1 }), (e: unknown) => e instanceof InvalidOptionError && (e as Error).message === `Flow 'bad': invalid option "retries": must be an integer >= 0 (received -1)`);
    assert.throws(() => new Flow("bad", { retryDelay: 1.5 }), InvalidOptionError);
  });

  for (const [label, make] of [["in process", () => undefined], ["in worker threads", () => new WorkerThreadsExecutor({ maxWorkers: 2 })]] as const) {
    it(`runs a failed flow again with the same run id, reusing what succeeded (${label})`, async () => {
      const executor = make();
      const transitions: string[] = [];
      try {
        const s = await retried.run({ executor, observers: [(e) => e.kind === "flow" && transitions.push(`${e.oldState.type}->${e.newState.type}`)] });
        assert.ok(s instanceof Success, String(s));
        assert.equal(s.message, "All reference tasks succeeded. (after 2 flow run attempts)");
        const second = byName(s, "second").result as { firstRanIn: number; attempt: number; runId: string };
        const first = byName(s, "first").result as { attempt: number; runId: string };
        assert.equal(first.attempt, 1, "first succeeded on attempt 1 and was not run again");
        assert.equal(second.attempt, 2);
        assert.equal(second.firstRanIn, 1);
        assert.equal(second.runId, first.runId);
        assert.deepEqual(transitions, ["Scheduled->Running", "Running->Failed", "Failed->Retrying", "Retrying->Running", "Running->Success"]);
      } finally {
        await executor?.shutdown();
      }
    });
  }

  it("keeps a mapped task's successful children; only the failed ones run again", async () => {
    const runs: number[] = [];
    const flow = Flow.build("retry-mapped", { retries: 1 }, () => {
      task({ name: "child" }, ({ i }: { i: number }) => {
        runs.push(i);
        if (i === 1 && context.flowRunCount === 1) throw new Error("child 1 fails once");
        return i * 10;
      }).map({ i: [0, 1, 2] });
    });
    const s = await flow.run();
    assert.deepEqual((byName(s, "child") as Mapped).result, [0, 10, 20]);
    assert.deepEqual(runs, [0, 1, 2, 1]);
  });

  it("a flow that fails every attempt ends Failed, saying how many attempts ran", async () => {
    const flow = Flow.build("retry-exhausted", { retries: 2 }, () => void task({ name: "always" }, () => {
      throw new Error("no");
    }).call());
    const s = await flow.run();
    assert.ok(s instanceof Failed);
    assert.equal(s.message, "Some reference tasks failed. (after 3 flow run attempts)");
  });

  it("a resumed run still has its retries", () =>
    withHome("retry-resume", async () => {
      const runId = `retry-${randomUUID()}`;
      const failing = Flow.build("retry-resume", { retries: 1 }, () => {
        const first = task({ name: "first" }, () => Date.now()).call();
        task({ name: "second" }, ({ f }: { f: number }) => {
          if (context.flowRunCount === 1) throw new Error("fails on a run's first attempt");
          return f;
        }).call({ f: first });
      });
      const crashedLike = await failing.run({ runId, context: { checkpointing: true }, signal: AbortSignal.abort() });
      assert.ok(crashedLike instanceof Cancelled);
      const resumed = await failing.run({ resumeFrom: runId });
      assert.ok(resumed instanceof Success, String(resumed));
      assert.equal(resumed.message, "All reference tasks succeeded. (after 2 flow run attempts)");
    }));
});
