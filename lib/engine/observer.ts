/**
 * Observing a run: a read-only stream of every flow and task state change (mapped children
 * included), whatever the executor, since state changes are the coordinator's. The command line's
 * live progress is built on it; users can feed metrics or traces from it.
 *
 * An observer cannot change a state (that is what state handlers are for). One that throws is
 * logged at `error` and the run goes on.
 * @module
 */
import type { Flow } from "../core/flow";
import type { AnyTask } from "../core/task";
import type { RunContext } from "./context";
import type { State } from "./state";

/** A task run's state changed (a mapped child's too: see `mapIndex`). */
export interface TaskStateChange {
  readonly kind: "task";
  /** The flow run. */
  readonly flowRunId: string;
  /** The task, and its slug in the flow. */
  readonly task: AnyTask;
  readonly slug: string;
  /** The child's index, for a mapped child. */
  readonly mapIndex: number | undefined;
  /** `name`, or `name[i]` for a mapped child. */
  readonly fullName: string;
  /** 1 on the first run, 2 on the first retry, ... */
  readonly runCount: number;
  readonly oldState: State;
  /** The new state (after the state handlers had their say); `newState.timestamp` is when. */
  readonly newState: State;
}

/** The flow run's state changed. */
export interface FlowStateChange {
  readonly kind: "flow";
  readonly flowRunId: string;
  readonly flow: Flow;
  readonly oldState: State;
  readonly newState: State;
}

/** One state change of a run. */
export type RunEvent = TaskStateChange | FlowStateChange;

/** Sees every state change of a run; must not throw (if it does, the error is logged and ignored). */
export type RunObserver = (event: RunEvent) => void;

/** @internal The context key under which a run keeps its observers' dispatcher. */
export const OBSERVE_KEY = "_observe";

/** @internal One function calling every observer; an observer's error is logged, never the run's. */
export function dispatcher(observers: readonly RunObserver[], ctx: RunContext): RunObserver | undefined {
  if (observers.length === 0) return undefined;
  return (event) => {
    for (const observe of observers) {
      try {
        observe(event);
      } catch (err) {
        ctx.logger?.error({ err }, `A run observer threw on a ${event.kind} state change (ignored): ${(err as Error)?.message ?? String(err)}`);
      }
    }
  };
}

/** @internal Reports a task run's state change to the run's observers, if it has any. */
export function observeTask(ctx: RunContext, task: AnyTask, oldState: State, newState: State): void {
  const observe = ctx[OBSERVE_KEY] as RunObserver | undefined;
  if (!observe) return;
  observe({
    kind: "task",
    flowRunId: ctx.flowRunId ?? "",
    task,
    slug: ctx.taskSlug ?? task.name,
    mapIndex: ctx.mapIndex,
    fullName: ctx.taskFullName ?? task.name,
    runCount: ctx.taskRunCount ?? 1,
    oldState,
    newState,
  });
}
