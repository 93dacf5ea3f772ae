/**
 * Pausing a task for a manual go-ahead (Prefect's `pause_task` and the `manualOnly` trigger), and
 * resuming it without a CLI.
 *
 * ```ts
 * const approve = task(async function approve() {
 *   await pauseTask("waiting for approval");        // throws PAUSE unless the task is being resumed
 *   return "approved";
 * });
 * const flow = Flow.build("release", () => { deploy.call({ ok: approve.call() }); });
 *
 * const first = await flow.run();                   // Running: approve is Paused, deploy not run
 * const done = await flow.run({ taskStates: resumeTasks(first) });   // Success
 * ```
 *
 * A paused task stops the run of everything downstream of it; the flow run returns a Running state
 * whose `result` maps every task to its state. To resume, run the flow again with
 * `taskStates: new Map([...previous.result, [task, new Resume()]])`: finished tasks are reused,
 * the resumed task runs with `context.resume` set (so `pauseTask` returns and `manualOnly`
 * passes), and the rest of the flow follows. {@link resumeTasks} builds that map. Note that the
 * whole task runs again after a resume, code before `pauseTask` included.
 *
 * With `{ duration }` the pause ends by itself: the task is Paused until then, and the same flow
 * run resumes it when the time comes.
 * @module
 */
import { InvalidOptionError } from "../errors";
import type { AnyTask } from "../core/task";
import { context } from "../engine/context";
import { PAUSE } from "../engine/signals";
import { Mapped, Paused, Resume, State } from "../engine/state";
import { taskMessages } from "./messages";

/** Options of {@link pauseTask}. */
export interface PauseOptions {
  /** Resume by itself after this many milliseconds. @default wait for a manual resume */
  duration?: number;
}

/**
 * Pauses the running task (throws `PAUSE`, the task becomes Paused) unless it is being resumed
 * (`context.resume`). Call it inside a task's `run`. It throws synchronously, so it works both as
 * `await pauseTask()` in an async run and as `pauseTask()` in a sync one.
 */
export function pauseTask(message?: string, opts: PauseOptions = {}): Promise<void> {
  const d = opts.duration;
  if (d !== undefined && !(typeof d === "number" && Number.isFinite(d) && d >= 0)) throw new InvalidOptionError(taskMessages.pauseDurationInvalid(d));
  if (context.get("resume", false)) return Promise.resolve();
  const startTime = d === undefined ? null : new Date(Date.now() + d);
  throw new PAUSE(message ?? "Pause signal raised during task execution.", { startTime });
}

/**
 * The `taskStates` that resume a paused flow run: every task's state from `flowState.result`, with
 * each Paused task (or, with `tasks`, each Paused task among them) replaced by `Resume`, and paused
 * children of mapped tasks too. Pass it to `flow.run({ taskStates })`.
 */
export function resumeTasks(flowState: State, tasks?: Iterable<AnyTask>): Map<AnyTask, State> {
  const previous = (flowState as State | undefined)?.result;
  if (!(previous instanceof Map)) throw new InvalidOptionError(taskMessages.resumeNeedsFlowState(previous));
  const only = tasks === undefined ? undefined : new Set(tasks);
  const out = new Map<AnyTask, State>();
  for (const [task, state] of previous as Map<AnyTask, State>) {
    if (only && !only.has(task)) out.set(task, state);
    else if (state instanceof Paused) out.set(task, resumed(state));
    else if (state instanceof Mapped && state.mapStates.some((c) => c instanceof Paused)) {
      const mapStates = state.mapStates.map((c) => (c instanceof Paused ? resumed(c) : c));
      out.set(task, new Mapped({ ...state.toOptions(), mapStates, nMapStates: mapStates.length }));
    } else out.set(task, state);
  }
  return out;
}

function resumed(paused: Paused): Resume {
  return new Resume({ message: "Resumed after a pause.", context: paused.context });
}
