/**
 * Build benchmark: how long it takes to build and validate big flows, without running them.
 *
 *   npm run build && node --expose-gc dist/bench/build.bench.js [tasks]
 *
 * Two shapes of about 100,000 tasks and 100,000 edges each:
 *  - chain: t1 -> t2 -> ... -> tN with `flow.addEdge` (keyed edges, so every key is checked);
 *  - fan-out/fan-in: a source feeding N-2 middle tasks (state-only edges made with
 *    `task.setDependencies`) that all feed one sink (`flow.setDependencies` with `upstreamTasks`).
 * Every task is a `NoOpTask` copy. "build" covers copies and edges; "validate" is
 * `flow.validate()` plus `flow.sortedTasks()`.
 * @module
 */
import { Flow, NoOpTask } from "../lib/index";

const N = Number(process.argv[2] ?? 100_000);

interface Row {
  shape: string;
  tasks: number;
  edges: number;
  buildMs: number;
  validateMs: number;
  sortedMs: number;
  heapMB: number;
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function heapMB(): number {
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

function measure(shape: string, build: () => Flow): Row {
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
  const row: Row = {
    shape,
    tasks: flow.tasks.size,
    edges: flow.edges.size,
    buildMs: t1 - t0,
    validateMs: t2 - t1,
    sortedMs: t3 - t2,
    heapMB: heapMB() - heapBefore,
  };
  // Keep the flow alive until the heap has been measured.
  if (flow.name === "") console.log(flow);
  return row;
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

const rows = [measure("chain", chain), measure("fan-out/fan-in", fanOutFanIn)];

console.log(`flowsmith build benchmark (node ${process.version}, ${N.toLocaleString("en-US")} tasks per flow)`);
console.table(
  rows.map((r) => ({
    shape: r.shape,
    tasks: r.tasks,
    edges: r.edges,
    "build (ms)": Math.round(r.buildMs),
    "validate (ms)": Math.round(r.validateMs),
    "sortedTasks (ms)": Math.round(r.sortedMs),
    "heap used (MB)": Number(r.heapMB.toFixed(1)),
  })),
);
console.log(`heap used at the end: ${heapMB().toFixed(1)} MB`);
