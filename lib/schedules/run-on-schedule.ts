/**
 * The scheduled run loop behind `flow.run({ runOnSchedule: true })` (Prefect 1's `Flow.run` with
 * `run_on_schedule`): sleep until the schedule's next event, run the flow with the event's
 * parameter defaults under the given parameters and `scheduledStartTime` in the context, repeat
 * until the schedule ends or the signal aborts.
 *
 * Late runs: when a run overruns one or more later events, the loop does not replay them in a
 * burst. It runs, at once, the latest event that was missed (every event at that time, when
 * several clocks share it) and skips the earlier ones, with a warning. The latest missed event is
 * the one whose data is freshest, and one catch-up run keeps the flow on its schedule without
 * piling runs on a system that is already behind. (Prefect 1's local loop asked for the next
 * event after "now" and so dropped every missed run, including the latest.)
 * @module
 */
import { setTimeout as sleepFor } from "node:timers/promises";
import type { Logger } from "pino";
import type { ClockEvent } from "./clock-event";
import { NoScheduledRunsError } from "./errors";
import { scheduleMessages } from "./messages";
import { Schedule } from "./schedule";
import type { Flow } from "../core/flow";
import { Pending, Scheduled, type State } from "../engine/state";
import { rootLogger } from "../engine/logging";
import { InvalidOptionError, ParameterError } from "../errors";
import { messages } from "../messages";

/** Where the run loop reads the time and waits: the system clock, or a test's own. */
export interface TimeSource {
  /** The current time, in epoch milliseconds. */
  now(): number;
  /** Resolves after `ms` milliseconds, or as soon as `signal` aborts (resolving or rejecting). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The system clock: `Date.now()` and timers. */
export const systemTime: TimeSource = {
  now: () => Date.now(),
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    try {
      await sleepFor(ms, undefined, { signal });
    } catch (err) {
      if (!signal?.aborted) throw err;
    }
  },
};

/** Options `flow.run` takes on top of its `FlowRunOptions` to run on the flow's schedule. */
export interface ScheduledRunOptions {
  /**
   * Run on the flow's `schedule`: wait for each event and run, until the schedule ends or
   * `signal` aborts; resolves to the last run's state. Unlike Prefect 1, off unless asked for.
   * @default false
   */
  runOnSchedule?: boolean;
  /**
   * Stops the scheduled loop: while it waits, at once; during a run, once that run ends. It is
   * passed on to every run.
   */
  signal?: AbortSignal;
  /** The clock the loop reads and sleeps on. @default the system clock ({@link systemTime}) */
  clock?: TimeSource;
}

/** What the loop needs of a run's options (a subset of `FlowRunOptions`). */
export interface ScheduledRunBase {
  /** Parameter values; each event's `parameterDefaults` go under them. */
  parameters?: Record<string, unknown>;
  /** Context keys; `scheduledStartTime` is set per event. */
  context?: Record<string, unknown>;
  /** Refused: every event starts a run of its own. */
  runId?: string;
  /** Refused: every event starts a run of its own. */
  resumeFrom?: string;
  /** Given to the first run only (as Prefect does). */
  taskStates?: unknown;
  /** Given to the first run only (as Prefect does). */
  taskContexts?: unknown;
  /** Stops the loop; passed on to each run. */
  signal?: AbortSignal;
}

/** The longest single timer Node keeps (about 24.8 days); longer waits are taken in steps. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Runs `flow` on its schedule with `runOnce` (one flow run) until the schedule has no more events
 * or `opts.signal` aborts, and resolves to the last run's state. When the signal aborts before the
 * first run, it resolves to a `Scheduled` state for the event it was waiting for (every task
 * `Pending`). A schedule with no event after now rejects with {@link NoScheduledRunsError}; bad
 * parameters (given or from a clock's `parameterDefaults`) reject before anything waits or runs.
 */
