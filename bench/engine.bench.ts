/**
 * Engine benchmark (not a test): µs per task run, peak RSS and retained bytes per finished task for
 * four flow shapes at N = 1,000 / 10,000 / 100,000 on both in-process executors, with logging at
 * `warn` and at `info` written to a file.
 *
 * Run: `npm run bench` (add `-- --quick` for N ≤ 10,000, `-- --shape chain` for one shape).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConcurrentExecutor, Flow, LocalExecutor, NoOpTask, task, type Executor } from "../lib/index";
import { configureLogging } from "../lib/engine/logging";
import { planOf } from "../lib/engine/plan";

type Shape = "chain" | "fanout-reduce" | "map-reduce" | "mapped-pipeline-3";

const inc = task({ name: "inc" }, ({ x }: { x: number }) => x + 1);
const sum = task({ name: "sum" }, ({ xs }: { xs: number[] }) => xs.reduce((a, b) => a + b, 0));
const source = task({ name: "source" }, ({ n }: { n: number }) => Array.from({ length: n }, (_, i) => i));

/** Builds a flow of the shape with about `n` task runs; returns it and its exact number of task runs. */
function build(shape: Shape, n: number): { flow: Flow; runs: number } {
  switch (shape) {
    case "chain": {
      const flow = new Flow(`chain-${n}`);
      let prev = new NoOpTask({ name: "t0" });
      flow.addTask(prev);
      for (let i = 1; i < n; i++) {
        const t = prev.copy();
        flow.addEdge(prev, t);
        prev = t;
      }
      return { flow, runs: n };
    }
    case "fanout-reduce": {
      const flow = Flow.build(`fanout-${n}`, () => {
        const root = inc.call({ x: 0 });
        const leaves = [];
        for (let i = 0; i < n - 2; i++) leaves.push(inc.call({ x: root }));
        const all = new NoOpTask({ name: "join" });
        all.bind({}, { upstreamTasks: leaves });
      });
      return { flow, runs: n };
    }
    case "map-reduce": {
      const flow = Flow.build(`map-reduce-${n}`, () => {
        sum.call({ xs: inc.map({ x: source.call({ n: n - 3 }) }) });
      });
      return { flow, runs: n }; // source + parent + (n-3) children + sum
    }
    case "mapped-pipeline-3": {
      const k = Math.floor((n - 4) / 3);
      const flow = Flow.build(`pipeline-${n}`, () => {
        inc.map({ x: inc.map({ x: inc.map({ x: source.call({ n: k }) }) }) });
      });
      return { flow, runs: 1 + 3 * (k + 1) };
    }
  }
}

interface Row {
  shape: Shape;
  n: number;
  executor: string;
  log: string;
  usPerTask: number;
  compileMs: number;
  peakRssMb: number;
  bytesPerTask: number;
}

async function measure(shape: Shape, n: number, executor: () => Executor, log: string): Promise<Row> {
  const { flow, runs } = build(shape, n);
  global.gc?.();
  // A flow is compiled into its execution plan once per version; it is timed on its own.
  const c0 = process.hrtime.bigint();
  planOf(flow);
  const compileUs = Number(process.hrtime.bigint() - c0) / 1000;
  global.gc?.();
  const before = process.memoryUsage();
  let peak = before.rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  const t0 = process.hrtime.bigint();
  const state = await flow.run({ executor: executor() });
  const t1 = process.hrtime.bigint();
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  if (!state.isSuccessful()) throw new Error(`${shape} ${n}: flow ended ${state}`);
  global.gc?.();
  const after = process.memoryUsage();
  // Retained by the finished run: the final state holds every task's state.
  const retained = after.heapUsed + after.external - (before.heapUsed + before.external);
  void state;
  return {
    shape, n, executor: executor().name, log,
    usPerTask: Number(t1 - t0) / 1000 / runs,
    compileMs: compileUs / 1000,
    peakRssMb: peak / 2 ** 20,
    bytesPerTask: Math.max(0, retained) / runs,
  };
}

async function main() {
  const args = process.argv.slice(2);
  const quick = args.includes("--quick");
  const shapeArg = args.indexOf("--shape") >= 0 ? (args[args.indexOf("--shape") + 1] as Shape) : undefined;
  const sizes = quick ? [1_000, 10_000] : [1_000, 10_000, 100_000];
  const shapes: Shape[] = shapeArg ? [shapeArg] : ["chain", "fanout-reduce", "map-reduce", "mapped-pipeline-3"];
  const executors: Array<() => Executor> = [() => new LocalExecutor(), () => new ConcurrentExecutor({ maxConcurrency: 64 })];
  const dir = mkdtempSync(join(tmpdir(), "flowsmith-bench-"));
  const rows: Row[] = [];
  try {
    for (const log of ["warn", "info"]) {
      configureLogging(log === "warn" ? { level: "warn" } : { level: "info", destination: join(dir, "bench.log") });
      for (const shape of shapes) {
        for (const exec of executors) {
          await measure(shape, 1_000, exec, log); // warm-up
          for (const n of sizes) {
            if (log === "info" && n > 10_000) continue; // info logging: smaller sizes are enough to show the cost
            const row = await measure(shape, n, exec, log);
            rows.push(row);
            console.error(`${shape.padEnd(18)} ${String(n).padStart(7)} ${row.executor.padEnd(10)} log=${log.padEnd(4)} ${row.usPerTask.toFixed(2).padStart(7)} µs/task (plan compiled in ${row.compileMs.toFixed(1)} ms)  peak RSS ${row.peakRssMb.toFixed(0)} MiB  ${row.bytesPerTask.toFixed(0)} B/task`);
          }
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log("\n| shape | N | executor | log | µs per task run | plan compile (ms, once per flow) | peak RSS (MiB) | bytes per task |");
  console.log("|---|---:|---|---|---:|---:|---:|---:|");
  for (const r of rows) {
    console.log(`| ${r.shape} | ${r.n.toLocaleString("en")} | ${r.executor} | ${r.log} | ${r.usPerTask.toFixed(2)} | ${r.compileMs.toFixed(1)} | ${r.peakRssMb.toFixed(0)} | ${r.bytesPerTask.toFixed(0)} |`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
