/**
 * The state hierarchy of Prefect 1, one class per state. A state is an immutable record of where a
 * task or flow run stands; predicates are `instanceof` checks, so `Skipped`, `Cached` and `Mapped`
 * are successful and `Cancelled` is not failed.
 * @module
 */
import { FlowsmithError, ResultError, TaskNotFoundError, TaskResultError } from "../errors";
import { messages } from "../messages";
import type { AnyTask } from "../core/task";
import type { ResultOf } from "../core/types";

/** Something that can read a persisted value back (a `Result`); kept minimal to avoid a cycle. */
export interface ResultReader {
  /** Reads the value stored at `location`. */
  read(location: string): Promise<{
    /** The value read back. */
    value: unknown;
  }>;
}

/** Where a persisted value lives, so a state whose value was dropped can fetch it again. */
export interface PersistedRef {
  /** The `Result` the value was written with (and can be read back with). */
  readonly result: ResultReader;
  /** Where the value was written: a location understood by `result` (e.g. a file path). */
  readonly location: string;
}

/** Options every state constructor takes (or a plain message string). */
export interface StateOptions<R = unknown> {
  /** A human-readable explanation. */
  message?: string;
  /** The value (for a failed state, the Error). */
  result?: R;
  /** When a Scheduled state (Retrying, Paused, ...) may start; `null` waits for a manual resume. */
  startTime?: Date | null;
  /** How many runs a Retrying task has already had. */
  runCount?: number;
  /** Which loop iteration a Looped state finished. */
  loopCount?: number;
  /** The children's states of a Mapped task. */
  mapStates?: State[];
  /** How many children a Mapped task has (before their states are known). */
  nMapStates?: number;
  /** The inputs a Cached state was computed from. */
  cachedInputs?: Record<string, unknown>;
  /** The parameters a Cached state was computed with. */
  cachedParameters?: Record<string, unknown>;
  /** A hash of the inputs a Cached state was computed from. */
  hashedInputs?: string;
  /** When a Cached state stops being valid (`null`: never). */
  cachedResultExpiration?: Date | null;
  /** Where the value was persisted, if it was. */
  persisted?: PersistedRef;
  /** Whether the in-memory value was dropped after persisting (`cacheResultInMemory: false`). */
  resultDropped?: boolean;
  /** Free-form context carried by the state (e.g. a looping task's loop result). */
  context?: Record<string, unknown>;
}

/** Options for `getResult`. */
export interface GetResultOptions {
  /** Throw the stored error of a failed state (default `true`). */
  raiseOnFailure?: boolean;
}

/** The base of every state. */
export class State<R = unknown> {
  /** The colour Prefect uses for this state (for visualisations). */
  static readonly color: string = "#696969";
  /** A human-readable explanation of the state, if one was given. */
  readonly message: string | undefined;
  /**
   * The value of the run: a task's return value, a flow's `Map` of every task to its state, or,
   * for a failed state, the Error (or signal). Prefer {@link getResult} / {@link fetchResult},
   * which also handle a value dropped from memory.
   */
  readonly result: R;
  /** Milliseconds since the epoch when the state was created. */
  readonly timestamp: number;
  /** Where the result was persisted, when it was (checkpointing, a target, `persistResult`). */
  readonly persisted: PersistedRef | undefined;
  /**
   * Whether the in-memory result was dropped after being persisted (`cacheResultInMemory: false`);
   * `result` is then `undefined`: read the value with {@link fetchResult}. @default false
   */
  readonly resultDropped: boolean;
  /** Free-form context carried by the state (e.g. a looping task's `taskLoopCount` and `taskLoopResult`). */
  readonly context: Record<string, unknown> | undefined;
  /** The inputs a Cached state's result was computed from (checked by the input cache validators). */
  readonly cachedInputs: Record<string, unknown> | undefined;

  constructor(messageOrOptions?: string | StateOptions<R>) {
    this.timestamp = Date.now();
    if (typeof messageOrOptions === "object") {
      const o = messageOrOptions;
      this.message = o.message;
      this.result = o.result as R;
      this.persisted = o.persisted;
      this.resultDropped = o.resultDropped ?? false;
      this.context = o.context;
      this.cachedInputs = o.cachedInputs;
    } else {
      // A plain message: no options object is allocated (states are made on the hot path).
      this.message = messageOrOptions;
      this.result = undefined as R;
      this.persisted = undefined;
      this.resultDropped = false;
      this.context = undefined;
      this.cachedInputs = undefined;
    }
  }

  /** The name of this state's class (stable even when minified: set per class below). */
  get type(): string {
    return (this.constructor as typeof State).stateName;
  }

  /** @internal */
  static stateName = "State";

