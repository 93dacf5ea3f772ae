/**
 * Cases where flowsmith once disagreed with Prefect 1.4.1, each settled by Prefect's source (the
 * file and line are named in each test) and run on both in-process executors.
 */
import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { EventEmitter } from "node:events";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  Cached, ConcurrentExecutor, context, Executor, Failed, Flow, FlowRunner, Inputs, LocalExecutor, LocalResult,
  Mapped, Pending, Retrying, signals, State, Success, Task, task, TriggerFailed,
  TRIGGERFAIL, ValidationFailed, allFailed, anyFailed, anySuccessful, allSuccessful, notAllSkipped, someSuccessful,
  type AnyTask, type StateHandler,
} from "../../lib/index";
import { IsInt } from "class-validator";
import { configureLogging } from "../../lib/engine/logging";
import { clearMemoryCaches } from "../../lib/engine/persistence";
import { files, withHome } from "./fixtures/home";

configureLogging({ level: "silent" });

const statesOf = (s: State) => s.result as Map<AnyTask, State>;
const typeOf = (s: State | undefined) => s?.type ?? "missing";

const boom = task({ name: "boom" }, (): number[] => {
  throw new Error("boom");
});
const add = task({ name: "add" }, ({ x, y }: { x: number; y: number }) => x + y);
const inc = task({ name: "inc" }, ({ x }: { x: number }) => x + 1);
const sum = task({ name: "sum" }, ({ xs }: { xs: number[] }) => xs.reduce((a, b) => a + b, 0));

const EXECUTORS: Array<[string, () => Executor]> = [
  ["LocalExecutor", () => new LocalExecutor()],
  ["ConcurrentExecutor", () => new ConcurrentExecutor()],
];

/** A log destination that keeps every JSON record. */
function captureLogs(level = "warn"): { records: Array<Record<string, unknown>>; restore: () => void } {
  const records: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split("\n")) if (line.trim()) records.push(JSON.parse(line));
      cb();
    },
  });
  configureLogging({ level, destination: sink });
  return { records, restore: () => configureLogging({ level: "silent" }) };
}

