import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  Flow, task, context, LocalExecutor, ConcurrentExecutor, InvalidOptionError, FlowsmithError, Mapped, State, Task,
} from "../../lib/index";
import { configureLogging } from "../../lib/engine/logging";

configureLogging({ level: "warn" });

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A flow of `n` mapped children and `roots` independent tasks that each sleep, counting runs in flight. */
function inFlightFlow(n: number, roots = 0) {
  const stats = { now: 0, max: 0, runs: 0 };
  const body = async () => {
    stats.now++;
    stats.runs++;
    stats.max = Math.max(stats.max, stats.now);
    await sleep(15);
    stats.now--;
    return context.mapIndex ?? -1;
  };
  let mapped!: Task<any, any>;
  const flow = Flow.build("in-flight", () => {
    mapped = task({ name: "child" }, (_: { x: number }) => body()).map({ x: Array.from({ length: n }, (_, i) => i) });
    for (let i = 0; i < roots; i++) task({ name: `root${i}` }, () => body()).call();
  });
  return { flow, stats, mapped: () => mapped };
}

describe("ConcurrentExecutor", () => {
  it("rejects an invalid maxConcurrency with a clear message", () => {
    for (const bad of [0, -1, 1.5, Number.NaN, "2" as unknown as number]) {
      assert.throws(
        () => new ConcurrentExecutor({ maxConcurrency: bad }),
        (err: unknown) =>
          err instanceof InvalidOptionError &&
          err instanceof FlowsmithError &&
          (err as Error).message === `ConcurrentExecutor: invalid option "maxConcurrency": must be an integer >= 1 or Infinity (received ${String(bad)})`,
        `maxConcurrency ${String(bad)}`,
      );
    }
  });

  it("accepts integers >= 1 and Infinity (the default)", () => {
    assert.equal(new ConcurrentExecutor().maxConcurrency, Infinity);
    assert.equal(new ConcurrentExecutor({ maxConcurrency: 1 }).maxConcurrency, 1);
    assert.equal(new ConcurrentExecutor({ maxConcurrency: Infinity }).maxConcurrency, Infinity);
    assert.equal(new ConcurrentExecutor({ maxConcurrency: 3 }).name, "concurrent");
  });

  it("maxConcurrency bounds the runs in flight", async () => {
    const { flow, stats, mapped } = inFlightFlow(8, 2);
    const s = await flow.run({ executor: new ConcurrentExecutor({ maxConcurrency: 2 }) });
    assert.ok(s.isSuccessful(), String(s));
    assert.equal(stats.runs, 10);
    assert.equal(stats.max, 2);
    assert.deepEqual((s.result as Map<Task<any, any>, State>).get(mapped())!.result, [0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it("without a bound, every ready run is in flight at once", async () => {
    const { flow, stats } = inFlightFlow(6, 2);
    const start = Date.now();
    const s = await flow.run({ executor: new ConcurrentExecutor() });
    assert.ok(s.isSuccessful());
    assert.equal(stats.max, 8);
    assert.ok(Date.now() - start < 1000);
  });
});

describe("LocalExecutor", () => {
  it("runs one task at a time", async () => {
    const executor = new LocalExecutor();
    assert.equal(executor.maxConcurrency, 1);
    assert.equal(executor.name, "local");
    const { flow, stats, mapped } = inFlightFlow(5, 2);
    const s = await flow.run({ executor });
    assert.ok(s.isSuccessful());
    assert.equal(stats.runs, 7);
    assert.equal(stats.max, 1);
    const ms = (s.result as Map<Task<any, any>, State>).get(mapped())!;
    assert.ok(ms instanceof Mapped);
    assert.deepEqual(ms.result, [0, 1, 2, 3, 4]);
  });

  it("is the default executor (and a flow's own executor is used when set)", async () => {
    const { flow, stats } = inFlightFlow(4);
    await flow.run();
    assert.equal(stats.max, 1);

    const stats2 = { now: 0, max: 0 };
    const f2 = new Flow("own-executor", { executor: new ConcurrentExecutor({ maxConcurrency: 3 }) });
    for (let i = 0; i < 6; i++) {
      f2.addTask(task({ name: `t${i}` }, async () => {
        stats2.now++;
        stats2.max = Math.max(stats2.max, stats2.now);
        await sleep(10);
        stats2.now--;
      }));
    }
    await f2.run();
    assert.equal(stats2.max, 3);
  });
});
