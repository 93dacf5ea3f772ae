import { describe, it } from "node:test";
import assert from "node:assert/strict";
import "reflect-metadata";
import { IsNumber, Min } from "class-validator";
import { container } from "tsyringe";
import {
  TaskRunner, Task, task, NoOpTask, Edge, Flow, Parameter, Inputs, Resource, DefaultsFromAttrs, context, ConcurrentExecutor,
  State, Pending, Running, Success, Failed, Retrying, Skipped, TriggerFailed, TimedOut, ValidationFailed, Looped, Paused,
  signals, LOOP, RETRY, SKIP, TRIGGERFAIL, ResourceError, InputValidationError, StateHandler,
} from "../../lib/index";
import { configureLogging } from "../../lib/engine/logging";

configureLogging({ level: "warn" });

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const edgeTo = (down: Task<any, any>, key?: string) => new Edge(new NoOpTask({ name: "up" }), down, { key });
const upstream = (down: Task<any, any>, state: State, key?: string) => new Map([[edgeTo(down, key), state]]);

/** Runs `t` alone in a flow and returns its state. */
async function runInFlow(t: Task<any, any>, inputs: Record<string, unknown> = {}, opts: Parameters<Flow["run"]>[0] = {}): Promise<State> {
  let node!: Task<any, any>;
  const flow = Flow.build("f", () => {
    node = t.call(inputs);
  });
  const st = await flow.run(opts);
  return (st.result as Map<Task, State>).get(node)!;
}

describe("TaskRunner: seed 001 examples", () => {
  const numberTask = task(function numberTask() {
    return 42;
  });

  it("a task with no inputs → Success with its value", async () => {
    const runner = new TaskRunner(numberTask);
    const state = await runner.run();
    assert.ok(state.isSuccessful());
    assert.ok(state instanceof Success);
    assert.equal(state.result, 42);
    assert.equal(state.message, "Task run succeeded.");
  });

  it("a Failed upstream → TriggerFailed, whose result is an Error", async () => {
    const runner = new TaskRunner(numberTask);
    const upstreamEdge = new Edge(new NoOpTask(), numberTask);
    const state = await runner.run({ upstreamStates: new Map([[upstreamEdge, new Failed({ message: "Failed for some reason" })]]) });
    assert.ok(state.isFailed());
    assert.ok(state instanceof TriggerFailed);
    assert.ok(state.result instanceof Error);
    assert.ok(state.result instanceof TRIGGERFAIL);
  });

  it("upstream values arrive on keyed edges", async () => {
    const add = task(({ x, y }: { x: number; y: number }) => x + y);
    const ups = new Map<Edge, State>([
      [new Edge(new NoOpTask(), add, { key: "x" }), new Success({ result: 1 })],
      [new Edge(new NoOpTask(), add, { key: "y" }), new Success({ result: 2 })],
      [new Edge(new NoOpTask(), add), new Success({ result: "ignored: no key" })],
    ]);
    const state = await new TaskRunner(add).run({ upstreamStates: ups });
    assert.equal(state.result, 3);
  });

  it("a thrown error → Failed naming the error, with the error as result", async () => {
    const err = new RangeError("nope");
    const t = task(() => {
      throw err;
    });
    const state = await new TaskRunner(t).run();
    assert.ok(state instanceof Failed);
    assert.equal(state.result, err);
    assert.equal(state.message, "Error during execution of task: RangeError: nope");
    assert.throws(() => state.getResult(), RangeError);
  });

  it("ENDRUN thrown from run → its state as is", async () => {
    const end = new Success({ result: 5, message: "ended early" });
    const s = await new TaskRunner(task(() => { throw new signals.ENDRUN(end); })).run();
    assert.equal(s, end);
  });

  it("a SUCCESS signal → Success with its result", async () => {
    const s = await new TaskRunner(task(() => { throw new signals.SUCCESS("fine", { result: 3 }); })).run();
    assert.ok(s instanceof Success);
    assert.equal(s.result, 3);
  });

  it("async tasks are awaited", async () => {
    const t = task(async () => {
      await sleep(5);
      return "later";
    });
    assert.equal((await new TaskRunner(t).run()).result, "later");
  });
});

