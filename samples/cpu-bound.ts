/**
 * A CPU-bound mapped flow (counting primes in 64 chunks) run on the LocalExecutor and on the
 * WorkerThreadsExecutor. The flow is exported, so the threads can load it from this module; the
 * run itself only starts when the file is run as a program.
 *
 *   node dist/samples/cpu-bound.js
 */
import * as os from "node:os";
import { configureLogging, Flow, LocalExecutor, Parameter, task, WorkerThreadsExecutor, type AnyTask, type Executor, type State } from "../lib/index";

/** How many primes lie in [from, to) (trial division: deliberately CPU-heavy). */
function countPrimes(from: number, to: number): number {
  let count = 0;
  for (let n = Math.max(2, from); n < to; n++) {
    let prime = true;
    for (let d = 2; d * d <= n; d++) if (n % d === 0) { prime = false; break; }
    if (prime) count++;
  }
  return count;
}

const chunks = task({ name: "chunks" }, ({ limit, parts }: { limit: number; parts: number }) =>
  Array.from({ length: parts }, (_, i) => [Math.floor((limit * i) / parts), Math.floor((limit * (i + 1)) / parts)] as [number, number]));
const count = task({ name: "countPrimes" }, ({ range }: { range: [number, number] }) => countPrimes(range[0], range[1]));
const total = task({ name: "total" }, ({ counts }: { counts: number[] }) => counts.reduce((a, b) => a + b, 0));

/** Primes below `limit`, counted in `parts` mapped chunks. */
export const primes = Flow.build("primes", () => {
  const limit = new Parameter<number>("limit", { default: 2_000_000, type: Number });
  const parts = new Parameter<number>("parts", { default: 64, type: Number });
  total.call({ counts: count.map({ range: chunks.call({ limit, parts }) }) });
});

/** Runs the flow on `executor` and returns the total and the wall time. */
export async function timed(executor: Executor, limit: number): Promise<{ total: number; ms: number }> {
  const started = performance.now();
  const s: State = await primes.run({ executor, parameters: { limit } });
  const totalState = [...(s.result as Map<AnyTask, State>)].find(([t]) => t.name === "total")![1];
  return { total: totalState.getResult() as number, ms: performance.now() - started };
}

async function main() {
  configureLogging({ level: "warn" });
  const limit = Number(process.argv[2] ?? 2_000_000);
  const threads = new WorkerThreadsExecutor({ maxWorkers: os.availableParallelism() });
  try {
    const local = await timed(new LocalExecutor(), limit);
    await timed(threads, 1_000); // start the threads and load the flow in each (once per pool)
    const parallel = await timed(threads, limit);
    console.log(`primes below ${limit}: ${local.total} (LocalExecutor, ${local.ms.toFixed(0)} ms)`);
    console.log(`primes below ${limit}: ${parallel.total} (WorkerThreadsExecutor, ${threads.maxConcurrency} threads, ${parallel.ms.toFixed(0)} ms)`);
    console.log(`speed-up: ${(local.ms / parallel.ms).toFixed(2)}x`);
  } finally {
    await threads.shutdown();
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
