import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  Flow, Task, task, unmapped, flatten, context, LocalExecutor, ConcurrentExecutor, Executor,
  State, Success, Failed, Mapped, Skipped, TriggerFailed, Pending, TRIGGERFAIL, SKIP, signals, MappingError,
} from "../../lib/index";
import { configureLogging } from "../../lib/engine/logging";

configureLogging({ level: "warn" });

type AnyTask = Task<any, any>;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const statesOf = (s: State) => s.result as Map<AnyTask, State>;

const add = task({ name: "add" }, ({ x, y }: { x: number; y: number }) => x + y);
const addOne = task({ name: "addOne" }, ({ x }: { x: number }) => x + 1);
const identity = task({ name: "id" }, ({ x }: { x: unknown }) => x);
const sum = task({ name: "sum" }, ({ xs }: { xs: number[] }) => xs.reduce((a, b) => a + b, 0));
const nest = task({ name: "nest" }, ({ x }: { x: number }) => [x]);
const list = (value: unknown, name = "list") => task({ name }, () => value);

/** A compact, comparable picture of a task's state: type, result, and the children's. */
function summary(s: State | undefined): unknown {
  if (!s) return "missing";
  const out: Record<string, unknown> = { type: s.type };
  if (s instanceof Mapped) out.children = s.mapStates.map((c) => summary(c));
  else if (!s.isFailed() && !(s.result instanceof Error)) out.result = s.result;
  return out;
}

const EXECUTORS: Array<[string, () => Executor]> = [
  ["LocalExecutor", () => new LocalExecutor()],
  ["ConcurrentExecutor", () => new ConcurrentExecutor()],
];

/** Summaries per executor and test, compared at the end. */
const summaries = new Map<string, Map<string, unknown>>();

