import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { configureLogging } from "../../lib/engine/logging";
import {
  Flow, task, AnyTask, State, Success, Running, Paused, Pending, Resume, Mapped, manualOnly, pauseTask, resumeTasks,
  PAUSE, InvalidOptionError, ConcurrentExecutor,
} from "../../lib/index";

configureLogging({ level: "warn" });

const stateOf = (flowState: State, t: AnyTask): State => (flowState.result as Map<AnyTask, State>).get(t)!;

describe("pauseTask and resumeTasks", () => {
  it("pauses a task (the flow stays Running) and resumeTasks finishes the run", async () => {
    const calls: string[] = [];
    let approve!: AnyTask, deploy!: AnyTask;
    const flow = Flow.build("release", () => {
      approve = task(async function approve() {
        calls.push("approve");
        await pauseTask("waiting for approval");
        return "approved";
      }).call();
      deploy = task(function deploy({ ok }: { ok: string }) {
        calls.push("deploy");
        return `deployed (${ok})`;
      }).call({ ok: approve });
    });
    const first = await flow.run();
    assert.ok(first instanceof Running, String(first));
    const paused = stateOf(first, approve);
    assert.ok(paused instanceof Paused);
    assert.equal(paused.message, "waiting for approval");
    assert.equal((paused as Paused).startTime, null);
    assert.ok(stateOf(first, deploy) instanceof Pending);
    assert.deepEqual(calls, ["approve"]);

    const taskStates = resumeTasks(first);
    assert.ok(taskStates.get(approve) instanceof Resume);
    const done = await flow.run({ taskStates });
    assert.ok(done instanceof Success, String(done));
    assert.equal(stateOf(done, deploy).result, "deployed (approved)");
    assert.deepEqual(calls, ["approve", "approve", "deploy"], "the whole task runs again after a resume");
  });

  it("resumes with a hand-built Map too (the CLI-free way)", async () => {
    let t!: AnyTask;
    const flow = Flow.build("by-hand", () => {
      t = task(function gate() {
        pauseTask(); // sync use: throws synchronously
        return 1;
      }).call();
    });
    const first = await flow.run();
    assert.ok(stateOf(first, t) instanceof Paused);
    assert.equal(stateOf(first, t).message, "Pause signal raised during task execution.");
    const done = await flow.run({ taskStates: new Map([...(first.result as Map<AnyTask, State>), [t, new Resume()]]) });
    assert.ok(done instanceof Success);
    assert.equal(stateOf(done, t).result, 1);
  });

  it("pauses a manualOnly task until it is resumed", async () => {
    let gate!: AnyTask, after!: AnyTask;
    let runs = 0;
    const flow = Flow.build("manual", () => {
      const before = task(function before() {
        return 2;
      }).call();
      gate = task({ trigger: manualOnly }, function gate({ x }: { x: number }) {
        runs++;
        return x * 10;
      }).call({ x: before });
      after = task(function after({ y }: { y: number }) {
        return y + 1;
      }).call({ y: gate });
    });
    for (const executor of [undefined, new ConcurrentExecutor()]) {
      runs = 0;
      const first = await flow.run({ executor });
      assert.ok(first instanceof Running);
      assert.ok(stateOf(first, gate) instanceof Paused);
      assert.equal(runs, 0);
      const done = await flow.run({ executor, taskStates: resumeTasks(first) });
      assert.ok(done instanceof Success);
      assert.equal(stateOf(done, after).result, 21);
      assert.equal(runs, 1);
    }
  });

  it("resumes only the given tasks", async () => {
    let a!: AnyTask, b!: AnyTask;
    const flow = Flow.build("two-gates", () => {
      a = task({ trigger: manualOnly }, function a() {
        return "a";
      }).call();
      b = task({ trigger: manualOnly }, function b() {
        return "b";
      }).call();
    });
    const first = await flow.run();
    const partial = await flow.run({ taskStates: resumeTasks(first, [a]) });
    assert.ok(partial instanceof Running);
    assert.equal(stateOf(partial, a).result, "a");
    assert.ok(stateOf(partial, b) instanceof Paused);
    const done = await flow.run({ taskStates: resumeTasks(partial) });
    assert.ok(done instanceof Success);
    assert.equal(stateOf(done, b).result, "b");
  });

  it("resumes paused children of a mapped task, keeping the finished ones", async () => {
    const ran: number[] = [];
    let m!: AnyTask;
    const flow = Flow.build("mapped-pause", () => {
      m = task(async function check({ x }: { x: number }) {
        ran.push(x);
        if (x === 2) await pauseTask(`check ${x}`);
        return x * 2;
      }).map({ x: [1, 2, 3] });
    });
    const first = await flow.run();
    assert.ok(first instanceof Running);
    const parent = stateOf(first, m) as Mapped;
    assert.deepEqual(parent.mapStates.map((c) => c.type), ["Success", "Paused", "Success"]);
    ran.length = 0;
    const done = await flow.run({ taskStates: resumeTasks(first) });
    assert.ok(done instanceof Success, String(done));
    assert.deepEqual((stateOf(done, m) as Mapped).mapStates.map((c) => c.result), [2, 4, 6]);
    assert.deepEqual(ran, [2]);
  });

  it("ends a pause with a duration by itself, in the same run", async () => {
    let t!: AnyTask;
    let calls = 0;
    const flow = Flow.build("timed", () => {
      t = task(async function wait() {
        calls++;
        await pauseTask("short nap", { duration: 30 });
        return "awake";
      }).call();
    });
    const started = Date.now();
    const s = await flow.run();
    assert.ok(s instanceof Success, String(s));
    assert.equal(stateOf(s, t).result, "awake");
    assert.equal(calls, 2);
    assert.ok(Date.now() - started >= 25);
  });

  it("throws PAUSE outside a resumed run, and checks its arguments", () => {
    assert.throws(() => pauseTask("stop"), (err: Error) => err instanceof PAUSE && err.message === "stop");
    assert.throws(
      () => pauseTask("x", { duration: -1 }),
      (err: Error) => err instanceof InvalidOptionError && err.message === "pauseTask(message, { duration }): duration must be a number of milliseconds >= 0 (received -1)",
    );
    assert.throws(() => resumeTasks(new Success({ result: 3 })), /resumeTasks\(flowState\): flowState must be the state a flow run returned/);
  });
});
