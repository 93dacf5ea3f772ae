/**
 * `WorkerThreadsExecutor`: task runs in a pool of worker threads, for CPU parallelism. The pool is
 * piscina's; each thread loads the flow's module once and answers task-run requests (see
 * task-run.ts). Threads are reused across task runs and flow runs until {@link shutdown}.
 *
 * A timeout ends a CPU-bound task for real: its thread is ended and replaced, and the task is
 * TimedOut (and retried as configured). A thread that crashes (`process.exit`, an out-of-memory
 * abort) fails only the task run it was running, with an {@link ExecutorError}; the pool recovers.
 * @module
 */
import * as os from "node:os";
import * as path from "node:path";
import { randomUUID } from "node:crypto";
import { BroadcastChannel } from "node:worker_threads";
import { Piscina } from "piscina";
import pino from "pino";
import { ExecutorError, InvalidOptionError } from "../errors";
import { rootLogger } from "../engine/logging";
import { timedOut } from "../engine/task-run";
import { Cancelled, type State } from "../engine/state";
import type { Executor, TaskRun, TaskRunReply, TaskRunRequest } from "./executor";
import { messages } from "../messages";

/** Options of {@link WorkerThreadsExecutor}. */
export interface WorkerThreadsExecutorOptions {
  /** How many threads (and task runs in flight). @default os.availableParallelism() */
  maxWorkers?: number;
  /**
   * How long after its timeout a task's thread is ended, when the task has not ended itself (an
   * async task times out on its own at its timeout; a CPU-bound one cannot). @default 100
   */
  timeoutGraceMs?: number;
}

const ENTRY = path.join(__dirname, "worker-thread-entry.js");
/** Values at least this big travel by transfer, not copy. */
const TRANSFER_MIN_BYTES = 64 * 1024;

/** Runs task runs in worker threads (CPU parallelism in one process). */
export class WorkerThreadsExecutor implements Executor {
  readonly name = "threads";
  readonly maxConcurrency: number;
  readonly #grace: number;
  #pool: Piscina<TaskRunRequest, TaskRunReply> | undefined;
  #logs: BroadcastChannel | undefined;

  constructor(opts: WorkerThreadsExecutorOptions = {}) {
    const n = opts.maxWorkers ?? os.availableParallelism();
    if (!(Number.isInteger(n) && n >= 1)) throw new InvalidOptionError(messages.invalidOption("WorkerThreadsExecutor", "maxWorkers", `must be an integer >= 1 (received ${String(n)})`));
    const grace = opts.timeoutGraceMs ?? 100;
    if (!(Number.isFinite(grace) && grace >= 0)) throw new InvalidOptionError(messages.invalidOption("WorkerThreadsExecutor", "timeoutGraceMs", `must be a number >= 0 (received ${String(grace)})`));
    this.maxConcurrency = n;
    this.#grace = grace;
  }

  /** Starts the threads (once; later runs reuse them). */
  start(): void {
    this.#ensurePool();
  }

  #ensurePool(): Piscina<TaskRunRequest, TaskRunReply> {
    if (this.#pool) return this.#pool;
    const logChannel = `flowsmith-logs-${randomUUID()}`;
    const root = rootLogger();
    // Task runs in threads log JSON lines; they are written to this process's log as they come.
    const destination = (root as unknown as Record<symbol, { write(s: string): void }>)[pino.symbols.streamSym];
    this.#logs = new BroadcastChannel(logChannel);
    (this.#logs as unknown as { unref(): void }).unref();
    this.#logs.onmessage = (event) => destination.write(String((event as MessageEvent).data));
    const pool = new Piscina<TaskRunRequest, TaskRunReply>({
      filename: ENTRY,
      maxThreads: this.maxConcurrency,
      minThreads: 0,
      idleTimeout: 30_000,
      workerData: { logChannel, logLevel: root.level },
    });
    // A pool error is an error of a thread outside any task run: it must never end the process.
    pool.on("error", (err: unknown) => rootLogger().error({ err }, `WorkerThreadsExecutor: a worker thread failed: ${(err as Error)?.message ?? String(err)}`));
    this.#pool = pool;
    return pool;
  }

  async submit(run: TaskRun): Promise<State> {
    const pool = this.#ensurePool();
    const request = run.request();
    const timeout = run.task.timeout;
    const abort = timeout === undefined ? undefined : new AbortController();
    const timer = abort ? setTimeout(() => abort.abort(), timeout! + this.#grace) : undefined;
    // A cancelled flow run ends the thread running the task.
    const signal = abort && run.signal ? AbortSignal.any([abort.signal, run.signal]) : abort?.signal ?? run.signal;
    try {
      const reply = await pool.run(request, { signal, transferList: transferables(request) });
      return run.accept(reply);
    } catch (err) {
      if (run.signal?.aborted) return new Cancelled("Task run cancelled: the flow run was cancelled.");
      if (abort?.signal.aborted) return timedOut(run.fullName, timeout!);
      throw new ExecutorError(messages.workerThreadFailed(run.fullName, (err as Error)?.message ?? String(err)), { cause: err });
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  /** Ends the threads (running task runs are stopped). */
  async shutdown(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    this.#logs?.close();
    this.#logs = undefined;
    await pool?.destroy();
  }
}

/** The big value buffers of a request that can move to the thread without a copy. */
function transferables(request: TaskRunRequest): ArrayBuffer[] | undefined {
  const data = request.inputs.data;
  if (data.byteLength >= TRANSFER_MIN_BYTES && data.byteOffset === 0 && data.byteLength === data.buffer.byteLength) return [data.buffer as ArrayBuffer];
  return undefined;
}
