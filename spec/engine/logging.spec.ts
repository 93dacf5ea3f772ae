/**
 * What a run writes to the log: failures once, at the level they deserve, with the error's stack
 * and cause; per-task start and finish lines only at `debug`.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { Flow, task, allFinished } from "../../lib/index";
import { configureLogging } from "../../lib/engine/logging";

type Record = { level: number; msg: string; task?: string; err?: { message: string; stack: string; cause?: { message: string } } };

async function logsOf(level: string, fn: () => Promise<unknown>): Promise<Record[]> {
  const records: Record[] = [];
  configureLogging({ level, destination: new Writable({ write(c, _e, cb) { for (const l of String(c).split("\n")) if (l) records.push(JSON.parse(l)); cb(); } }) });
  try {
    await fn();
  } finally {
    configureLogging({ level: "silent" });
  }
  return records;
}

const failing = () =>
  Flow.build("failing", () => {
    const boom = task({ name: "boom" }, () => {
      throw new Error("disk full", { cause: new Error("ENOSPC") });
    }).call();
    task({ name: "after" }, () => 1).call({}, { upstreamTasks: [boom] });
    task({ name: "cleanup", trigger: allFinished }, () => 1).call({}, { upstreamTasks: [boom] });
  });

describe("run logs", () => {
  it("a failed task logs one error line with its full name, message, stack and cause; a trigger failure warns; the flow's failure names the failed reference tasks", async () => {
    const records = await logsOf("info", () => failing().run());
    const lines = records.map((r) => `${r.level} ${r.msg}`);
    assert.deepEqual(lines, [
      "30 Beginning Flow run for 'failing'",
      "50 Task 'boom' failed: Error during execution of task: Error: disk full",
      "40 Task 'after': Trigger was \"allSuccessful\" but some of the upstream tasks failed.",
      "50 Flow run FAILED: failed reference tasks: after",
    ]);
    const err = records[1]!.err!;
    // pino's error serializer appends the causes' messages and stacks.
    assert.equal(err.message, "disk full: ENOSPC");
    assert.match(err.stack, /Error: disk full\n\s+at [\s\S]*caused by: Error: ENOSPC/);
  });

  it("at warn, a failed flow still shows its failure; a successful one prints nothing", async () => {
    const bad = await logsOf("warn", () => failing().run());
    assert.deepEqual(bad.map((r) => r.level), [50, 40, 50]);
    const good = await logsOf("warn", () => Flow.build("fine", () => void task({ name: "t" }, () => 1).map({ x: [1, 2, 3] } as never)).run());
    assert.deepEqual(good, []);
  });

  it("a retry warns with the attempt and the error", async () => {
    let n = 0;
    const records = await logsOf("warn", () => Flow.build("retry", () => void task({ name: "flaky", maxRetries: 1, retryDelay: 0 }, () => {
      if (++n === 1) throw new Error("transient");
      return 1;
    }).call()).run());
    assert.deepEqual(records.map((r) => `${r.level} ${r.msg}`), ["40 Task 'flaky': Retrying Task (after attempt 1 of 2)"]);
    assert.equal(records[0]!.err!.message, "transient");
  });

  it("per-task start and finish lines appear at debug only", async () => {
    const flow = () => Flow.build("quiet", () => void task({ name: "t" }, () => 1).call());
    const info = await logsOf("info", () => flow().run());
    assert.deepEqual(info.map((r) => r.msg), ["Beginning Flow run for 'quiet'", "Flow run SUCCESS: all reference tasks succeeded"]);
    const debug = await logsOf("debug", () => flow().run());
    assert.ok(debug.some((r) => r.msg === "Task 't': Starting task run..." && r.level === 20));
    assert.ok(debug.some((r) => r.msg === "Task 't': Finished task run for task with final state: 'Success'"));
  });
});
