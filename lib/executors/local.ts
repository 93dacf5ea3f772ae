/**
 * `LocalExecutor`: one task run at a time, in this process. The default.
 * @module
 */
import type { State } from "../engine/state";
import type { Executor, TaskRunRequest } from "./executor";

/** Runs one task at a time in this process (the default executor). */
export class LocalExecutor implements Executor {
  readonly name = "local";
  readonly inProcess = true;
  readonly maxConcurrency = 1;
  submit(_request: TaskRunRequest, runLocally: () => Promise<State>): Promise<State> {
    return runLocally();
  }
}
