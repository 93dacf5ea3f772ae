import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  triggers, allSuccessful, allFailed, allFinished, alwaysRun, anySuccessful, anyFailed, someSuccessful, someFailed,
  notAllSkipped, manualOnly, Edge, NoOpTask, State, Success, Failed, Skipped, TriggerFailed, Pending, Running, Mapped,
  Cached, Retrying, TRIGGERFAIL, SKIP, PAUSE, Trigger, TaskRunner,
} from "../../lib/index";
import { configureLogging } from "../../lib/engine/logging";

configureLogging({ level: "warn" });

const down = new NoOpTask({ name: "down" });
/** An upstream map: one edge per state. */
function ups(...states: State[]): Map<Edge, State> {
  return new Map(states.map((s, i) => [new Edge(new NoOpTask({ name: `up${i}` }), down), s] as const));
}

/** What a trigger does: true, or the signal class it throws. */
function outcome(trigger: Trigger, up: Map<Edge, State>): "pass" | "TRIGGERFAIL" | "SKIP" | "PAUSE" | string {
  try {
    return trigger(up) ? "pass" : "false";
  } catch (err) {
    if (err instanceof TRIGGERFAIL) return "TRIGGERFAIL";
    if (err instanceof SKIP) return "SKIP";
    if (err instanceof PAUSE) return "PAUSE";
    throw err;
  }
}

const ok = () => new Success({ result: 1 });
const bad = () => new Failed("x");
const skip = () => new Skipped();

describe("triggers with no upstream states", () => {
  for (const [name, t] of [
    ["allSuccessful", allSuccessful], ["allFailed", allFailed], ["allFinished", allFinished], ["alwaysRun", alwaysRun],
    ["anySuccessful", anySuccessful], ["anyFailed", anyFailed], ["someSuccessful", someSuccessful({ atLeast: 3 })],
    ["someFailed", someFailed({ atLeast: 2, atMost: 5 })],
  ] as const) {
    it(`${name} passes`, () => assert.equal(outcome(t, new Map()), "pass"));
  }
  it("notAllSkipped SKIPs (all of an empty set are skipped)", () => assert.equal(outcome(notAllSkipped, new Map()), "SKIP"));
  it("manualOnly PAUSEs outside a resume", () => assert.equal(outcome(manualOnly, new Map()), "PAUSE"));
});