describe("TaskRunner: which states run", () => {
  it("a finished state is returned as is (the task does not run)", async () => {
    let runs = 0;
    const t = task(() => ++runs);
    for (const s of [new Success({ result: 1 }), new Failed("x"), new Skipped(), new TriggerFailed()]) {
      assert.equal(await new TaskRunner(t).run({ state: s }), s);
    }
    assert.equal(runs, 0);
  });

  it("a Running state is returned as is", async () => {
    let runs = 0;
    const t = task(() => ++runs);
    const s = new Running();
    assert.equal(await new TaskRunner(t).run({ state: s }), s);
    assert.equal(runs, 0);
  });

  it("a Retrying state whose start time is in the future is returned as is", async () => {
    let runs = 0;
    const t = task(() => ++runs);
    const s = new Retrying({ startTime: new Date(Date.now() + 60_000), runCount: 1 });
    assert.equal(await new TaskRunner(t).run({ state: s }), s);
    assert.equal(runs, 0);
  });

  it("a Retrying state whose start time has passed runs", async () => {
    const t = task(() => context.taskRunCount);
    const s = await new TaskRunner(t).run({ state: new Retrying({ startTime: new Date(Date.now() - 10), runCount: 2 }) });
    assert.ok(s instanceof Success);
    assert.equal(s.result, 3);
  });

  it("a Paused state without a start time stays Paused", async () => {
    let runs = 0;
    const t = task(() => ++runs);
    const s = new Paused();
    assert.equal(await new TaskRunner(t).run({ state: s }), s);
    assert.equal(runs, 0);
  });

  it("an unfinished upstream leaves the state unchanged", async () => {
    let runs = 0;
    const t = task(() => ++runs);
    for (const up of [new Pending(), new Running(), new Retrying()]) {
      const start = new Pending("waiting");
      assert.equal(await new TaskRunner(t).run({ state: start, upstreamStates: upstream(t, up) }), start);
    }
    assert.equal(runs, 0);
  });
});

describe("TaskRunner: skips and triggers", () => {
  it("a Skipped upstream skips the task before its trigger", async () => {
    let triggerCalls = 0;
    let runs = 0;
    const t = task({ trigger: () => (triggerCalls++, true) }, () => ++runs);
    const s = await new TaskRunner(t).run({ upstreamStates: upstream(t, new Skipped()) });
    assert.ok(s instanceof Skipped);
    assert.match(s.message!, /^Upstream task was skipped; if this was not the intended behavior, consider changing `skipOnUpstreamSkip: false`/);
    assert.equal(s.result, undefined);
    assert.equal(triggerCalls, 0);
    assert.equal(runs, 0);
  });

  it("skipOnUpstreamSkip: false runs the task (a skip counts as success)", async () => {
    const t = task({ skipOnUpstreamSkip: false }, () => "ran");
    const s = await new TaskRunner(t).run({ upstreamStates: upstream(t, new Skipped()) });
    assert.ok(s instanceof Success && !(s instanceof Skipped));
    assert.equal(s.result, "ran");
  });

  it("a SKIP signal from run → Skipped whose result is the signal", async () => {
    const t = task(() => {
      throw new signals.SKIP("not today");
    });
    const s = await new TaskRunner(t).run();
    assert.ok(s instanceof Skipped);
    assert.equal(s.message, "not today");
    assert.ok(s.result instanceof SKIP);
  });

  it("a trigger returning false → TriggerFailed", async () => {
    let runs = 0;
    const t = task({ trigger: () => false }, () => ++runs);
    const s = await new TaskRunner(t).run({ upstreamStates: upstream(t, new Success()) });
    assert.ok(s instanceof TriggerFailed);
    assert.equal(s.message, "Trigger failed");
    assert.equal(runs, 0);
  });

  it("a trigger throwing an error → TriggerFailed naming it, with the error as result", async () => {
    const err = new Error("trigger broke");
    const t = task({ trigger: () => { throw err; } }, () => 1);
    const s = await new TaskRunner(t).run();
    assert.ok(s instanceof TriggerFailed);
    assert.equal(s.message, "Unexpected error while checking task trigger: Error: trigger broke");
    assert.equal(s.result, err);
  });

  it("a trigger throwing a signal → that signal's state", async () => {
    const t = task({ trigger: () => { throw new signals.SKIP("skip me"); } }, () => 1);
    const s = await new TaskRunner(t).run();
    assert.ok(s instanceof Skipped);
    assert.equal(s.message, "skip me");
  });

  it("a TriggerFailed task is never retried", async () => {
    const t = task({ maxRetries: 3 }, () => 1);
    const s = await new TaskRunner(t).run({ upstreamStates: upstream(t, new Failed()) });
    assert.ok(s instanceof TriggerFailed);
  });
});

