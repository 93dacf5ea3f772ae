import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  signals, SUCCESS, FAIL, TRIGGERFAIL, VALIDATIONFAIL, RETRY, SKIP, PAUSE, LOOP, ENDRUN, StateSignal, FlowsmithSignal,
  FlowsmithError, Failed, Looped, Paused, Retrying, Skipped, Success, TriggerFailed, ValidationFailed, State,
} from "../../lib/index";
import { configureLogging } from "../../lib/engine/logging";

configureLogging({ level: "warn" });

const CASES: Array<[new (message?: string) => StateSignal, new () => State]> = [
  [SUCCESS, Success],
  [FAIL, Failed],
  [TRIGGERFAIL, TriggerFailed],
  [VALIDATIONFAIL, ValidationFailed],
  [RETRY, Retrying],
  [SKIP, Skipped],
  [PAUSE, Paused],
  [LOOP, Looped],
];

describe("signals", () => {
  for (const [Sig, StateCls] of CASES) {
    it(`${Sig.name} → ${StateCls.name}, message kept, result is the signal itself`, () => {
      const s = new Sig("why");
      assert.ok(s instanceof Error);
      assert.ok(s instanceof FlowsmithSignal);
      assert.ok(s instanceof StateSignal);
      assert.equal(s.message, "why");
      assert.equal(s.state.constructor, StateCls);
      assert.equal(s.state.message, "why");
      assert.equal(s.state.result, s);
    });
  }

  it("signals exports every signal", () => {
    assert.deepEqual(Object.keys(signals).sort(), ["ENDRUN", "FAIL", "LOOP", "PAUSE", "RETRY", "SKIP", "SUCCESS", "TRIGGERFAIL", "VALIDATIONFAIL"]);
    assert.equal(signals.SKIP, SKIP);
  });

  it("a given result replaces the signal as the state's result (even undefined)", () => {
    assert.equal(new SUCCESS("ok", { result: 5 }).state.result, 5);
    assert.equal(new SKIP("s", { result: undefined }).state.result, undefined);
    assert.equal(new FAIL("f", { result: null }).state.result, null);
  });

  it("TRIGGERFAIL and VALIDATIONFAIL are FAILs", () => {
    assert.ok(new TRIGGERFAIL() instanceof FAIL);
    assert.ok(new VALIDATIONFAIL() instanceof FAIL);
    assert.ok(!(new FAIL() instanceof TRIGGERFAIL));
    assert.ok(!(new SKIP() instanceof FAIL));
  });

  it("LOOP({ result }) carries the result; LOOP(message, { result }) too", () => {
    const a = new LOOP({ result: 10 });
    assert.ok(a.state instanceof Looped);
    assert.equal(a.state.result, 10);
    assert.equal(a.state.message, undefined);
    const b = new LOOP("again", { result: 11 });
    assert.equal(b.state.result, 11);
    assert.equal(b.state.message, "again");
    assert.equal(new LOOP().state.result instanceof LOOP, true);
  });

  it("RETRY honours startTime; the default start is now", () => {
    const when = new Date(Date.now() + 5000);
    const r = new RETRY("later", { startTime: when });
    assert.ok(r.state instanceof Retrying);
    assert.equal((r.state as Retrying).startTime, when);
    const before = Date.now();
    const now = (new RETRY().state as Retrying).startTime!.getTime();
    assert.ok(now >= before - 1 && now <= Date.now() + 1);
  });

  it("PAUSE has no start time unless given", () => {
    assert.equal((new PAUSE().state as Paused).startTime, null);
    const when = new Date(Date.now() + 1000);
    assert.equal((new PAUSE("p", { startTime: when }).state as Paused).startTime, when);
  });

  it("ENDRUN carries any state and is not a state signal", () => {
    const state = new Success({ result: 1, message: "done" });
    const e = new ENDRUN(state);
    assert.equal(e.state, state);
    assert.ok(e instanceof FlowsmithSignal);
    assert.ok(!(e instanceof StateSignal));
    assert.equal(e.message, "done");
  });

  it("signals have their class name as error name", () => {
    assert.equal(new SKIP("x").name, "SKIP");
    assert.equal(new TRIGGERFAIL("x").name, "TRIGGERFAIL");
  });

  it("instanceof works through the Symbol.for brand (an object from another realm)", () => {
    const brand = Symbol.for("flowsmith.error");
    const foreignSkip = { message: "x", [brand]: ["SKIP", "StateSignal", "FlowsmithSignal", "FlowsmithError"] };
    assert.ok(foreignSkip instanceof SKIP);
    assert.ok(foreignSkip instanceof StateSignal);
    assert.ok(foreignSkip instanceof FlowsmithSignal);
    assert.ok(foreignSkip instanceof FlowsmithError);
    assert.ok(!(foreignSkip instanceof FAIL));
    assert.ok(!(foreignSkip instanceof ENDRUN));

    const foreignTriggerFail = { [brand]: ["TRIGGERFAIL", "FAIL", "StateSignal", "FlowsmithSignal", "FlowsmithError"] };
    assert.ok(foreignTriggerFail instanceof FAIL);
    assert.ok(foreignTriggerFail instanceof TRIGGERFAIL);
    assert.ok(!(foreignTriggerFail instanceof SKIP));

    // Without the brand (or with a non-array brand) nothing matches.
    assert.ok(!({ message: "x" } instanceof SKIP));
    assert.ok(!({ [brand]: "SKIP" } instanceof SKIP));
    assert.ok(!(new Error("plain") instanceof FlowsmithSignal));
  });

  it("the brand of a real signal lists its class chain", () => {
    const brand = Symbol.for("flowsmith.error");
    const chain = (new TRIGGERFAIL("x") as unknown as Record<symbol, string[]>)[brand];
    assert.deepEqual(chain, ["TRIGGERFAIL", "FAIL", "StateSignal", "FlowsmithSignal", "FlowsmithError"]);
  });
});