for (const [label, executor] of EXECUTORS) {
  describe(`Prefect parity on ${label}`, () => {
    const run = (flow: Flow, opts: Parameters<Flow["run"]>[0] = {}) => flow.run({ executor: executor(), ...opts });

    describe("constant inputs count as upstream successes (flow_runner.py:525-535)", () => {
      it("someSuccessful({ atLeast: 1 }) passes with a failed upstream and a constant", async () => {
        let t!: AnyTask;
        const flow = Flow.build("const-some", () => {
          const f = boom.call();
          t = task({ name: "t1", trigger: someSuccessful({ atLeast: 1 }) }, ({ x1 }: { x0: unknown; x1: number }) => x1 * 2).call({ x0: f, x1: 4 });
        });
        const s = await run(flow);
        assert.equal(typeOf(statesOf(s).get(t)), "Success");
        assert.equal(statesOf(s).get(t)!.result, 8);
      });

      it("allFailed with a constant input is TriggerFailed", async () => {
        let t!: AnyTask;
        const flow = Flow.build("const-all-failed", () => {
          t = task({ name: "onFail", trigger: allFailed }, ({ x1 }: { x0: unknown; x1: number }) => x1).call({ x0: boom.call(), x1: 4 });
        });
        const st = statesOf(await run(flow)).get(t)!;
        assert.ok(st instanceof TriggerFailed, String(st));
      });

      it("a root task fed only by a constant runs under notAllSkipped", async () => {
        let t!: AnyTask;
        const flow = Flow.build("const-not-all-skipped", () => {
          t = task({ name: "root", trigger: notAllSkipped }, ({ x }: { x: number }) => x + 1).call({ x: 1 });
        });
        const s = await run(flow);
        assert.equal(statesOf(s).get(t)!.result, 2);
        assert.ok(s instanceof Success);
      });

      it("a trigger sees the constants as Success edges with their values", async () => {
        const seen: Array<[string | undefined, string, unknown]> = [];
        const flow = Flow.build("const-seen", () => {
          task({ name: "seer", trigger: (up) => {
            for (const [e, st] of up) seen.push([e.key, st.type, st.result]);
            return true;
          } }, ({ a }: { a: number; b: string }) => a).call({ a: 1, b: "two" });
        });
        await run(flow);
        assert.deepEqual(seen, [["a", "Success", 1], ["b", "Success", "two"]]);
      });
    });

    describe("a mapped edge from an upstream that did not succeed (utilities/executors.py:650-690)", () => {
      it("gives each child a copy of the failed state: children TriggerFailed, flow Failed, body never runs", async () => {
        let m!: AnyTask;
        let ran = 0;
        const flow = Flow.build("map-over-failed", () => {
          m = task({ name: "adder" }, ({ x, y }: { x: number; y: number }) => (ran++, x + y)).map({ x: boom.call(), y: [1, 2] });
        });
        const s = await run(flow);
        const ms = statesOf(s).get(m)!;
        assert.ok(ms instanceof Mapped);
        assert.deepEqual(ms.mapStates.map(typeOf), ["TriggerFailed", "TriggerFailed"]);
        assert.equal(ran, 0);
        assert.ok(s instanceof Failed);
      });

      it("from a failed mapped upstream that holds no value: Mapped with no children, flow Success", async () => {
        let b!: AnyTask, a!: AnyTask, r!: AnyTask;
        let attempts = 0;
        const flow = Flow.build("map-over-unmappable", () => {
          b = inc.map({ x: task({ name: "returnsNull" }, () => null as unknown as number[]).call() });
          a = add.map({ x: b, y: [1, 2] });
          // A retry timer pending in the same run: the run must still end normally.
          r = task({ name: "flaky", maxRetries: 1, retryDelay: 5 }, () => {
            if (++attempts === 1) throw new Error("first attempt fails");
            return "ok";
          }).call();
        });
        const s = await run(flow);
        const bs = statesOf(s).get(b)!;
        assert.ok(bs instanceof Failed && !(bs instanceof TriggerFailed), String(bs));
        const as = statesOf(s).get(a)!;
        assert.ok(as instanceof Mapped, String(as));
        assert.deepEqual(as.mapStates, []);
        assert.equal(statesOf(s).get(r)!.result, "ok");
        assert.ok(s instanceof Success, String(s));
      });

      it("a mapped child of a failed upstream mapped task sees a copy, never a Pending that stalls", async () => {
        let down!: AnyTask;
        const flow = Flow.build("mapped-chain-failed-parent", () => {
          const parent = inc.map({ x: task({ name: "notAList" }, () => 3 as unknown as number[]).call() });
          down = task({ name: "down", trigger: anyFailed }, ({ x }: { x: unknown; y: number }) => (x === undefined ? "no value" : x)).map({ x: parent, y: [1, 2] });
        });
        const s = await run(flow);
        const ds = statesOf(s).get(down)!;
        assert.ok(ds instanceof Mapped);
        assert.deepEqual(ds.mapStates.map(typeOf), [], "the failed parent holds no value: no children");
      });
    });

    describe("reduce over a mapped task with no children (triggers.py:147-230)", () => {
      const reduceWith = async (trigger: Parameters<typeof task>[0]["trigger"]) => {
        let r!: AnyTask;
        const flow = Flow.build("empty-reduce", () => {
          r = task({ name: "reduce", trigger }, ({ xs }: { xs: number[] }) => xs.length).call({ xs: inc.map({ x: [] as number[] }) });
        });
        return statesOf(await run(flow)).get(r)!;
      };
      it("anySuccessful, anyFailed and someSuccessful({ atLeast: 1 }) are TriggerFailed", async () => {
        for (const trigger of [anySuccessful, anyFailed, someSuccessful({ atLeast: 1 })]) {
          const st = await reduceWith(trigger);
          assert.ok(st instanceof TriggerFailed, `${st}`);
          assert.ok(st.result instanceof TRIGGERFAIL);
        }
      });
      it("allSuccessful and a fraction (someSuccessful({ atLeast: 0.5 })) run", async () => {
        for (const trigger of [allSuccessful, someSuccessful({ atLeast: 0.5 })]) {
          const st = await reduceWith(trigger);
          assert.equal(st.result, 0, String(st));
        }
      });
    });

    describe("a trigger that returns false (task_runner.py:505)", () => {
      it("is TriggerFailed with a TRIGGERFAIL signal as its result, like one that throws", async () => {
        let t!: AnyTask;
        const flow = Flow.build("false-trigger", () => {
          t = task({ name: "never", trigger: () => false }, () => 1).call();
        });
        const st = statesOf(await run(flow)).get(t)!;
        assert.ok(st instanceof TriggerFailed);
        assert.equal(st.message, "Trigger failed");
        assert.ok(st.result instanceof TRIGGERFAIL);
      });
    });

    describe("cacheFor: mapped children do not share a cache within one run (core/flow.py:1141-1163)", () => {
      beforeEach(() => clearMemoryCaches());
      it("the first run gives every child its own value; the next run finds the first candidate", async () => {
        let m!: AnyTask;
        let runs = 0;
        const flow = Flow.build("cache-children", () => {
          m = task({ name: "cachedSum", cacheFor: 60_000 }, ({ x }: { x: number }) => (runs++, x)).map({ x: [1, 2, 3] });
        });
        const first = statesOf(await run(flow)).get(m) as Mapped;
        assert.deepEqual(first.result, [1, 2, 3]);
        assert.deepEqual(first.mapStates.map(typeOf), ["Cached", "Cached", "Cached"]);
        assert.equal(runs, 3);
        // Prefect's second run: durationOnly accepts the first candidate for every child.
        const second = statesOf(await run(flow)).get(m) as Mapped;
        assert.deepEqual(second.result, [1, 1, 1]);
        assert.equal(runs, 3);
      });
      it("a FlowRunner run alone neither reads nor fills the in-process caches", async () => {
        let t!: AnyTask;
        let runs = 0;
        const flow = Flow.build("cache-runner", () => {
          t = task({ name: "cacheRunnerTask", cacheFor: 60_000 }, () => ++runs).call();
        });
        await new FlowRunner(flow).run({ executor: executor() });
        const again = statesOf(await new FlowRunner(flow).run({ executor: executor() })).get(t)!;
        assert.ok(again instanceof Cached);
        assert.equal(again.result, 2);
      });
    });

    describe("taskStates restarts leave no task Pending (flow_runner.py:470-485)", () => {
      it("a chain t0 -> t1 -> t2 rerun with t0 and t1 given ends t2 Failed and the flow Failed", async () => {
        for (const length of [3, 4, 5, 6]) {
          const tasks: AnyTask[] = [];
          let calls = 0;
          const flow = Flow.build(`restart-chain-${length}`, (f) => {
            for (let i = 0; i < length; i++) {
              const last = i === length - 1;
              tasks.push(task({ name: `t${i}` }, () => {
                calls++;
                if (last) throw new Error("last one fails");
                return i;
              }).call());
            }
            f.chain(...tasks);
          });
          const first = await run(flow);
          assert.ok(first instanceof Failed);
          calls = 0;
          const given = new Map<AnyTask, State>(tasks.slice(0, -1).map((t) => [t, statesOf(first).get(t)!]));
          const second = await run(flow, { taskStates: given });
          assert.equal(calls, 1, `only the last task of ${length} runs`);
          assert.equal(typeOf(statesOf(second).get(tasks[length - 1]!)), "Failed");
          assert.ok(second instanceof Failed, `${length}: ${second}`);
        }
      });
    });

    describe("Success -> Cached is a state change of its own (task_runner.py:300, 943)", () => {
      beforeEach(() => clearMemoryCaches());
      it("a handler that turns Success into Failed is respected: no cache, flow Failed", async () => {
        const seen: string[] = [];
        const handler: StateHandler = (_t, old, next) => {
          seen.push(`${old.type}->${next.type}`);
          if (next.type === "Success") return new Failed("refused by a handler");
        };
        let t!: AnyTask;
        const flow = Flow.build("cache-handler-fail", () => {
          t = task({ name: "refused", cacheFor: 60_000, stateHandlers: [handler] }, () => 1).call();
        });
        const s = await run(flow);
        assert.equal(typeOf(statesOf(s).get(t)), "Failed");
        assert.ok(s instanceof Failed);
        assert.deepEqual(seen, ["Pending->Running", "Running->Success"]);
      });
      it("a handler that turns Failed into Success gets Cached, through Success -> Cached", async () => {
        const seen: string[] = [];
        const handler: StateHandler = (_t, old, next) => {
          seen.push(`${old.type}->${next.type}`);
          if (next.type === "Failed") return new Success({ result: "rescued" });
        };
        let t!: AnyTask;
        const flow = Flow.build("cache-handler-rescue", () => {
          t = task({ name: "rescued", cacheFor: 60_000, stateHandlers: [handler] }, () => {
            throw new Error("no");
          }).call();
        });
        const st = statesOf(await run(flow)).get(t)!;
        assert.ok(st instanceof Cached, String(st));
        assert.equal(st.result, "rescued");
        assert.deepEqual(seen, ["Pending->Running", "Running->Failed", "Success->Cached"]);
      });
    });

    describe("handlers see changes only (runner.py:71, task_runner.py:1086-1098)", () => {
      it("after a LOOP iteration the task returns to Pending without a state change", async () => {
        const seen: string[] = [];
        const flow = Flow.build("loop-handlers", () => {
          task({ name: "looper", stateHandlers: [(_t, old, next) => void seen.push(`${old.type}->${next.type}`)] }, () => {
            const n = context.taskLoopCount ?? 1;
            if (n < 3) throw new signals.LOOP({ result: n });
            return n;
          }).call();
        });
        await run(flow);
        assert.deepEqual(seen, [
          "Pending->Running", "Running->Looped",
          "Pending->Running", "Running->Looped",
          "Pending->Running", "Running->Success",
        ]);
      });
      it("a restarted Mapped parent whose state does not change calls no handler", async () => {
        const seen: string[] = [];
        let m!: AnyTask;
        const flow = Flow.build("mapped-restart-handlers", () => {
          m = task({ name: "mapper", stateHandlers: [(_t, old, next) => void seen.push(`${old.type}->${next.type}`)] }, ({ x }: { x: number }) => x * 10).map({ x: [1, 2] });
        });
        const first = await run(flow);
        seen.length = 0;
        const given = new Map<AnyTask, State>([[m, new Mapped({ mapStates: [(statesOf(first).get(m) as Mapped).mapStates[0]!, new Pending()], nMapStates: 2 })]]);
        const second = await run(flow, { taskStates: given });
        assert.deepEqual((statesOf(second).get(m) as Mapped).result, [10, 20]);
        assert.deepEqual(seen, ["Pending->Running", "Running->Success"], "only the unfinished child changes");
      });
    });

    describe("checkpointing (task_runner.py:85, 917-922)", () => {
      it("with no result configured keeps values in memory, even values JSON cannot keep", () =>
        withHome("parity-checkpoint", async (home) => {
          let t!: AnyTask;
          const flow = Flow.build("checkpoint-memory", () => {
            t = task({ name: "mapper" }, () => new Map([["a", 1]])).call();
          });
          const s = await run(flow, { context: { checkpointing: true } });
          const st = statesOf(s).get(t)!;
          assert.ok(st instanceof Success, String(st));
          assert.deepEqual(st.result, new Map([["a", 1]]));
          assert.equal(st.persisted, undefined);
          assert.deepEqual(files(home).filter((f) => !f.startsWith("runs")), []);
        }));
      it("a null result is not written to a target: the next run runs the task again", () =>
        withHome("parity-null-target", async (home) => {
          let runs = 0;
          let t!: AnyTask;
          const result = new LocalResult({ dir: path.join(home, "out") });
          const flow = Flow.build("null-target", () => {
            t = task({ name: "nothing", target: "nothing.json", result }, () => (runs++, null)).call();
          });
          await run(flow);
          assert.equal(fs.existsSync(path.join(home, "out", "nothing.json")), false);
          const again = statesOf(await run(flow)).get(t)!;
          assert.equal(runs, 2);
          assert.ok(again instanceof Success && !(again instanceof Cached));
        }));
      it("a null result is not checkpointed to a configured result either", () =>
        withHome("parity-null-checkpoint", async (home) => {
          const flow = Flow.build("null-checkpoint", { result: new LocalResult({ dir: path.join(home, "out") }) }, () => {
            task({ name: "nothing" }, () => undefined).call();
            task({ name: "something" }, () => 1).call();
          });
          await run(flow, { context: { checkpointing: true } });
          assert.equal(files(path.join(home, "out")).length, 1, "only the task with a value is written");
        }));
    });

    describe("an @Inputs validation failure", () => {
      class Positive {
        @IsInt() n!: number;
      }
      @Inputs(Positive)
      class NeedsInt extends Task<{ n: number }, number> {
        runs = 0;
        run({ n }: { n: number }) {
          this.runs++;
          return n;
        }
      }
      it("is not retried: the same inputs fail the same way", async () => {
        const seen: string[] = [];
        const t = new NeedsInt({ maxRetries: 3, retryDelay: 0, stateHandlers: [(_t, old, next) => void seen.push(`${old.type}->${next.type}`)] });
        const flow = new Flow("validation-no-retry");
        flow.setDependencies(t, { keywordTasks: { n: 1.5 } });
        const st = statesOf(await run(flow)).get(t)!;
        assert.ok(st instanceof ValidationFailed, String(st));
        assert.equal(t.runs, 0);
        assert.deepEqual(seen, ["Pending->Running", "Running->ValidationFailed"]);
      });
    });

    describe("context.signal", () => {
      it("is one signal per task run: many concurrent listeners raise no MaxListeners warning", async () => {
        const warnings: Error[] = [];
        const onWarning = (w: Error) => warnings.push(w);
        process.on("warning", onWarning);
        try {
          const signals = new Set<AbortSignal>();
          const waiter = task({ name: "listener" }, async ({ i }: { i: number }) => {
            const signal = context.signal!;
            signals.add(signal);
            signal.addEventListener("abort", () => undefined);
            await new Promise((r) => setImmediate(r));
            return i;
          });
          const flow = Flow.build("signals", () => void waiter.map({ i: Array.from({ length: 30 }, (_, i) => i) }));
          const s = await run(flow);
          assert.ok(s instanceof Success);
          assert.equal(signals.size, 30);
          await new Promise((r) => setImmediate(r));
          assert.deepEqual(warnings.filter((w) => w.name === "MaxListenersExceededWarning"), []);
          assert.equal(EventEmitter.defaultMaxListeners, 10);
        } finally {
          process.off("warning", onWarning);
        }
      });
    });
  });
}

