/**
 * Caching through whole flow runs. Prefect 1's in-process caches (`cacheFor` + `cacheValidator`,
 * `cacheKey` sharing, a Cached state given in `taskStates`), and the persistent cross-run cache of
 * a `cacheKeyFn` (seed 003: `taskInputHash` with Marvin and Trillian, the sum-based key, expiry,
 * and a second process that sees the cache). Every test has its own FLOWSMITH_HOME.
 */
import { beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import {
  allInputs, allParameters, Cached, CacheStore, durationOnly, Failed, Flow, LocalResult, neverUse, Parameter,
  partialInputsOnly, partialParametersOnly, ResultError, Success, task, taskInputHash,
  type AnyTask, type CacheValidator, type State,
} from "../../lib/index";
import { configureLogging } from "../../lib/engine/logging";
import { clearMemoryCaches } from "../../lib/engine/persistence";
import { calls as helloCalls, helloFlow } from "./fixtures/cache-hello";
import { captureLogs } from "../results/fixtures/log-capture";
import { writeFileSync, readFileSync } from "node:fs";

configureLogging({ level: "silent" });
const fixture = path.join(__dirname, "fixtures", "cache-hello.js");

import { files, withHome as withHomeIn } from "./fixtures/home";

const withHome = <T>(fn: (home: string) => Promise<T>) => withHomeIn("caching", fn);

function stateOf(flowState: State, t: AnyTask): State {
  const s = (flowState.result as Map<AnyTask, State>).get(t);
  assert.ok(s, `no state for ${t}`);
  return s;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A one-task flow `f(x, y)` with parameters x and y; `ran` records each run of the body. */
function paramFlow(name: string, opts: { cacheFor?: number; cacheValidator?: CacheValidator; cacheKey?: string }) {
  const ran: Array<[number, number]> = [];
  let t!: AnyTask;
  const flow = Flow.build(name, () => {
    const x = new Parameter<number>("x", { default: 1 });
    const y = new Parameter<number>("y", { default: 1 });
    t = task({ name: `${name}-task`, ...opts }, ({ x, y }: { x: number; y: number }) => (ran.push([x, y]), x * 100 + y)).call({ x, y });
  });
  const run = async (parameters: { x?: number; y?: number }) => stateOf(await flow.run({ parameters }), t);
  return { flow, run, ran };
}

describe("Prefect caching: cacheFor + cacheValidator (in-process)", () => {
  beforeEach(() => clearMemoryCaches());

  it("durationOnly (the default): cached until cacheFor runs out, then runs again", () =>
    withHome(async () => {
      const { run, ran } = paramFlow("duration", { cacheFor: 300 });
      const first = await run({});
      assert.ok(first instanceof Cached, "a successful run with cacheFor ends Cached");
      assert.equal(first.result, 101);
      assert.ok(first.cachedResultExpiration!.getTime() > Date.now());
      const second = await run({ x: 2 }); // durationOnly ignores the inputs
      assert.ok(second instanceof Cached);
      assert.equal(second.result, 101);
      assert.equal(ran.length, 1);
      await sleep(350);
      const third = await run({ x: 2 });
      assert.equal(third.result, 201);
      assert.deepEqual(ran, [[1, 1], [2, 1]]);
    }));

  it("allInputs: the same inputs are cached, different inputs run", () =>
    withHome(async () => {
      const { run, ran } = paramFlow("all-inputs", { cacheFor: 60_000, cacheValidator: allInputs });
      assert.equal((await run({ x: 1 })).result, 101);
      assert.equal((await run({ x: 1 })).result, 101);
      assert.equal((await run({ x: 2 })).result, 201);
      assert.equal((await run({ x: 1 })).result, 101, "the earlier entry is still a candidate");
      assert.deepEqual(ran, [[1, 1], [2, 1]]);
    }));

  it("allParameters: cached while the flow's parameters are the same", () =>
    withHome(async () => {
      const ran: string[] = [];
      let t!: AnyTask;
      const flow = Flow.build("all-params", () => {
        const p = new Parameter<string>("p");
        t = task({ name: "all-params-task", cacheFor: 60_000, cacheValidator: allParameters }, () => (ran.push("run"), ran.length)).call({}, { upstreamTasks: [p] });
      });
      const run = async (p: string) => stateOf(await flow.run({ parameters: { p } }), t);
      assert.equal((await run("a")).result, 1);
      const again = await run("a");
      assert.ok(again instanceof Cached);
      assert.deepEqual(again.cachedParameters, { p: "a" });
      assert.equal(again.result, 1);
      assert.equal((await run("b")).result, 2);
      assert.equal(ran.length, 2);
    }));

  it("partialInputsOnly(keys): only the named inputs are compared", () =>
    withHome(async () => {
      const { run, ran } = paramFlow("partial-inputs", { cacheFor: 60_000, cacheValidator: partialInputsOnly(["x"]) });
      assert.equal((await run({ x: 1, y: 1 })).result, 101);
      assert.equal((await run({ x: 1, y: 9 })).result, 101, "y is not validated on");
      assert.equal((await run({ x: 3, y: 9 })).result, 309);
      assert.deepEqual(ran, [[1, 1], [3, 9]]);
    }));

  it("partialParametersOnly(keys): only the named parameters are compared", () =>
    withHome(async () => {
      const { run, ran } = paramFlow("partial-params", { cacheFor: 60_000, cacheValidator: partialParametersOnly(["y"]) });
      assert.equal((await run({ x: 1, y: 1 })).result, 101);
      assert.equal((await run({ x: 5, y: 1 })).result, 101);
      assert.equal((await run({ x: 5, y: 2 })).result, 502);
      assert.equal(ran.length, 2);
    }));

  it("neverUse: always runs", () =>
    withHome(async () => {
      const { run, ran } = paramFlow("never", { cacheFor: 60_000, cacheValidator: neverUse });
      await run({});
      await run({});
      assert.equal(ran.length, 2);
    }));

  it("cacheKey: two different tasks in two different flows share one cache", () =>
    withHome(async () => {
      const ranB: number[] = [];
      let a!: AnyTask, b!: AnyTask;
      const flowA = Flow.build("producer-flow", () => {
        a = task({ name: "producer-a", cacheFor: 60_000, cacheKey: "shared-key" }, () => ({ from: "a" })).call();
      });
      const flowB = Flow.build("consumer-flow", () => {
        b = task({ name: "producer-b", cacheFor: 60_000, cacheKey: "shared-key" }, () => (ranB.push(1), { from: "b" })).call();
      });
      assert.deepEqual(stateOf(await flowA.run(), a).result, { from: "a" });
      const sb = stateOf(await flowB.run(), b);
      assert.ok(sb instanceof Cached);
      assert.deepEqual(sb.result, { from: "a" });
      assert.deepEqual(ranB, []);
      // without the shared key, the same task name alone would not have matched
      const c = task({ name: "producer-c", cacheFor: 60_000 }, () => "c");
      const flowC = Flow.build("other-flow", () => void c.call());
      assert.ok((await flowC.run()).isSuccessful());
    }));

  it("a Cached state passed in taskStates is revalidated: kept when valid, rerun when invalid or expired", () =>
    withHome(async () => {
      const ran: number[] = [];
      let t!: AnyTask;
      const flow = Flow.build("given-cached", () => {
        const x = new Parameter<number>("x");
        t = task({ name: "given-cached-task", cacheValidator: allInputs }, ({ x }: { x: number }) => (ran.push(x), x * 10)).call({ x });
      });
      const cached = (x: number, expiresIn: number) =>
        new Cached({ result: "from-cache", cachedInputs: { x }, cachedResultExpiration: new Date(Date.now() + expiresIn) });
      const run = async (x: number, given: Cached) => stateOf(await flow.run({ parameters: { x }, taskStates: new Map([[t, given]]) }), t);

      const valid = await run(1, cached(1, 60_000));
      assert.ok(valid instanceof Cached);
      assert.equal(valid.result, "from-cache");
      assert.deepEqual(ran, []);

      const otherInputs = await run(2, cached(1, 60_000));
      assert.ok(otherInputs instanceof Success && !(otherInputs instanceof Cached));
      assert.equal(otherInputs.result, 20);

      const expired = await run(1, cached(1, -1));
      assert.equal(expired.result, 10);
      assert.deepEqual(ran, [2, 1]);
    }));

  it("a Cached state given to a task without a validator is checked by durationOnly; a state handler sees Cached -> Pending", () =>
    withHome(async () => {
      const seen: string[] = [];
      let t!: AnyTask;
      const flow = Flow.build("given-cached-2", () => {
        t = task({ name: "gc2", stateHandlers: [(_t, o, n) => void seen.push(`${o.type}->${n.type}`)] }, () => "fresh").call();
      });
      const expired = new Cached({ result: "stale", cachedResultExpiration: new Date(Date.now() - 1) });
      const s = stateOf(await flow.run({ taskStates: new Map([[t, expired]]) }), t);
      assert.equal(s.result, "fresh");
      assert.equal(seen[0], "Cached->Pending");
      const neverExpires = new Cached({ result: "kept", cachedResultExpiration: null });
      assert.equal(stateOf(await flow.run({ taskStates: new Map([[t, neverExpires]]) }), t).result, "kept");
      assert.ok(durationOnly(neverExpires, {}, {}));
    }));
});

describe("seed 003: cacheKeyFn caches across runs and processes", () => {
  it("taskInputHash: Marvin runs, Marvin again is Cached with the stored value, Trillian runs", () =>
    withHome(async (home) => {
      const before = helloCalls.length;
      const m1 = await helloFlow("Marvin");
      assert.deepEqual(m1, { ran: true, state: "Success", value: "hello Marvin" });
      const m2 = await helloFlow("Marvin");
      assert.deepEqual(m2, { ran: false, state: "Cached", value: "hello Marvin" });
      const t1 = await helloFlow("Trillian");
      assert.deepEqual(t1, { ran: true, state: "Success", value: "hello Trillian" });
      assert.deepEqual(helloCalls.slice(before), ["Marvin", "Trillian"]);
      // one self-contained entry per key under FLOWSMITH_HOME/cache
      assert.equal(files(path.join(home, "cache")).length, 2);
      const entry = await new CacheStore().get(taskInputHash({ taskName: "hello_task" }, { name_input: "Marvin" }));
      assert.equal(entry?.taskName, "hello_task");
      assert.ok(entry!.expiresAt! > Date.now());
    }));

  it("a Cached hit carries the stored value and the entry's expiration; the task body is not called", () =>
    withHome(async () => {
      let calls = 0;
      let t!: AnyTask;
      const flow = Flow.build("hit", () => {
        t = task({ name: "hit-task", cacheKeyFn: () => "fixed", cacheExpiration: 60_000 }, () => ++calls).call();
      });
      const first = stateOf(await flow.run(), t);
      assert.ok(first instanceof Success && !(first instanceof Cached));
      const second = stateOf(await flow.run(), t);
      assert.ok(second instanceof Cached);
      assert.equal(second.result, 1, "the stored value, not a new run's");
      assert.match(second.message!, /Cached result found for key "fixed"/);
      const exp = second.cachedResultExpiration!.getTime();
      assert.ok(exp > Date.now() && exp <= Date.now() + 60_000);
      assert.equal(calls, 1);
    }));

  it("cacheExpiration: after it runs out, the same input runs again", () =>
    withHome(async () => {
      const ran: string[] = [];
      let t!: AnyTask;
      const flow = Flow.build("expiry", () => {
        const name = new Parameter<string>("name_input");
        t = task({ name: "hello_task", cacheKeyFn: taskInputHash, cacheExpiration: 300 }, ({ name_input }: { name_input: string }) => (ran.push(name_input), `hello ${name_input}`)).call({ name_input: name });
      });
      const run = async () => stateOf(await flow.run({ parameters: { name_input: "Marvin" } }), t);
      assert.ok(!((await run()) instanceof Cached));
      assert.ok((await run()) instanceof Cached);
      await sleep(350);
      const after = await run();
      assert.ok(!(after instanceof Cached));
      assert.equal(after.result, "hello Marvin");
      assert.deepEqual(ran, ["Marvin", "Marvin"]);
    }));

  it("the sum-based key: [2,2] runs, [2,2] and [1,3] are Cached with 4, [2,3] runs", () =>
    withHome(async () => {
      const printed: unknown[] = [];
      let t!: AnyTask;
      const cacheKeyFromSum = (_ctx: unknown, parameters: Record<string, unknown>) => {
        printed.push(parameters);
        return (parameters.nums as number[]).reduce((a, b) => a + b, 0);
      };
      const flow = Flow.build("test_caching", () => {
        const nums = new Parameter<number[]>("nums");
        t = task({ name: "cached_task", cacheKeyFn: cacheKeyFromSum, cacheExpiration: 60_000 }, ({ nums }: { nums: number[] }) => {
          printed.push("running an expensive operation");
          return nums.reduce((a, b) => a + b, 0);
        }).call({ nums });
      });
      const run = async (nums: number[]) => stateOf(await flow.run({ parameters: { nums } }), t);
      const a = await run([2, 2]);
      assert.ok(!(a instanceof Cached));
      assert.equal(a.result, 4);
      const b = await run([2, 2]);
      assert.ok(b instanceof Cached);
      const c = await run([1, 3]);
      assert.ok(c instanceof Cached);
      assert.equal(c.result, 4);
      const d = await run([2, 3]);
      assert.ok(!(d instanceof Cached));
      assert.equal(d.result, 5);
      assert.equal(printed.filter((p) => p === "running an expensive operation").length, 2);
      assert.deepEqual(printed.filter((p) => typeof p === "object"), [{ nums: [2, 2] }, { nums: [2, 2] }, { nums: [1, 3] }, { nums: [2, 3] }]);
    }));

  it("a second process sees the cache, and this process sees the second's", () =>
    withHome(async (home) => {
      const env = { ...process.env, FLOWSMITH_HOME: home }; // NODE_PATH (if any) is inherited
      const child = (name: string) => {
        const r = spawnSync(process.execPath, [fixture, name], { env, encoding: "utf8", timeout: 10_000 });
        assert.equal(r.status, 0, r.stderr);
        return JSON.parse(r.stdout) as { ran: boolean; state: string; value: unknown };
      };
      assert.deepEqual(await helloFlow("Marvin"), { ran: true, state: "Success", value: "hello Marvin" });
      assert.deepEqual(child("Marvin"), { ran: false, state: "Cached", value: "hello Marvin" });
      assert.deepEqual(child("Trillian"), { ran: true, state: "Success", value: "hello Trillian" });
      assert.deepEqual(await helloFlow("Trillian"), { ran: false, state: "Cached", value: "hello Trillian" });
    }));

  it("a cacheKeyFn returning undefined or null does not cache", () =>
    withHome(async (home) => {
      let calls = 0;
      const flow = Flow.build("no-key", () => {
        task({ name: "nk", cacheKeyFn: () => undefined }, () => ++calls).call();
        task({ name: "nk2", cacheKeyFn: () => null }, () => ++calls).call();
      });
      await flow.run();
      await flow.run();
      assert.equal(calls, 4);
      assert.deepEqual(files(home), []);
    }));

  it("the cached value uses the task's result serializer (a Map through v8)", () =>
    withHome(async () => {
      let calls = 0;
      let t!: AnyTask;
      const flow = Flow.build("v8-cache", () => {
        t = task({ name: "v8c", cacheKeyFn: () => "m", result: new LocalResult({ serializer: "v8" }) }, () => (++calls, new Map([["k", 1n]]))).call();
      });
      await flow.run();
      const s = stateOf(await flow.run(), t);
      assert.ok(s instanceof Cached);
      assert.deepEqual(s.result, new Map([["k", 1n]]));
      assert.equal(calls, 1);
    }));

  it("an entry corrupted on disk is a miss: the task runs, a warning names the file, and the entry is rewritten", () =>
    withHome(async () => {
      let calls = 0;
      let t!: AnyTask;
      const flow = Flow.build("corrupt-cache", () => {
        t = task({ name: "corruptible", cacheKeyFn: () => "ck", result: new LocalResult({ serializer: "v8" }) }, () => new Map([["n", ++calls]])).call();
      });
      await flow.run();
      const file = new CacheStore().fileFor("ck");
      const whole = readFileSync(file, "utf8");
      for (const damaged of [whole.slice(0, whole.length / 2), whole.replace(/"data":"[^"]*"/, '"data":"AAAA"')]) {
        writeFileSync(file, damaged);
        const { value: state, lines } = await captureLogs(() => flow.run());
        const s = stateOf(state, t);
        assert.ok(s instanceof Success && !(s instanceof Cached), String(s));
        assert.deepEqual(s.result, new Map([["n", calls]]));
        const warnings = lines.filter((l) => l.level === 40);
        assert.equal(warnings.length, 1, JSON.stringify(lines));
        assert.equal(warnings[0]!.file, file);
        assert.equal(warnings[0]!.task, "corruptible", "logged by the task run's logger");
        assert.ok(warnings[0]!.msg.startsWith(`Ignoring the cache entry ${file} (key "ck"), which cannot be read: `), warnings[0]!.msg);
        const cached = stateOf(await flow.run(), t);
        assert.ok(cached instanceof Cached, "the entry was rewritten");
        assert.deepEqual(cached.result, new Map([["n", calls]]));
      }
      assert.equal(calls, 3);
    }));

  it("a value the cache cannot store fails the task, naming it and the serializer", () =>
    withHome(async (home) => {
      let t!: AnyTask;
      const flow = Flow.build("bad-cache", () => {
        t = task({ name: "fn-value", cacheKeyFn: () => "k" }, () => ({ f: () => 1 })).call();
      });
      const s = stateOf(await flow.run(), t);
      assert.ok(s instanceof Failed, String(s));
      assert.ok(s.result instanceof ResultError);
      assert.match(s.message!, /^Task 'fn-value': its result cannot be serialized by json serializer: .*a function at \$\.f/);
      assert.deepEqual(files(home), []);
    }));
});
