/**
 * Signals: small errors a task's `run` throws to choose its own state (`throw new signals.SKIP()`).
 * The runner turns each into its state; the state's result is the signal itself unless a
 * `result` is given.
 * @module
 */
import { FlowsmithError } from "../errors";
import { currentContext } from "./context";
import {
  Failed, Looped, Paused, Retrying, Skipped, State, StateOptions, Success, TriggerFailed, ValidationFailed,
} from "./state";

/** Options a state signal takes: the fields of the state it produces. */
export type SignalOptions = Omit<StateOptions, "message">;

/** Base of the signals; `instanceof` survives worker threads (see {@link FlowsmithError}). */
export class FlowsmithSignal extends FlowsmithError {}

/** A signal that carries the state it stands for. */
export class StateSignal extends FlowsmithSignal {
  /** The state this signal produces. */
  readonly state: State;
  /** The state class this signal produces. */
  static readonly stateClass: new (o: StateOptions) => State = Failed;

  constructor(message?: string, options: SignalOptions = {}) {
    super(message ?? "");
    const Cls = (new.target as unknown as typeof StateSignal).stateClass;
    this.state = new Cls({ message, ...options, result: "result" in options ? options.result : this });
  }
}

/** Finish the task successfully (the `result` option is its value). */
export class SUCCESS extends StateSignal {
  /** The state class this signal produces: {@link Success}. */
  static override readonly stateClass: new (o: StateOptions) => State = Success;
}
/** Fail the task (it is retried if it has retries left and `retryOn` allows). */
export class FAIL extends StateSignal {
  /** The state class this signal produces: {@link Failed}. */
  static override readonly stateClass: new (o: StateOptions) => State = Failed;
}
/** Raised by a trigger that did not pass: the task is TriggerFailed and not retried. */
export class TRIGGERFAIL extends FAIL {
  /** The state class this signal produces: {@link TriggerFailed}. */
  static override readonly stateClass = TriggerFailed;
}
/** The task's inputs were invalid: ValidationFailed. */
export class VALIDATIONFAIL extends FAIL {
  /** The state class this signal produces: {@link ValidationFailed}. */
  static override readonly stateClass = ValidationFailed;
}
/** Retry now, or at `startTime`, even past `maxRetries`. */
export class RETRY extends StateSignal {
  /** The state class this signal produces: {@link Retrying}. */
  static override readonly stateClass: new (o: StateOptions) => State = Retrying;
  constructor(message?: string, options: SignalOptions = {}) {
    // Like Prefect's Retrying: the run count defaults to the current task run's, so the next run counts on.
    super(message, options.runCount === undefined ? { ...options, runCount: currentContext()?.taskRunCount } : options);
  }
}
/** Skip the task; downstream tasks skip too unless `skipOnUpstreamSkip: false`. */
export class SKIP extends StateSignal {
  /** The state class this signal produces: {@link Skipped}. */
  static override readonly stateClass: new (o: StateOptions) => State = Skipped;
}
/** Pause the task until it is resumed (or until `startTime`). */
export class PAUSE extends StateSignal {
  /** The state class this signal produces: {@link Paused}. */
  static override readonly stateClass: new (o: StateOptions) => State = Paused;
}
/** Run the task again at once with `context.taskLoopResult` set to `result`. */
export class LOOP extends StateSignal {
  /** The state class this signal produces: {@link Looped}. */
  static override readonly stateClass: new (o: StateOptions) => State = Looped;
  constructor(messageOrOptions?: string | SignalOptions, options: SignalOptions = {}) {
    const message = typeof messageOrOptions === "string" ? messageOrOptions : undefined;
    const opts = typeof messageOrOptions === "object" ? messageOrOptions : options;
    super(message, opts);
  }
}

/** Stop the runner's pipeline and return `state` as it is. */
export class ENDRUN extends FlowsmithSignal {
  constructor(
    /** The state the runner returns as it is. */
    readonly state: State,
  ) {
    super(state.message ?? state.type);
  }
}

/** Every signal, in one object: `signals.SKIP`, `signals.RETRY`, ... */
export const signals = {
  /** Finish the task successfully: {@link Success}. */
  SUCCESS,
  /** Fail the task: {@link Failed} (retried if retries are left). */
  FAIL,
  /** A trigger did not pass: {@link TriggerFailed}. */
  TRIGGERFAIL,
  /** The inputs were invalid: {@link ValidationFailed}. */
  VALIDATIONFAIL,
  /** Retry the task: {@link Retrying}. */
  RETRY,
  /** Skip the task: {@link Skipped}. */
  SKIP,
  /** Pause the task: {@link Paused}. */
  PAUSE,
  /** Run the task again: {@link Looped}. */
  LOOP,
  /** Stop the runner's pipeline with a given state. */
  ENDRUN,
};