describe("Prefect parity: flow runs", () => {
  it("flow.run starts from Scheduled (handlers see Scheduled -> Running); a FlowRunner from Pending (core/flow.py:1032)", async () => {
    const seen: string[] = [];
    const flow = new Flow("first-transition", { stateHandlers: [(_f, old, next) => void seen.push(`${old.type}->${next.type}`)] });
    flow.addTask(task({ name: "one" }, () => 1));
    await flow.run();
    assert.deepEqual(seen, ["Scheduled->Running", "Running->Success"]);
    seen.length = 0;
    await new FlowRunner(flow).run();
    assert.deepEqual(seen, ["Pending->Running", "Running->Success"]);
  });

  it("an engine error ends the run Failed with every task's state, and a pending retry timer does not crash the process", async () => {
    let attempts = 0;
    let bad!: AnyTask, flaky!: AnyTask, after!: AnyTask;
    const flow = Flow.build("engine-error", () => {
      flaky = task({ name: "flaky", maxRetries: 1, retryDelay: 30 }, () => {
        if (++attempts === 1) throw new Error("first attempt fails");
        return "ok";
      }).call();
      // A handler that returns a Retrying state with a start time that is not a Date: the scheduler
      // cannot read it, which is an error of the engine's own bookkeeping, not of a task.
      bad = task({ name: "bad", stateHandlers: [(_t, _o, next) => (next instanceof Success ? new Retrying({ startTime: "soon" as unknown as Date }) : undefined)] }, () => 1).call();
      after = inc.call({ x: bad });
    });
    const s = await flow.run();
    assert.ok(s instanceof Failed, String(s));
    assert.match(s.message!, /^Unexpected error while running flow: /);
    const states = statesOf(s);
    assert.equal(states.size, flow.tasks.size);
    assert.equal(typeOf(states.get(after)), "Pending");
    assert.ok(states.get(flaky) instanceof Retrying);
    assert.ok((s.context as { error: unknown }).error instanceof TypeError);
    // The retry timer fires after the run ended: nothing escapes, and nothing runs for an ended run.
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(attempts, 1);
  });

  it("mapped inputs of different lengths zip to the shortest, with a warning naming them", async () => {
    const logs = captureLogs("warn");
    try {
      const flow = Flow.build("zip-warning", () => void add.map({ x: [1, 2, 3], y: [10, 20] }));
      await flow.run();
      const warning = logs.records.find((r) => String(r.msg).includes("different lengths"));
      assert.ok(warning, JSON.stringify(logs.records));
      assert.equal(warning.msg, "Task 'add': mapped inputs have different lengths (x: 3, y: 2); mapping zips them to the shortest, so 2 children run");
      assert.equal(warning.level, 40);
    } finally {
      logs.restore();
    }
  });

  it("a long run of synchronous tasks lets timers run (the event loop is never blocked for long)", async () => {
    const n = 30_000;
    const flow = Flow.build("long-sync", () => void task({ name: "spin" }, ({ x }: { x: number }) => x + 1).map({ x: Array.from({ length: n }, (_, i) => i) }));
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const started = Date.now();
    try {
      const s = await flow.run();
      assert.ok(s instanceof Success);
    } finally {
      clearInterval(timer);
    }
    const elapsed = Date.now() - started;
    // One tick per ~10 ms slice at least: a blocked loop would give none.
    assert.ok(ticks >= Math.min(3, Math.floor(elapsed / 20)), `${ticks} ticks in ${elapsed} ms`);
  });
});

afterEach(() => clearMemoryCaches());