describe("TaskRunner: state handlers", () => {
  it("task handlers run in order, then runner handlers, on every change", async () => {
    const calls: string[] = [];
    const rec = (name: string): StateHandler => (_t, old, next) => {
      calls.push(`${name}:${old.type}->${next.type}`);
    };
    const t = task({ stateHandlers: [rec("h1"), rec("h2")] }, () => 1);
    const s = await new TaskRunner(t, { stateHandlers: [rec("r1")] }).run();
    assert.ok(s.isSuccessful());
    assert.deepEqual(calls, [
      "h1:Pending->Running", "h2:Pending->Running", "r1:Pending->Running",
      "h1:Running->Success", "h2:Running->Success", "r1:Running->Success",
    ]);
  });

  it("a handler's returned state replaces the new state for the next handlers and the result", async () => {
    const seen: unknown[] = [];
    const replace: StateHandler = (_t, _old, next) => (next instanceof Success ? new Success({ result: 99, message: "replaced" }) : undefined);
    const look: StateHandler = (_t, _old, next) => {
      if (next.isFinished()) seen.push(next.result);
    };
    const t = task({ stateHandlers: [replace, look] }, () => 1);
    const s = await new TaskRunner(t, { stateHandlers: [look] }).run();
    assert.equal(s.result, 99);
    assert.equal(s.message, "replaced");
    assert.deepEqual(seen, [99, 99]);
  });

  it("a handler replacing Running stops the run", async () => {
    let runs = 0;
    const t = task({ stateHandlers: [(_t, _o, n) => (n instanceof Running ? new Skipped("not now") : undefined)] }, () => ++runs);
    const s = await new TaskRunner(t).run();
    assert.ok(s instanceof Skipped);
    assert.equal(runs, 0);
  });

  it("async handlers are awaited", async () => {
    const t = task({
      stateHandlers: [async (_t, _o, n) => {
        await sleep(2);
        return n instanceof Success ? new Success({ result: "async" }) : undefined;
      }],
    }, () => 1);
    assert.equal((await new TaskRunner(t).run()).result, "async");
  });

  it("a throwing handler → Failed naming the handler's error", async () => {
    let runs = 0;
    const err = new TypeError("handler broke");
    const t = task({ stateHandlers: [(_t, _o, n) => { if (n instanceof Running) throw err; }] }, () => ++runs);
    const s = await new TaskRunner(t).run();
    assert.ok(s instanceof Failed);
    assert.equal(s.message, "Unexpected error while calling state handlers: TypeError: handler broke");
    assert.equal(s.result, err);
    assert.equal(runs, 0);
  });

  it("a throwing runner handler fails the task too", async () => {
    const t = task(() => 1);
    const s = await new TaskRunner(t, { stateHandlers: [(_t, _o, n) => { if (n instanceof Success) throw new Error("late"); }] }).run();
    assert.ok(s instanceof Failed);
    assert.match(s.message!, /Error: late/);
  });

  it("a throwing handler ends the run Failed: no retry, the task is not run again", async () => {
    let runs = 0;
    const t = task({ maxRetries: 2, stateHandlers: [(_t, _o, n) => { if (n instanceof Success) throw new Error("notify failed"); }] }, () => ++runs);
    const s = await new TaskRunner(t).run();
    assert.ok(s instanceof Failed && !(s instanceof Retrying), String(s));
    assert.equal(s.message, "Unexpected error while calling state handlers: Error: notify failed");
    assert.equal(runs, 1);
  });

  it("a handler raising a signal gives that signal's state", async () => {
    const t = task({ stateHandlers: [(_t, _o, n) => { if (n instanceof Running) throw new signals.SKIP("handler says skip"); }] }, () => 1);
    const s = await new TaskRunner(t).run();
    assert.ok(s instanceof Skipped);
    assert.equal(s.message, "handler says skip");
  });

  it("onFailure is called once with the failed state, not on success", async () => {
    const calls: Array<[Task, State]> = [];
    const bad = task({ onFailure: (tk, st) => { calls.push([tk, st]); } }, () => {
      throw new Error("x");
    });
    const s = await new TaskRunner(bad).run();
    assert.equal(calls.length, 1);
    assert.equal(calls[0]![0], bad);
    assert.equal(calls[0]![1], s);
    const good = task({ onFailure: (tk, st) => { calls.push([tk, st]); } }, () => 1);
    await new TaskRunner(good).run();
    assert.equal(calls.length, 1);
  });

  it("handlers see the failure then the retry", async () => {
    const calls: string[] = [];
    const t = task({ maxRetries: 1, stateHandlers: [(_t, o, n) => { calls.push(`${o.type}->${n.type}`); }] }, () => {
      throw new Error("x");
    });
    await new TaskRunner(t).run();
    assert.deepEqual(calls, ["Pending->Running", "Running->Failed", "Failed->Retrying"]);
  });
});

