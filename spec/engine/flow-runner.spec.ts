import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import {
  Flow, FlowRunner, Task, task, Constant, Parameter, NoOpTask, manualOnly, allFinished, context,
  LocalExecutor, ConcurrentExecutor, Executor, TaskRun, ParameterError, RunError,
  State, Pending, Running, Success, Failed, Paused, Cancelled, Resume, TriggerFailed, Skipped, Mapped, signals,
} from "../../lib/index";
import { configureLogging } from "../../lib/engine/logging";

configureLogging({ level: "warn" });

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const statesOf = (s: State) => s.result as Map<Task<any, any>, State>;
const ok = (value: unknown = 1, name?: string) => task(name ? { name } : {}, () => value);
const boom = (name = "boom") => task({ name }, () => {
  throw new Error(name);
});

describe("FlowRunner: final states", () => {
  it("All reference tasks succeeded.", async () => {
    let b!: Task<any, any>;
    const flow = Flow.build("ok", () => {
      const a = ok(1).call();
      b = task(({ x }: { x: number }) => x + 1).call({ x: a });
    });
    const s = await flow.run();
    assert.ok(s instanceof Success);
    assert.equal(s.message, "All reference tasks succeeded.");
    assert.equal(statesOf(s).get(b)!.result, 2);
    assert.equal(statesOf(s).size, 2);
  });

  it("Some reference tasks failed.", async () => {
    const flow = Flow.build("bad", () => {
      const a = boom().call();
      task(({ x }: { x: number }) => x).call({ x: a });
    });
    const s = await flow.run();
    assert.ok(s instanceof Failed);
    assert.equal(s.message, "Some reference tasks failed.");
  });

  it("No reference tasks failed. (a reference task finished neither failed nor successful)", async () => {
    // Cancelled is finished but neither failed nor successful.
    const c = task({ stateHandlers: [(_t, _o, n) => (n instanceof Success ? new Cancelled("cancelled") : undefined)] }, () => 1);
    const flow = new Flow("mixed");
    flow.addTask(c);
    flow.addTask(ok(2));
    const s = await flow.run();
    assert.ok(s instanceof Success);
    assert.equal(s.message, "No reference tasks failed.");
    assert.ok(statesOf(s).get(c) instanceof Cancelled);
  });

  it("an empty flow succeeds", async () => {
    const s = await new Flow("empty").run();
    assert.ok(s.isSuccessful());
  });

  it("reference tasks decide the state; non-reference failures do not", async () => {
    const flow = new Flow("refs");
    const good = ok(1, "good");
    const bad = boom();
    flow.addTask(good);
    flow.addTask(bad);
    flow.setReferenceTasks([good]);
    const s = await flow.run();
    assert.ok(s instanceof Success, String(s));
    assert.ok(statesOf(s).get(bad) instanceof Failed);
    flow.setReferenceTasks([bad]);
    assert.ok((await flow.run()) instanceof Failed);
  });

  it("a skipped reference task is successful", async () => {
    const flow = Flow.build("skip", () => {
      const a = task(() => {
        throw new signals.SKIP("no");
      }).call();
      task(() => 1).call({}, { upstreamTasks: [a] });
    });
    const s = await flow.run();
    assert.ok(s instanceof Success);
    assert.equal(s.message, "All reference tasks succeeded.");
    for (const st of statesOf(s).values()) assert.ok(st instanceof Skipped);
  });

  it("terminalStateHandler has the last word, and sees the reference states", async () => {
    let seen: Set<State> | undefined;
    const flow = new Flow("tsh", {
      terminalStateHandler: (_f, state, refs) => {
        seen = refs;
        return state.isFailed() ? new Success("it's fine") : undefined;
      },
    });
    const bad = boom();
    flow.addTask(bad);
    const s = await flow.run();
    assert.ok(s instanceof Success);
    assert.equal(s.message, "it's fine");
    assert.equal(seen!.size, 1);
    assert.ok([...seen!][0] instanceof Failed);
  });

  it("flow state handlers see Pending → Running → final; runner handlers after the flow's", async () => {
    const calls: string[] = [];
    const flow = new Flow("handlers", { stateHandlers: [(_f, o, n) => { calls.push(`flow:${o.type}->${n.type}`); }] });
    flow.addTask(ok());
    const runner = new FlowRunner(flow, { stateHandlers: [(_f, o, n) => { calls.push(`runner:${o.type}->${n.type}`); }] });
    const s = await runner.run();
    assert.ok(s.isSuccessful());
    assert.deepEqual(calls, ["flow:Pending->Running", "runner:Pending->Running", "flow:Running->Success", "runner:Running->Success"]);
  });

  it("a flow handler can replace the final state; flow onFailure is called", async () => {
    const failures: State[] = [];
    const flow = new Flow("replace", {
      onFailure: (_f, st) => { failures.push(st); },
      stateHandlers: [(_f, _o, n) => (n instanceof Success ? new Failed("overridden") : undefined)],
    });
    flow.addTask(ok());
    const s = await flow.run();
    assert.ok(s instanceof Failed);
    assert.equal(s.message, "overridden");
    assert.equal(failures.length, 1);
  });

  it("taskRunnerStateHandlers are given to every task", async () => {
    const seen: string[] = [];
    const flow = Flow.build("trsh", () => {
      ok(1, "a").call();
      ok(2, "b").call();
    });
    await new FlowRunner(flow, { taskRunnerStateHandlers: [(t, _o, n) => { if (n.isFinished()) seen.push(t.name); }] }).run();
    assert.deepEqual(seen.sort(), ["a", "b"]);
  });

  it("a finished flow state is returned as is", async () => {
    let runs = 0;
    const flow = new Flow("done");
    flow.addTask(task(() => ++runs));
    const done = new Success("already");
    assert.equal(await new FlowRunner(flow).run({ state: done }), done);
    assert.equal(runs, 0);
  });
});

