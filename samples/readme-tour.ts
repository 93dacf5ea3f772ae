/**
 * The README's "A short tour", runnable end to end: the tasks (a Task subclass, a function task, a
 * templated task with `@TaskConfig` / `@DefaultsFromAttrs`), a flow built both ways, `flow.run`, a
 * task in isolation with a `TaskRunner`, typed parameters, and caching, a target and resuming a run. Results are
 * persisted under a temporary `FLOWSMITH_HOME`, removed at the end.
 *
 *   node dist/samples/readme-tour.js
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  Cached, DateTimeParameter, DefaultsFromAttrs, Edge, Failed, Flow, InvalidOptionError, LocalResult, NoOpTask, Parameter,
  ParameterError, Task, TaskConfig, TaskOptions, TaskRunner, TriggerFailed, configureLogging, convertParameterValue, task,
  taskInputHash,
} from "../lib/index";

configureLogging({ level: "warn" });

// ---------------------------------------------------------------------------------------------
// Tasks

// Subclass Task: one input object, typed.
class AddTask extends Task<{ x: number; y: number }, number> {
  run({ x, y }: { x: number; y: number }) {
    return x + y;
  }
}
const add = new AddTask({ name: "Add", maxRetries: 2, retryDelay: 1_000 });

// Or wrap a function. The name defaults to the function's name: an arrow function written inline
// has none ("anonymous"), so give it one with the options (or wrap a named function).
const double = task({ name: "double" }, ({ x }: { x: number }) => x * 2);

// A templated task: class defaults, and inputs that default to attributes.
@TaskConfig({ tags: ["math"] })
class Scale extends Task<{ x: number; factor?: number }, number> {
  constructor(public factor = 10, options: TaskOptions = {}) {
    super(options);
  }
  @DefaultsFromAttrs("factor")
  run({ x, factor }: { x: number; factor?: number }) {
    return x * factor!;
  }
}

// ---------------------------------------------------------------------------------------------
// Flows, two ways

const sum = task({ name: "sum" }, ({ xs }: { xs: number[] }) => xs.reduce((a, b) => a + b, 0));

function buildEtl() {
  // Functional: calls copy the task and wire the copy; plain values become constants.
  let doubled!: ReturnType<typeof double.map>, total!: typeof sum;
  const flow = Flow.build("etl", () => {
    const n = new Parameter("n", { default: 3 });
    doubled = double.map({ x: [1, 2, 3] }); // one child run per element
    total = sum.call({ xs: doubled }); // a reduce: gets [2, 4, 6]
    add.call({ x: total, y: n });
  });
  return { flow, doubled, total };
}

function buildImperative(): { f: Flow; taskA: Task<{}, number>; taskD: Task<{ x: number }, number> } {
  const taskA = task({ name: "taskA" }, () => 1);
  const taskB = task({ name: "taskB" }, () => "b");
  const taskC = task({ name: "taskC" }, () => "c");
  const taskD = task({ name: "taskD" }, ({ x }: { x: number }) => x + 100);

  // Imperative: the same vocabulary as Prefect 1.
  const f = new Flow("add-example");
  f.setDependencies(add, { keywordTasks: { x: 1, y: 2 } });
  f.chain(taskA, taskB, taskC);
  f.addEdge(taskA, taskD, { key: "x" });
  return { f, taskA, taskD };
}

// ---------------------------------------------------------------------------------------------
// Parameters

let summaryTask!: Task<{ days: number; since: Date | null; mode: string }, { days: number; since: Date | null; mode: string }>;
const summary = Flow.build("summary", () => {
  const days = new Parameter("days", { type: Number, default: 7 }); // a Parameter<number>
  const since = new DateTimeParameter("since", { required: false }); // a Date, or null
  const mode = new Parameter("mode", {
    type: String,
    default: "fast",
    check: (m) => { if (m !== "fast" && m !== "full") throw new Error('use "fast" or "full"'); },
  });
  summaryTask = task({ name: "summary" }, (p: { days: number; since: Date | null; mode: string }) => p).call({ days, since, mode });
});

// ---------------------------------------------------------------------------------------------
// Results, caching, resuming

const hello = task(
  { name: "hello", cacheKeyFn: taskInputHash, cacheExpiration: 60_000 }, // cached across runs and processes
  ({ name }: { name: string }) => `hello ${name}`,
);

/** Stands in for real work; counts its runs so the sample can show the target skipping it. */
let reportRuns = 0;
function buildReport(): { rows: number } {
  reportRuns++;
  return { rows: 3 };
}

