/**
 * Results that outlive the process, through whole flow runs: checkpointing (which result a task
 * writes to, who opts out, what is never written), write failures, templated locations (and the
 * ones refused), every serializer, `persistResult`, `cacheResultInMemory: false`, targets, and
 * retries of a task with a persisted result. Every test has its own FLOWSMITH_HOME and real files.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  Cached, CompressedSerializer, ConstantResult, Failed, InlineResult, Flow, LocalResult, Parameter, ResultError, SKIP, Skipped, Success, task,
  type AnyTask, type SerializerName, type Serializer, type State,
} from "../../lib/index";
import { configureLogging } from "../../lib/engine/logging";

configureLogging({ level: "silent" });

import { files, withHome as withHomeIn } from "./fixtures/home";

const withHome = <T>(fn: (home: string) => Promise<T>) => withHomeIn("persistence", fn);

function doc(file: string): { serializer: { type: string }; data: string; flowsmithVersion: string; encoding?: string } {
  return JSON.parse(fs.readFileSync(file, "utf8"));
}

function stateOf(flowState: State, t: AnyTask): State {
  const s = (flowState.result as Map<AnyTask, State>).get(t);
  assert.ok(s, `no state for ${t}`);
  return s;
}


describe("checkpointing", () => {
  it("writes one result document per task to the task's result; the task's result beats the flow's", () =>
    withHome(async (home) => {
      const taskDir = path.join(home, "task-results");
      const flowDir = path.join(home, "flow-results");
      let own!: AnyTask, inherited!: AnyTask;
      const flow = Flow.build("ckpt", { result: new LocalResult({ dir: flowDir, location: "{taskName}.json" }) }, () => {
        own = task({ name: "own", result: new LocalResult({ dir: taskDir, location: "{taskName}.json" }) }, () => ({ rows: [1, 2, 3] })).call();
        inherited = task({ name: "inherited" }, ({ x }: { x: { rows: number[] } }) => x.rows.length).call({ x: own });
      });
      const s = await flow.run({ context: { checkpointing: true } });
      assert.ok(s instanceof Success);
      assert.deepEqual(files(taskDir), ["own.json"]);
      assert.deepEqual(files(flowDir), ["inherited.json"]);
      const d = doc(path.join(taskDir, "own.json"));
      assert.deepEqual(d.serializer, { type: "json" });
      assert.equal(typeof d.flowsmithVersion, "string");
      assert.ok(d.flowsmithVersion.length > 0);
      assert.deepEqual(JSON.parse(d.data), { rows: [1, 2, 3] });
      assert.equal(JSON.parse(doc(path.join(flowDir, "inherited.json")).data), 3);
      // the states point at what was written
      const ownState = stateOf(s, own);
      assert.equal(ownState.persisted?.location, path.join(taskDir, "own.json"));
      assert.deepEqual(await ownState.fetchResult(), { rows: [1, 2, 3] });
      assert.equal(stateOf(s, inherited).result, 3);
    }));

  it("FlowOptions.checkpointing turns it on too", () =>
    withHome(async (home) => {
      const dir = path.join(home, "r");
      const flow = Flow.build("ckpt-opt", { checkpointing: true, result: new LocalResult({ dir, location: "{taskName}.json" }) }, () => {
        task({ name: "a" }, () => "A").call();
      });
      assert.ok((await flow.run()).isSuccessful());
      assert.deepEqual(files(dir), ["a.json"]);
    }));

  it("checkpoint: false opts a task out; failures and skips are never written", () =>
    withHome(async (home) => {
      const dir = path.join(home, "r");
      let failing!: AnyTask, skipping!: AnyTask;
      const flow = Flow.build("ckpt-out", { result: new LocalResult({ dir, location: "{taskName}.json" }) }, () => {
        task({ name: "kept" }, () => 1).call();
        task({ name: "optout", checkpoint: false }, () => 2).call();
        failing = task({ name: "boom" }, () => { throw new Error("bad code"); }).call();
        skipping = task({ name: "skipper" }, () => { throw new SKIP("not today"); }).call();
      });
      const s = await flow.run({ context: { checkpointing: true } });
      assert.ok(stateOf(s, failing) instanceof Failed);
      assert.ok(stateOf(s, skipping) instanceof Skipped);
      assert.deepEqual(files(dir), ["kept.json"]);
    }));

  it("without checkpointing nothing is written at all", () =>
    withHome(async (home) => {
      const dir = path.join(home, "r");
      const flow = Flow.build("no-ckpt", { result: new LocalResult({ dir, location: "{taskName}.json" }) }, () => {
        const a = task({ name: "a", result: new LocalResult({ dir, location: "own-{taskName}.json" }) }, () => 1).call();
        task({ name: "b" }, ({ a }: { a: number }) => a + 1).call({ a });
      });
      assert.ok((await flow.run()).isSuccessful());
      assert.ok((await flow.run({ context: { checkpointing: false } })).isSuccessful());
      assert.deepEqual(files(home), []);
    }));
});

describe("write failures", () => {
  const cases: Array<[string, () => unknown, RegExp]> = [
    ["a function value", () => ({ send: () => 1 }), /a function at \$\.send/],
    ["a cycle", () => { const o: Record<string, unknown> = { a: 1 }; o.self = o; return o; }, /a cycle at \$\.self/],
  ];
  for (const [what, make, detail] of cases) {
    it(`${what} with the json serializer fails the task, naming the task and the serializer; checkpoint: false succeeds`, () =>
      withHome(async (home) => {
        const dir = path.join(home, "r");
        const result = new LocalResult({ dir, location: "{taskName}.json" });
        let bad!: AnyTask, optout!: AnyTask;
        const flow = Flow.build("wf", { result }, () => {
          bad = task({ name: "unserializable" }, make).call();
          optout = task({ name: "unserializable-optout", checkpoint: false }, make).call();
        });
        const s = await flow.run({ context: { checkpointing: true } });
        const st = stateOf(s, bad);
        assert.ok(st instanceof Failed, `expected Failed, got ${st}`);
        assert.match(st.message!, /^Task 'unserializable': its result cannot be serialized by json serializer: /);
        assert.match(st.message!, detail);
        assert.ok(st.result instanceof ResultError);
        assert.ok(s instanceof Failed);
        const ok = stateOf(s, optout);
        assert.ok(ok instanceof Success, `expected Success, got ${ok}`);
        assert.equal(typeof (ok.result as { send?: unknown; a?: unknown }), "object");
        assert.deepEqual(files(dir), []);
      }));
  }

  it("the same value with the v8 serializer is written (a cycle survives)", () =>
    withHome(async (home) => {
      const dir = path.join(home, "r");
      let t!: AnyTask;
      const flow = Flow.build("wf-v8", () => {
        t = task({ name: "cyc", result: new LocalResult({ dir, location: "{taskName}.bin", serializer: "v8" }) }, () => {
          const o: Record<string, unknown> = { a: 1 };
          o.self = o;
          return o;
        }).call();
      });
      const s = await flow.run({ context: { checkpointing: true } });
      assert.ok(stateOf(s, t) instanceof Success);
      const back = (await new LocalResult({ dir, serializer: "v8" }).read("cyc.bin")).value as Record<string, unknown>;
      assert.equal(back.self, back);
    }));
});

describe("templated locations", () => {
  it("fill {flowName}/{taskName}-{x} from inputs, context and parameters", () =>
    withHome(async (home) => {
      const dir = path.join(home, "r");
      let t!: AnyTask, p!: AnyTask;
      const flow = Flow.build("tmpl", () => {
        const region = new Parameter<string>("region", { default: "eu" });
        t = task({ name: "load", result: new LocalResult({ dir, location: "{flowName}/{taskName}-{x}.json" }) }, ({ x }: { x: number }) => x * 10).call({ x: 7 });
        p = task({ name: "by-param", result: new LocalResult({ dir, location: "{region}/{today}/{taskName}.json" }) }, () => "p").call({}, { upstreamTasks: [region] });
      });
      const s = await flow.run({ parameters: { region: "us" }, context: { checkpointing: true, date: "2024-03-05T12:00:00Z" } });
      assert.ok(s.isSuccessful(), String(s));
      assert.ok(fs.existsSync(path.join(dir, "tmpl", "load-7.json")));
      assert.ok(fs.existsSync(path.join(dir, "us", "2024-03-05", "by-param.json")));
      assert.equal(stateOf(s, t).persisted?.location, path.join(dir, "tmpl", "load-7.json"));
      assert.equal(await stateOf(s, p).fetchResult(), "p");
    }));

  it("inputs win over context and parameters", () =>
    withHome(async (home) => {
      const dir = path.join(home, "r");
      const flow = Flow.build("prec", () => {
        const x = new Parameter<string>("x", { default: "param" });
        task({ name: "t", result: new LocalResult({ dir, location: "{taskName}-{x}.json" }) }, ({ x }: { x: string }) => x).call({ x: "input" }, { upstreamTasks: [x] });
      });
      assert.ok((await flow.run({ context: { checkpointing: true } })).isSuccessful());
      assert.ok(files(dir).includes("t-input.json"), files(dir).join());
    }));

  it("a parameter value ../../x that would leave the result directory is refused: Failed, naming the location", () =>
    withHome(async (home) => {
      const dir = path.join(home, "deep", "r");
      let t!: AnyTask;
      const flow = Flow.build("escape", () => {
        const name = new Parameter<string>("name");
        t = task({ name: "save", persistResult: true, result: new LocalResult({ dir, location: "{name}.json" }) }, ({ name }: { name: string }) => name).call({ name });
      });
      const s = await flow.run({ parameters: { name: "../../x" } });
      const st = stateOf(s, t);
      assert.ok(st instanceof Failed, String(st));
      assert.match(st.message!, /^Task 'save': /);
      assert.ok(st.message!.includes('"../../x.json"'), st.message);
      assert.match(st.message!, /resolves outside the result directory/);
      assert.deepEqual(files(home), []);
      assert.ok(!fs.existsSync(path.join(home, "x.json")));
    }));
});

describe("every serializer through a flow", () => {
  const serializers: Array<[string, SerializerName | Serializer]> = [
    ["json", "json"],
    ["v8", "v8"],
    ["compressed/json", "compressed/json"],
    ["compressed/v8", "compressed/v8"],
    ["compressed v8 brotli", new CompressedSerializer({ serializer: "v8", format: "brotli" })],
  ];
  const value = { name: "Marvin", n: 42, list: [1, 2, 3], nested: { ok: true } };
  for (const [label, serializer] of serializers) {
    it(`${label}: written during the run and read back with result.read()`, () =>
      withHome(async (home) => {
        const dir = path.join(home, "r");
        const result = new LocalResult({ dir, location: "{taskName}.out", serializer });
        let t!: AnyTask;
        const flow = Flow.build(`ser-${label}`, () => {
          t = task({ name: "produce", result }, () => value).call();
        });
        const s = await flow.run({ context: { checkpointing: true } });
        assert.ok(stateOf(s, t) instanceof Success);
        const d = doc(path.join(dir, "produce.out"));
        assert.deepEqual(d.serializer, result.serializer.describe());
        assert.equal(typeof d.data, "string");
        const read = await result.read("produce.out");
        assert.deepEqual(read.value, value);
        assert.equal(read.location, path.join(dir, "produce.out"));
      }));
  }

  it("v8 keeps Maps, Dates and bigints that json would refuse", () =>
    withHome(async (home) => {
      const dir = path.join(home, "r");
      const result = new LocalResult({ dir, location: "{taskName}.out", serializer: "compressed/v8" });
      const rich = new Map<string, unknown>([["when", new Date(0)], ["big", 10n ** 20n]]);
      const flow = Flow.build("rich", () => void task({ name: "rich", result }, () => rich).call());
      assert.ok((await flow.run({ context: { checkpointing: true } })).isSuccessful());
      assert.deepEqual((await result.read("rich.out")).value, rich);
    }));
});

describe("persistResult", () => {
  it("persistResult: true writes without checkpointing (to the default result under FLOWSMITH_HOME)", () =>
    withHome(async (home) => {
      let t!: AnyTask;
      const flow = Flow.build("persist", () => {
        t = task({ name: "p", persistResult: true }, () => [1, 2]).call();
        task({ name: "q" }, () => 3).call();
      });
      const s = await flow.run();
      const st = stateOf(s, t);
      assert.ok(st instanceof Success);
      const written = files(path.join(home, "results"));
      assert.equal(written.length, 1, written.join());
      assert.match(written[0]!, /^\d{4}\/\d{2}\/\d{2}\/[0-9a-f-]{36}\.json$/);
      assert.equal(st.persisted?.location, path.join(home, "results", written[0]!));
      assert.deepEqual(await st.fetchResult(), [1, 2]);
      assert.deepEqual(files(home).filter((f) => !f.startsWith("results")), []);
    }));

  it("persistResult: false beats checkpointing", () =>
    withHome(async (home) => {
      const dir = path.join(home, "r");
      const flow = Flow.build("nopersist", { result: new LocalResult({ dir, location: "{taskName}.json" }) }, () => {
        task({ name: "yes" }, () => 1).call();
        task({ name: "no", persistResult: false }, () => 2).call();
      });
      assert.ok((await flow.run({ context: { checkpointing: true } })).isSuccessful());
      assert.deepEqual(files(dir), ["yes.json"]);
    }));
});

describe("cacheResultInMemory: false", () => {
  it("drops the value from the state (fetchResult reads it back); downstream still receives it", () =>
    withHome(async (home) => {
      const dir = path.join(home, "r");
      const big = { rows: Array.from({ length: 100 }, (_, i) => i) };
      let producer!: AnyTask, consumer!: AnyTask;
      const flow = Flow.build("drop", () => {
        producer = task({ name: "big", cacheResultInMemory: false, result: new LocalResult({ dir, location: "{taskName}.json" }) }, () => big).call();
        consumer = task({ name: "count" }, ({ data }: { data: typeof big }) => data.rows.length).call({ data: producer });
      });
      const s = await flow.run();
      assert.ok(s instanceof Success, String(s));
      const st = stateOf(s, producer);
      assert.ok(st instanceof Success);
      assert.equal(st.resultDropped, true);
      assert.equal(st.result, undefined);
      assert.throws(() => st.getResult(), (err: Error) => {
        assert.ok(err instanceof ResultError);
        assert.match(err.message, /was dropped from memory after it was persisted; use await state\.fetchResult\(\)/);
        return true;
      });
      assert.deepEqual(await st.fetchResult(), big);
      assert.deepEqual(files(dir), ["big.json"]);
      assert.equal(stateOf(s, consumer).result, 100);
    }));

  it("mapped children that drop their values: the reducing downstream reads each back (default result)", () =>
    withHome(async (home) => {
      let summed!: AnyTask, doubled!: AnyTask;
      const flow = Flow.build("drop-map", () => {
        const xs = task({ name: "xs" }, () => [1, 2, 3]).call();
        doubled = task({ name: "double", cacheResultInMemory: false }, ({ x }: { x: number }) => x * 2).map({ x: xs });
        summed = task({ name: "sum" }, ({ xs }: { xs: number[] }) => xs.reduce((a, b) => a + b, 0)).call({ xs: doubled });
      });
      const s = await flow.run();
      assert.ok(s instanceof Success, String(s));
      assert.equal(stateOf(s, summed).result, 12);
      const children = (stateOf(s, doubled) as unknown as { mapStates: State[] }).mapStates;
      assert.deepEqual(children.map((c) => c.resultDropped), [true, true, true]);
      assert.deepEqual(await Promise.all(children.map((c) => c.fetchResult())), [2, 4, 6]);
      assert.equal(files(path.join(home, "results")).length, 3);
    }));

  it("mapping over a value that was dropped from memory", () =>
    withHome(async () => {
      let summed!: AnyTask;
      const flow = Flow.build("drop-map-over", () => {
        const xs = task({ name: "xs", cacheResultInMemory: false }, () => [1, 2, 3]).call();
        const doubled = task({ name: "double" }, ({ x }: { x: number }) => x * 2).map({ x: xs });
        summed = task({ name: "sum" }, ({ xs }: { xs: number[] }) => xs.reduce((a, b) => a + b, 0)).call({ xs: doubled });
      });
      const s = await flow.run();
      assert.equal(stateOf(s, summed).result, 12);
    }));
});

describe("InlineResult and ConstantResult as a task's result", () => {
  it("InlineResult keeps the value in the state as JSON text: nothing on disk, fetchResult parses it", () =>
    withHome(async (home) => {
      let t!: AnyTask;
      const flow = Flow.build("inline", () => {
        t = task({ name: "inl", cacheResultInMemory: false, result: new InlineResult() }, () => ({ a: [1, 2] })).call();
      });
      const st = stateOf(await flow.run(), t);
      assert.ok(st instanceof Success);
      assert.equal(st.persisted?.location, '{"a":[1,2]}');
      assert.deepEqual(await st.fetchResult(), { a: [1, 2] });
      assert.deepEqual(files(home), []);
    }));

  it("ConstantResult cannot be written: a checkpointed task with one fails, naming the task", () =>
    withHome(async () => {
      let t!: AnyTask;
      const flow = Flow.build("constant", () => {
        t = task({ name: "const", persistResult: true, result: new ConstantResult({ value: 1 }) }, () => 2).call();
      });
      const st = stateOf(await flow.run(), t);
      assert.ok(st instanceof Failed, String(st));
      assert.match(st.message!, /^Task 'const': its result could not be written with ConstantResult\(value=1\): ConstantResult cannot be written/);
    }));
});

describe("targets", () => {
  it('target "{taskName}-{today}.json": the first run writes and runs, the second is Cached with the stored value', () =>
    withHome(async (home) => {
      const dir = path.join(home, "r");
      let calls = 0;
      let t!: AnyTask;
      const flow = Flow.build("targets", { result: new LocalResult({ dir }) }, () => {
        t = task({ name: "extract", target: "{taskName}-{today}.json" }, () => (++calls, { rows: 3 })).call();
      });
      const ctx = { date: "2024-06-01T00:00:00Z" };
      const first = await flow.run({ context: ctx });
      assert.ok(stateOf(first, t) instanceof Success && !(stateOf(first, t) instanceof Cached));
      assert.equal(calls, 1);
      assert.deepEqual(files(dir), ["extract-2024-06-01.json"]);
      const second = await flow.run({ context: ctx });
      const st = stateOf(second, t);
      assert.ok(st instanceof Cached, String(st));
      assert.deepEqual(st.result, { rows: 3 });
      assert.match(st.message!, /Result found at task target extract-2024-06-01\.json/);
      assert.equal(calls, 1, "run is not called when the target exists");
      // another day is another target
      const third = await flow.run({ context: { date: "2024-06-02T00:00:00Z" } });
      assert.ok(!(stateOf(third, t) instanceof Cached));
      assert.equal(calls, 2);
    }));

  it("a function target; a different input is a different target and runs again", () =>
    withHome(async (home) => {
      const dir = path.join(home, "r");
      const ran: string[] = [];
      let t!: AnyTask;
      const flow = Flow.build("fn-target", () => {
        const who = new Parameter<string>("who");
        t = task(
          { name: "hello", result: new LocalResult({ dir }), target: (ctx) => `greetings/${String((ctx as unknown as { who: string }).who)}.json` },
          ({ who }: { who: string }) => (ran.push(who), `hello ${who}`),
        ).call({ who });
      });
      const a = await flow.run({ parameters: { who: "Marvin" } });
      assert.equal(stateOf(a, t).result, "hello Marvin");
      const b = await flow.run({ parameters: { who: "Marvin" } });
      assert.ok(stateOf(b, t) instanceof Cached);
      assert.equal(stateOf(b, t).result, "hello Marvin");
      const c = await flow.run({ parameters: { who: "Trillian" } });
      assert.ok(!(stateOf(c, t) instanceof Cached));
      assert.equal(stateOf(c, t).result, "hello Trillian");
      assert.deepEqual(ran, ["Marvin", "Trillian"]);
      assert.deepEqual(files(dir), ["greetings/Marvin.json", "greetings/Trillian.json"]);
    }));

  it("a target filled with a value holding braces is written where it was checked", () =>
    withHome(async (home) => {
      const dir = path.join(home, "r");
      let calls = 0;
      let t!: AnyTask;
      const flow = Flow.build("brace-target", () => {
        const key = new Parameter<string>("key");
        t = task({ name: "t", result: new LocalResult({ dir }), target: "{taskName}-{key}.json" }, ({ key }: { key: string }) => (++calls, key)).call({ key });
      });
      const a = await flow.run({ parameters: { key: "{odd}" } });
      assert.ok(stateOf(a, t) instanceof Success, String(stateOf(a, t)));
      assert.deepEqual(files(dir), ["t-{odd}.json"]);
      const b = await flow.run({ parameters: { key: "{odd}" } });
      assert.ok(stateOf(b, t) instanceof Cached);
      assert.equal(calls, 1);
    }));

  it("mapped children each have their own target ({mapIndex}); a second run is all Cached", () =>
    withHome(async (home) => {
      const dir = path.join(home, "r");
      let calls = 0;
      let doubled!: AnyTask;
      const flow = Flow.build("mapped-targets", { result: new LocalResult({ dir }) }, () => {
        const xs = task({ name: "xs" }, () => [1, 2, 3]).call();
        doubled = task({ name: "dbl", target: "{taskName}-{mapIndex}.json" }, ({ x }: { x: number }) => (++calls, x * 2)).map({ x: xs });
      });
      await flow.run();
      const second = stateOf(await flow.run(), doubled) as unknown as { mapStates: State[]; result: unknown };
      assert.ok(second.mapStates.every((c) => c instanceof Cached));
      assert.deepEqual(second.result, [2, 4, 6]);
      assert.equal(calls, 3);
      assert.deepEqual(files(dir), ["dbl-0.json", "dbl-1.json", "dbl-2.json"]);
    }));

  it("a target filled from a parameter ../../x is refused: Failed, naming the location", () =>
    withHome(async (home) => {
      const dir = path.join(home, "deep", "r");
      let calls = 0;
      let t!: AnyTask;
      const flow = Flow.build("target-escape", { result: new LocalResult({ dir }) }, () => {
        const name = new Parameter<string>("name");
        t = task({ name: "esc", target: "{name}.json" }, () => ++calls).call({}, { upstreamTasks: [name] });
      });
      const st = stateOf(await flow.run({ parameters: { name: "../../x" } }), t);
      assert.ok(st instanceof Failed, String(st));
      assert.match(st.message!, /^Task 'esc': /);
      assert.ok(st.message!.includes('"../../x.json" resolves outside the result directory'), st.message);
      assert.equal(calls, 0);
      assert.deepEqual(files(home), []);
    }));

  it("a task target beats checkpoint: false (the target is always written)", () =>
    withHome(async (home) => {
      const dir = path.join(home, "r");
      const flow = Flow.build("target-ckpt", () => {
        task({ name: "t", checkpoint: false, result: new LocalResult({ dir }), target: "t.json" }, () => 5).call();
      });
      assert.ok((await flow.run()).isSuccessful());
      assert.deepEqual(files(dir), ["t.json"]);
    }));
});

describe("retries with a persisted result", () => {
  it("seed 003's failure task runs 3 times, then Failed, and nothing is written", () =>
    withHome(async (home) => {
      const dir = path.join(home, "r");
      const printed: string[] = [];
      let t!: AnyTask;
      const flow = Flow.build("test_retries", () => {
        t = task({ name: "failure", maxRetries: 2, retryDelay: 5, persistResult: true, result: new LocalResult({ dir, location: "{taskName}.json" }) }, () => {
          printed.push("running");
          throw new Error("bad code");
        }).call();
      });
      const s = await flow.run({ context: { checkpointing: true } });
      assert.deepEqual(printed, ["running", "running", "running"]);
      const st = stateOf(s, t);
      assert.ok(st instanceof Failed, String(st));
      assert.match(st.message!, /bad code/);
      assert.ok(s instanceof Failed);
      assert.deepEqual(files(dir), []);
    }));

  it("a task that succeeds on its last retry is written once", () =>
    withHome(async (home) => {
      const dir = path.join(home, "r");
      let attempts = 0;
      let t!: AnyTask;
      const flow = Flow.build("flaky", () => {
        t = task({ name: "flaky", maxRetries: 2, retryDelay: 5, persistResult: true, result: new LocalResult({ dir, location: "{taskName}-{taskRunCount}.json" }) }, () => {
          if (++attempts < 3) throw new Error("not yet");
          return attempts;
        }).call();
      });
      const s = await flow.run();
      assert.ok(stateOf(s, t) instanceof Success);
      assert.deepEqual(files(dir), ["flaky-3.json"]);
      assert.equal((await new LocalResult({ dir }).read("flaky-3.json")).value, 3);
    }));
});

