/**
 * WorkerThreadsExecutor beyond the conformance suite: real parallel threads, a crashing thread,
 * logs that reach the run's log, and the named errors for a flow that cannot be found again.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Writable } from "node:stream";
import {
  ExecutorError, Failed, Flow, FlowNotImportableError, InvalidOptionError, Mapped, Success, task, VersionSkewError,
  WorkerThreadsExecutor, type AnyTask, type State,
} from "../../lib/index";
import { configureLogging } from "../../lib/engine/logging";
import { crashing, logging, whichThread } from "./fixtures/thread-flows";

configureLogging({ level: "silent" });
const byName = (s: State, name: string): State => [...(s.result as Map<AnyTask, State>)].find(([t]) => t.name === name)![1];
const LIB = path.resolve(__dirname, "../../lib/index.js");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "flowsmith-threads-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("WorkerThreadsExecutor", () => {
  it("refuses a bad maxWorkers, naming it", () => {
    assert.throws(() => new WorkerThreadsExecutor({ maxWorkers: 0 }), (e: unknown) =>
      e instanceof InvalidOptionError && (e as Error).message === 'WorkerThreadsExecutor: invalid option "maxWorkers": must be an integer >= 1 (received 0)');
  });

  it("runs mapped children in several threads at once, and reuses them across flow runs", async () => {
    const executor = new WorkerThreadsExecutor({ maxWorkers: 2 });
    try {
      const ids = new Set<number>();
      for (let round = 0; round < 2; round++) {
        const s = await whichThread.run({ executor });
        assert.ok(s instanceof Success, String(s));
        for (const c of (byName(s, "where") as Mapped).mapStates) ids.add((c.result as { threadId: number }).threadId);
      }
      assert.ok(!ids.has(0), "no child ran on the main thread");
      assert.equal(ids.size, 2, `two threads served both runs: ${[...ids]}`);
    } finally {
      await executor.shutdown();
    }
  });

  it("a thread that exits fails only its task run, with an ExecutorError naming it; the pool recovers", async () => {
    const executor = new WorkerThreadsExecutor({ maxWorkers: 1 });
    try {
      const s = await crashing.run({ executor });
      const crash = byName(s, "crash");
      assert.ok(crash instanceof Failed, String(crash));
      assert.ok(crash.result instanceof ExecutorError);
      assert.match(crash.message!, /^Task 'crash': the executor could not run it: ExecutorError: Task 'crash': its worker thread ended while running it \(.+\); the pool replaced the thread$/);
      assert.equal(byName(s, "independent").result, "still fine");
      assert.equal(typeof byName(s, "afterCrash").result, "number", "a new thread ran the task after the crash");
    } finally {
      await executor.shutdown();
    }
  });

  it("logs of task runs in threads reach the run's log with the task's bindings", async () => {
    const records: Array<Record<string, unknown>> = [];
    configureLogging({ level: "warn", destination: new Writable({ write(c, _e, cb) { for (const l of String(c).split("\n")) if (l) records.push(JSON.parse(l)); cb(); } }) });
    const executor = new WorkerThreadsExecutor({ maxWorkers: 2 });
    try {
      const s = await logging.run({ executor, runId: "logs-run" });
      assert.ok(s instanceof Success);
      // The lines arrive through a channel: wait until both are in.
      for (let i = 0; i < 100 && records.filter((r) => String(r.msg).startsWith("hello")).length < 2; i++) await new Promise((r) => setTimeout(r, 10));
      const hellos = records.filter((r) => String(r.msg).startsWith("hello")).sort((a, b) => String(a.task).localeCompare(String(b.task)));
      assert.deepEqual(hellos.map((r) => [r.msg, r.task, r.flow, r.flowRun, r.level]), [
        ["hello from child 0", "talker[0]", "thread-logs", "logs-run", 40],
        ["hello from child 1", "talker[1]", "thread-logs", "logs-run", 40],
      ]);
      for (const r of hellos) assert.notEqual(r.threadId, 0);
    } finally {
      await executor.shutdown();
      configureLogging({ level: "silent" });
    }
  });

  it("a flow built inside a function cannot be found by a thread: a named error before anything runs", async () => {
    const executor = new WorkerThreadsExecutor({ maxWorkers: 1 });
    let ran = false;
    const local = Flow.build("local-only", () => void task({ name: "t" }, () => (ran = true)).call());
    try {
      await assert.rejects(local.run({ executor }), (e: unknown) =>
        e instanceof FlowNotImportableError && /^<Flow: name="local-only"> is not exported by any module, so its tasks cannot run in another thread or process: export it/.test((e as Error).message));
      assert.equal(ran, false);
    } finally {
      await executor.shutdown();
    }
  });

  it("a module changed since the driver loaded it is version skew: the task run fails with a named error, no wrong code runs", async () => {
    const file = path.join(tmp, "skew-flow.js");
    const source = (body: string) => `const { Flow, task } = require(${JSON.stringify(LIB)});
exports.flow = Flow.build("skewed", () => void task({ name: "t" }, () => ${body}).call());`;
    fs.writeFileSync(file, source('"old code"'));
    const { flow } = require(file) as { flow: Flow };
    fs.writeFileSync(file, source('"new code"'));
    const executor = new WorkerThreadsExecutor({ maxWorkers: 1 });
    try {
      const s = await flow.run({ executor });
      const t = byName(s, "t");
      assert.ok(t instanceof Failed, String(t));
      assert.ok(t.result instanceof VersionSkewError);
      assert.match((t.result as Error).message, new RegExp(`^Version skew: the driver runs flow 'skewed' version ${flow.version}, but .*skew-flow\\.js here defines version [0-9a-f]{16}; run workers with the same code as the driver`));
    } finally {
      await executor.shutdown();
    }
  });

  it("runs a flow defined in an ES module", async () => {
    const file = path.join(tmp, "esm-flow.mjs");
    fs.writeFileSync(file, `import lib from ${JSON.stringify(LIB)};
import { threadId } from "node:worker_threads";
const { Flow, task } = lib;
export const flow = Flow.build("esm-flow", () => void task({ name: "double" }, ({ x }) => ({ y: x * 2, threadId })).map({ x: [1, 2, 3] }));`);
    const { flow } = (await import(`file://${file}`)) as { flow: Flow };
    const executor = new WorkerThreadsExecutor({ maxWorkers: 2 });
    try {
      const s = await flow.run({ executor });
      assert.ok(s instanceof Success, String(s));
      const values = (byName(s, "double") as Mapped).mapStates.map((c) => c.result as { y: number; threadId: number });
      assert.deepEqual(values.map((v) => v.y), [2, 4, 6]);
      assert.ok(values.every((v) => v.threadId !== 0));
    } finally {
      await executor.shutdown();
    }
  });
});