describe("FlowRunner: pause and resume", () => {
  it("a paused terminal task leaves the flow Running; a later run with Resume finishes it", async () => {
    let runsA = 0;
    let runsB = 0;
    let a!: Task<any, any>;
    let b!: Task<any, any>;
    const flow = Flow.build("pause", () => {
      a = task({ name: "a" }, () => (++runsA, 1)).call();
      b = task({ name: "b", trigger: manualOnly }, ({ x }: { x: number }) => (++runsB, x + 1)).call({ x: a });
    });
    const first = await flow.run();
    assert.ok(first instanceof Running);
    assert.ok(statesOf(first).get(b) instanceof Paused);
    assert.equal(runsA, 1);
    assert.equal(runsB, 0);

    const given = new Map(statesOf(first));
    given.set(b, new Resume());
    const second = await flow.run({ taskStates: given });
    assert.ok(second instanceof Success, String(second));
    assert.equal(statesOf(second).get(b)!.result, 2);
    assert.equal(runsA, 1, "a was given Success: not re-run");
    assert.equal(runsB, 1);
  });

  it("a PAUSE with a start time resumes by itself within the run", async () => {
    let b!: Task<any, any>;
    const seen: unknown[] = [];
    const flow = Flow.build("timed-pause", () => {
      b = task(() => {
        seen.push(context.resume ?? false);
        if (!context.resume) throw new signals.PAUSE("back soon", { startTime: new Date(Date.now() + 20) });
        return "resumed";
      }).call();
    });
    const s = await flow.run();
    assert.ok(s instanceof Success, String(s));
    assert.equal(statesOf(s).get(b)!.result, "resumed");
    assert.deepEqual(seen, [false, true]);
  });

  it("a PAUSE signal pauses too", async () => {
    let b!: Task<any, any>;
    const flow = Flow.build("pause-signal", () => {
      b = task(() => {
        if (!context.resume) throw new signals.PAUSE("wait for me");
        return "resumed";
      }).call();
    });
    const first = await flow.run();
    assert.ok(first instanceof Running);
    assert.ok(statesOf(first).get(b) instanceof Paused);
    const second = await flow.run({ taskStates: new Map([[b, new Resume()]]) });
    assert.equal(statesOf(second).get(b)!.result, "resumed");
  });
});