  /** Pending and its kinds (Scheduled, Paused, Resume, Retrying): the run has not started. */
  isPending(): boolean { return this instanceof Pending; }
  /** Scheduled or Queued (Retrying, Paused and Resume are Scheduled). */
  isScheduled(): boolean { return this instanceof Scheduled || this instanceof Queued; }
  /** Retrying: a failed run waiting for its next attempt. */
  isRetrying(): boolean { return this instanceof Retrying; }
  /** Running. */
  isRunning(): boolean { return this instanceof Running; }
  /** Finished and its kinds: Success (Cached, Mapped, Skipped), Failed (TimedOut, TriggerFailed, ValidationFailed), Looped and Cancelled. */
  isFinished(): boolean { return this instanceof Finished; }
  /** Success, and its kinds Cached, Mapped and Skipped. */
  isSuccessful(): boolean { return this instanceof Success; }
  /** Failed and its kinds (TimedOut, TriggerFailed, ValidationFailed); Cancelled is not failed. */
  isFailed(): boolean { return this instanceof Failed; }
  /** Skipped (which is also successful). */
  isSkipped(): boolean { return this instanceof Skipped; }
  /** Mapped: a mapped task whose children ran (which is also successful). */
  isMapped(): boolean { return this instanceof Mapped; }
  /** Cached: the result came from a cache or an existing target (which is also successful). */
  isCached(): boolean { return this instanceof Cached; }
  /** Looped: one iteration of a `LOOP` finished. */
  isLooped(): boolean { return this instanceof Looped; }
  /** Paused: waiting for a manual resume (or for its `startTime`). */
  isPaused(): boolean { return this instanceof Paused; }
  /** Submitted. */
  isSubmitted(): boolean { return this instanceof Submitted; }
  /** Queued. */
  isQueued(): boolean { return this instanceof Queued; }
  /** Cancelled (which is finished but not failed). */
  isCancelled(): boolean { return this instanceof Cancelled; }

  /**
   * The value of this state. For a failed state, throws the stored error unless
   * `raiseOnFailure: false`. Throws if the value was dropped from memory: use {@link fetchResult}.
   */
  getResult(opts: GetResultOptions = {}): R {
    if (this.resultDropped) throw new ResultError(messages.resultDropped(this.toString()));
    if ((opts.raiseOnFailure ?? true) && this.isFailed()) {
      const r: unknown = this.result;
      if (r instanceof Error) throw r;
      throw new FlowsmithError(this.message ?? this.toString(), { cause: r });
    }
    return this.result;
  }

  /** Like {@link getResult}, but reads a dropped value back from where it was persisted. */
  async fetchResult(opts: GetResultOptions = {}): Promise<R> {
    if (this.resultDropped && this.persisted) {
      const read = await this.persisted.result.read(this.persisted.location);
      return read.value as R;
    }
    return this.getResult(opts);
  }

  /** Prefect's equality: the same class and result, ignoring message, context and timestamp. */
  equals(other: unknown): boolean {
    return other instanceof State && other.constructor === this.constructor && Object.is(other.result, this.result);
  }

  /** A copy of this state with some fields replaced. */
  with(overrides: StateOptions<R>): this {
    const Ctor = this.constructor as new (o: StateOptions<R>) => this;
    return new Ctor({ ...this.toOptions(), ...overrides });
  }

  /** @internal The options that rebuild this state. */
  toOptions(): StateOptions<R> {
    const o: StateOptions<R> = { message: this.message, result: this.result };
    if (this.persisted) o.persisted = this.persisted;
    if (this.resultDropped) o.resultDropped = true;
    if (this.context) o.context = this.context;
    if (this.cachedInputs) o.cachedInputs = this.cachedInputs;
    return o;
  }

  /** `<Type>`, or `<Type: "message">` when the state has a message. */
  toString(): string {
    return this.message === undefined ? `<${this.type}>` : `<${this.type}: ${JSON.stringify(this.message)}>`;
  }

  /**
   * The state of `task` in this flow run's final state (whose `result` maps every task to its
   * state), typed by what the task produces: `flowState.taskState(total).result` is a `number`
   * when `total` returns one (for a successful state; a failed state's `result` is its Error).
   *
   * @throws ResultError when this is not a flow run's final state.
   * @throws TaskNotFoundError when `task` has no state in it (not a task of the flow: `call` and
   *   `map` return copies, pass the copy; or left out by the run's `returnTasks`).
   */
  taskState<T extends AnyTask>(task: T): State<ResultOf<T>> {
    const states: unknown = this.result;
    if (!(states instanceof Map)) throw new ResultError(messages.notAFlowState(this.toString()));
    const state = states.get(task) as State<ResultOf<T>> | undefined;
    if (state === undefined) throw new TaskNotFoundError(messages.taskNotInFlowState(String(task), this.toString()));
    return state;
  }