describe("TaskRunner: retries", () => {
  it("maxRetries 2: Retrying(1) → Retrying(2) → Failed when driven by hand", async () => {
    const counts: number[] = [];
    const t = task({ maxRetries: 2 }, () => {
      counts.push(context.taskRunCount!);
      throw new Error("always");
    });
    const runner = new TaskRunner(t);
    const s1 = await runner.run();
    assert.ok(s1 instanceof Retrying);
    assert.equal(s1.runCount, 1);
    assert.equal(s1.message, "Retrying Task (after attempt 1 of 3)");
    const s2 = await runner.run({ state: s1 });
    assert.ok(s2 instanceof Retrying);
    assert.equal(s2.runCount, 2);
    const s3 = await runner.run({ state: s2 });
    assert.ok(s3 instanceof Failed && !(s3 instanceof Retrying));
    assert.equal(s3.message, "Error during execution of task: Error: always");
    assert.deepEqual(counts, [1, 2, 3]);
  });

  it("the retry start time is now + retryDelay (or a function of the attempt)", async () => {
    const t = task({ maxRetries: 2, retryDelay: 5000 }, () => {
      throw new Error("x");
    });
    const before = Date.now();
    const s = (await new TaskRunner(t).run()) as Retrying;
    assert.ok(s.startTime!.getTime() >= before + 5000 && s.startTime!.getTime() <= Date.now() + 5000);
    const backoff = task({ maxRetries: 3, retryDelay: (n: number) => n * 1000 }, () => {
      throw new Error("x");
    });
    const r = (await new TaskRunner(backoff).run({ state: new Retrying({ runCount: 1, startTime: new Date(0) }) })) as Retrying;
    assert.equal(r.runCount, 2);
    assert.ok(r.startTime!.getTime() >= Date.now() + 1900);
  });

  it("retryOn stops the retry of a non-matching error", async () => {
    class Transient extends Error {}
    const t = task({ maxRetries: 2, retryOn: [Transient] }, () => {
      throw new RangeError("permanent");
    });
    const s = await new TaskRunner(t).run();
    assert.ok(s instanceof Failed && !(s instanceof Retrying));
    const u = task({ maxRetries: 2, retryOn: [Transient] }, () => {
      throw new Transient("again");
    });
    assert.ok((await new TaskRunner(u).run()) instanceof Retrying);
  });

  it("a FAIL signal is retried like an error", async () => {
    const t = task({ maxRetries: 1 }, () => {
      throw new signals.FAIL("failed on purpose");
    });
    assert.ok((await new TaskRunner(t).run()) instanceof Retrying);
  });

  it("a RETRY signal retries even past maxRetries, honouring startTime", async () => {
    const t = task(() => {
      throw new RETRY("again");
    });
    const s = await new TaskRunner(t).run();
    assert.ok(s instanceof Retrying);
    assert.equal(s.message, "again");
    const when = new Date(Date.now() + 60_000);
    const u = task({ maxRetries: 1 }, () => {
      throw new RETRY("later", { startTime: when });
    });
    const r = await new TaskRunner(u).run({ state: new Retrying({ runCount: 5, startTime: new Date(0) }) });
    assert.ok(r instanceof Retrying);
    assert.equal(r.startTime, when);
  });

  it("the run count keeps growing across RETRY signals", async () => {
    const counts: number[] = [];
    const t = task(() => {
      counts.push(context.taskRunCount!);
      if (context.taskRunCount! < 3) throw new RETRY("again", { startTime: new Date(0) });
      return "done";
    });
    const runner = new TaskRunner(t);
    let s = await runner.run();
    s = await runner.run({ state: s });
    s = await runner.run({ state: s });
    assert.equal(s.result, "done");
    assert.deepEqual(counts, [1, 2, 3]);
  });
});