describe("FlowRunner: given task states, constants, parameters", () => {
  it("never mutates taskStates; a task given Success is not re-run", async () => {
    let runsA = 0;
    let runsB = 0;
    let a!: Task<any, any>;
    let b!: Task<any, any>;
    const flow = Flow.build("given", () => {
      a = task(() => (++runsA, 1)).call();
      b = task(({ x }: { x: number }) => (++runsB, x * 10)).call({ x: a });
    });
    const given = new Map<Task<any, any>, State>([[a, new Success({ result: 7 })]]);
    const snapshot = [...given.entries()];
    const s = await flow.run({ taskStates: given });
    assert.deepEqual([...given.entries()], snapshot);
    assert.equal(given.size, 1);
    assert.equal(runsA, 0);
    assert.equal(runsB, 1);
    assert.equal(statesOf(s).get(b)!.result, 70);
    assert.equal(statesOf(s).get(a), snapshot[0]![1]);
  });

  it("a task given Failed is reused, its downstream TriggerFailed", async () => {
    let runs = 0;
    let a!: Task<any, any>;
    let b!: Task<any, any>;
    const flow = Flow.build("given-failed", () => {
      a = task(() => (++runs, 1)).call();
      b = task(({ x }: { x: number }) => x).call({ x: a });
    });
    const s = await flow.run({ taskStates: new Map([[a, new Failed("before")]]) });
    assert.equal(runs, 0);
    assert.ok(statesOf(s).get(b) instanceof TriggerFailed);
    assert.ok(s instanceof Failed);
  });

  it("Constant tasks are never run nor submitted; their value is a Success", async () => {
    let constRuns = 0;
    class SpyConstant<T> extends Constant<T> {
      override run(): T {
        constRuns++;
        return super.run();
      }
    }
    const submitted: string[] = [];
    class CountingExecutor implements Executor {
      readonly name = "counting";
      readonly maxConcurrency = 4;
      readonly inProcess = true;
      starts = 0;
      shutdowns = 0;
      start() { this.starts++; }
      shutdown() { this.shutdowns++; }
      submit(run: TaskRun) {
        submitted.push(run.task.name);
        return run.runHere();
      }
    }
    const c = new SpyConstant(5, { name: "five" });
    const double = task({ name: "double" }, ({ x }: { x: number }) => x * 2);
    const flow = new Flow("consts");
    flow.addEdge(c, double, { key: "x" });
    const executor = new CountingExecutor();
    const s = await flow.run({ executor });
    assert.ok(s.isSuccessful());
    assert.equal(constRuns, 0);
    assert.deepEqual(submitted, ["double"]);
    assert.equal(statesOf(s).get(c)!.result, 5);
    assert.ok(statesOf(s).get(c) instanceof Success);
    assert.equal(statesOf(s).get(double)!.result, 10);
    assert.equal(executor.starts, 1);
    assert.equal(executor.shutdowns, 0, "executors outlive runs: shutdown is their owner's call");
  });

  it("plain values bound with call are constants of the task (no node)", async () => {
    let t!: Task<any, any>;
    const flow = Flow.build("plain", () => {
      t = task(({ x, y }: { x: number; y: number }) => x + y).call({ x: 1, y: 2 });
    });
    assert.equal(flow.tasks.size, 1);
    assert.equal(statesOf(await flow.run()).get(t)!.result, 3);
  });

  it("parameter precedence: defaults < context.parameters < parameters", async () => {
    const p = new Parameter("p", { default: "default" });
    const q = new Parameter("q", { default: "q-default" });
    let seen: unknown[] = [];
    const flow = Flow.build("params", () => {
      task(({ p, q }: { p: string; q: string }) => {
        seen = [p, q, context.parameters];
      }).call({ p, q });
    });
    await flow.run();
    assert.deepEqual(seen, ["default", "q-default", { p: "default", q: "q-default" }]);
    await flow.run({ context: { parameters: { p: "ctx" } } });
    assert.deepEqual(seen.slice(0, 2), ["ctx", "q-default"]);
    await flow.run({ context: { parameters: { p: "ctx" } }, parameters: { p: "given" } });
    assert.deepEqual(seen.slice(0, 2), ["given", "q-default"]);
  });

  it("flow.run throws for unknown and missing required parameters, before running anything", async () => {
    let runs = 0;
    const flow = Flow.build("strict", () => {
      const x = new Parameter<number>("x");
      const y = new Parameter<number>("y", { default: 1 });
      task(({ x, y }: { x: number; y: number }) => (++runs, x + y)).call({ x, y });
    });
    await assert.rejects(flow.run({ parameters: { x: 1, nope: 2 } }), (err: unknown) => err instanceof ParameterError && /unexpected parameters: nope/.test((err as Error).message));
    await assert.rejects(flow.run(), (err: unknown) => err instanceof ParameterError && /did not receive the required parameters: x/.test((err as Error).message));
    await assert.rejects(flow.run({ parameters: { y: 3 } }), ParameterError);
    assert.equal(runs, 0);
    const s = await flow.run({ parameters: { x: 2 } });
    assert.ok(s.isSuccessful());
    assert.equal(runs, 1);
  });

  it("FlowRunner with a missing required parameter: Failed Parameter, Failed flow", async () => {
    const x = new Parameter<number>("x");
    let t!: Task<any, any>;
    const flow = Flow.build("missing", () => {
      t = task(({ x }: { x: number }) => x).call({ x });
    });
    const s = await new FlowRunner(flow).run();
    assert.ok(s instanceof Failed);
    const ps = statesOf(s).get(x)!;
    assert.ok(ps instanceof Failed);
    assert.equal(ps.message, 'Parameter "x" was required but not provided.');
    assert.ok(statesOf(s).get(t) instanceof TriggerFailed);
  });

  it("flow.run inside its own builder rejects", async () => {
    let attempt: Promise<State> | undefined;
    const flow = Flow.build("inside", (f) => {
      ok().call();
      attempt = f.run();
      attempt.catch(() => {});
    });
    await assert.rejects(attempt!, RunError);
    assert.ok((await flow.run()).isSuccessful());
  });
});

