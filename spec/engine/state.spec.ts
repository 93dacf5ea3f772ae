import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  Cached, Cancelled, Failed, Finished, Looped, Mapped, Paused, Pending, Queued, Resume, Retrying, Running, Scheduled,
  Skipped, State, Submitted, Success, TimedOut, TriggerFailed, ValidationFailed, FlowsmithError,
  Flow, Parameter, ResultError, TaskNotFoundError, TaskResultError, signals, task,
} from "../../lib/index";
import { configureLogging } from "../../lib/engine/logging";

configureLogging({ level: "warn" });

type Pred = "isPending" | "isScheduled" | "isRetrying" | "isRunning" | "isFinished" | "isSuccessful" | "isFailed" | "isSkipped" | "isMapped" | "isCached" | "isLooped" | "isPaused";
const PREDICATES: Pred[] = ["isPending", "isScheduled", "isRetrying", "isRunning", "isFinished", "isSuccessful", "isFailed", "isSkipped", "isMapped", "isCached", "isLooped", "isPaused"];

/** The predicates that are true for each state class; every other one is false. */
const EXPECTED: Array<[new (m?: string) => State, Pred[]]> = [
  [State, []],
  [Pending, ["isPending"]],
  [Scheduled, ["isPending", "isScheduled"]],
  [Paused, ["isPending", "isScheduled", "isPaused"]],
  [Resume, ["isPending", "isScheduled"]],
  [Retrying, ["isPending", "isScheduled", "isRetrying"]],
  [Submitted, []],
  [Queued, ["isScheduled"]],
  [Running, ["isRunning"]],
  [Finished, ["isFinished"]],
  [Looped, ["isFinished", "isLooped"]],
  [Success, ["isFinished", "isSuccessful"]],
  [Cached, ["isFinished", "isSuccessful", "isCached"]],
  [Mapped, ["isFinished", "isSuccessful", "isMapped"]],
  [Skipped, ["isFinished", "isSuccessful", "isSkipped"]],
  [Cancelled, ["isFinished"]],
  [Failed, ["isFinished", "isFailed"]],
  [TimedOut, ["isFinished", "isFailed"]],
  [TriggerFailed, ["isFinished", "isFailed"]],
  [ValidationFailed, ["isFinished", "isFailed"]],
];

