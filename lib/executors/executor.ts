/**
 * The executor interface: where a task run happens. The flow runner is the coordinator: it decides
 * what is ready, checks triggers, caches and targets, calls state handlers, retries and keeps the
 * journal. An executor only runs what it is given: one {@link TaskRun} at a time, through
 * {@link Executor.submit}.
 *
 * A task run can run here (`run.runHere()`, which stays synchronous for synchronous tasks: what the
 * in-process executors do) or elsewhere: `run.request()` is the task run as plain data, a worker
 * answers it with `executeRequest` and the executor turns the reply back into a state with
 * `run.accept(reply)`.
 * @module
 */
import type { AnyTask } from "../core/task";
import type { EncodedState, EncodedValue } from "../engine/codec";
import type { FlowRef } from "../engine/flow-locator";
import type { State } from "../engine/state";

/** A value now, or later. */
export type MaybePromise<T> = T | Promise<T>;

/** The facts of a task run's context that travel with it (the process-local services do not). */
export interface ContextFacts {
  readonly flowName: string | undefined;
  readonly flowRunId: string | undefined;
  readonly flowRunName: string | undefined;
  readonly flowRunCount: number | undefined;
  readonly taskRunId: string;
  readonly taskRunName: string | undefined;
  readonly mapIndex: number | undefined;
  readonly taskRunCount: number;
  readonly taskLoopCount: number | undefined;
  readonly resume: boolean | undefined;
  readonly checkpointing: boolean;
  /** Whether `flow.run` already converted and checked the parameter values. */
  readonly parametersConverted: boolean;
  /** The run's date, ms since the epoch. */
  readonly date: number;
  /** When the flow run was scheduled to start, ms since the epoch. */
  readonly scheduledStartTime: number | undefined;
  /** `{ parameters, taskLoopResult, extra }`: the run's values (extra: user context keys). */
  readonly values: EncodedValue;
}

/** One task run as plain data (`structuredClone`-able; JSON-able apart from value bytes). */
export interface TaskRunRequest {
  /** The version of this request's shape. */
  readonly contract: 1;
  /** How to find the flow: its name, version and module. */
  readonly flow: FlowRef;
  /** The task's slug in the flow. */
  readonly slug: string;
  /** The state the task run starts from (Running). */
  readonly state: EncodedState;
  /** The task's inputs, `{ key: value }`, as one encoded value. */
  readonly inputs: EncodedValue;
  /** The context facts. */
  readonly context: ContextFacts;
  /** The run's target location, already filled in by the coordinator. */
  readonly target: string | undefined;
  /** The run's `cacheKeyFn` key (its result is then written to the task's result). */
  readonly cacheKey: string | undefined;
}

/** The answer to a {@link TaskRunRequest}. */
export interface TaskRunReply {
  /** The version of this reply's shape. */
  readonly contract: 1;
  /** The state the run ended in (Success, Failed, TimedOut, Looped, Skipped, Retrying, Paused, ...). */
  readonly state: EncodedState;
}

/** What an executor is given: one task run, to run here or to send elsewhere. */
export interface TaskRun {
  /** The task (the executor may read its options: `tags`, `timeout`, ...). */
  readonly task: AnyTask;
  /** The task's slug in its flow. */
  readonly slug: string;
  /** The child's index, for a mapped child. */
  readonly mapIndex: number | undefined;
  /** `name`, or `name[i]` for a mapped child. */
  readonly fullName: string;
  /** Aborted when the flow run is cancelled: an executor stops the task run where it is. */
  readonly signal: AbortSignal | undefined;
  /** Runs the task run in this process (synchronously for a synchronous task). */
  runHere(): MaybePromise<State>;
  /**
   * The task run as plain data. Throws a NotSerializableError naming the input or context key when
   * a value cannot be sent (the run then fails before anything is sent).
   */
  request(): TaskRunRequest;
  /** The state a worker's reply stands for. */
  accept(reply: TaskRunReply): State;
}

/** Where task runs happen. */
export interface Executor {
  /** A short name for logs (`local`, `concurrent`, `threads`, ...). */
  readonly name: string;
  /** How many task runs the flow runner may have in flight at once. */
  readonly maxConcurrency: number;
  /**
   * True when task runs happen in this process: the flow's tasks then need not be importable from a
   * module, and values are never encoded.
   */
  readonly inProcess?: boolean;
  /** Called before each flow run that uses the executor (e.g. to start threads or connect, once). */
  start?(): Promise<void> | void;
  /**
   * Releases threads, connections, ... Executors outlive flow runs (a pool of threads is reused by
   * every run), so this is the owner's call, never the flow runner's.
   */
  shutdown?(): Promise<void> | void;
  /**
   * Runs one task run and returns its final state (a task's failure is a state, not a rejection;
   * a rejection is an executor failure and fails that task run, naming it).
   */
  submit(run: TaskRun): MaybePromise<State>;
}
