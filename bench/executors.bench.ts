/**
 * Executor benchmark (not a test): what leaving the process costs and buys.
 * - the CPU-bound mapped flow of samples/cpu-bound.ts on the LocalExecutor and on the
 *   WorkerThreadsExecutor (2 threads), after a warm-up run that starts the threads;
 * - the round trip of a tiny task through the WorkerThreadsExecutor, next to piscina's own bare
 *   round trip measured in the same process.
 *
 * Run: `npm run bench` (or `node dist/bench/executors.bench.js`).
 */
import * as path from "node:path";
import { Piscina } from "piscina";
import { Flow, LocalExecutor, task, WorkerThreadsExecutor, configureLogging } from "../lib/index";
import { timed } from "../samples/cpu-bound";

configureLogging({ level: "warn" });

/** A flow of `n` tiny mapped children (exported: the threads load it from this module). */
export const tiny = Flow.build("tiny", () => {
  task({ name: "id" }, ({ i }: { i: number }) => i).map({ i: task({ name: "range" }, ({ n }: { n: number }) => Array.from({ length: n }, (_, i) => i)).call({ n: 2_000 }) });
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function cpuBound(): Promise<void> {
  const limit = 5_000_000;
  const threads = new WorkerThreadsExecutor({ maxWorkers: 2 });
  try {
    await timed(threads, 1_000);
    const local: number[] = [];
    const parallel: number[] = [];
    for (let i = 0; i < 3; i++) {
      local.push((await timed(new LocalExecutor(), limit)).ms);
      parallel.push((await timed(threads, limit)).ms);
    }
    console.log(`| primes below ${limit.toLocaleString("en")} in 64 chunks | ${median(local).toFixed(0)} ms | ${median(parallel).toFixed(0)} ms | ${(median(local) / median(parallel)).toFixed(2)}x |`);
  } finally {
    await threads.shutdown();
  }
}

async function roundTrip(): Promise<void> {
  const n = 2_000;
  const threads = new WorkerThreadsExecutor({ maxWorkers: 2 });
  const pool = new Piscina<{ i: number }, { i: number }>({ filename: path.join(__dirname, "echo-worker.js"), maxThreads: 2, minThreads: 2 });
  try {
    await tiny.run({ executor: threads });
    await Promise.all(Array.from({ length: 100 }, (_, i) => pool.run({ i })));
    const ours: number[] = [];
    const bare: number[] = [];
    for (let r = 0; r < 5; r++) {
      let t = performance.now();
      await tiny.run({ executor: threads });
      ours.push(((performance.now() - t) * 1000) / (n + 2));
      t = performance.now();
      await Promise.all(Array.from({ length: n }, (_, i) => pool.run({ i })));
      bare.push(((performance.now() - t) * 1000) / n);
    }
    console.log(`| tiny task round trip, 2 threads | ${median(ours).toFixed(1)} µs | ${median(bare).toFixed(1)} µs | ${(median(ours) / median(bare)).toFixed(2)}x |`);
  } finally {
    await threads.shutdown();
    await pool.destroy();
  }
}

async function main(): Promise<void> {
  console.log(`Executors (${new Date().toISOString().slice(0, 10)}, Node ${process.version})`);
  console.log("| CPU-bound flow | LocalExecutor | WorkerThreadsExecutor (2) | speed-up |");
  console.log("|---|---|---|---|");
  await cpuBound();
  console.log("");
  console.log("| round trip | WorkerThreadsExecutor per task | piscina bare per task | ratio |");
  console.log("|---|---|---|---|");
  await roundTrip();
}

if (require.main === module) main();