describe("FlowRunner: retries within one run", () => {
  for (const [label, mkExecutor] of [
    ["LocalExecutor", () => new LocalExecutor()],
    ["ConcurrentExecutor", () => new ConcurrentExecutor()],
  ] as const) {
    it(`${label}: a flaky task retries after its delay while an independent slow task keeps running`, async () => {
      const events: string[] = [];
      let attempts = 0;
      let flaky!: Task<any, any>;
      let after!: Task<any, any>;
      let slow!: Task<any, any>;
      const flow = Flow.build("retries", () => {
        flaky = task({ name: "flaky", maxRetries: 2, retryDelay: 50 }, () => {
          attempts++;
          events.push(`flaky#${attempts}`);
          if (attempts < 3) throw new Error(`attempt ${attempts}`);
          return "finally";
        }).call();
        slow = task({ name: "slow" }, async () => {
          events.push("slow:start");
          await sleep(400);
          events.push("slow:end");
          return "slow";
        }).call();
        after = task({ name: "after" }, ({ x }: { x: string }) => {
          events.push("after");
          return `${x}!`;
        }).call({ x: flaky });
      });
      const start = Date.now();
      const s = await flow.run({ executor: mkExecutor() });
      const elapsed = Date.now() - start;
      assert.ok(s instanceof Success, String(s));
      assert.equal(attempts, 3);
      assert.equal(statesOf(s).get(flaky)!.result, "finally");
      assert.equal(statesOf(s).get(after)!.result, "finally!");
      assert.equal(statesOf(s).get(slow)!.result, "slow");
      // The slow task started before the flaky task's retry (it was not held up by the retry delay).
      assert.ok(events.indexOf("slow:start") < events.indexOf("flaky#2"), events.join(","));
      // The downstream task waited for the flaky task's success.
      assert.ok(events.indexOf("flaky#3") < events.indexOf("after"), events.join(","));
      if (label === "ConcurrentExecutor") {
        // Retries happen while the slow task is still running.
        assert.ok(events.indexOf("after") < events.indexOf("slow:end"), events.join(","));
      }
      assert.ok(elapsed < 3000, `took ${elapsed} ms`);
    });
  }

  it("a task that exhausts its retries ends Failed in the same run", async () => {
    let attempts = 0;
    const flow = Flow.build("exhaust", () => {
      task({ maxRetries: 2, retryDelay: 5 }, () => {
        attempts++;
        throw new Error("always");
      }).call();
    });
    const s = await flow.run();
    assert.ok(s instanceof Failed);
    assert.equal(attempts, 3);
  });
});