for (const [label, makeExecutor] of EXECUTORS) {
  const record = (test: string, value: unknown) => {
    let m = summaries.get(test);
    if (!m) summaries.set(test, (m = new Map()));
    m.set(label, value);
  };
  const run = async (flow: Flow, opts: Parameters<Flow["run"]>[0] = {}) => {
    const s = await flow.run({ executor: makeExecutor(), ...opts });
    record(flow.name, { flow: s.type, tasks: [...statesOf(s)].map(([t, st]) => [t.name, summary(st)]) });
    return s;
  };

  describe(`mapping on ${label}`, () => {
    it("zips several mapped inputs to the shortest", async () => {
      let m!: AnyTask;
      const flow = Flow.build("zip", () => {
        m = add.map({ x: [0, 1, 2], y: [0, 1] });
      });
      const s = await run(flow);
      const ms = statesOf(s).get(m)!;
      assert.ok(ms instanceof Mapped);
      assert.equal(ms.mapStates.length, 2);
      assert.deepEqual(ms.result, [0, 2]);
      assert.ok(s.isSuccessful());
    });

    it("unmapped keeps an input whole", async () => {
      let m!: AnyTask;
      let whole!: AnyTask;
      let once!: AnyTask;
      const pair = task({ name: "pair" }, ({ x, all }: { x: number; all: number[] }) => `${x}:${all.join("+")}`);
      const both = task({ name: "both" }, ({ a, b }: { a: number[]; b: number }) => a.length + b);
      const flow = Flow.build("unmapped", () => {
        m = add.map({ x: [1, 2, 3], y: unmapped(5) });
        const inner = addOne.map({ x: [1, 2, 3] });
        whole = pair.map({ x: [10, 20], all: unmapped(inner) });
        once = both.map({ a: unmapped(inner), b: unmapped(list(4, "four").call()) });
      });
      const s = await run(flow);
      assert.deepEqual(statesOf(s).get(m)!.result, [6, 7, 8]);
      assert.deepEqual(statesOf(s).get(whole)!.result, ["10:2+3+4", "20:2+3+4"]);
      // No mapped edge at all: one normal run, not a list.
      const onceState = statesOf(s).get(once)!;
      assert.ok(onceState instanceof Success && !(onceState instanceof Mapped));
      assert.equal(onceState.result, 7);
    });

    it("mapped → mapped links child i to child i", async () => {
      let second!: AnyTask;
      const seen: Array<[number | undefined, unknown]> = [];
      const flow = Flow.build("chain", () => {
        const first = addOne.map({ x: list([10, 20, 30]).call() });
        second = task({ name: "second" }, ({ x }: { x: number }) => {
          seen.push([context.mapIndex, x]);
          return x * 2;
        }).map({ x: first });
      });
      const s = await run(flow);
      assert.deepEqual(statesOf(s).get(second)!.result, [22, 42, 62]);
      assert.deepEqual(seen.sort((a, b) => a[0]! - b[0]!), [[0, 11], [1, 21], [2, 31]]);
    });

    it("a plain task downstream of a mapped one reduces (gets every child's result)", async () => {
      let r!: AnyTask;
      const flow = Flow.build("reduce", () => {
        r = sum.call({ xs: addOne.map({ x: [1, 2, 3] }) });
      });
      const s = await run(flow);
      assert.equal(statesOf(s).get(r)!.result, 9);
      assert.ok(s.isSuccessful());
    });

    it("a reduce trigger sees every child: one failed child → reducer TriggerFailed", async () => {
      let r!: AnyTask;
      let m!: AnyTask;
      const flow = Flow.build("reduce-fail", () => {
        m = task({ name: "maybe" }, ({ x }: { x: number }) => {
          if (x === 2) throw new Error("two");
          return x;
        }).map({ x: [1, 2, 3] });
        r = sum.call({ xs: m });
      });
      const s = await run(flow);
      const ms = statesOf(s).get(m) as Mapped;
      assert.deepEqual(ms.mapStates.map((c) => c.type), ["Success", "Failed", "Success"]);
      assert.ok(statesOf(s).get(r) instanceof TriggerFailed);
      assert.ok(s instanceof Failed);
    });

    it("a failure in one child only fails that index downstream (id.map(div.map(add.map(ll))))", async () => {
      let d!: AnyTask;
      let out!: AnyTask;
      const div = task({ name: "div" }, ({ x }: { x: number }) => {
        if (x === 0) throw new Error("division by zero");
        return 1 / x;
      });
      const flow = Flow.build("per-child-failure", () => {
        const ll = list([1, 2, 3], "ll").call();
        const shifted = add.map({ x: ll, y: unmapped(-1) });
        d = div.map({ x: shifted });
        out = identity.map({ x: d });
      });
      const s = await run(flow);
      const ds = statesOf(s).get(d) as Mapped;
      assert.ok(ds.mapStates[0] instanceof Failed);
      const os = statesOf(s).get(out) as Mapped;
      assert.ok(os instanceof Mapped);
      assert.ok(os.mapStates[0] instanceof TriggerFailed);
      assert.ok(os.mapStates[0]!.result instanceof TRIGGERFAIL);
      assert.deepEqual(os.mapStates.slice(1).map((c) => c.result), [1, 0.5]);
      assert.ok(os.mapStates[1] instanceof Success);
      assert.ok(s instanceof Failed);
      assert.equal(s.message, "Some reference tasks failed.");
    });

    it("a SKIP in one child skips that index downstream; the flow succeeds", async () => {
      let m!: AnyTask;
      let out!: AnyTask;
      const flow = Flow.build("per-child-skip", () => {
        m = task({ name: "skipper" }, ({ x }: { x: number }) => {
          if (x === 1) throw new signals.SKIP("skip one");
          return x;
        }).map({ x: [0, 1, 2] });
        out = identity.map({ x: m });
      });
      const s = await run(flow);
      const ms = statesOf(s).get(m) as Mapped;
      assert.ok(ms.mapStates[1] instanceof Skipped);
      assert.ok(ms.mapStates[1]!.result instanceof SKIP);
      const os = statesOf(s).get(out) as Mapped;
      assert.ok(os.mapStates[1] instanceof Skipped);
      assert.equal(os.mapStates[1]!.result, undefined);
      assert.deepEqual([os.mapStates[0]!.result, os.mapStates[2]!.result], [0, 2]);
      assert.ok(s instanceof Success);
    });

    it("mapping over [] gives Mapped [] and a mapped downstream []", async () => {
      let m!: AnyTask;
      let out!: AnyTask;
      let reduced!: AnyTask;
      let runs = 0;
      const flow = Flow.build("empty", () => {
        m = task({ name: "never" }, ({ x }: { x: number }) => (++runs, x)).map({ x: [] as number[] });
        out = identity.map({ x: m });
        reduced = sum.call({ xs: m });
      });
      const s = await run(flow);
      for (const t of [m, out]) {
        const st = statesOf(s).get(t)!;
        assert.ok(st instanceof Mapped);
        assert.deepEqual(st.mapStates, []);
        assert.deepEqual(st.result, []);
      }
      assert.equal(statesOf(s).get(reduced)!.result, 0);
      assert.equal(runs, 0);
      assert.ok(s instanceof Success);
    });

    it("mapping over a non-list → Failed: At least one upstream state has an unmappable result.", async () => {
      let m!: AnyTask;
      let c!: AnyTask;
      const flow = Flow.build("unmappable", () => {
        m = addOne.map({ x: list(5, "five").call() });
        c = addOne.map({ x: 7 as unknown as number[] });
      });
      const s = await run(flow);
      const detail = {
        [m.name + "/five"]: `Task 'addOne' cannot map over input "x" from task 'five': it needs an array and received a number (5)`,
        [c.name + "/const"]: `Task 'addOne' cannot map over input "x" from task '7': it needs an array and received a number (7)`,
      };
      for (const [t, key] of [[m, m.name + "/five"], [c, c.name + "/const"]] as const) {
        const st = statesOf(s).get(t)!;
        assert.ok(st instanceof Failed && !(st instanceof TriggerFailed), String(st));
        // Prefect's message, then which upstream task, input and value: the error is the result.
        assert.equal(st.message, `At least one upstream state has an unmappable result. ${detail[key]}`);
        assert.ok(st.result instanceof MappingError);
        assert.equal((st.result as Error).message, detail[key]);
      }
      assert.ok(s instanceof Failed);
    });

    it("mapping over a failed upstream → Failed: No upstream states can be mapped over.", async () => {
      let m!: AnyTask;
      let down!: AnyTask;
      const flow = Flow.build("failed-upstream", () => {
        const bad = task({ name: "bad" }, (): number[] => {
          throw new Error("no list");
        }).call();
        m = addOne.map({ x: bad });
        down = identity.map({ x: m });
      });
      const s = await run(flow);
      const st = statesOf(s).get(m)!;
      assert.ok(st instanceof Failed);
      assert.equal(st.message, "No upstream states can be mapped over.");
      assert.ok(statesOf(s).get(down)!.isFailed());
      assert.ok(s instanceof Failed);
    });

    it("mapping without data: upstreamTasks mapped state-only → one run per element", async () => {
      let runs = 0;
      let m!: AnyTask;
      const flow = Flow.build("no-data", () => {
        const returnList = list([1, 2, 3, 4], "returnList").call();
        m = task({ name: "hello" }, () => {
          runs++;
          return context.mapIndex;
        }).map({}, { upstreamTasks: [returnList] });
      });
      const s = await run(flow);
      assert.equal(runs, 4);
      assert.deepEqual(statesOf(s).get(m)!.result, [0, 1, 2, 3]);
    });

    it("two mapped branches off one mapped task run each child exactly once (5 × 3 = 15 runs)", async () => {
      const runs = new Map<string, number>();
      const counted = (name: string) => task({ name }, ({ x }: { x: number }) => {
        runs.set(`${name}[${context.mapIndex}]`, (runs.get(`${name}[${context.mapIndex}]`) ?? 0) + 1);
        return x;
      });
      const flow = Flow.build("branches", () => {
        const a = counted("a").map({ x: [1, 2, 3, 4, 5] });
        counted("b").map({ x: a });
        counted("c").map({ x: a });
      });
      const s = await run(flow);
      assert.ok(s.isSuccessful());
      assert.equal(runs.size, 15);
      assert.ok([...runs.values()].every((n) => n === 1));
    });

    it("flatten in its 4 forms feeds [2, 3, 4]", async () => {
      const outs: AnyTask[] = [];
      let reduced!: AnyTask;
      const flow = Flow.build("flatten", () => {
        // 1. a nested constant
        outs.push(addOne.map({ x: flatten([[1], [2, 3]]) }));
        // 2. a mapped result whose children are lists
        const nested = nest.map({ x: list([1, 2, 3], "ll").call() });
        outs.push(addOne.map({ x: flatten(nested) }));
        // 3. a mapped result that was itself flat-mapped
        const flatMapped = nest.map({ x: flatten(list([[1], [2, 3]], "llNested").call()) });
        outs.push(addOne.map({ x: flatten(flatMapped) }));
        // 4. a plain (non-mapped) task's nested result
        outs.push(addOne.map({ x: flatten(list([[1, 2], [3]], "plainNested").call()) }));
        // and a reduce edge, flattened
        reduced = identity.call({ x: flatten(nested) });
      });
      const s = await run(flow);
      assert.ok(s.isSuccessful(), String(s));
      for (const o of outs) assert.deepEqual(statesOf(s).get(o)!.result, [2, 3, 4]);
      assert.deepEqual(statesOf(s).get(reduced)!.result, [1, 2, 3]);
    });

    it("a skipped child skips a reducer (skipOnUpstreamSkip), not one with skipOnUpstreamSkip: false", async () => {
      let r!: AnyTask;
      let tolerant!: AnyTask;
      const flow = Flow.build("reduce-skip", () => {
        const m = task({ name: "skipper" }, ({ x }: { x: number }) => {
          if (x === 2) throw new signals.SKIP("skip two");
          return x;
        }).map({ x: [1, 2, 3] });
        r = sum.call({ xs: m });
        tolerant = task({ name: "tolerant", skipOnUpstreamSkip: false }, ({ xs }: { xs: unknown[] }) => xs.length).call({ xs: m });
      });
      const s = await run(flow);
      assert.ok(statesOf(s).get(r) instanceof Skipped);
      assert.equal(statesOf(s).get(tolerant)!.result, 3);
      assert.ok(s instanceof Success);
    });

    it("a skipped upstream on a mapped edge skips the mapped task", async () => {
      let m!: AnyTask;
      const flow = Flow.build("skip-parent", () => {
        const l = task({ name: "skippedList" }, (): number[] => {
          throw new signals.SKIP("nothing to do");
        }).call();
        m = addOne.map({ x: l });
      });
      const s = await run(flow);
      assert.ok(statesOf(s).get(m) instanceof Skipped);
      assert.ok(s instanceof Success);
    });

    it("a downstream mapped child waits for its upstream child's retries", async () => {
      let out!: AnyTask;
      const tries = new Map<number, number>();
      const flow = Flow.build("child-retry-chain", () => {
        const m = task({ name: "flakyChild", maxRetries: 1, retryDelay: 15 }, ({ x }: { x: number }) => {
          const i = context.mapIndex!;
          tries.set(i, (tries.get(i) ?? 0) + 1);
          if (i === 0 && tries.get(i) === 1) throw new Error("first try");
          return x;
        }).map({ x: [1, 2] });
        out = addOne.map({ x: m });
      });
      const s = await run(flow);
      assert.deepEqual(statesOf(s).get(out)!.result, [2, 3]);
      assert.equal(tries.get(0), 2);
      assert.equal(tries.get(1), 1);
    });

    it("re-running with every finished state (mapped ones included) runs nothing again", async () => {
      let runs = 0;
      let out!: AnyTask;
      const flow = Flow.build("rerun-done", () => {
        const m = task({ name: "counted" }, ({ x }: { x: number }) => (++runs, x)).map({ x: [1, 2, 3] });
        out = sum.call({ xs: addOne.map({ x: m }) });
      });
      const first = await run(flow);
      assert.equal(runs, 3);
      const again = await flow.run({ executor: makeExecutor(), taskStates: statesOf(first) });
      assert.equal(runs, 3);
      assert.equal(statesOf(again).get(out)!.result, 9);
      assert.ok(again instanceof Success);
    });

    it("each child loops on its own", async () => {
      let m!: AnyTask;
      const flow = Flow.build("child-loops", () => {
        m = task({ name: "looper" }, ({ n }: { n: number }) => {
          const count = context.get("taskLoopCount", 1) as number;
          const acc = ((context.taskLoopResult as number | undefined) ?? 0) + 1;
          if (count < n) throw new signals.LOOP({ result: acc });
          return acc;
        }).map({ n: [1, 3, 5] });
      });
      const s = await run(flow);
      assert.deepEqual(statesOf(s).get(m)!.result, [1, 3, 5]);
    });

    it("Mapped.mapStates has one state per child; children are named name[i]", async () => {
      let m!: AnyTask;
      const names: string[] = [];
      const flow = Flow.build("names", () => {
        m = task({ name: "child" }, ({ x }: { x: number }) => {
          names.push(`${context.taskFullName}|${context.taskName}|${context.mapIndex}`);
          return x;
        }).map({ x: [5, 6, 7] });
      });
      const s = await run(flow);
      const ms = statesOf(s).get(m) as Mapped;
      assert.equal(ms.mapStates.length, 3);
      assert.ok(ms.mapStates.every((c) => c instanceof Success));
      assert.deepEqual(ms.mapStates.map((c) => c.result), [5, 6, 7]);
      assert.deepEqual(names.sort(), ["child[0]|child|0", "child[1]|child|1", "child[2]|child|2"]);
    });

    it("retries of one child are isolated to its index", async () => {
      const attempts = new Map<number, number[]>();
      let m!: AnyTask;
      const flow = Flow.build("child-retries", () => {
        m = task({ name: "flaky", maxRetries: 2, retryDelay: 10 }, ({ x }: { x: number }) => {
          const i = context.mapIndex!;
          attempts.set(i, [...(attempts.get(i) ?? []), context.taskRunCount!]);
          if (i === 1 && context.taskRunCount! < 3) throw new Error("flaky child");
          return x * 10;
        }).map({ x: [1, 2, 3] });
      });
      const s = await run(flow);
      assert.deepEqual(statesOf(s).get(m)!.result, [10, 20, 30]);
      assert.deepEqual([...attempts.entries()].sort(), [[0, [1]], [1, [1, 2, 3]], [2, [1]]]);
      assert.ok(s.isSuccessful());
    });

    it("a re-run given a partially done Mapped state runs only the unfinished children", async () => {
      const ran: number[] = [];
      let m!: AnyTask;
      let down!: AnyTask;
      const flow = Flow.build("partial", () => {
        m = task({ name: "partial" }, ({ x }: { x: number }) => {
          ran.push(context.mapIndex!);
          return x;
        }).map({ x: [1, 2, 3] });
        down = sum.call({ xs: m });
      });
      const given = new Mapped({ mapStates: [new Pending(), new Success({ result: 100 }), null as unknown as State] });
      const s = await run(flow, { taskStates: new Map([[m, given]]) });
      assert.deepEqual(ran.sort(), [0, 2]);
      assert.deepEqual(statesOf(s).get(m)!.result, [1, 100, 3]);
      assert.equal(statesOf(s).get(down)!.result, 104);
    });

    it("a reducer stays Pending while a child is unfinished (a paused child); the flow stays Running", async () => {
      let r!: AnyTask;
      let m!: AnyTask;
      const flow = Flow.build("reduce-retrying", () => {
        m = task({ name: "slowRetry" }, ({ x }: { x: number }) => {
          if (x === 2) throw new signals.PAUSE("paused child");
          return x;
        }).map({ x: [1, 2] });
        r = sum.call({ xs: m });
      });
      const s = await run(flow);
      const ms = statesOf(s).get(m) as Mapped;
      assert.ok(ms.mapStates[1]!.isPaused());
      assert.ok(statesOf(s).get(r) instanceof Pending);
      assert.equal(s.type, "Running");
    });
  });
}

