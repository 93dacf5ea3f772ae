/**
 * The executor interface: where a task run happens. The flow runner schedules (what is ready, how
 * many runs are in flight); an executor only runs one task run when asked. In-process executors
 * call the provided local runner; executors that run tasks elsewhere (worker threads, a queue)
 * ship the request, identified by the flow's module and the task's stable slug.
 * @module
 */
import type { Edge } from "../core/edge";
import type { Flow } from "../core/flow";
import type { AnyTask } from "../core/task";
import type { RunContext } from "../engine/context";
import type { State } from "../engine/state";

/** One task run to execute. */
export interface TaskRunRequest {
  /** The task to run. */
  readonly task: AnyTask;
  /** The flow the task belongs to (absent for a lone TaskRunner run). */
  readonly flow: Flow | undefined;
  /** The task's slug in the flow: its stable identity across processes. */
  readonly slug: string;
  /** The task's state before this run (Pending, Retrying, Cached, ...). */
  readonly state: State;
  /** The final state of each upstream task, by the edge that connects it. */
  readonly upstreamStates: Map<Edge, State>;
  /** The task run's context (inherits from the flow run's). */
  readonly context: RunContext;
  /** The child's index when this is a mapped child. */
  readonly mapIndex: number | undefined;
}

/** Where task runs happen. */
export interface Executor {
  /** A short name for logs (`local`, `concurrent`, ...). */
  readonly name: string;
  /** How many task runs the flow runner may have in flight at once. */
  readonly maxConcurrency: number;
  /**
   * True when task runs happen in this process: the flow runner then runs them itself (without
   * `submit`), which lets synchronous tasks finish without a promise.
   */
  readonly inProcess?: boolean;
  /** Called once before a flow run uses the executor. */
  start?(): Promise<void> | void;
  /** Called once after the flow run; releases threads, connections, ... */
  shutdown?(): Promise<void> | void;
  /**
   * Runs one task run and resolves to its final state. `runLocally` runs it in this process (what
   * in-process executors do); an executor may instead run `request` elsewhere.
   */
  submit(request: TaskRunRequest, runLocally: () => Promise<State>): Promise<State>;
}
