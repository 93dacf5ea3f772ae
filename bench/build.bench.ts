/**
 * Build benchmark: how long it takes to build and validate big flows, without running them.
 *
 *   npm run build && node dist/bench/build.bench.js [tasks] [rounds]
 *
 * Two shapes of about 100,000 tasks and 100,000 edges each:
 *  - chain: t1 -> t2 -> ... -> tN with `flow.addEdge` (keyed edges, so every key is checked);
 *  - fan-out/fan-in: a source feeding N-2 middle tasks (state-only edges made with
 *    `task.setDependencies`) that all feed one sink (`flow.setDependencies` with `upstreamTasks`).
 * Every task is a `NoOpTask` copy. "build" covers copies and edges; "validate" is
 * `flow.validate()` (which sorts the tasks, so the following `flow.sortedTasks()` is a cached copy).
 * The first round includes JIT warm-up; "best" is the fastest of the rounds.
 * @module
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Flow, NoOpTask } from "../lib/index";

const N = Number(process.argv[2] ?? 100_000);
const ROUNDS = Number(process.argv[3] ?? 3);

interface Sample {
  tasks: number;
  edges: number;
  buildMs: number;
  validateMs: number;
  sortedMs: number;
  heapMB: number;
}

/** A full GC before each heap reading (works without --expose-gc, too). */
const gc: () => void =
  (globalThis as { gc?: () => void }).gc ??
  (() => {
    setFlagsFromString("--expose-gc");
    return runInNewContext("gc") as () => void;
  })();

function heapMB(): number {
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

function measure(shape: string, build: () => Flow): Sample {
  gc();
  const heapBefore = heapMB();
  const t0 = performance.now();
  const flow = build();
  const t1 = performance.now();
  flow.validate();
  const t2 = performance.now();
  const sorted = flow.sortedTasks();
  const t3 = performance.now();
  if (sorted.length !== flow.tasks.size) throw new Error(`${shape}: sortedTasks() returned ${sorted.length} of ${flow.tasks.size} tasks`);
  gc();
  const heap = heapMB() - heapBefore;
  // Keep the flow alive until the heap has been measured.
  if (flow.tasks.size < 0) console.log(flow);
  return { tasks: flow.tasks.size, edges: flow.edges.size, buildMs: t1 - t0, validateMs: t2 - t1, sortedMs: t3 - t2, heapMB: heap };
}

const template = new NoOpTask({ name: "noop" });

function chain(): Flow {
  const flow = new Flow("chain");
  let prev = template.copy();
  flow.addTask(prev);
  for (let i = 1; i < N; i++) {
    const next = template.copy();
    flow.addEdge(prev, next, { key: "previous" });
    prev = next;
  }
  return flow;
}

function fanOutFanIn(): Flow {
  const flow = new Flow("fan-out-fan-in");
  const source = template.copy({ name: "source" });
  const sink = template.copy({ name: "sink" });
  const middle: NoOpTask[] = [];
  for (let i = 0; i < N - 2; i++) {
    const t = template.copy();
    t.setDependencies(flow, { upstreamTasks: [source] });
    middle.push(t);
  }
  flow.setDependencies(sink, { upstreamTasks: middle });
  return flow;
}

const shapes: Array<[string, () => Flow]> = [
  ["chain", chain],
  ["fan-out/fan-in", fanOutFanIn],
];
const rows: Record<string, unknown>[] = [];
for (const [shape, build] of shapes) {
  const samples: Sample[] = [];
  for (let r = 0; r < ROUNDS; r++) samples.push(measure(shape, build));
  const first = samples[0]!;
  const best = (k: "buildMs" | "validateMs") => Math.min(...samples.map((s) => s[k]));
  rows.push({
    shape,
    tasks: first.tasks,
    edges: first.edges,
    "build ms (1st)": Math.round(first.buildMs),
    "build ms (best)": Math.round(best("buildMs")),
    "validate ms (1st)": Math.round(first.validateMs),
    "validate ms (best)": Math.round(best("validateMs")),
    "sortedTasks ms (cached)": Number(first.sortedMs.toFixed(1)),
    "heap MB": Number(first.heapMB.toFixed(1)),
  });
}

console.log(`flowsmith build benchmark (node ${process.version}, ${N.toLocaleString("en-US")} tasks per flow, ${ROUNDS} rounds)`);
console.table(rows);
console.log(`heap used at the end: ${heapMB().toFixed(1)} MB`);
