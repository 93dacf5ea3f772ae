/**
 * Run observers see every flow and task state change, mapped children included, on both
 * in-process executors; they cannot change states, and one that throws does not stop the run.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { ConcurrentExecutor, Flow, LocalExecutor, task, type RunEvent } from "../../lib/index";
import { configureLogging } from "../../lib/engine/logging";

configureLogging({ level: "silent" });

const line = (e: RunEvent) =>
  e.kind === "flow" ? `flow ${e.oldState.type}->${e.newState.type}` : `${e.fullName} ${e.oldState.type}->${e.newState.type}`;

for (const [label, executor] of [["LocalExecutor", () => new LocalExecutor()], ["ConcurrentExecutor", () => new ConcurrentExecutor({ maxConcurrency: 1 })]] as const) {
  describe(`run observers on ${label}`, () => {
    it("see every state change, mapped children and retries included, in order", async () => {
      let attempts = 0;
      const flow = Flow.build("observed", () => {
        const xs = task({ name: "xs" }, () => [1, 2]).call();
        const doubled = task({ name: "double" }, ({ x }: { x: number }) => x * 2).map({ x: xs });
        task({ name: "flaky", maxRetries: 1, retryDelay: 0 }, ({ ys }: { ys: number[] }) => {
          if (++attempts === 1) throw new Error("once");
          return ys.length;
        }).call({ ys: doubled });
      });
      const events: RunEvent[] = [];
      const s = await flow.run({ executor: executor(), observers: [(e) => events.push(e)] });
      assert.ok(s.isSuccessful());
      assert.deepEqual(events.map(line), [
        "flow Scheduled->Running",
        "xs Pending->Running", "xs Running->Success",
        "double Pending->Mapped",
        "double[0] Pending->Running", "double[0] Running->Success",
        "double[1] Pending->Running", "double[1] Running->Success",
        "flaky Pending->Running", "flaky Running->Failed", "flaky Failed->Retrying",
        "flaky Retrying->Running", "flaky Running->Success",
        "flow Running->Success",
      ]);
      const retried = events.filter((e) => e.kind === "task" && e.fullName === "flaky").map((e) => (e.kind === "task" ? e.runCount : 0));
      assert.deepEqual(retried, [1, 1, 1, 2, 2]);
      for (const e of events) assert.equal(e.flowRunId, events[0]!.flowRunId);
    });

    it("an observer that throws is logged and the run goes on", async () => {
      const records: Array<Record<string, unknown>> = [];
      configureLogging({ level: "error", destination: new Writable({ write(c, _e, cb) { records.push(JSON.parse(String(c))); cb(); } }) });
      try {
        const flow = Flow.build("observer-throws", () => void task({ name: "one" }, () => 1).call());
        const s = await flow.run({ executor: executor(), observers: [() => { throw new Error("observer bug"); }] });
        assert.ok(s.isSuccessful());
        assert.ok(records.length >= 1);
        assert.match(String(records[0]!.msg), /^A run observer threw on a (flow|task) state change \(ignored\): observer bug$/);
      } finally {
        configureLogging({ level: "silent" });
      }
    });
  });
}