describe("triggers", () => {
  it("the triggers object exports them all, alwaysRun is allFinished", () => {
    assert.equal(triggers.alwaysRun, triggers.allFinished);
    assert.deepEqual(Object.keys(triggers).sort(), [
      "allFailed", "allFinished", "allSuccessful", "alwaysRun", "anyFailed", "anySuccessful", "manualOnly", "notAllSkipped", "someFailed", "someSuccessful",
    ]);
  });

  it("allSuccessful: every upstream successful (Skipped, Cached and Mapped count)", () => {
    assert.equal(outcome(allSuccessful, ups(ok(), skip(), new Cached({ result: 1 }), new Mapped())), "pass");
    assert.equal(outcome(allSuccessful, ups(ok(), bad())), "TRIGGERFAIL");
    assert.equal(outcome(allSuccessful, ups(ok(), new TriggerFailed())), "TRIGGERFAIL");
  });

  it("allFailed: every upstream failed (TriggerFailed counts)", () => {
    assert.equal(outcome(allFailed, ups(bad(), new TriggerFailed())), "pass");
    assert.equal(outcome(allFailed, ups(bad(), ok())), "TRIGGERFAIL");
    assert.equal(outcome(allFailed, ups(skip())), "TRIGGERFAIL");
  });

  it("allFinished / alwaysRun: every upstream finished", () => {
    assert.equal(outcome(allFinished, ups(ok(), bad(), skip())), "pass");
    assert.equal(outcome(alwaysRun, ups(ok(), bad())), "pass");
    assert.equal(outcome(allFinished, ups(ok(), new Pending())), "TRIGGERFAIL");
    assert.equal(outcome(allFinished, ups(new Running())), "TRIGGERFAIL");
  });

  it("anySuccessful: at least one successful", () => {
    assert.equal(outcome(anySuccessful, ups(bad(), ok())), "pass");
    assert.equal(outcome(anySuccessful, ups(bad(), skip())), "pass");
    assert.equal(outcome(anySuccessful, ups(bad(), bad())), "TRIGGERFAIL");
  });

  it("anyFailed: at least one failed", () => {
    assert.equal(outcome(anyFailed, ups(ok(), bad())), "pass");
    assert.equal(outcome(anyFailed, ups(ok(), skip())), "TRIGGERFAIL");
  });

  it("someSuccessful with counts", () => {
    const up = ups(ok(), ok(), bad(), bad(), bad());
    assert.equal(outcome(someSuccessful({ atLeast: 2 }), up), "pass");
    assert.equal(outcome(someSuccessful({ atLeast: 3 }), up), "TRIGGERFAIL");
    assert.equal(outcome(someSuccessful({ atMost: 2 }), up), "pass");
    assert.equal(outcome(someSuccessful({ atMost: 1 }), up), "TRIGGERFAIL");
    assert.equal(outcome(someSuccessful({ atLeast: 1, atMost: 2 }), up), "pass");
    assert.equal(outcome(someSuccessful({}), up), "pass");
  });

  it("someSuccessful with fractions (values below 1)", () => {
    const up = ups(ok(), ok(), bad(), bad()); // 50% successful
    assert.equal(outcome(someSuccessful({ atLeast: 0.5 }), up), "pass");
    assert.equal(outcome(someSuccessful({ atLeast: 0.75 }), up), "TRIGGERFAIL");
    assert.equal(outcome(someSuccessful({ atMost: 0.5 }), up), "pass");
    assert.equal(outcome(someSuccessful({ atMost: 0.25 }), up), "TRIGGERFAIL");
  });

  it("someFailed with counts and fractions", () => {
    const up = ups(ok(), bad(), bad(), bad()); // 3 of 4 failed
    assert.equal(outcome(someFailed({ atLeast: 3 }), up), "pass");
    assert.equal(outcome(someFailed({ atLeast: 4 }), up), "TRIGGERFAIL");
    assert.equal(outcome(someFailed({ atMost: 2 }), up), "TRIGGERFAIL");
    assert.equal(outcome(someFailed({ atLeast: 0.75 }), up), "pass");
    assert.equal(outcome(someFailed({ atLeast: 0.8 }), up), "TRIGGERFAIL");
    assert.equal(outcome(someFailed({ atMost: 0.5 }), up), "TRIGGERFAIL");
    assert.equal(outcome(someFailed({ atLeast: 1, atMost: 0.75 }), up), "pass");
  });

  it("notAllSkipped: passes when some ran, SKIPs (result undefined) when all skipped, fails on a failure", () => {
    assert.equal(outcome(notAllSkipped, ups(ok(), skip())), "pass");
    assert.equal(outcome(notAllSkipped, ups(skip(), skip())), "SKIP");
    assert.equal(outcome(notAllSkipped, ups(skip(), bad())), "TRIGGERFAIL");
    try {
      notAllSkipped(ups(skip()));
      assert.fail("should skip");
    } catch (err) {
      assert.ok(err instanceof SKIP);
      assert.ok(err.state instanceof Skipped);
      assert.equal(err.state.result, undefined);
    }
  });

  it("manualOnly: PAUSE unless the run is resuming", async () => {
    assert.equal(outcome(manualOnly, ups(ok())), "PAUSE");
    // Inside a TaskRunner run with context.resume the trigger passes.
    let seen: string | undefined;
    const t = new (class extends NoOpTask {
      override run() { seen = "ran"; return undefined; }
    })({ trigger: manualOnly });
    const paused = await new TaskRunner(t).run();
    assert.ok(paused.isPaused());
    assert.equal(seen, undefined);
    const resumed = await new TaskRunner(t).run({ context: { resume: true } });
    assert.ok(resumed.isSuccessful());
    assert.equal(seen, "ran");
  });

  it("TRIGGERFAIL states are TriggerFailed with the signal as result", () => {
    try {
      allSuccessful(ups(bad()));
      assert.fail("should throw");
    } catch (err) {
      assert.ok(err instanceof TRIGGERFAIL);
      assert.ok(err.state instanceof TriggerFailed);
      assert.equal(err.state.result, err);
    }
  });
});

describe("triggers expand Mapped upstream states into their children", () => {
  const mapped = (...children: State[]) => new Mapped({ mapStates: children });

  it("one failed child fails allSuccessful", () => {
    assert.equal(outcome(allSuccessful, ups(mapped(ok(), ok()))), "pass");
    assert.equal(outcome(allSuccessful, ups(mapped(ok(), bad(), ok()))), "TRIGGERFAIL");
  });

  it("allFailed / anyFailed / allFinished see the children", () => {
    assert.equal(outcome(allFailed, ups(mapped(bad(), bad()))), "pass");
    assert.equal(outcome(allFailed, ups(mapped(bad(), ok()))), "TRIGGERFAIL");
    assert.equal(outcome(anyFailed, ups(mapped(ok(), bad()))), "pass");
    assert.equal(outcome(allFinished, ups(mapped(ok(), new Retrying()))), "TRIGGERFAIL");
  });

  it("counts are over the children of every upstream", () => {
    const up = ups(mapped(ok(), ok(), bad()), ok()); // 4 states, 3 successful
    assert.equal(outcome(someSuccessful({ atLeast: 3 }), up), "pass");
    assert.equal(outcome(someSuccessful({ atLeast: 4 }), up), "TRIGGERFAIL");
    assert.equal(outcome(someSuccessful({ atLeast: 0.75 }), up), "pass");
    assert.equal(outcome(someFailed({ atMost: 0.25 }), up), "pass");
    assert.equal(outcome(someFailed({ atMost: 0.2 }), up), "TRIGGERFAIL");
  });

  it("notAllSkipped over skipped children", () => {
    assert.equal(outcome(notAllSkipped, ups(mapped(skip(), skip()))), "SKIP");
    assert.equal(outcome(notAllSkipped, ups(mapped(skip(), ok()))), "pass");
  });

  it("the same state on two edges counts once", () => {
    const s = ok();
    const up = ups(s, s, bad());
    assert.equal(outcome(someSuccessful({ atMost: 1 }), up), "pass");
  });
});
