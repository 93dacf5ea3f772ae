/**
 * The state hierarchy of Prefect 1, one class per state. A state is an immutable record of where a
 * task or flow run stands; predicates are `instanceof` checks, so `Skipped`, `Cached` and `Mapped`
 * are successful and `Cancelled` is not failed.
 * @module
 */
import { FlowsmithError, ResultError } from "../errors";
import { messages } from "../messages";

/** Something that can read a persisted value back (a `Result`); kept minimal to avoid a cycle. */
export interface ResultReader {
  read(location: string): Promise<{ value: unknown }>;
}

/** Where a persisted value lives, so a state whose value was dropped can fetch it again. */
export interface PersistedRef {
  readonly result: ResultReader;
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
  readonly message: string | undefined;
  readonly result: R;
  /** Milliseconds since the epoch when the state was created. */
  readonly timestamp: number;
  readonly persisted: PersistedRef | undefined;
  readonly resultDropped: boolean;
  readonly context: Record<string, unknown> | undefined;
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

  isPending(): boolean { return this instanceof Pending; }
  /** Scheduled or Queued (Retrying, Paused and Resume are Scheduled). */
  isScheduled(): boolean { return this instanceof Scheduled || this instanceof Queued; }
  isRetrying(): boolean { return this instanceof Retrying; }
  isRunning(): boolean { return this instanceof Running; }
  isFinished(): boolean { return this instanceof Finished; }
  /** Success, and its kinds Cached, Mapped and Skipped. */
  isSuccessful(): boolean { return this instanceof Success; }
  /** Failed and its kinds (TimedOut, TriggerFailed, ValidationFailed); Cancelled is not failed. */
  isFailed(): boolean { return this instanceof Failed; }
  isSkipped(): boolean { return this instanceof Skipped; }
  isMapped(): boolean { return this instanceof Mapped; }
  isCached(): boolean { return this instanceof Cached; }
  isLooped(): boolean { return this instanceof Looped; }
  isPaused(): boolean { return this instanceof Paused; }
  isSubmitted(): boolean { return this instanceof Submitted; }
  isQueued(): boolean { return this instanceof Queued; }
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

  toString(): string {
    return this.message === undefined ? `<${this.type}>` : `<${this.type}: ${JSON.stringify(this.message)}>`;
  }
}

export class Pending<R = unknown> extends State<R> { static override color = "#7ebdff"; }

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
  override toOptions(): StateOptions<R> { return { ...super.toOptions(), startTime: this.startTime }; }
}

export class Paused<R = unknown> extends Scheduled<R> {
  static override color = "#99a8e8";
  protected override defaultStartTime(): Date | null { return null; }
}
export class Resume<R = unknown> extends Scheduled<R> { static override color = "#f58c0c"; }

export class Retrying<R = unknown> extends Scheduled<R> {
  static override color = "#f66a0a";
  /** How many runs have already happened. */
  readonly runCount: number;
  constructor(messageOrOptions?: string | StateOptions<R>) {
    super(messageOrOptions);
    const o = typeof messageOrOptions === "object" ? messageOrOptions : undefined;
    this.runCount = o?.runCount ?? 1;
  }
  override toOptions(): StateOptions<R> { return { ...super.toOptions(), runCount: this.runCount }; }
}

export class Submitted<R = unknown> extends State<R> { static override color = "#ffdf5d"; }
export class Queued<R = unknown> extends State<R> { static override color = "#ffea7f"; }
export class Running<R = unknown> extends State<R> { static override color = "#3d67ff"; }
export class Finished<R = unknown> extends State<R> { static override color = "#003ccb"; }

export class Looped<R = unknown> extends Finished<R> {
  static override color = "#003ccb";
  readonly loopCount: number;
  constructor(messageOrOptions?: string | StateOptions<R>) {
    super(messageOrOptions);
    const o = typeof messageOrOptions === "object" ? messageOrOptions : undefined;
    this.loopCount = o?.loopCount ?? 1;
  }
  override toOptions(): StateOptions<R> { return { ...super.toOptions(), loopCount: this.loopCount }; }
}

export class Success<R = unknown> extends Finished<R> { static override color = "#28a745"; }

export class Cached<R = unknown> extends Success<R> {
  static override color = "#34d058";
  readonly cachedParameters: Record<string, unknown> | undefined;
  readonly cachedResultExpiration: Date | null;
  readonly hashedInputs: string | undefined;
  constructor(messageOrOptions?: string | StateOptions<R>) {
    super(messageOrOptions);
    const o = typeof messageOrOptions === "object" ? messageOrOptions : undefined;
    this.cachedParameters = o?.cachedParameters;
    this.cachedResultExpiration = o?.cachedResultExpiration ?? null;
    this.hashedInputs = o?.hashedInputs;
  }
  override toOptions(): StateOptions<R> {
    return {
      ...super.toOptions(),
      cachedParameters: this.cachedParameters,
      cachedResultExpiration: this.cachedResultExpiration,
      hashedInputs: this.hashedInputs,
    };
  }
}

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
  override toOptions(): StateOptions<R> {
    return { ...super.toOptions(), mapStates: this.mapStates, nMapStates: this.nMapStates };
  }
}

export class Skipped<R = unknown> extends Success<R> { static override color = "#62757f"; }
export class Cancelled<R = unknown> extends Finished<R> { static override color = "#bdbdbd"; }
export class Failed<R = unknown> extends Finished<R> { static override color = "#eb0000"; }
export class TimedOut<R = unknown> extends Failed<R> { static override color = "#ff4e33"; }
export class TriggerFailed<R = unknown> extends Failed<R> { static override color = "#ff5131"; }
export class ValidationFailed<R = unknown> extends Failed<R> { static override color = "#ff5131"; }

/** Every state class by name: used to rebuild states that crossed a thread or process boundary. */
export const stateClasses = {
  State, Pending, Scheduled, Paused, Resume, Retrying, Submitted, Queued, Running, Finished, Looped,
  Success, Cached, Mapped, Skipped, Cancelled, Failed, TimedOut, TriggerFailed, ValidationFailed,
} as const;

for (const [name, cls] of Object.entries(stateClasses)) (cls as typeof State).stateName = name;

/** A state class. */
export type StateClass = (typeof stateClasses)[keyof typeof stateClasses];