describe("FlowRunner: returnTasks, errors", () => {
  it("returnTasks must belong to the flow (else the flow fails)", async () => {
    const flow = new Flow("ret");
    const a = ok();
    flow.addTask(a);
    const s = await new FlowRunner(flow).run({ returnTasks: [a] });
    assert.ok(s.isSuccessful());
    assert.ok(statesOf(s).get(a)!.isSuccessful());
    const outsider = ok();
    const bad = await new FlowRunner(flow).run({ returnTasks: [outsider] });
    assert.ok(bad instanceof Failed);
    assert.match(bad.message!, /^Unexpected error while running flow/);
  });

  it("a non-terminal return task that is not finished keeps the flow Running", async () => {
    let a!: Task<any, any>;
    const flow = Flow.build("ret-paused", () => {
      a = task({ trigger: manualOnly }, () => 1).call();
      task({ trigger: allFinished, skipOnUpstreamSkip: false }, () => 2).call();
    });
    const s = await new FlowRunner(flow).run({ returnTasks: [a] });
    assert.ok(s instanceof Running, String(s));
    assert.ok(statesOf(s).get(a) instanceof Paused);
  });

  it("a cycle fails the flow run", async () => {
    const flow = new Flow("cycle");
    const a = new NoOpTask({ name: "a" });
    const b = new NoOpTask({ name: "b" });
    flow.addEdge(a, b);
    flow.addEdge(b, a);
    const s = await new FlowRunner(flow).run();
    assert.ok(s instanceof Failed);
    assert.match(s.message!, /Cycle/);
  });

  it("tasks never evaluated are Pending in the result", async () => {
    let c!: Task<any, any>;
    const flow = Flow.build("pending", () => {
      const a = task({ trigger: manualOnly }, () => 1).call();
      c = task(({ x }: { x: number }) => x).call({ x: a });
    });
    const s = await flow.run();
    assert.ok(s instanceof Running);
    assert.ok(statesOf(s).get(c) instanceof Pending);
  });

  it("the flow result is a Mapped state for a mapped task", async () => {
    let m!: Task<any, any>;
    const flow = Flow.build("mapped-result", () => {
      m = task(({ x }: { x: number }) => x * 2).map({ x: [1, 2] });
    });
    const s = await flow.run();
    const ms = statesOf(s).get(m)!;
    assert.ok(ms instanceof Mapped);
    assert.deepEqual(ms.result, [2, 4]);
  });
});

describe("FlowRunner: logs", () => {
  it("logs Prefect's lines for the flow and (at debug) each task", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const stream = new Writable({
      write(chunk, _enc, cb) {
        for (const l of String(chunk).split("\n")) if (l.trim()) lines.push(JSON.parse(l));
        cb();
      },
    });
    configureLogging({ destination: stream, level: "debug" });
    try {
      const okFlow = Flow.build("logged", () => {
        const a = ok(1, "alpha").call();
        task({ name: "beta" }, ({ x }: { x: number }) => {
          context.logger!.info("custom line");
          return x;
        }).call({ x: a });
      });
      await okFlow.run();
      const badFlow = new Flow("logged-bad");
      badFlow.addTask(boom("gamma"));
      await badFlow.run();
    } finally {
      configureLogging({ level: "warn" });
    }
    const msgs = lines.map((l) => l.msg as string);
    for (const expected of [
      "Beginning Flow run for 'logged'",
      "Task 'alpha': Starting task run...",
      "Task 'alpha': Finished task run for task with final state: 'Success'",
      "Task 'beta': Starting task run...",
      "custom line",
      "Task 'beta': Finished task run for task with final state: 'Success'",
      "Flow run SUCCESS: all reference tasks succeeded",
      "Beginning Flow run for 'logged-bad'",
      "Task 'gamma': Finished task run for task with final state: 'Failed'",
      "Task 'gamma' failed: Error during execution of task: Error: gamma",
      "Flow run FAILED: failed reference tasks: gamma",
    ]) {
      assert.ok(msgs.includes(expected), `missing log line ${JSON.stringify(expected)} in:\n${msgs.join("\n")}`);
    }
    assert.ok(msgs.indexOf("Beginning Flow run for 'logged'") < msgs.indexOf("Task 'alpha': Starting task run..."));
    const custom = lines.find((l) => l.msg === "custom line")!;
    assert.equal(custom.task, "beta");
    assert.equal(custom.flow, "logged");
  });

  it("a paused flow logs that terminal tasks are incomplete", async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, cb) {
        for (const l of String(chunk).split("\n")) if (l.trim()) lines.push(JSON.parse(l).msg);
        cb();
      },
    });
    configureLogging({ destination: stream, level: "info" });
    try {
      const flow = new Flow("paused-log");
      flow.addTask(task({ trigger: manualOnly }, () => 1));
      await flow.run();
    } finally {
      configureLogging({ level: "warn" });
    }
    assert.ok(lines.includes("Flow run RUNNING: terminal tasks are incomplete."), lines.join("\n"));
  });
});