  /**
   * The value `task` produced in this flow run, typed, with no cast: its output, or for a mapped
   * task (`t.map(...)`) the list of its children's outputs. Only a value that exists is returned:
   * a task (or any mapped child) that failed, was skipped or cancelled, or did not finish throws.
   *
   * @throws TaskResultError naming the task, its state (or the child's) and, as `cause`, the
   *   error it failed with.
   * @throws ResultError / TaskNotFoundError as {@link taskState}; ResultError when the value was
   *   dropped from memory after it was persisted (read it with `await taskState(task).fetchResult()`).
   */
  resultOf<T extends AnyTask>(task: T): ResultOf<T> {
    const state = this.taskState(task);
    if (state instanceof Mapped) {
      const children = state.mapStates;
      for (let i = 0; i < children.length; i++) {
        const child = children[i];
        if (hasValue(child)) continue;
        const what = child === undefined ? "without a state" : child.toString();
        throw new TaskResultError(messages.mappedChildHasNoResult(String(task), `${task.name}[${i}]`, what), child ?? state, {
          cause: child?.result,
        });
      }
    } else if (!hasValue(state)) {
      throw new TaskResultError(messages.taskHasNoResult(String(task), state.toString()), state, { cause: state.result });
    }
    return state.getResult();
  }
}

/** Whether a task's final state holds a value: a success that is not a skip. */
function hasValue(state: State | undefined): boolean {
  return state instanceof Success && !(state instanceof Skipped);
}

/** Not started yet; its kinds (Scheduled, Paused, Resume, Retrying) are waiting for something. */
export class Pending<R = unknown> extends State<R> { static override color = "#7ebdff"; }

/** Pending until `startTime`. */
export class Scheduled<R = unknown> extends Pending<R> {
  static override color = "#ffab00";
  /** When the run may start; `null` means "wait for a manual resume" (Paused). */
  readonly startTime: Date | null;
  constructor(messageOrOptions?: string | StateOptions<R>) {
    super(messageOrOptions);
    const o = typeof messageOrOptions === "object" ? messageOrOptions : undefined;
    this.startTime = o?.startTime === undefined ? this.defaultStartTime() : o.startTime;
  }
  protected defaultStartTime(): Date | null { return new Date(this.timestamp); }
  /** @internal */
  override toOptions(): StateOptions<R> { return { ...super.toOptions(), startTime: this.startTime }; }
}

/** Scheduled with no start time: waits for a manual resume (`resumeTasks`), or until `startTime` if one is given. */
export class Paused<R = unknown> extends Scheduled<R> {
  static override color = "#99a8e8";
  protected override defaultStartTime(): Date | null { return null; }
}
/** A paused task that was resumed: it runs with `context.resume` set, so `pauseTask` returns and `manualOnly` passes. */
export class Resume<R = unknown> extends Scheduled<R> { static override color = "#f58c0c"; }

/** A failed run that will run again at `startTime` (after the task's `retryDelay`). */
export class Retrying<R = unknown> extends Scheduled<R> {
  static override color = "#f66a0a";
  /** How many runs have already happened. @default 1 */
  readonly runCount: number;
  constructor(messageOrOptions?: string | StateOptions<R>) {
    super(messageOrOptions);
    const o = typeof messageOrOptions === "object" ? messageOrOptions : undefined;
    this.runCount = o?.runCount ?? 1;
  }
  /** @internal */
  override toOptions(): StateOptions<R> { return { ...super.toOptions(), runCount: this.runCount }; }
}

/** Handed to an executor, not running yet. */
export class Submitted<R = unknown> extends State<R> { static override color = "#ffdf5d"; }
/** Waiting for a free slot (e.g. a concurrency limit) before it can run. */
export class Queued<R = unknown> extends State<R> { static override color = "#ffea7f"; }
/** The run is in progress. */
export class Running<R = unknown> extends State<R> { static override color = "#3d67ff"; }
/** The run is over; base of Success, Failed, Looped and Cancelled. */
export class Finished<R = unknown> extends State<R> { static override color = "#003ccb"; }

/** One iteration of a `LOOP` signal finished; the task runs again with `context.taskLoopResult`. */
export class Looped<R = unknown> extends Finished<R> {
  static override color = "#003ccb";
  /** Which loop iteration finished (1 for the first). @default 1 */
  readonly loopCount: number;
  constructor(messageOrOptions?: string | StateOptions<R>) {
    super(messageOrOptions);
    const o = typeof messageOrOptions === "object" ? messageOrOptions : undefined;
    this.loopCount = o?.loopCount ?? 1;
  }
  /** @internal */
  override toOptions(): StateOptions<R> { return { ...super.toOptions(), loopCount: this.loopCount }; }
}