describe("TaskRunner: timeouts", () => {
  it("a task over its timeout → TimedOut quickly, without waiting for the task", async () => {
    const t = task({ timeout: 30 }, () => new Promise((resolve) => setTimeout(resolve, 3000).unref()));
    const start = Date.now();
    const s = await new TaskRunner(t).run();
    const elapsed = Date.now() - start;
    assert.ok(s instanceof TimedOut);
    assert.ok(s.isFailed());
    assert.match(s.message!, /timed out/);
    assert.ok(s.result instanceof Error);
    assert.ok(elapsed < 1000, `took ${elapsed} ms`);
  });

  it("context.signal is aborted on timeout", async () => {
    let signal: AbortSignal | undefined;
    let abortedAt = 0;
    const t = task({ timeout: 20 }, () => {
      signal = context.signal;
      return new Promise((resolve) => {
        const timer = setTimeout(resolve, 3000);
        context.signal!.addEventListener("abort", () => {
          abortedAt = Date.now();
          clearTimeout(timer);
        });
      });
    });
    const start = Date.now();
    const s = await new TaskRunner(t).run();
    assert.ok(s instanceof TimedOut);
    assert.ok(signal);
    assert.equal(signal.aborted, true);
    assert.ok(abortedAt > 0 && abortedAt - start < 1000);
  });

  it("a task within its timeout succeeds, its signal not aborted", async () => {
    let signal: AbortSignal | undefined;
    const t = task({ timeout: 1000 }, async () => {
      signal = context.signal;
      await sleep(2);
      return "ok";
    });
    const s = await new TaskRunner(t).run();
    assert.equal(s.result, "ok");
    assert.equal(signal!.aborted, false);
  });

  it("a TimedOut task is retried like a failure", async () => {
    const t = task({ timeout: 10, maxRetries: 1 }, () => new Promise((resolve) => setTimeout(resolve, 2000).unref()));
    const s = await new TaskRunner(t).run();
    assert.ok(s instanceof Retrying);
  });
});

describe("TaskRunner: LOOP", () => {
  const loopTen = () => {
    const n = context.get("taskLoopCount", 1) as number;
    const acc = ((context.taskLoopResult as number | undefined) ?? 0) + 10;
    if (n < 20) throw new LOOP({ result: acc });
    return acc;
  };

  it("accumulates 20 iterations to 200", async () => {
    const s = await new TaskRunner(task(loopTen)).run();
    assert.ok(s instanceof Success);
    assert.equal(s.result, 200);
  });

  it("loop counts go 1..20 and handlers see Looped states", async () => {
    const counts: number[] = [];
    let looped = 0;
    const t = task({ stateHandlers: [(_t, _o, n) => { if (n instanceof Looped) looped++; }] }, () => {
      counts.push(context.get("taskLoopCount", 1) as number);
      return loopTen();
    });
    await new TaskRunner(t).run();
    assert.deepEqual(counts, Array.from({ length: 20 }, (_, i) => i + 1));
    assert.equal(looped, 19);
  });

  it("starts at context.taskLoopCount when given", async () => {
    const s = await new TaskRunner(task(loopTen)).run({ context: { taskLoopCount: 20 } });
    assert.equal(s.result, 10);
  });

  it("a failure at loop 2 with retries resumes the loop where it was", async () => {
    const t = task({ maxRetries: 1 }, () => {
      if (context.get("taskLoopCount", 1) === 2 && context.taskRunCount === 1) throw new Error("flaky at loop 2");
      return loopTen();
    });
    const runner = new TaskRunner(t);
    const s1 = await runner.run();
    assert.ok(s1 instanceof Retrying);
    const s2 = await runner.run({ state: s1 });
    assert.ok(s2 instanceof Success);
    assert.equal(s2.result, 200);
  });

  it("a failure at loop 2 with retries, inside a flow run", async () => {
    const t = task({ maxRetries: 1 }, () => {
      if (context.get("taskLoopCount", 1) === 2 && context.taskRunCount === 1) throw new Error("flaky at loop 2");
      return loopTen();
    });
    const s = await runInFlow(t);
    assert.ok(s instanceof Success);
    assert.equal(s.result, 200);
  });
});

