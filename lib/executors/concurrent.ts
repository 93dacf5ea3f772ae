/**
 * `ConcurrentExecutor`: many task runs in flight at once in this process, so async I/O overlaps.
 * Mapped pipelines run depth-first: child i of a downstream task starts as soon as child i of its
 * upstream is done.
 * @module
 */
import { InvalidOptionError } from "../errors";
import type { State } from "../engine/state";
import type { Executor, MaybePromise, TaskRun } from "./executor";

/** Options of {@link ConcurrentExecutor}. */
export interface ConcurrentExecutorOptions {
  /** How many task runs may be in flight at once. @default Infinity */
  maxConcurrency?: number;
}

/** Overlaps async task runs in this process (up to `maxConcurrency` at once). */
export class ConcurrentExecutor implements Executor {
  readonly name = "concurrent";
  readonly inProcess = true;
  readonly maxConcurrency: number;
  constructor(opts: ConcurrentExecutorOptions = {}) {
    const n = opts.maxConcurrency ?? Infinity;
    if (!(n === Infinity || (Number.isInteger(n) && n >= 1))) {
      throw new InvalidOptionError(`ConcurrentExecutor: invalid option "maxConcurrency": must be an integer >= 1 or Infinity (received ${String(n)})`);
    }
    this.maxConcurrency = n;
  }
  /** Runs the task run here (synchronously for a synchronous task). */
  submit(run: TaskRun): MaybePromise<State> {
    return run.runHere();
  }
}