/** The flow that runs `hello` and `report`; results go under `resultsDir` (in the temp home). */
function buildNightly(resultsDir: string): Flow {
  const report = task(
    { name: "report", target: "{taskName}-{today}.json", result: new LocalResult({ dir: resultsDir, serializer: "json" }) },
    () => buildReport(), // skipped (Cached) when the file exists
  );
  return Flow.build("nightly", () => {
    hello.call({ name: "marvin" });
    report.call();
  });
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  // Tasks
  console.log("String(add)                 →", String(add));
  console.log("add.run({ x: 1, y: 2 })     →", add.run({ x: 1, y: 2 })); // run is a plain method
  assert.equal(String(add), "<Task: Add>");
  assert.equal(add.run({ x: 1, y: 2 }), 3);

  console.log("double.run({ x: 4 })        →", double.run({ x: 4 }), `(${double})`);
  assert.equal(double.run({ x: 4 }), 8);

  const scale = new Scale();
  const scale3 = new Scale(3, { name: "scale3" });
  console.log(`${scale} tags=${JSON.stringify([...scale.tags])}: run({ x: 2 }) →`, scale.run({ x: 2 }));
  console.log(`${scale3}: run({ x: 2 }) →`, scale3.run({ x: 2 }), "; run({ x: 2, factor: 5 }) →", scale3.run({ x: 2, factor: 5 }));
  assert.deepEqual([...scale.tags], ["math"]);
  assert.equal(scale.run({ x: 2 }), 20);
  assert.equal(scale3.run({ x: 2, factor: 5 }), 10);

  // Bad options fail at construction and name the task and option.
  try {
    new AddTask({ name: "Add", maxRetries: -1 });
    assert.fail("a negative maxRetries must be refused");
  } catch (err) {
    assert.ok(err instanceof InvalidOptionError);
    console.log("new AddTask({ maxRetries: -1 }) →", (err as Error).message);
  }

  // Running (the functional flow)
  const { flow, doubled, total } = buildEtl();
  const state = await flow.run({ parameters: { n: 5 } });
  console.log(`etl run: ${state.type}, isSuccessful() → ${state.isSuccessful()}, message → ${JSON.stringify(state.message)}`);
  const taskStates = state.result as Map<Task, { type: string; result: unknown }>;
  for (const [t, s] of taskStates) console.log(`  ${flow.slugOf(t)}: ${s.type} ${JSON.stringify(s.result)}`);
  assert.ok(state.isSuccessful());
  assert.equal(state.message, "All reference tasks succeeded.");
  assert.ok(state.result instanceof Map);
  const addCopy = flow.getTasks({ name: "Add" })[0]!;
  assert.equal(taskStates.get(addCopy)!.result, 2 + 4 + 6 + 5);

  // Typed results: no cast (the copies call/map returned are the flow's tasks).
  const totalValue: number = state.resultOf(total);
  const doubledValues: number[] = state.resultOf(doubled);
  console.log(`state.resultOf(total) → ${totalValue}, state.resultOf(doubled) → ${JSON.stringify(doubledValues)}, taskState(total) → ${state.taskState(total)}`);
  assert.equal(totalValue, 12);
  assert.deepEqual(doubledValues, [2, 4, 6]);

  // Pictures: DOT or Mermaid text, or an SVG drawn by Graphviz compiled to WebAssembly.
  const svg = await flow.visualize({ format: "svg", flowState: state });
  console.log(`flow.visualize({ format: "svg", flowState }) → ${svg.match(/<svg width="\d+pt" height="\d+pt"/)![0]}...`);
  assert.match(flow.visualize(), /^digraph "etl" \{/);
  assert.match(flow.visualize({ format: "mermaid" }), /^flowchart TB/);
  assert.ok(svg.includes("</svg>"));

  // Running (the imperative flow)
  const { f, taskA, taskD } = buildImperative();
  const fState = await f.run();
  const fResults = fState.result as Map<Task, { result: unknown }>;
  console.log(`add-example run: ${fState.type}; Add → ${fResults.get(add)!.result}, taskD → ${fResults.get(taskD)!.result}`);
  assert.ok(fState.isSuccessful());
  assert.equal(fResults.get(add)!.result, 3);
  assert.equal(fResults.get(taskA)!.result, 1);
  assert.equal(fResults.get(taskD)!.result, 101);

  // A task in isolation, as the engine sees it.
  const isolated = await new TaskRunner(double).run({
    upstreamStates: new Map([[new Edge(new NoOpTask(), double), new Failed("upstream broke")]]),
  });
  console.log(`TaskRunner(double) with a failed upstream → ${isolated.type}, isFailed() → ${isolated.isFailed()}, result is an Error: ${isolated.result instanceof Error}`);
  assert.ok(isolated.isFailed());
  assert.ok(isolated instanceof TriggerFailed);
  assert.ok(isolated.result instanceof Error);

  // Parameters: strings (as from a command line) are converted; a bad value rejects the run before any task runs.
  const summed = await summary.run({ parameters: { days: "30", since: "2024-01-31" } });
  const got = (summed.result as Map<Task, { result: unknown }>).get(summaryTask)!.result as { days: number; since: Date; mode: string };
  console.log(`summary run: ${summed.type}; the task got days=${got.days} (${typeof got.days}), since=${got.since.toISOString()}, mode=${got.mode}`);
  assert.deepEqual(got, { days: 30, since: new Date("2024-01-31T00:00:00Z"), mode: "fast" });
  try {
    await summary.run({ parameters: { days: "a month" } });
    assert.fail("a bad parameter value must reject the run");
  } catch (err) {
    assert.ok(err instanceof ParameterError);
    console.log("summary.run({ days: \"a month\" }) →", (err as Error).message);
  }
  const [daysParam] = summary.getTasks({ name: "days" }) as [Parameter<number>];
  assert.equal(convertParameterValue(daysParam, "12"), 12);

  // Results, caching, resuming: everything persisted goes under a temporary FLOWSMITH_HOME.
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "flowsmith-tour-"));
  const previousHome = process.env.FLOWSMITH_HOME;
  process.env.FLOWSMITH_HOME = home;
  try {
    const nightly = buildNightly(path.join(home, "out"));
    const first = await nightly.run({ runId: "nightly-1", context: { checkpointing: true } }); // journals every success
    const second = await nightly.run({ runId: "nightly-2", context: { checkpointing: true } }); // cache and target hit
    const resumed = await nightly.run({ resumeFrom: "nightly-1" }); // after a crash: only what did not finish runs again

    const show = (label: string, s: typeof first) => {
      const states = s.result as Map<Task, { type: string; result: unknown; message?: string }>;
      console.log(`${label}: ${s.type}`);
      for (const [t, ts] of states) console.log(`  ${t.name}: ${ts.type} ${JSON.stringify(ts.result)} (${JSON.stringify(ts.message)})`);
      return states;
    };
    show("nightly-1", first);
    const secondStates = show("nightly-2", second);
    show("resume nightly-1", resumed);
    const files = fs.readdirSync(path.join(home, "out"));
    console.log(`report target files: ${JSON.stringify(files)}; buildReport ran ${reportRuns} time(s)`);

    assert.ok(first.isSuccessful() && second.isSuccessful() && resumed.isSuccessful());
    for (const s of secondStates.values()) assert.ok(s instanceof Cached); // hello: cacheKeyFn hit; report: target exists
    assert.equal(reportRuns, 1);
    assert.deepEqual(files, [`report-${new Date().toISOString().slice(0, 10)}.json`]); // {today} is the UTC date
  } finally {
    if (previousHome === undefined) delete process.env.FLOWSMITH_HOME;
    else process.env.FLOWSMITH_HOME = previousHome;
    fs.rmSync(home, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