describe("TaskRunner: run names, inputs and resources", () => {
  it("taskRunName is formatted from inputs, context and parameters", async () => {
    let name: unknown;
    let fnName: unknown;
    const t = task({ taskRunName: "{taskName}-{x}-{p}" }, (_: { x: number }) => {
      name = context.taskRunName;
      return 1;
    });
    const u = task({ taskRunName: (ctx) => `fn-${ctx.taskName}-${(ctx as Record<string, unknown>).x}` }, (_: { x: number }) => {
      fnName = context.taskRunName;
      return 1;
    });
    const p = new Parameter("p", { default: "P" });
    let a!: Task<any, any>;
    const flow = Flow.build("names", () => {
      p.call();
      a = t.call({ x: 7 }, { taskArgs: { name: "named" } });
      u.call({ x: 8 }, { taskArgs: { name: "fnNamed" } });
    });
    const st = await flow.run();
    assert.ok(st.isSuccessful(), String(st));
    assert.ok(a);
    assert.equal(name, "named-7-P");
    assert.equal(fnName, "fn-fnNamed-8");
  });

  it("@Inputs: invalid input values → ValidationFailed (run is not called)", async () => {
    class AddInputs {
      @IsNumber() x!: number;
      @IsNumber() @Min(0) y!: number;
    }
    let runs = 0;
    @Inputs(AddInputs)
    class Add extends Task<{ x: number; y: number }, number> {
      run({ x, y }: { x: number; y: number }) {
        runs++;
        return x + y;
      }
    }
    const ok = await runInFlow(new Add(), { x: 1, y: 2 });
    assert.equal(ok.result, 3);
    const bad = await runInFlow(new Add(), { x: "one", y: -1 });
    assert.ok(bad instanceof ValidationFailed);
    assert.ok(bad.isFailed());
    assert.ok(bad.result instanceof InputValidationError);
    assert.match(bad.message!, /"x"/);
    assert.match(bad.message!, /"y"/);
    assert.equal(runs, 1);
  });

  it("a VALIDATIONFAIL signal → ValidationFailed", async () => {
    const s = await new TaskRunner(task(() => { throw new signals.VALIDATIONFAIL("bad input"); })).run();
    assert.ok(s instanceof ValidationFailed);
  });

  it("@Resource is resolved from the run's container (a child of the one given to flow.run)", async () => {
    class Client {
      constructor(readonly id: string) {}
    }
    class UsesClient extends Task<{}, string> {
      @Resource("client") client!: Client;
      run() {
        return this.client.id;
      }
    }
    const child = container.createChildContainer();
    child.register("client", { useValue: new Client("abc") });
    const s = await runInFlow(new UsesClient(), {}, { container: child });
    assert.ok(s instanceof Success, String(s));
    assert.equal(s.result, "abc");
  });

  it("@Resource that is not registered → Failed with a ResourceError naming it", async () => {
    class UsesMissing extends Task<{}, unknown> {
      @Resource("nowhere-registered") thing!: unknown;
      run() {
        return this.thing;
      }
    }
    const s = await runInFlow(new UsesMissing(), {}, { container: container.createChildContainer() });
    assert.ok(s instanceof Failed);
    assert.ok(s.result instanceof ResourceError);
    assert.match((s.result as Error).message, /cannot resolve @Resource property "thing" \(token nowhere-registered\)/);
  });

  it("@Resource cannot be read outside a run", () => {
    class UsesClient extends Task<{}, unknown> {
      @Resource("client") client!: unknown;
      run() {
        return this.client;
      }
    }
    assert.throws(() => new UsesClient().client, ResourceError);
  });

  it("@DefaultsFromAttrs fills missing inputs from attributes at run time; explicit inputs win", async () => {
    class AddY extends Task<{ x: number; y?: number }, number> {
      y: number;
      constructor(y: number) {
        super();
        this.y = y;
      }
      @DefaultsFromAttrs("y")
      run({ x, y }: { x: number; y?: number }) {
        return x + y!;
      }
    }
    assert.equal((await runInFlow(new AddY(10), { x: 1 })).result, 11);
    assert.equal((await runInFlow(new AddY(10), { x: 1, y: 2 })).result, 3);
  });
});