describe("state hierarchy", () => {
  for (const [Cls, truthy] of EXPECTED) {
    it(`${Cls.name}: ${truthy.join(", ") || "no predicate"} true, the others false`, () => {
      const s = new Cls();
      for (const p of PREDICATES) assert.equal(s[p](), truthy.includes(p), `${Cls.name}.${p}()`);
    });
  }

  it("Retrying is Pending and Scheduled; Paused is Scheduled", () => {
    assert.ok(new Retrying() instanceof Pending);
    assert.ok(new Retrying() instanceof Scheduled);
    assert.ok(new Paused() instanceof Scheduled);
  });

  it("Skipped, Cached and Mapped are successful; TimedOut, TriggerFailed, ValidationFailed failed; Cancelled is not failed", () => {
    for (const s of [new Skipped(), new Cached(), new Mapped()]) assert.equal(s.isSuccessful(), true);
    for (const s of [new TimedOut(), new TriggerFailed(), new ValidationFailed()]) assert.equal(s.isFailed(), true);
    assert.equal(new Cancelled().isFailed(), false);
    assert.equal(new Cancelled().isFinished(), true);
    assert.equal(new Cancelled().isCancelled(), true);
  });

  it("every state has a type name and a colour", () => {
    for (const [Cls] of EXPECTED) {
      assert.equal(new Cls().type, Cls.name);
      assert.match((Cls as unknown as typeof State).color, /^#[0-9a-fA-F]{6}$/);
    }
  });
});

describe("state constructors", () => {
  it("take a message string", () => {
    const s = new Failed("boom");
    assert.equal(s.message, "boom");
    assert.equal(s.result, undefined);
    assert.equal(typeof s.timestamp, "number");
  });

  it("take an options object", () => {
    const err = new Error("x");
    const s = new Failed({ message: "boom", result: err });
    assert.equal(s.message, "boom");
    assert.equal(s.result, err);
    const ok = new Success({ result: 42 });
    assert.equal(ok.message, undefined);
    assert.equal(ok.result, 42);
  });

  it("no argument gives an empty state", () => {
    const s = new Pending();
    assert.equal(s.message, undefined);
    assert.equal(s.result, undefined);
  });

  it("Scheduled defaults its start time to now; Paused to null (manual resume)", () => {
    const before = Date.now();
    const s = new Scheduled();
    assert.ok(s.startTime instanceof Date);
    assert.ok(s.startTime!.getTime() >= before && s.startTime!.getTime() <= Date.now());
    assert.equal(new Paused().startTime, null);
    const when = new Date(Date.now() + 60_000);
    assert.equal(new Paused({ startTime: when }).startTime, when);
    assert.equal(new Scheduled({ startTime: null }).startTime, null);
  });

  it("Retrying carries runCount (default 1) and startTime", () => {
    assert.equal(new Retrying().runCount, 1);
    const when = new Date(Date.now() + 1000);
    const r = new Retrying({ runCount: 3, startTime: when, message: "again" });
    assert.equal(r.runCount, 3);
    assert.equal(r.startTime, when);
    assert.equal(r.message, "again");
    assert.equal(new Retrying("msg").runCount, 1);
  });

  it("Looped carries loopCount (default 1)", () => {
    assert.equal(new Looped().loopCount, 1);
    assert.equal(new Looped({ loopCount: 5, result: 10 }).loopCount, 5);
  });

  it("Mapped carries mapStates and nMapStates (default: their count)", () => {
    const children = [new Success({ result: 1 }), new Failed("x")];
    const m = new Mapped({ mapStates: children });
    assert.equal(m.mapStates, children);
    assert.equal(m.nMapStates, 2);
    assert.deepEqual(new Mapped().mapStates, []);
    assert.equal(new Mapped().nMapStates, 0);
    assert.equal(new Mapped({ nMapStates: 4 }).nMapStates, 4);
  });

  it("Cached carries cachedInputs and cachedResultExpiration (default null)", () => {
    const exp = new Date(Date.now() + 1000);
    const c = new Cached({ result: 1, cachedInputs: { x: 1 }, cachedResultExpiration: exp });
    assert.deepEqual(c.cachedInputs, { x: 1 });
    assert.equal(c.cachedResultExpiration, exp);
    assert.equal(new Cached().cachedResultExpiration, null);
  });
});

describe("getResult", () => {
  it("returns the value of a successful state", () => {
    assert.equal(new Success({ result: 42 }).getResult(), 42);
    assert.equal(new Pending({ result: "p" }).getResult(), "p");
  });

  it("throws the stored error of a failed state", () => {
    const err = new RangeError("bad");
    assert.throws(() => new Failed({ result: err }).getResult(), (e) => e === err);
    assert.throws(() => new TriggerFailed({ result: err }).getResult(), (e) => e === err);
  });

  it("throws a FlowsmithError naming the message when the failed state has no Error", () => {
    assert.throws(() => new Failed("it broke").getResult(), (e: unknown) => e instanceof FlowsmithError && (e as Error).message === "it broke");
  });

  it("returns the error with raiseOnFailure: false", () => {
    const err = new Error("bad");
    assert.equal(new Failed({ result: err }).getResult({ raiseOnFailure: false }), err);
    assert.equal(new Failed("x").getResult({ raiseOnFailure: false }), undefined);
  });

  it("does not raise for Cancelled (not failed)", () => {
    assert.equal(new Cancelled({ result: 1 }).getResult(), 1);
  });

  it("fetchResult resolves to the same value when it is in memory", async () => {
    assert.equal(await new Success({ result: 7 }).fetchResult(), 7);
    await assert.rejects(new Failed({ result: new Error("e") }).fetchResult(), /e/);
  });
});

describe("toString, equals, with", () => {
  it('prints <Success: "message">, and <Type> without a message', () => {
    assert.equal(new Success("message").toString(), '<Success: "message">');
    assert.equal(String(new Failed({ message: "it broke" })), '<Failed: "it broke">');
    assert.equal(new Pending().toString(), "<Pending>");
    assert.equal(new TriggerFailed("a \"quoted\" one").toString(), '<TriggerFailed: "a \\"quoted\\" one">');
  });

  it("equals ignores the message and timestamp, but not the class or result", () => {
    assert.ok(new Success({ message: "a", result: 1 }).equals(new Success({ message: "b", result: 1 })));
    assert.ok(!new Success({ result: 1 }).equals(new Success({ result: 2 })));
    assert.ok(!new Success({ result: 1 }).equals(new Cached({ result: 1 })));
    assert.ok(!new Failed().equals(new TriggerFailed()));
    assert.ok(new Pending("x").equals(new Pending("y")));
    assert.ok(!new Pending().equals({ result: undefined }));
  });

  it("with() copies the state, same class, replacing some fields", () => {
    const r = new Retrying({ message: "m", runCount: 2, result: "x" });
    const r2 = r.with({ message: "n" });
    assert.ok(r2 instanceof Retrying);
    assert.notEqual(r2, r);
    assert.equal(r2.message, "n");
    assert.equal(r2.runCount, 2);
    assert.equal(r2.result, "x");
    assert.equal(r2.startTime!.getTime(), r.startTime!.getTime());
    assert.equal(r.message, "m");

    const m = new Mapped({ mapStates: [new Success({ result: 1 })], message: "mm" });
    const m2 = m.with({ result: [1] });
    assert.ok(m2 instanceof Mapped);
    assert.equal(m2.mapStates.length, 1);
    assert.equal(m2.message, "mm");
    assert.deepEqual(m2.result, [1]);

    const s = new Success({ result: 1 }).with({ result: 2 });
    assert.ok(s instanceof Success);
    assert.equal(s.result, 2);
  });
});

/** `true` when A and B are the same type. */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<_T extends true>(): void {}

describe("taskState / resultOf: typed results of a flow run", () => {
  const numbers = task(function numbers({ n }: { n: number }) {
    return Array.from({ length: n }, (_, i) => i + 1);
  });
  const square = task(function square({ x }: { x: number }) {
    if (x === 5) throw new Error("unlucky 5");
    if (x === 7) throw new signals.SKIP("seven is skipped");
    return x * x;
  });
  const total = task(function total({ xs }: { xs: number[] }) {
    return { sum: xs.reduce((a, b) => a + b, 0), count: xs.length };
  });
  const untyped = task(function untyped(): unknown {
    return "anything";
  });

  /** numbers(n) -> square.map -> total, with n from a Parameter. */
  function squares() {
    let n!: Parameter<number>, list!: typeof numbers, mapped!: ReturnType<typeof square.map>, sum!: typeof total, loose!: typeof untyped;
    const flow = Flow.build("squares", () => {
      n = new Parameter<number>("n", { default: 3 });
      list = numbers.call({ n });
      mapped = square.map({ x: list });
      sum = total.call({ xs: mapped });
      loose = untyped.call();
    });
    return { flow, n, list, mapped, sum, loose };
  }

  it("gives each task's value with its type: no cast, mapped tasks as their children's list", async () => {
    const { flow, n, list, mapped, sum, loose } = squares();
    const state = await flow.run({ parameters: { n: 4 } });
    const nValue = state.resultOf(n);
    const listValue = state.resultOf(list);
    const squares_ = state.resultOf(mapped);
    const totals = state.resultOf(sum);
    const anything = state.resultOf(loose);
    assertType<Equals<typeof nValue, number>>();
    assertType<Equals<typeof listValue, number[]>>();
    assertType<Equals<typeof squares_, number[]>>();
    assertType<Equals<typeof totals, { sum: number; count: number }>>();
    assertType<Equals<typeof anything, unknown>>();
    // @ts-expect-error the value is typed: a number[] is not a string
    const notText: string = state.resultOf(mapped);
    assert.equal(nValue, 4);
    assert.deepEqual(listValue, [1, 2, 3, 4]);
    assert.deepEqual(squares_, [1, 4, 9, 16]);
    assert.deepEqual(notText, [1, 4, 9, 16]);
    assert.deepEqual(totals, { sum: 30, count: 4 });
    assert.equal(anything, "anything");
  });

  it("gives each task's state, typed by its output", async () => {
    const { flow, mapped, sum } = squares();
    const state = await flow.run();
    const sumState = state.taskState(sum);
    assertType<Equals<typeof sumState, State<{ sum: number; count: number }>>>();
    assert.ok(sumState instanceof Success);
    assert.deepEqual(sumState.result, { sum: 14, count: 3 });
    const mappedState = state.taskState(mapped);
    assertType<Equals<typeof mappedState.result, number[]>>();
    assert.ok(mappedState instanceof Mapped);
    assert.deepEqual(mappedState.mapStates.map((c) => c.type), ["Success", "Success", "Success"]);
  });

  it("throws a TaskResultError naming the task when it failed, with the error as cause", async () => {
    const { flow, mapped, sum } = squares();
    const state = await flow.run({ parameters: { n: 6 } }); // square[4] fails
    assert.ok(state.isFailed());
    assert.throws(
      () => state.resultOf(sum),
      (err: unknown) => {
        assert.ok(err instanceof TaskResultError && err instanceof FlowsmithError);
        assert.equal(err.message, 'Task <Task: total> has no result: it ended <TriggerFailed: "Trigger was \\"allSuccessful\\" but some of the upstream tasks failed.">');
        assert.equal(err.state, state.taskState(sum));
        return true;
      },
    );
    // a mapped task: the first child without a value is named, its error is the cause
    assert.throws(
      () => state.resultOf(mapped),
      (err: unknown) => {
        assert.ok(err instanceof TaskResultError);
        assert.equal(
          err.message,
          'Task <Task: square> has no result: its child square[4] ended <Failed: "Error during execution of task: Error: unlucky 5"> (read flowState.taskState(task).mapStates for every child\'s state)',
        );
        assert.equal(err.state, (state.taskState(mapped) as Mapped).mapStates[4]);
        assert.equal((err.cause as Error).message, "unlucky 5");
        return true;
      },
    );
    // a skipped child: the reduce is skipped too (Prefect's skip propagation), and both say so
    const skipped = await flow.run({ parameters: { n: 8 } });
    assert.throws(() => skipped.resultOf(mapped), { message: /^Task <Task: square> has no result: its child square\[4\] ended <Failed: / });
    assert.throws(() => skipped.resultOf(sum), { name: "TaskResultError", message: /^Task <Task: total> has no result: it ended <Skipped: "Upstream task was skipped; / });
  });

  it("throws for a failed task with its error as cause, and for a skipped task", async () => {
    const boom = task(function boom(): number {
      throw new RangeError("out of range");
    });
    const skipper = task(function skipper(): string {
      throw new signals.SKIP("nothing to do");
    });
    let b!: typeof boom, k!: typeof skipper;
    const flow = Flow.build("fails", () => {
      b = boom.call();
      k = skipper.call();
    });
    const state = await flow.run();
    assert.throws(
      () => state.resultOf(b),
      (err: unknown) => {
        assert.ok(err instanceof TaskResultError);
        assert.equal(err.message, 'Task <Task: boom> has no result: it ended <Failed: "Error during execution of task: RangeError: out of range">');
        assert.ok(err.cause instanceof RangeError);
        assert.equal((err.cause as Error).message, "out of range");
        return true;
      },
    );
    assert.throws(() => state.resultOf(k), {
      name: "TaskResultError",
      message: 'Task <Task: skipper> has no result: it ended <Skipped: "nothing to do">',
    });
    // the state itself is still there to inspect
    assert.equal(state.taskState(b).type, "Failed");
  });

  it("throws a TaskNotFoundError for a task the run did not have (the template, not the copy call() returned)", async () => {
    const { flow } = squares();
    const state = await flow.run();
    assert.throws(() => state.resultOf(total), (err: unknown) => {
      assert.ok(err instanceof TaskNotFoundError);
      assert.equal(
        (err as Error).message,
        'Task <Task: total> has no state in the flow run\'s final state <Success: "All reference tasks succeeded.">: it is not a task of that flow (call() and map() return copies: pass the task they returned), or the run\'s returnTasks left it out',
      );
      return true;
    });
  });

  it("throws a ResultError on a state that is not a flow run's final state", () => {
    assert.throws(() => new Success({ result: 3 }).resultOf(total), {
      name: "ResultError",
      message: "<Success> holds no task states: taskState() and resultOf() read the final state of a flow run (what flow.run() returns)",
    });
    assert.throws(() => new Failed("boom").taskState(total), (err: unknown) => err instanceof ResultError);
  });
});
