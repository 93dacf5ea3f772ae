/**
 * The scheduled run loop: `flow.run({ runOnSchedule: true })` on real flows, with an injected
 * clock (no real waiting): events in order with their parameter defaults, a late start that runs
 * once, abort while sleeping and while running, the end of the schedule, a schedule with no events.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import {
  Cancelled,
  DatesClock, Flow, IntervalClock, IntervalSchedule, InvalidOptionError, NoScheduledRunsError, Parameter, ParameterError,
  RunError, Schedule, Scheduled, context, runOnSchedule, systemTime, task, type AnyTask, type State, type TimeSource,
} from "../../lib/index";
import { configureLogging } from "../../lib/engine/logging";

const HOUR = 3_600_000;
const T0 = Date.parse("2024-01-01T00:00:00Z");

/** A clock the test drives: `sleep` moves time forward at once, unless `block` says to wait for the abort. */
class FakeTime implements TimeSource {
  readonly sleeps: number[] = [];
  /** Sleeps from this one on (0-based) wait until the signal aborts. */
  blockFrom = Infinity;
  /** A blocked sleep rejects on abort (as node's timers do) instead of resolving. */
  rejectOnAbort = false;
  #sleeping: (() => void) | undefined;
  /** Resolves when a blocking sleep has begun. */
  readonly blocked: Promise<void>;