describe("mapping: LocalExecutor and ConcurrentExecutor agree", () => {
  it("every mapping flow gives the same states on both executors", () => {
    assert.ok(summaries.size >= 15, `only ${summaries.size} flows recorded`);
    for (const [name, byExecutor] of summaries) {
      assert.equal(byExecutor.size, 2, `${name} ran on both`);
      assert.deepEqual(byExecutor.get("ConcurrentExecutor"), byExecutor.get("LocalExecutor"), `flow ${name}`);
    }
  });
});

describe("mapping: depth-first on ConcurrentExecutor", () => {
  it("stage-2 child 0 starts before stage-1 child 1 finishes", async () => {
    const events: string[] = [];
    let s2!: AnyTask;
    const flow = Flow.build("depth-first", () => {
      const s1 = task({ name: "stage1" }, async ({ x }: { x: number }) => {
        events.push(`s1:start:${context.mapIndex}`);
        await sleep(x === 0 ? 5 : 150);
        events.push(`s1:end:${context.mapIndex}`);
        return x;
      }).map({ x: [0, 1] });
      s2 = task({ name: "stage2" }, ({ x }: { x: number }) => {
        events.push(`s2:start:${context.mapIndex}`);
        return x + 100;
      }).map({ x: s1 });
    });
    const s = await flow.run({ executor: new ConcurrentExecutor() });
    assert.deepEqual(statesOf(s).get(s2)!.result, [100, 101]);
    assert.ok(events.indexOf("s2:start:0") >= 0);
    assert.ok(events.indexOf("s2:start:0") < events.indexOf("s1:end:1"), events.join(", "));
    assert.ok(events.indexOf("s2:start:1") > events.indexOf("s1:end:1"), events.join(", "));
  });
});