/** The run succeeded; `result` is the value. Cached, Mapped and Skipped are kinds of Success. */
export class Success<R = unknown> extends Finished<R> { static override color = "#28a745"; }

/** A success reused from a cache (`cacheFor`, `cacheKeyFn`) or an existing `target`: `run` was not called. */
export class Cached<R = unknown> extends Success<R> {
  static override color = "#34d058";
  /** The flow parameters the cached result was computed with. */
  readonly cachedParameters: Record<string, unknown> | undefined;
  /** When the cached result stops being valid; `null` means it never expires. @default null */
  readonly cachedResultExpiration: Date | null;
  /** A hash of the inputs the cached result was computed from. */
  readonly hashedInputs: string | undefined;
  constructor(messageOrOptions?: string | StateOptions<R>) {
    super(messageOrOptions);
    const o = typeof messageOrOptions === "object" ? messageOrOptions : undefined;
    this.cachedParameters = o?.cachedParameters;
    this.cachedResultExpiration = o?.cachedResultExpiration ?? null;
    this.hashedInputs = o?.hashedInputs;
  }
  /** @internal */
  override toOptions(): StateOptions<R> {
    return {
      ...super.toOptions(),
      cachedParameters: this.cachedParameters,
      cachedResultExpiration: this.cachedResultExpiration,
      hashedInputs: this.hashedInputs,
    };
  }
}

/** A mapped task whose children ran: `mapStates` holds their states and `result` the list of their results. */
export class Mapped<R = unknown[]> extends Success<R> {
  static override color = "#003ccb";
  /** The children's states, in map-index order. */
  readonly mapStates: State[];
  /** How many children there are. */
  readonly nMapStates: number;
  constructor(messageOrOptions?: string | StateOptions<R>) {
    super(messageOrOptions);
    const o = typeof messageOrOptions === "object" ? messageOrOptions : undefined;
    this.mapStates = o?.mapStates ?? [];
    this.nMapStates = o?.nMapStates ?? this.mapStates.length;
  }
  /** @internal */
  override toOptions(): StateOptions<R> {
    return { ...super.toOptions(), mapStates: this.mapStates, nMapStates: this.nMapStates };
  }
}

/** Skipped (a `SKIP` signal, a skipped upstream task, a branch not taken); counts as successful. */
export class Skipped<R = unknown> extends Success<R> { static override color = "#62757f"; }
/** The run was cancelled: finished, but neither successful nor failed. */
export class Cancelled<R = unknown> extends Finished<R> { static override color = "#bdbdbd"; }
/** The run failed; `result` is the Error (or signal). TimedOut, TriggerFailed and ValidationFailed are kinds of Failed. */
export class Failed<R = unknown> extends Finished<R> { static override color = "#eb0000"; }
/** The run took longer than the task's `timeout`. */
export class TimedOut<R = unknown> extends Failed<R> { static override color = "#ff4e33"; }
/** The task's trigger did not pass, so it did not run (it is not retried). */
export class TriggerFailed<R = unknown> extends Failed<R> { static override color = "#ff5131"; }
/** The task's inputs did not pass validation (`@Inputs`), so it did not run. */
export class ValidationFailed<R = unknown> extends Failed<R> { static override color = "#ff5131"; }

/** Every state class by name: used to rebuild states that crossed a thread or process boundary. */
export const stateClasses = {
  /** {@link State} */
  State,
  /** {@link Pending} */
  Pending,
  /** {@link Scheduled} */
  Scheduled,
  /** {@link Paused} */
  Paused,
  /** {@link Resume} */
  Resume,
  /** {@link Retrying} */
  Retrying,
  /** {@link Submitted} */
  Submitted,
  /** {@link Queued} */
  Queued,
  /** {@link Running} */
  Running,
  /** {@link Finished} */
  Finished,
  /** {@link Looped} */
  Looped,
  /** {@link Success} */
  Success,
  /** {@link Cached} */
  Cached,
  /** {@link Mapped} */
  Mapped,
  /** {@link Skipped} */
  Skipped,
  /** {@link Cancelled} */
  Cancelled,
  /** {@link Failed} */
  Failed,
  /** {@link TimedOut} */
  TimedOut,
  /** {@link TriggerFailed} */
  TriggerFailed,
  /** {@link ValidationFailed} */
  ValidationFailed,
} as const;

for (const [name, cls] of Object.entries(stateClasses)) (cls as typeof State).stateName = name;

/** A state class. */
export type StateClass = (typeof stateClasses)[keyof typeof stateClasses];
