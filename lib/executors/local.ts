/**
 * `LocalExecutor`: one task run at a time, in this process. The default.
 * @module
 */
import type { State } from "../engine/state";
import type { Executor, MaybePromise, TaskRun } from "./executor";

/** Runs one task at a time in this process (the default executor). */
export class LocalExecutor implements Executor {
  readonly name = "local";
  readonly inProcess = true;
  readonly maxConcurrency = 1;
  /** Runs the task run here (synchronously for a synchronous task). */
  submit(run: TaskRun): MaybePromise<State> {
    return run.runHere();
  }
}