export async function runOnSchedule<O extends ScheduledRunBase>(
  flow: Flow,
  runOnce: (opts: O) => Promise<State>,
  opts: O & ScheduledRunOptions,
): Promise<State> {
  const { runOnSchedule: _on, clock: time = systemTime, ...rest } = opts;
  const base = rest as unknown as O;
  const schedule = flow.options.schedule;
  const name = flow.toString();
  if (!(schedule instanceof Schedule)) throw new InvalidOptionError(scheduleMessages.noSchedule(name));
  for (const option of ["runId", "resumeFrom"] as const) {
    if (base[option] !== undefined) throw new InvalidOptionError(scheduleMessages.oneRunOnly(name, option));
  }
  const given = base.parameters ?? {};
  checkParameters(flow, schedule, given);
  const signal = base.signal;
  const logger = rootLogger().child({ flow: flow.name });

  const events = schedule.events({ after: time.now() });
  let ahead = events.next();
  if (ahead.done) throw new NoScheduledRunsError(scheduleMessages.noMoreRuns(name));
  let last: State | undefined;
  let firstRun = true;

  while (!ahead.done) {
    const batch = dueEvents(ahead.value, time.now(), logger);
    ahead = batch.ahead;
    for (const event of batch.events) {
      if (!(await waitFor(event.time, time, signal, logger))) return last ?? notStarted(flow, event);
      const runOpts = {
        ...base,
        parameters: { ...event.parameterDefaults, ...given },
        context: { ...(base.context ?? {}), scheduledStartTime: new Date(event.time) },
      } as O;
      if (!firstRun) {
        delete runOpts.taskStates;
        delete runOpts.taskContexts;
      }
      firstRun = false;
      last = await runOnce(runOpts);
      if (signal?.aborted) return last;
    }
  }
  return last!;

  /**
   * The events to run next, starting at `head`: just `head` when it is still ahead (or due now);
   * when it was missed (a run overran), the events at the latest missed time, the rest skipped.
   */
  function dueEvents(head: ClockEvent, now: number, log: Logger): { events: ClockEvent[]; ahead: IteratorResult<ClockEvent, void> } {
    let next = events.next();
    if (head.time >= now || next.done || next.value.time > now) return { events: [head], ahead: next };
    const missed = [head];
    while (!next.done && next.value.time <= now) {
      missed.push(next.value);
      next = events.next();
    }
    let latest = -Infinity;
    for (const e of missed) latest = Math.max(latest, e.time);
    const run = missed.filter((e) => e.time === latest);
    if (run.length < missed.length) log.warn(scheduleMessages.skippedLate(missed.length - run.length, latest));
    return { events: run, ahead: next };
  }
}

/** Sleeps until `at`; false when `signal` aborted first. */
async function waitFor(at: number, time: TimeSource, signal: AbortSignal | undefined, logger: Logger): Promise<boolean> {
  let logged = false;
  for (;;) {
    if (signal?.aborted) return false;
    const wait = at - time.now();
    if (wait <= 0) return true;
    if (!logged) {
      logger.info(scheduleMessages.waiting(at));
      logged = true;
    }
    try {
      await time.sleep(Math.min(wait, MAX_TIMER_MS), signal);
    } catch (err) {
      // A clock may reject its sleep on abort (as node's timers do); any other failure is real.
      if (!signal?.aborted) throw err;
    }
  }
}

/** The state of a loop stopped before its first run: Scheduled for `event`, every task Pending. */
function notStarted(flow: Flow, event: ClockEvent): State {
  const tasks = new Map<unknown, State>();
  for (const t of flow.tasks) tasks.set(t, new Pending("Task not run."));
  return new Scheduled({ message: scheduleMessages.stoppedBeforeFirstRun(event.time), startTime: new Date(event.time), result: tasks });
}

/**
 * Before anything waits: the given parameters must be the flow's, each clock's parameter defaults
 * too, and with them every required parameter must have a value.
 */
function checkParameters(flow: Flow, schedule: Schedule, given: Record<string, unknown>): void {
  const params = [...flow.parameters()];
  const names = new Set(params.map((p) => p.name));
  const unknown = Object.keys(given).filter((k) => !names.has(k));
  if (unknown.length) throw new ParameterError(messages.unexpectedParameters(flow.toString(), unknown));
  for (const clock of schedule.clocks) {
    const defaults = clock.parameterDefaults;
    const extra = Object.keys(defaults).filter((k) => !names.has(k));
    if (extra.length) throw new ParameterError(scheduleMessages.clockUnexpectedParameters(flow.toString(), String(clock), extra));
    const missing = params.filter((p) => p.required && !Object.hasOwn(given, p.name) && !Object.hasOwn(defaults, p.name)).map((p) => p.name);
    if (missing.length) throw new ParameterError(scheduleMessages.clockMissingParameters(flow.toString(), String(clock), missing));
  }
}
