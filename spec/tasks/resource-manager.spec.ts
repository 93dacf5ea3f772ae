import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { configureLogging } from "../../lib/engine/logging";
import {
  Flow, Parameter, task, AnyTask, State, Success, Skipped, Failed, TriggerFailed, ConcurrentExecutor,
  resourceManager, ResourceInitTask, ResourceSetupTask, ResourceCleanupTask, resourceCleanupTrigger, caseOf, BindError,
} from "../../lib/index";

configureLogging({ level: "warn" });

const stateOf = (flowState: State, t: AnyTask): State => (flowState.result as Map<AnyTask, State>).get(t)!;

/** A fake connection pool that records what happens to it. */
function makePool(events: string[], opts: { failSetup?: boolean } = {}) {
  return class Pool {
    constructor(readonly args: { size: number }) {
      events.push(`init(${args.size})`);
    }
    async setup(): Promise<{ query: (q: string) => string }> {
      await new Promise((r) => setTimeout(r, 5));
      if (opts.failSetup) throw new Error("cannot connect");
      events.push("setup");
      return { query: (q: string) => `rows for ${q}` };
    }
    async cleanup(conn: { query: unknown }): Promise<void> {
      await new Promise((r) => setTimeout(r, 5));
      events.push(`cleanup(${typeof conn.query})`);
    }
  };
}

const query = (events: string[], fail = false) =>
  task(function query({ conn, q }: { conn: { query: (q: string) => string }; q: string }) {
    if (fail) {
      events.push(`query(${q}) fails`);
      throw new Error(`bad query ${q}`);
    }
    events.push(`query(${q})`);
    return conn.query(q);
  });