describe("TaskRunner: context", () => {
  it("inside a flow run, the context has the run's and the task's keys", async () => {
    let seen: Record<string, unknown> = {};
    const t = task({ tags: ["t1"] }, (_: { x: number }) => {
      seen = {
        taskName: context.taskName, taskFullName: context.taskFullName, mapIndex: context.mapIndex,
        taskRunCount: context.taskRunCount, parameters: context.parameters, today: context.today,
        flowName: context.flowName, flowRunId: context.flowRunId, taskRunId: context.taskRunId, taskSlug: context.taskSlug,
        taskTags: context.taskTags, hasLogger: typeof context.logger?.info === "function", signal: context.signal instanceof AbortSignal,
        container: typeof context.container?.resolve === "function", date: context.date instanceof Date, custom: context.get("custom"),
        yesterday: context.yesterday, tomorrow: context.tomorrow, todayNodash: context.todayNodash,
      };
      return 1;
    });
    const p = new Parameter("p", { default: 1 });
    const flow = Flow.build("ctx-flow", () => {
      p.call();
      t.call({ x: 1 }, { taskArgs: { name: "ctxTask" } });
    });
    await flow.run({ parameters: { p: 5 }, context: { custom: "yes", date: new Date("2024-03-01T12:00:00Z") } });
    assert.equal(seen.taskName, "ctxTask");
    assert.equal(seen.taskFullName, "ctxTask");
    assert.equal(seen.mapIndex, undefined);
    assert.equal(seen.taskRunCount, 1);
    assert.deepEqual(seen.parameters, { p: 5 });
    assert.equal(seen.today, "2024-03-01");
    assert.equal(seen.yesterday, "2024-02-29");
    assert.equal(seen.tomorrow, "2024-03-02");
    assert.equal(seen.todayNodash, "20240301");
    assert.equal(seen.flowName, "ctx-flow");
    assert.equal(typeof seen.flowRunId, "string");
    assert.equal(typeof seen.taskRunId, "string");
    assert.match(String(seen.taskSlug), /^ctxTask/);
    assert.deepEqual([...(seen.taskTags as Set<string>)], ["t1"]);
    assert.equal(seen.hasLogger, true);
    assert.equal(seen.signal, true);
    assert.equal(seen.container, true);
    assert.equal(seen.date, true);
    assert.equal(seen.custom, "yes");
  });

  it("a lone TaskRunner run has a context too (dates, parameters, task keys)", async () => {
    let seen: Record<string, unknown> = {};
    const t = task(() => {
      seen = context.toObject();
      return 1;
    });
    await new TaskRunner(t).run({ context: { parameters: { a: 1 } } });
    assert.equal(seen.taskName, t.name);
    assert.deepEqual(seen.parameters, { a: 1 });
    assert.match(String(seen.today), /^\d{4}-\d{2}-\d{2}$/);
    assert.equal(seen.taskRunCount, 1);
  });

  it("the context is empty outside a run, and read-only", () => {
    assert.equal(context.taskName, undefined);
    assert.equal(context.flowName, undefined);
    assert.deepEqual(context.toObject(), {});
    assert.equal(context.get("taskName", "fallback"), "fallback");
    assert.equal(context.has("taskName"), false);
    assert.throws(() => {
      (context as unknown as Record<string, unknown>).taskName = "x";
    }, TypeError);
  });

  it("the context after a run is empty again", async () => {
    await new TaskRunner(task(() => 1)).run();
    assert.equal(context.taskName, undefined);
  });

  it("concurrent task runs each see their own context", async () => {
    const seen: Record<string, unknown[]> = {};
    const mk = (name: string, delay: number) =>
      task({ name }, async () => {
        const before = context.taskName;
        await sleep(delay);
        const after = context.taskName;
        await sleep(1);
        seen[name] = [before, after, context.taskFullName];
        return name;
      });
    const flow = Flow.build("iso", () => {
      mk("a", 20).call();
      mk("b", 5).call();
      mk("c", 10).call();
    });
    const s = await flow.run({ executor: new ConcurrentExecutor() });
    assert.ok(s.isSuccessful());
    assert.deepEqual(seen, { a: ["a", "a", "a"], b: ["b", "b", "b"], c: ["c", "c", "c"] });
    // Two lone runners at once too.
    const out = await Promise.all([
      new TaskRunner(mk("x", 10)).run(),
      new TaskRunner(mk("y", 1)).run(),
    ]);
    assert.deepEqual(out.map((o) => o.result), ["x", "y"]);
    const all: Record<string, unknown[]> = seen;
    assert.deepEqual(all.x, ["x", "x", "x"]);
    assert.deepEqual(all.y, ["y", "y", "y"]);
  });
});
