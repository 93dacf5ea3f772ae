import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  Cached, Cancelled, Failed, Finished, Looped, Mapped, Paused, Pending, Queued, Resume, Retrying, Running, Scheduled,
  Skipped, State, Submitted, Success, TimedOut, TriggerFailed, ValidationFailed, FlowsmithError,
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