describe("resourceManager", () => {
  it("sets up before the block and cleans up after it; init and cleanup are not reference tasks", async () => {
    const events: string[] = [];
    const withPool = resourceManager(makePool(events));
    let a!: AnyTask, b!: AnyTask, summary!: AnyTask, block!: { init: AnyTask; setup: AnyTask; cleanup: AnyTask };
    const flow = Flow.build("pool", () => {
      withPool({ size: 2 }, (conn, tasks) => {
        block = tasks;
        a = query(events).call({ conn, q: "a" });
        b = query(events).call({ conn, q: "b" });
        summary = task(function summary({ rows }: { rows: string[] }) {
          events.push("summary");
          return rows.join(", ");
        }).call({ rows: [a, b] });
      });
    });
    assert.equal(block.init.name, "Pool.init");
    assert.equal(block.setup.name, "Pool.setup");
    assert.equal(block.cleanup.name, "Pool.cleanup");
    assert.ok(block.init instanceof ResourceInitTask && block.setup instanceof ResourceSetupTask && block.cleanup instanceof ResourceCleanupTask);
    assert.equal(block.cleanup.trigger, resourceCleanupTrigger);
    assert.equal(block.setup.checkpoint, false);
    assert.equal(block.cleanup.checkpoint, false);
    assert.ok(flow.downstreamTasks(summary).has(block.cleanup));
    assert.ok(!flow.downstreamTasks(a).has(block.cleanup), "a has a downstream task inside the block");
    const refs = flow.referenceTasks();
    assert.ok(refs.has(summary));
    assert.ok(!refs.has(block.init) && !refs.has(block.cleanup));

    const s = await flow.run();
    assert.ok(s instanceof Success, String(s));
    assert.equal(stateOf(s, summary).result, "rows for a, rows for b");
    assert.deepEqual(events, ["init(2)", "setup", "query(a)", "query(b)", "summary", "cleanup(function)"]);
    assert.ok(stateOf(s, block.cleanup) instanceof Success && !(stateOf(s, block.cleanup) instanceof Skipped));
  });

  it("gives tasks with no in-block upstream the setup task as upstream (state-only)", () => {
    const events: string[] = [];
    const withPool = resourceManager(makePool(events), { name: "db" });
    let free!: AnyTask, setup!: AnyTask, cleanup!: AnyTask;
    const flow = Flow.build("edges", () => {
      withPool({ size: 1 }, (_conn, tasks) => {
        ({ setup, cleanup } = tasks);
        free = task(function noResource() {
          return 1;
        }).call();
      });
    });
    assert.equal(setup.name, "db.setup");
    const edge = [...flow.edgesTo(free)].find((e) => e.upstreamTask === setup);
    assert.ok(edge && edge.key === undefined);
    assert.ok(flow.upstreamTasks(cleanup).has(free));
  });

  it("runs cleanup when a block task fails, and the flow is Failed", async () => {
    for (const executor of [undefined, new ConcurrentExecutor()]) {
      const events: string[] = [];
      const withPool = resourceManager(makePool(events));
      let bad!: AnyTask, good!: AnyTask, cleanup!: AnyTask;
      const flow = Flow.build("failing-block", () => {
        withPool({ size: 3 }, (conn, tasks) => {
          cleanup = tasks.cleanup;
          bad = query(events, true).call({ conn, q: "x" });
          good = query(events).call({ conn, q: "y" });
        });
      });
      const s = await flow.run({ executor });
      assert.ok(s instanceof Failed, String(s));
      assert.ok(stateOf(s, bad) instanceof Failed);
      assert.equal(stateOf(s, good).result, "rows for y");
      assert.ok(stateOf(s, cleanup) instanceof Success);
      assert.equal(events[events.length - 1], "cleanup(function)");
      assert.ok(events.indexOf("query(x) fails") < events.indexOf("cleanup(function)"));
    }
  });

  it("skips cleanup when setup failed; the block is TriggerFailed", async () => {
    const events: string[] = [];
    const withPool = resourceManager(makePool(events, { failSetup: true }));
    let q!: AnyTask, block!: { setup: AnyTask; cleanup: AnyTask };
    const flow = Flow.build("setup-fails", () => {
      withPool({ size: 1 }, (conn, tasks) => {
        block = tasks;
        q = query(events).call({ conn, q: "a" });
      });
    });
    const s = await flow.run();
    assert.ok(s instanceof Failed);
    assert.ok(stateOf(s, block.setup) instanceof Failed);
    assert.ok(stateOf(s, q) instanceof TriggerFailed);
    assert.ok(stateOf(s, block.cleanup) instanceof Skipped);
    assert.deepEqual(events, ["init(1)"]);
  });

  it("takes tasks (a Parameter) as init arguments", async () => {
    const events: string[] = [];
    const withPool = resourceManager(makePool(events));
    const flow = Flow.build("param", () => {
      withPool({ size: new Parameter<number>("size", { default: 4 }) }, (conn) => {
        query(events).call({ conn, q: "p" });
      });
    });
    const s = await flow.run({ parameters: { size: 8 } });
    assert.ok(s instanceof Success);
    assert.equal(events[0], "init(8)");
  });

  it("runs setup and cleanup again on a restart with the previous task states", async () => {
    const events: string[] = [];
    const withPool = resourceManager(makePool(events));
    const flow = Flow.build("restart", () => {
      withPool({ size: 1 }, (conn) => {
        query(events).call({ conn, q: "once" });
      });
    });
    const first = await flow.run();
    assert.ok(first instanceof Success);
    events.length = 0;
    const second = await flow.run({ taskStates: first.result as Map<AnyTask, State> });
    assert.ok(second instanceof Success);
    assert.deepEqual(events, ["setup", "cleanup(function)"]);
  });

  it("is gated as a whole by an enclosing case", async () => {
    const events: string[] = [];
    const withPool = resourceManager(makePool(events));
    let block!: { init: AnyTask; setup: AnyTask; cleanup: AnyTask }, q!: AnyTask;
    const flow = Flow.build("case-resource", () => {
      const cond = task(function cond() {
        return "off";
      }).call();
      caseOf(cond, "on", () => {
        withPool({ size: 1 }, (conn, tasks) => {
          block = tasks;
          q = query(events).call({ conn, q: "a" });
        });
      });
    });
    const s = await flow.run();
    assert.ok(s instanceof Success);
    for (const t of [block.init, block.setup, q, block.cleanup]) assert.ok(stateOf(s, t) instanceof Skipped, t.name);
    assert.deepEqual(events, []);
  });

  it("works without setup/cleanup methods and returns what the builder returns", async () => {
    class Plain {
      constructor(readonly args: {}) {}
    }
    const withPlain = resourceManager(Plain);
    let got!: AnyTask;
    const flow = Flow.build("plain", () => {
      got = withPlain({}, (resource) =>
        task(function seen({ r }: { r: unknown }) {
          return r === undefined ? "no resource" : "resource";
        }).call({ r: resource }),
      );
    });
    const s = await flow.run();
    assert.ok(s instanceof Success);
    assert.equal(stateOf(s, got).result, "no resource");
  });

  it("needs a flow", () => {
    const withPool = resourceManager(makePool([]));
    assert.throws(() => withPool({ size: 1 }, () => undefined), (err: Error) => err instanceof BindError && /^resourceManager\(Pool\)\(initArgs, builder\) needs a flow/.test(err.message));
  });
});