  constructor(public t: number) {
    this.blocked = new Promise((resolve) => (this.#sleeping = resolve));
  }

  now(): number {
    return this.t;
  }

  advance(ms: number): void {
    this.t += ms;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    const index = this.sleeps.push(ms) - 1;
    if (index < this.blockFrom) {
      this.t += ms;
      return Promise.resolve();
    }
    this.#sleeping!();
    return new Promise((resolve, reject) => {
      const end = () => (this.rejectOnAbort ? reject(new DOMException("The operation was aborted", "AbortError")) : resolve());
      if (signal?.aborted) end();
      else signal?.addEventListener("abort", end, { once: true });
    });
  }
}

/** What each run saw. */
interface Seen {
  region: string;
  size: number;
  scheduled: string;
  now: number;
}

/** A flow with two parameters whose one task records what the run saw, then calls `during(run)`. */
function recordingFlow(schedule: Schedule | undefined, time: FakeTime | undefined, during: (n: number) => void = () => {}) {
  const seen: Seen[] = [];
  let recordTask!: AnyTask;
  const flow = Flow.build("report", schedule ? { schedule } : {}, () => {
    const region = new Parameter<string>("region");
    const size = new Parameter<number>("size", { default: 1 });
    recordTask = task(({ region, size }: { region: string; size: number }) => {
      const scheduled = context.scheduledStartTime!.toISOString();
      seen.push({ region, size, scheduled, now: time?.now() ?? Date.now() });
      during(seen.length);
      return `${region}:${size}`;
    }).call({ region, size });
  });
  return { flow, seen, result: (s: State) => (s.result as Map<AnyTask, State>).get(recordTask)?.result };
}

let logLines: string[] = [];
before(() => {
  configureLogging({
    level: "info",
    destination: new Writable({
      write(chunk, _enc, cb) {
        logLines.push(String(chunk));
        cb();
      },
    }),
  });
});
after(() => configureLogging({ level: "warn" }));
const logged = (level: number) => logLines.map((l) => JSON.parse(l) as { level: number; msg: string; flow?: string }).filter((l) => l.level === level);

describe("flow.run({ runOnSchedule: true })", () => {
  it("runs each event in order, with its parameter defaults under the given parameters and its scheduledStartTime", async () => {
    const time = new FakeTime(T0 + 10 * 60_000);
    const schedule = new Schedule({
      clocks: [
        new IntervalClock({ interval: HOUR, startDate: T0, endDate: T0 + 3 * HOUR, parameterDefaults: { region: "eu" } }),
        new DatesClock([T0 + 2 * HOUR, T0 + 150 * 60_000], { parameterDefaults: { region: "us", size: 5 } }),
      ],
    });
    const { flow, seen, result } = recordingFlow(schedule, time);
    const state = await flow.run({ runOnSchedule: true, clock: time, parameters: { size: 2 } });

    assert.deepEqual(seen, [
      { region: "eu", size: 2, scheduled: "2024-01-01T01:00:00.000Z", now: T0 + HOUR },
      { region: "eu", size: 2, scheduled: "2024-01-01T02:00:00.000Z", now: T0 + 2 * HOUR },
      { region: "us", size: 2, scheduled: "2024-01-01T02:00:00.000Z", now: T0 + 2 * HOUR },
      { region: "us", size: 2, scheduled: "2024-01-01T02:30:00.000Z", now: T0 + 150 * 60_000 },
      { region: "eu", size: 2, scheduled: "2024-01-01T03:00:00.000Z", now: T0 + 3 * HOUR },
    ]);
    // slept exactly until each event; two events at 02:00 share one wait
    assert.deepEqual(time.sleeps, [50 * 60_000, HOUR, 30 * 60_000, 30 * 60_000]);
    // the schedule ended: the loop resolved to the last run's state
    assert.ok(state.isSuccessful());
    assert.equal(result(state), "eu:2");
    const waits = logged(30).filter((l) => l.msg.startsWith("Waiting"));
    assert.equal(waits[0]!.msg, "Waiting for next scheduled run at 2024-01-01T01:00:00.000Z");
    assert.equal(waits[0]!.flow, "report");
  });

  it("a run that starts late (the previous one overran) runs once, for the latest missed event", async () => {
    logLines = [];
    const time = new FakeTime(T0);
    const schedule = new IntervalSchedule({ interval: HOUR, startDate: T0, endDate: T0 + 5 * HOUR });
    // the first run takes three and a half hours: 02:00, 03:00 and 04:00 go by meanwhile
    const { flow, seen } = recordingFlow(schedule, time, (n) => n === 1 && time.advance(3.5 * HOUR));
    const state = await flow.run({ runOnSchedule: true, clock: time, parameters: { region: "eu" } });

    assert.deepEqual(seen.map((s) => [s.scheduled.slice(11, 16), (s.now - T0) / 60_000]), [
      ["01:00", 60],
      ["04:00", 270], // at once, when the first run ended at 04:30
      ["05:00", 300],
    ]);
    assert.deepEqual(time.sleeps, [HOUR, 30 * 60_000]);
    assert.ok(state.isSuccessful());
    assert.deepEqual(logged(40).map((l) => l.msg), [
      "Skipped 2 scheduled runs missed while the previous run was still going; running the latest missed one (scheduled at 2024-01-01T04:00:00.000Z) now",
    ]);
  });

  it("a late run of several clocks runs every event of the latest missed time once", async () => {
    const time = new FakeTime(T0);
    const schedule = new Schedule({
      clocks: [
        new DatesClock([T0 + HOUR, T0 + 2 * HOUR, T0 + 3 * HOUR], { parameterDefaults: { region: "eu" } }),
        new DatesClock([T0 + 2 * HOUR, T0 + 3 * HOUR], { parameterDefaults: { region: "us" } }),
      ],
    });
    const { flow, seen } = recordingFlow(schedule, time, (n) => n === 1 && time.advance(2.5 * HOUR));
    await flow.run({ runOnSchedule: true, clock: time });
    assert.deepEqual(seen.map((s) => `${s.region}@${s.scheduled.slice(11, 16)}`), ["eu@01:00", "eu@03:00", "us@03:00"]);
  });

  for (const rejectOnAbort of [false, true]) {
    it(`an abort while waiting stops at once and resolves to the last run's state (the clock's sleep ${rejectOnAbort ? "rejects" : "resolves"})`, async () => {
      const time = new FakeTime(T0);
      time.rejectOnAbort = rejectOnAbort;
      time.blockFrom = 1; // the first wait passes, the second one waits for the abort
      const controller = new AbortController();
      const { flow, seen, result } = recordingFlow(new IntervalSchedule({ interval: HOUR, startDate: T0 }), time);
      const loop = flow.run({ runOnSchedule: true, clock: time, signal: controller.signal, parameters: { region: "eu" } });
      await time.blocked;
      assert.equal(seen.length, 1);
      controller.abort();
      const state = await loop;
      assert.equal(seen.length, 1);
      assert.ok(state.isSuccessful());
      assert.equal(result(state), "eu:1");
      assert.deepEqual(time.sleeps, [HOUR, HOUR]);
    });
  }

  it("a clock whose sleep fails for another reason fails the loop", async () => {
    const broken: TimeSource = { now: () => T0, sleep: () => Promise.reject(new Error("timer broke")) };
    const { flow } = recordingFlow(new IntervalSchedule({ interval: HOUR, startDate: T0 }), undefined);
    await assert.rejects(flow.run({ runOnSchedule: true, clock: broken, parameters: { region: "eu" } }), { message: "timer broke" });
  });

  it("an abort before the first run resolves to a Scheduled state for the awaited event, every task Pending", async () => {
    const time = new FakeTime(T0);
    time.blockFrom = 0;
    const controller = new AbortController();
    const { flow, seen } = recordingFlow(new IntervalSchedule({ interval: HOUR, startDate: T0 }), time);
    const loop = flow.run({ runOnSchedule: true, clock: time, signal: controller.signal, parameters: { region: "eu" } });
    await time.blocked;
    controller.abort();
    const state = await loop;
    assert.equal(seen.length, 0);
    assert.ok(state instanceof Scheduled);
    assert.equal(state.startTime!.toISOString(), "2024-01-01T01:00:00.000Z");
    assert.equal(state.message, "Stopped before the first scheduled run (at 2024-01-01T01:00:00.000Z).");
    const tasks = state.result as Map<AnyTask, State>;
    assert.equal(tasks.size, flow.tasks.size);
    assert.ok([...tasks.values()].every((s) => s.isPending() && s.message === "Task not run."));
  });

  it("an abort during a run cancels that run, then stops", async () => {
    const time = new FakeTime(T0);
    const controller = new AbortController();
    const { flow, seen, result } = recordingFlow(new IntervalSchedule({ interval: HOUR, startDate: T0 }), time, (n) => n === 2 && controller.abort());
    const state = await flow.run({ runOnSchedule: true, clock: time, signal: controller.signal, parameters: { region: "eu" } });
    assert.equal(seen.length, 2);
    assert.ok(state instanceof Cancelled, String(state));
    assert.deepEqual(time.sleeps, [HOUR, HOUR]);
  });

  it("ends when the schedule does: the last event of an IntervalSchedule's end date", async () => {
    const time = new FakeTime(T0 - 1);
    const { flow, seen } = recordingFlow(new IntervalSchedule({ interval: HOUR, startDate: T0, endDate: T0 + 2 * HOUR }), time);
    const state = await flow.run({ runOnSchedule: true, clock: time, parameters: { region: "eu" } });
    assert.deepEqual(seen.map((s) => s.scheduled), ["2024-01-01T00:00:00.000Z", "2024-01-01T01:00:00.000Z", "2024-01-01T02:00:00.000Z"]);
    assert.ok(state.isSuccessful());
  });

  it("a schedule with no event after now is an error before anything runs", async () => {
    const time = new FakeTime(T0);
    const { flow, seen } = recordingFlow(new Schedule({ clocks: [new DatesClock([T0 - HOUR, T0])] }), time);
    await assert.rejects(flow.run({ runOnSchedule: true, clock: time, parameters: { region: "eu" } }), (err: unknown) => {
      assert.ok(err instanceof NoScheduledRunsError && err instanceof RunError);
      assert.equal(err.message, `Flow <Flow: name="report"> has no more scheduled runs.`);
      return true;
    });
    assert.equal(seen.length, 0);
    assert.deepEqual(time.sleeps, []);
  });

  it("without runOnSchedule, a scheduled flow runs once, now", async () => {
    const { flow, seen } = recordingFlow(new IntervalSchedule({ interval: HOUR, startDate: "2999-01-01T00:00Z" }), undefined);
    const state = await flow.run({ parameters: { region: "eu" } });
    assert.ok(state.isSuccessful());
    assert.equal(seen.length, 1);
  });
});

describe("runOnSchedule: bad input", () => {
  it("needs a schedule, and a Schedule at that", async () => {
    const { flow } = recordingFlow(undefined, undefined);
    await assert.rejects(flow.run({ runOnSchedule: true, parameters: { region: "eu" } }), {
      name: "InvalidOptionError",
      message: `<Flow: name="report"> has no schedule: runOnSchedule needs the flow's "schedule" option (e.g. new IntervalSchedule({ interval: 3_600_000 }))`,
    });
    assert.throws(() => new Flow("f", { schedule: { next: () => [] } as never }), {
      name: "InvalidOptionError",
      message: `Flow 'f': invalid option "schedule": must be a Schedule (e.g. new IntervalSchedule({ interval: 3_600_000 }))`,
    });
  });

  it("checks the given parameters and each clock's parameter defaults before waiting", async () => {
    const time = new FakeTime(T0);
    const withTypo = new Schedule({ clocks: [new IntervalClock({ interval: HOUR, parameterDefaults: { regoin: "eu" } })] });
    await assert.rejects(recordingFlow(withTypo, time).flow.run({ runOnSchedule: true, clock: time, parameters: { region: "eu" } }), (err: unknown) => {
      assert.ok(err instanceof ParameterError);
      assert.equal(err.message, `Flow <Flow: name="report"> received unexpected parameters from the parameterDefaults of <IntervalClock every 3600000 ms from 2019-01-01T00:00:00.000Z>: regoin`);
      return true;
    });
    const partly = new Schedule({
      clocks: [new DatesClock([T0 + HOUR], { parameterDefaults: { region: "eu" } }), new DatesClock([T0 + 2 * HOUR])],
    });
    await assert.rejects(recordingFlow(partly, time).flow.run({ runOnSchedule: true, clock: time }), {
      name: "ParameterError",
      message: `Flow <Flow: name="report"> did not receive the required parameters for the events of <DatesClock 1 date from 2024-01-01T02:00:00.000Z>: region`,
    });
    await assert.rejects(recordingFlow(partly, time).flow.run({ runOnSchedule: true, clock: time, parameters: { nope: 1 } }), {
      name: "ParameterError",
      message: `Flow <Flow: name="report"> received unexpected parameters: nope`,
    });
    assert.deepEqual(time.sleeps, []);
  });

  it("refuses runId and resumeFrom, which name a single run", async () => {
    const time = new FakeTime(T0);
    const { flow } = recordingFlow(new IntervalSchedule({ interval: HOUR }), time);
    for (const option of ["runId", "resumeFrom"] as const) {
      await assert.rejects(flow.run({ runOnSchedule: true, clock: time, parameters: { region: "eu" }, [option]: "r1" }), (err: unknown) => {
        assert.ok(err instanceof InvalidOptionError);
        assert.equal(err.message, `<Flow: name="report">: "${option}" names a single run, but runOnSchedule starts a new run for every scheduled event`);
        return true;
      });
    }
  });
});

describe("runOnSchedule with its own run function", () => {
  it("passes the other run options through, and taskStates to the first run only", async () => {
    const time = new FakeTime(T0);
    const flow = new Flow("plain", { schedule: new Schedule({ clocks: [new DatesClock([T0 + HOUR, T0 + 2 * HOUR], { parameterDefaults: { p: 1 } })] }) });
    flow.addTask(new Parameter("p"));
    const calls: Array<Record<string, unknown>> = [];
    const taskStates = new Map();
    const last = await runOnSchedule(flow, async (o) => {
      calls.push(o as Record<string, unknown>);
      return new Scheduled("stand-in");
    }, { clock: time, runOnSchedule: true, context: { user: "x" }, taskStates, flowRunName: "n" } as never);
    assert.equal(last.message, "stand-in");
    assert.equal(calls.length, 2);
    assert.deepEqual(calls.map((c) => Object.keys(c).sort()), [
      ["context", "flowRunName", "parameters", "taskStates"],
      ["context", "flowRunName", "parameters"],
    ]);
    assert.deepEqual(calls[0]!.context, { user: "x", scheduledStartTime: new Date(T0 + HOUR) });
    assert.deepEqual(calls[1]!.parameters, { p: 1 });
  });
});

describe("systemTime", () => {
  it("sleeps on a real timer, and an abort ends the sleep at once", async () => {
    const controller = new AbortController();
    const sleeping = systemTime.sleep(HOUR, controller.signal);
    controller.abort();
    await sleeping;
    const start = systemTime.now();
    await systemTime.sleep(5);
    assert.ok(systemTime.now() - start >= 4);
  });
});
